"""Fan-out: who receives what. Every outbox row the bot queues for many chats starts here.

- :mod:`handlers.fanout.publish` — ``publish_item``: the one path every publisher takes
  (/publish, feed ingestion, the seed), and ``record_change`` (revisions);
- :mod:`handlers.fanout.alerts` — one alert per subscribed chat when an item is published;
- :mod:`handlers.fanout.digests` — which digests are due, one row per chat (the scheduler's tick);
- :mod:`handlers.fanout.corrections` — corrections, withdrawals (and late copies of deleted
  items), restorations of delivered copies;
- :mod:`handlers.fanout.broadcast` — a desk message to every subscriber;
- :mod:`handlers.fanout.reminders` — a reminder before each followed session (the
  scheduler's tick);
- :mod:`handlers.fanout.compose` — the alert and digest messages themselves.

All of them queue through one storage call, ``uow.outbox.enqueue_many`` (batched, idempotent
on the dedupe key), inside the caller's unit of work, and ring the :class:`Doorbell` (through
``Fanout.wake``) once their rows are committed, so the outbox worker looks at once rather
than at its next poll. Fan-out never imports the process (``bot``) or a platform: the
composition root (bot/app.py) builds one :class:`Fanout` and hands it to the handlers
(``Deps.fanout``) and to the scheduler.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import utcnow


def _nobody() -> None:
    return None


class Doorbell:
    """"New rows are queued": rung by fan-out, waited on by whoever sends them.

    Created by the App before both sides, so neither is attached to the other afterwards.
    Rings are not counted: many rings before a wait wake it once.
    """

    def __init__(self) -> None:
        self._rung = asyncio.Event()

    def ring(self) -> None:
        self._rung.set()

    async def wait(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109
        """Until rung (True) or ``timeout`` seconds have passed (False); the ring is used up."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._rung.wait(), timeout)
        rung = self._rung.is_set()
        self._rung.clear()
        return rung



@dataclass(frozen=True)
class Fanout:
    """What every fan-out needs, decided once by the composition root (bot/app.py)."""

    #: alerts are queued when an item is published (``[delivery] enabled``); False: a process
    #: without delivery publishes items all the same, without alerts (corrections, withdrawals
    #: and broadcasts are queued either way: whichever process delivers sends them)
    alerts: bool = True
    default_language: str = "fr"
    #: the event's time zone, for chats without one of their own
    timezone: str = "Africa/Casablanca"
    clock: Callable[[], dt.datetime] = utcnow
    #: delivered copies younger than this are edited in place; older ones get a correction notice
    edit_window: dt.timedelta = dt.timedelta(hours=48)
    #: rung when rows were queued (``Doorbell.ring``): the outbox worker looks now
    wake: Callable[[], None] = field(default=_nobody, compare=False)

    def wake_after_commit(self, session: AsyncSession) -> None:
        """Ring once this session's transaction commits (not at all if it rolls back): rung
        before, the worker would look before the rows are there."""
        event.listen(session.sync_session, "after_commit", lambda _s: self.wake(), once=True)


__all__ = ["Doorbell", "Fanout"]
