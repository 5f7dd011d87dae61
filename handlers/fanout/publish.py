"""Publishing an item: the one path every publisher takes — /publish, feed ingestion, seeding.

``publish_item`` makes a draft published (status, publication time), records the revision
under whoever did it (an admin, a feed, the loader) and, when this process queues alerts
(``Fanout.alerts``, from ``[delivery] enabled``), queues them for the item, fully loaded
(:mod:`handlers.fanout.alerts`). All of it in the caller's unit of work: the item, its revision
and its alerts commit together or not at all.

``record_change`` is how any actor records a revision: the sources the same transaction
created (``storage.editorial.source_for``) become revisions of their own first, so an undo of
the change removes them too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from handlers.fanout import Fanout
from handlers.fanout.alerts import AlertsQueued, queue_alerts
from storage.editorial import CREATED_SOURCES, item_snapshot, source_snapshot
from storage.models import NewsItem, Source
from storage.uow import UnitOfWork

PUBLISHED = "published"


@dataclass(frozen=True)
class Actor:
    """Who makes a change: ``("telegram", "1001", "desk")``, ``("feed", "Le Matin", "feed")``."""

    platform: str
    user_id: str
    #: provenance of the revision (storage.revisions: desk, feed, seed, import)
    origin: str = "desk"


async def record_change(uow: UnitOfWork, actor: Actor, action: str, target: str,
                        before: dict[str, Any] | None = None,
                        after: dict[str, Any] | None = None, **revision: Any) -> int:
    """Record a revision (only the changed fields are kept); its id is the change id."""
    revision.setdefault("origin", actor.origin)
    for source_id in uow.session.info.pop(CREATED_SOURCES, []):  # made by this change
        source = await uow.session.get(Source, source_id)
        if source is not None:
            await uow.audit.record(platform=actor.platform, user_id=actor.user_id,
                                   action="source.add", target=f"source:{source_id}",
                                   after=source_snapshot(source), at=revision.get("at"),
                                   origin=revision["origin"])
    entry = await uow.audit.record(platform=actor.platform, user_id=actor.user_id, action=action,
                                   target=target, before=before, after=after, **revision)
    return entry.id


async def publish_item(uow: UnitOfWork, fanout: Fanout, item: NewsItem, actor: Actor, *,
                       at: dt.datetime) -> AlertsQueued | None:
    """Publish ``item`` and announce it; returns the alerts queued (None: this process queues
    no alerts, ``Fanout.alerts`` is off — the item is published all the same).

    A draft becomes published at ``at`` (or at the time it already carries), with an
    ``item.publish`` revision by ``actor``. An item written as published by a loader (the seed)
    has no publish step of its own: it is only announced."""
    if item.status != PUBLISHED:
        before = item_snapshot(item)
        item.status = PUBLISHED
        item.published_at = item.published_at or at
        await record_change(uow, actor, "item.publish", f"item:{item.id}", before,
                            item_snapshot(item), at=at)
    if not fanout.alerts:
        return None
    # The alert is rendered from this very object: write it and load it whole (its source
    # relationship follows source_id), so nothing is lazy-loaded outside the event loop.
    await uow.session.flush()
    await uow.session.refresh(item)
    return await queue_alerts(uow, fanout, item.id)
