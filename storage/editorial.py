"""Data helpers for the news desk: item snapshots (audit and undo), sources by name, delivered
copies of an item, broadcast recipients and the figures /stats shows.

Everything flushes, nothing commits: the command's unit of work decides.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, Chat, NewsItem, OutboxMessage, Source, Subscription
from storage.outbox import DEAD, PENDING, WITHDRAWN
from storage.text import search_doc

#: outbox kinds that are themselves corrections of an earlier message
CORRECTION_KINDS = ("edit", "correction")


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _from_iso(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def item_snapshot(item: NewsItem) -> dict[str, Any]:
    """The editable state of an item, JSON-ready: an audit entry's before/after, and what undo restores."""
    return {
        "status": item.status, "topics": list(item.topics or []), "title": dict(item.title),
        "body": dict(item.body), "source_id": item.source_id,
        "published_at": _iso(item.published_at), "deleted_at": _iso(item.deleted_at),
        "stale": list(item.stale or []),
    }


def restore_item(item: NewsItem, snap: dict[str, Any]) -> None:
    item.status = snap["status"]
    item.topics = list(snap["topics"])
    item.title = dict(snap["title"])
    item.body = dict(snap["body"])
    item.source_id = snap["source_id"]
    item.published_at = _from_iso(snap["published_at"])
    item.deleted_at = _from_iso(snap["deleted_at"])
    item.stale = list(snap.get("stale") or [])
    item.search_doc = search_doc(item.title, item.body)


def refresh_search_doc(item: NewsItem) -> None:
    item.search_doc = search_doc(item.title, item.body)


async def source_for(session: AsyncSession, name: str | None, url: str | None) -> Source:
    """The source with this name and URL, created when new (its key derives from both)."""
    label = name or (url or "").split("/")[2]
    digest = hashlib.sha256(f"{label}\n{url or ''}".encode()).hexdigest()[:16]
    key = f"admin-{digest}"
    found = (await session.scalars(select(Source).where(Source.key == key))).first()
    if found is not None:
        return found
    source = Source(key=key, title=label, name={"fr": label, "en": label}, language="fr", url=url)
    session.add(source)
    await session.flush()
    # The command that made it records it as a revision of its own (handlers.desk.audit).
    session.info.setdefault(CREATED_SOURCES, []).append(source.id)
    return source


#: ``session.info`` key: ids of the sources this transaction created
CREATED_SOURCES = "created_sources"


def source_snapshot(source: Source) -> dict[str, Any]:
    return {"key": source.key, "title": source.title, "name": dict(source.name),
            "language": source.language, "url": source.url}


def _withdrawn_by(change_id: int) -> str:
    return f"{WITHDRAWN} (change {change_id})"


async def withdraw_pending(session: AsyncSession, item_id: int, change_id: int,
                           now: dt.datetime) -> int:
    """Messages carrying this item that no worker holds (alerts held by quiet hours, or
    queued) are not sent: dead-lettered with the change that deleted it. Returns how many.

    A message a worker has already claimed is on its way and is withdrawn afterwards, like
    any delivered copy."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.item_id == item_id, OutboxMessage.status == PENDING,
               OutboxMessage.kind.not_in(CORRECTION_KINDS),
               or_(OutboxMessage.lease_owner.is_(None), OutboxMessage.lease_until < now))
        .values(status=DEAD, last_error=_withdrawn_by(change_id), lease_owner=None,
                lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def restore_withdrawn(session: AsyncSession, item_id: int, change_id: int) -> int:
    """Undo of the delete: the messages it withdrew are pending again (due when they were),
    and so are those the sender withdrew itself (claimed before the delete, see
    ``OutboxRepository.withdraw``)."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.item_id == item_id, OutboxMessage.status == DEAD,
               OutboxMessage.last_error.in_([_withdrawn_by(change_id), WITHDRAWN]))
        .values(status=PENDING, last_error=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def delivered_copies(session: AsyncSession, item_id: int) -> Sequence[tuple[OutboxMessage, Chat]]:
    """Messages that carried this item to a chat and were sent (corrections excluded)."""
    stmt = (
        select(OutboxMessage, Chat)
        .join(Chat, Chat.id == OutboxMessage.chat_id)
        .where(OutboxMessage.item_id == item_id, OutboxMessage.sent_at.is_not(None),
               OutboxMessage.kind.not_in(CORRECTION_KINDS))
        .order_by(OutboxMessage.id)
    )
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]


