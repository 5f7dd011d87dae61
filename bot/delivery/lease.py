"""The sender lease: one process per database sends at a time.

The lease named "delivery" is renewed every third of its TTL; another process takes over
when it expires, and a clean stop hands it over at once, so the bot-wide rate limit holds
across replicas. A send starts only while the lease has more than a fifth of its TTL left
as this process knows it (:meth:`SenderLease.may_send`: no database look), so a process
paused past its lease sends nothing on waking; the rows it held are claimable by the new
sender one TTL after the takeover, time enough for a paused sender to record its sends in
flight (those are recorded whoever holds the row by then).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.ratelimit import LOOP_TIMER, Timer
from storage.uow import UnitOfWork

log = logging.getLogger("newsbot.delivery")

LEASE_NAME = "delivery"

#: a send of the previous sender: (platform, platform chat id, chat kind, sent_at, parts)
RecentSend = tuple[str, str, str, dt.datetime, int]


@dataclass
class Renewal:
    """What a renewal found: whether we hold the lease, whether that changed, and (on
    taking it) the previous sender's recent sends, to count in our rate windows."""

    held: bool
    taken: bool = False
    lost: bool = False
    recent: list[RecentSend] = field(default_factory=list)


class SenderLease:
    def __init__(self, uow_factory: Callable[[], UnitOfWork], owner: str, ttl: float, *,
                 clock: Callable[[], dt.datetime], timer: Timer = LOOP_TIMER,
                 takeover: str | None = None, db_writes: asyncio.Lock | None = None,
                 on_change: Callable[[str], None] | None = None) -> None:
        self.uow = uow_factory
        self.owner = owner
        self.ttl = ttl
        self.clock = clock
        self.timer = timer
        #: lease owners with this prefix are this instance's dead earlier runs (bot/instance.py)
        self.takeover = takeover
        #: the worker's lock: one write transaction at a time
        self.db_writes = db_writes or asyncio.Lock()
        #: told "taken" or "lost" when the lease changes hands
        self.on_change = on_change
        self.is_leader = False
        #: until when this worker may start a send: the lease's expiry as known here (from
        #: just before the renewal's request), on the monotonic clock and on ``clock`` (the
        #: one the lease is written with), less a margin; a renewal moves it on
        self._until_mono = 0.0
        self._until = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        self.margin = ttl / 5
        self._renewed = asyncio.Event()

    def may_send(self) -> bool:
        """Whether the sender lease is surely still ours for a while (no database look):
        a send starts only then. A process paused past its lease (GC, VM freeze, SIGSTOP)
        finds it false on waking, before its lease loop has even run."""
        return (self.timer.monotonic() < self._until_mono - self.margin
                and self.clock() < self._until - dt.timedelta(seconds=self.margin))

    async def renewed(self) -> None:
        """Wait for the next successful renewal."""
        await self._renewed.wait()

    async def renew(self) -> Renewal:
        """Take or renew the lease; on taking it, free rows a dead sender had leased and read
        what the previous sender sent lately."""
        ttl = self.ttl
        started = self.timer.monotonic()
        now = self.clock()
        recent: list[RecentSend] = []
        try:
            async with self.db_writes, self.uow() as uow:
                held = await uow.leases.acquire(LEASE_NAME, self.owner, now, ttl,
                                                takeover=None if self.is_leader else self.takeover)
                if held and not self.is_leader:
                    # the previous sender's rows: claimable one TTL from now at the latest;
                    # if it is alive, it records its sends in flight and gives back the rest
                    await uow.outbox.release_others(self.owner, now + dt.timedelta(seconds=ttl),
                                                    dead=self.takeover, now=now)
                    recent = await uow.outbox.recent_sends(now - dt.timedelta(seconds=5),
                                                           now - dt.timedelta(seconds=65))
        except Exception:
            log.exception("sender lease check failed")
            held = False
        if held:
            self._until_mono = started + ttl
            self._until = now + dt.timedelta(seconds=ttl)
            self._renewed.set()
            self._renewed = asyncio.Event()
        renewal = Renewal(held, recent=recent)
        if held != self.is_leader:
            log.info("sender lease " + ("taken" if held else "lost"), extra={"owner": self.owner})
            if self.on_change is not None:
                self.on_change("taken" if held else "lost")
            renewal.taken, renewal.lost = held, not held
            if not held:
                self._until_mono = 0.0
        self.is_leader = held
        return renewal

    async def release(self) -> None:
        """Hand the lease over at once (a clean stop)."""
        if self.is_leader:
            async with self.uow() as uow:
                await uow.leases.release(LEASE_NAME, self.owner)
            self.is_leader = False
