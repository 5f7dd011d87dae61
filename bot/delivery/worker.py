"""The outbox worker: sends due messages at the platforms' pace, records what was sent.

The parts, each in its module of ``bot.delivery``:

- ``lease``   -- the sender lease: one process per database sends at a time (``may_send``)
- ``windows`` -- per-platform rate windows (limits from ``limits``), 429 scope inference
- ``send``    -- one row: send (resuming a split message) or edit, with its fallback notice
- ``policy``  -- what each outcome means for the row (sent, retry, pause, dead, chat gone or
                 moved): one pure table
- ``record``  -- batched recording, applying the policy
- this module -- the claim loop, a task per claimed row, the in-flight bound, the drain

The leader claims due rows under a row lease, waits for the chat's and the bot's rate
windows, sends through the platform's :class:`Sender`, and hands the outcome to the
recorder. After a send without an answer (``DeliveryUncertain``), for ``patience_seconds``
every send on that platform waits up to ``uncertain_read_timeout_seconds`` for its answer.

Telegram has no idempotency key: a message is "in flight" from the start of its send until
its outcome is committed. At most ``max_in_flight`` (``paid_max_in_flight`` in a paid
broadcast) messages are, so a crash (SIGKILL) repeats at most that many after restart; the
rest were either recorded or never started. A slow Bot API (answers after the read timeout)
repeats a message at most ``uncertain_retries`` times, and only a message whose send got no
answer; the rows say which (``uncertain``, counted in /stats).

Monotonic time (rate windows, the lease's ``may_send``, patience, 429 pauses) comes from one
``timer`` (``bot.ratelimit.Timer``): a test runs the worker on virtual time.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import random
import socket
import uuid
from collections.abc import Callable, Mapping

from bot.config import DeliverySection
from bot.delivery.lease import SenderLease
from bot.delivery.policy import LeaseExpired, PlatformDown, Rules
from bot.delivery.record import Counters, Outcome, Recorder
from bot.delivery.send import deliver, reply_of
from bot.delivery.windows import LimitsSource, RateWindows
from bot.platforms.base import DeliveryUncertain, PermanentError, RateLimited, Sender
from bot.ratelimit import LOOP_TIMER, Limits, SlidingWindow, Timer
from handlers.fanout import Doorbell
from storage.editorial import CORRECTION_KINDS
from storage.models import utcnow
from storage.outbox import Claimed
from storage.uow import UnitOfWork

log = logging.getLogger("newsbot.delivery")

__all__ = ["Counters", "OutboxWorker"]


class OutboxWorker:
    """Sends the outbox's due rows through ``senders`` (by platform name).

    ``limits``: each platform's rates (overall/s, private chat/s, group/min), a function or
    a table; by default (and for a platform missing from a table) ``[delivery]``'s
    (:func:`bot.delivery.windows.default_limits`). ``clock``: the wall clock rows and leases
    are written with; ``timer``: monotonic time and waiting (rate windows, the lease's
    margin, patience). ``observe``: told (platform, kind, outcome, 429 scope) of each
    recorded outcome; ``on_lease``: told "taken" or "lost".
    """

    name = "delivery"

    def __init__(self, uow_factory: Callable[[], UnitOfWork], senders: Mapping[str, Sender],
                 settings: DeliverySection, *, clock: Callable[[], dt.datetime] = utcnow,
                 timer: Timer = LOOP_TIMER, limits: LimitsSource | None = None,
                 owner: str | None = None, takeover: str | None = None,
                 rng: random.Random | None = None,
                 observe: Callable[[str, str, str, str | None], None] | None = None,
                 on_lease: Callable[[str], None] | None = None,
                 doorbell: Doorbell | None = None,
                 ) -> None:
        self.uow = uow_factory
        #: rung by fan-out when it queued rows (the App's, shared; a worker alone: its own)
        self.doorbell = doorbell if doorbell is not None else Doorbell()
        self.senders = senders
        self.settings = settings
        self.clock = clock
        self.timer = timer
        self.owner = owner or f"{socket.gethostname()[:30]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.rng = rng or random.Random()
        #: one write transaction at a time from this worker: on SQLite two would wait on
        #: each other in the busy handler (sleeps of up to 100 ms) instead of in asyncio
        self._db_writes = asyncio.Lock()
        self.lease = SenderLease(uow_factory, self.owner, settings.leader_ttl_seconds,
                                 clock=clock, timer=timer, takeover=takeover,
                                 db_writes=self._db_writes, on_change=on_lease)
        self.windows = RateWindows(settings, limits, timer)
        self.recorder = Recorder(uow_factory, self.owner, Rules.of(settings), clock=clock,
                                 rng=self.rng, db_writes=self._db_writes, observe=observe)
        self._tasks: dict[int, asyncio.Task[None]] = {}
        #: ids of claimed rows whose send has not started (cancellable)
        self._unstarted: set[int] = set()
        self._checked_withdrawn = -1e18
        #: every claimed row with a task, by id
        self._rows: dict[int, Claimed] = {}
        self.max_in_flight = (settings.paid_max_in_flight if settings.paid_broadcast
                              else settings.max_in_flight)
        self._in_flight = asyncio.Semaphore(self.max_in_flight)
        #: per platform, until when (monotonic) sends wait longer for answers: one was uncertain
        self._patient_until: dict[str, float] = {}
        self._stopping = False
        self._main: asyncio.Task[None] | None = None
        self._leases: asyncio.Task[None] | None = None
        self._stopped = asyncio.Event()

    @property
    def counters(self) -> Counters:
        return self.recorder.counters

    @property
    def is_leader(self) -> bool:
        return self.lease.is_leader

    # ----------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        await self._renew()
        self.recorder.start()
        self._leases = asyncio.create_task(self._lease_loop(), name="outbox-lease")
        self._main = asyncio.create_task(self._run(), name="outbox-worker")

    async def stop(self) -> None:
        """Finish in-flight sends, give back unstarted rows and the sender lease."""
        self._stopping = True
        self._stopped.set()
        self.doorbell.ring()
        if self._main is not None:
            await self._main
        if self._leases is not None:
            await self._leases
        await self.recorder.close()
        await self.lease.release()

    def wake(self) -> None:
        """New rows were enqueued: look now rather than at the next poll."""
        self.doorbell.ring()

    def limits(self, platform: str) -> Limits:
        return self.windows.of(platform)

    def may_send(self) -> bool:
        return self.lease.may_send()

    # ---------------------------------------------------------------- main loop
    async def _run(self) -> None:
        try:
            while not self._stopping:
                try:
                    claimed = await self._step()
                except Exception:
                    log.exception("delivery step failed")
                    claimed = 0
                if self._stopping:
                    break
                if not claimed:
                    await self._idle(self.settings.poll_seconds)
        finally:
            await self._drain()

    async def _step(self) -> int:
        if not self.is_leader or not self.may_send():
            return 0
        if self.timer.monotonic() - self._checked_withdrawn >= self.settings.poll_seconds:
            self._checked_withdrawn = self.timer.monotonic()
            await self._withdraw_deleted()
        room = self.settings.batch_size * 2 - len(self._tasks)
        if room < self.settings.batch_size // 2 + 1:
            await asyncio.wait(list(self._tasks.values()), timeout=self.settings.poll_seconds,
                               return_when=asyncio.FIRST_COMPLETED)
            return 1
        now = self.clock()
        async with self._db_writes, self.uow() as uow:
            rows = await uow.outbox.claim(self.owner, now, self.settings.lease_seconds,
                                          min(room, self.settings.batch_size), list(self.senders))
        fresh = [r for r in rows if r.id not in self._tasks]
        for row in fresh:
            self._rows[row.id] = row
            self._tasks[row.id] = asyncio.create_task(self._deliver(row))
        self.windows.prune()
        return len(fresh)

    async def _withdraw_deleted(self) -> None:
        """Rows held here that are no longer to be sent: of a news item deleted since they
        were claimed (on any replica), or no longer this worker's.

        The delete withdraws what nobody holds (``storage.editorial.withdraw_pending``);
        once a poll interval this worker asks which items of the rows it holds were
        deleted, and drops those not started. (The copies that went out anyway are
        withdrawn by the fan-out layer's job, not here.) Rows held but not started that are
        no longer ours (a sender deposed while its send was in flight recorded it, or the
        row went to another sender) are cancelled."""
        items = {r.item_id for r in self._rows.values()
                 if r.item_id is not None and r.kind not in CORRECTION_KINDS}
        async with self._db_writes, self.uow() as uow:  # no outcome committed meanwhile
            gone = await uow.outbox.deleted_items(sorted(items)) if items else set()
            lost = await uow.outbox.not_held(sorted(self._unstarted), self.owner)
            for rid in lost & self._unstarted:  # no await in this loop: none can start
                task = self._tasks.get(rid)
                if task is not None:
                    task.cancel()
        if not gone:
            return
        dropped = []
        for rid in list(self._unstarted):  # no await in this loop: none can start
            row = self._rows[rid]
            if row.item_id in gone and row.kind not in CORRECTION_KINDS:
                task = self._tasks.get(rid)
                if task is not None:
                    task.cancel()
                    dropped.append(rid)
        try:
            async with self._db_writes, self.uow() as uow:
                await uow.outbox.withdraw(dropped, self.owner)
        except Exception:
            log.exception("withdrawing messages of deleted items failed; will retry")
            return
        log.info("withdrew messages of deleted items",
                 extra={"items": sorted(gone), "count": len(dropped)})

    async def _idle(self, seconds: float) -> None:
        await self.doorbell.wait(seconds)

    async def _renew(self) -> bool:
        """Take or renew the sender lease; on taking it, count the previous sender's recent
        sends in our windows; on losing it, drop (and give back) what we have not started."""
        renewal = await self.lease.renew()
        self.windows.count_recent(renewal.recent, self.clock())
        if renewal.lost:  # another process sends now
            lost: list[int] = []
            for rid in list(self._unstarted):
                task = self._tasks.get(rid)
                if task is not None:
                    task.cancel()
                    lost.append(rid)
            if lost:  # give them back now rather than when the new sender's grace ends
                with contextlib.suppress(Exception):
                    async with self._db_writes, self.uow() as uow:
                        await uow.outbox.release(lost, self.owner)
        return renewal.held

    async def _lease_loop(self) -> None:
        """Renew every third of the TTL, whatever the sends are waiting for."""
        every = self.settings.leader_ttl_seconds / 3
        while not self._stopping:
            await self._sleep_unless_stopped(every)
            if not self._stopping:
                await self._renew()

    async def _sleep_unless_stopped(self, seconds: float) -> None:
        sleep = asyncio.ensure_future(self.timer.sleep(seconds))
        stopped = asyncio.ensure_future(self._stopped.wait())
        try:
            await asyncio.wait({sleep, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleep, stopped):
                task.cancel()
            await asyncio.gather(sleep, stopped, return_exceptions=True)

    async def _drain(self) -> None:
        """On stop: let started sends finish and be recorded; give back the unstarted rows."""
        unstarted = list(self._unstarted)
        for rid in unstarted:
            task = self._tasks.get(rid)
            if task is not None:
                task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        if unstarted:
            async with self.uow() as uow:
                await uow.outbox.release(unstarted, self.owner)
        self._tasks.clear()
        self._rows.clear()

    # -------------------------------------------------------------- one message
    async def _deliver(self, row: Claimed) -> None:
        """Wait for the chat's window, an in-flight place and the bot's window (cancellable
        until then: a stop, a lost lease or a deleted item), then send and record."""
        self._unstarted.add(row.id)
        held: list[SlidingWindow] = []
        in_flight = False
        sender = self.senders.get(row.platform)
        if sender is None:  # the platform went down since the claim: the row waits for it
            self._unstarted.discard(row.id)
            try:
                await self.recorder.add(
                    Outcome(row, error=PlatformDown(f"{row.platform} is not running")))
            finally:
                self._tasks.pop(row.id, None)
                self._rows.pop(row.id, None)
            return
        try:
            limits = self.limits(row.platform)
            chat_window = limits.chat(row.platform_chat_id, row.chat_kind == "private")
            while True:
                await chat_window.acquire()
                held.append(chat_window)
                await self._in_flight.acquire()
                in_flight = True
                await limits.overall.acquire()
                held.append(limits.overall)
                if self.may_send():
                    break
                # the lease may be another's by now (a late renewal, or this process was
                # paused): start nothing until it is renewed (or lost: then we are cancelled)
                while held:
                    held.pop().release_unused()
                self._in_flight.release()
                in_flight = False
                await self.lease.renewed()
        except asyncio.CancelledError:
            for window in held:
                window.release()
            if in_flight:
                self._in_flight.release()
            self._tasks.pop(row.id, None)
            self._rows.pop(row.id, None)
            self._unstarted.discard(row.id)
            return
        # From here the send runs to completion and is recorded, even during a stop.
        self._unstarted.discard(row.id)
        try:
            await self.recorder.add(await self._send(row, sender, limits, chat_window, held))
        finally:
            self._in_flight.release()
            self._tasks.pop(row.id, None)
            self._rows.pop(row.id, None)

    async def _send(self, row: Claimed, sender: Sender, limits: Limits,
                    chat_window: SlidingWindow, held: list[SlidingWindow]) -> Outcome:
        """Send with the chat's slot and the bot's (``held``, taken by the caller); each
        further part of a split message takes fresh slots of both: the platform counts
        messages. Every slot held is released at the end."""

        async def next_part() -> None:
            while held:
                held.pop().release()
            if not self.may_send():  # the lease ran out mid-message: the rest waits
                raise LeaseExpired("the sender lease ran out before this part")
            for window in (chat_window, limits.overall):
                await window.acquire()
                held.append(window)
            if not self.may_send():
                raise LeaseExpired("the sender lease ran out before this part")

        try:
            try:
                reply = reply_of(row.payload_json)
            except (KeyError, TypeError, ValueError) as exc:
                return Outcome(row, error=PermanentError(f"unreadable payload: {exc!r}"))
            now = self.timer.monotonic()
            patient = row.uncertain > 0 or now < self._patient_until.get(row.platform, 0)
            try:
                ids = await deliver(row, sender, reply, pace=next_part, read_timeout=(
                    self.settings.uncertain_read_timeout_seconds if patient else None))
                return Outcome(row, sent=[str(i) for i in ids])
            except DeliveryUncertain as exc:
                # the platform is slow: from now on wait longer for answers than to repeat
                self._patient_until[row.platform] = (self.timer.monotonic()
                                                     + self.settings.patience_seconds)
                log.warning("send without an answer: it may have been delivered",
                            extra={"row": row.id, "error": str(exc)[:200]})
                return Outcome(row, error=exc)
            except RateLimited as exc:
                scope = self.windows.pause(exc, row.platform, row.platform_chat_id,
                                           row.chat_kind == "private")
                log.info("rate limited", extra={"row": row.id, "scope": scope,
                                                "retry_after": exc.retry_after})
                return Outcome(row, error=exc, scope=scope)
            except Exception as exc:
                log.debug("send failed", extra={"row": row.id, "error": repr(exc)[:200]})
                return Outcome(row, error=exc)
        finally:
            while held:
                held.pop().release()