async def subscribed_chats(session: AsyncSession) -> Sequence[Chat]:
    """Active chats with a digest or alert subscription: the audience of a broadcast."""
    return [chat for chat, _thread in await subscribed_chat_threads(session)]


async def subscribed_chat_threads(session: AsyncSession) -> list[tuple[Chat, str | None]]:
    """The audience of a broadcast, each chat with the forum topic it reads us in: the alerts'
    topic when alerts are on, else the digest's (None: the chat itself)."""
    stmt = (
        select(Chat, Subscription.alerts, Subscription.alerts_thread_id,
               Subscription.digest_thread_id)
        .join(Subscription, Subscription.chat_id == Chat.id)
        .where(Chat.active.is_(True), (Subscription.digest.is_(True)) | (Subscription.alerts.is_(True)))
        .order_by(Chat.id)
    )
    return [(chat, alerts_thread if alerts else digest_thread)
            for chat, alerts, alerts_thread, digest_thread in (await session.execute(stmt)).all()]


async def last_delete(session: AsyncSession, item_id: int) -> int | None:
    """The audit entry of this item's most recent delete (its change id), if any."""
    return await session.scalar(
        select(AuditEntry.id).where(AuditEntry.action == "item.delete",
                                    AuditEntry.target == f"item:{item_id}")
        .order_by(AuditEntry.id.desc()).limit(1))


async def subscriber_counts(session: AsyncSession) -> list[tuple[str, str, int, int, int]]:
    """(platform, chat kind, chats, with digest, with alerts) for active subscribed chats."""
    stmt = (
        select(Chat.platform, Chat.kind, func.count(),
               func.sum(case((Subscription.digest.is_(True), 1), else_=0)),
               func.sum(case((Subscription.alerts.is_(True), 1), else_=0)))
        .join(Subscription, Subscription.chat_id == Chat.id)
        .where(Chat.active.is_(True))
        .group_by(Chat.platform, Chat.kind).order_by(Chat.platform, Chat.kind)
    )
    return [(p, k, int(n), int(d or 0), int(a or 0)) for p, k, n, d, a in (await session.execute(stmt)).all()]


async def outbox_counts(session: AsyncSession, since: dt.datetime) -> dict[str, int]:
    """Sent and failed since ``since``; pending and dead overall (queue depth); and, of the
    rows created since ``since``, those with a send that got no answer in time (``uncertain``:
    it may have been delivered), by state: sent after all, waiting for a retry, given up."""
    sent = await session.scalar(select(func.count()).where(OutboxMessage.sent_at >= since))
    failed = await session.scalar(select(func.count()).where(
        OutboxMessage.status.in_(("failed", "dead")), OutboxMessage.created_at >= since))
    retrying = await session.scalar(select(func.count()).where(
        OutboxMessage.status == "pending", OutboxMessage.attempts > 0))
    pending = await session.scalar(select(func.count()).where(
        OutboxMessage.status.in_(("pending", "sending"))))
    # sends that got no answer in time (they may have been delivered), by what became of them
    uncertain = dict((await session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.uncertain > 0, OutboxMessage.created_at >= since)
        .group_by(OutboxMessage.status))).all())
    return {"sent": int(sent or 0), "failed": int(failed or 0), "retrying": int(retrying or 0),
            "pending": int(pending or 0),
            "uncertain_sent": int(uncertain.get("sent", 0)),
            "uncertain_waiting": int(uncertain.get("pending", 0)),
            "uncertain_dead": int(uncertain.get("dead", 0))}


async def drafts(session: AsyncSession, limit: int, offset: int) -> tuple[Sequence[NewsItem], int]:
    """Drafts not deleted, newest first, and how many there are."""
    where = (NewsItem.status == "draft", NewsItem.deleted_at.is_(None))
    total = int(await session.scalar(select(func.count()).select_from(NewsItem).where(*where)) or 0)
    stmt = select(NewsItem).where(*where).order_by(NewsItem.id.desc()).limit(limit).offset(offset)
    return (await session.scalars(stmt)).all(), total
