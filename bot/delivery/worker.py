"""The outbox worker: sends due messages at the platforms' pace, records what was sent.

One process per database sends at a time (a lease named "delivery", renewed every third
of its TTL; another process takes over when it expires, and a clean stop hands it over at
once), so the bot-wide rate limit holds across replicas. A send starts only while the lease
has more than a fifth of its TTL left as this process knows it (``may_send``: no database
look), so a process paused past its lease sends nothing on waking; the rows it held are
claimable by the new sender one TTL after the takeover, time enough for a paused sender to
record its sends in flight (those are recorded whoever holds the row by then). The leader
claims due rows under
a row lease, waits for the chat's and the bot's rate windows, sends through the platform's
:class:`Sender`, and records the outcome:

- sent                -> status sent, platform message ids, sent_at
- RateLimited         -> that scope (chat or bot) pauses ``retry_after``; the row waits as long
- DeliveryUncertain   -> no answer after the request left: it may have been delivered. The
                         row is sent again at most ``uncertain_retries`` times, after
                         ``uncertain_retry_seconds``, then dead-lettered "uncertain"; and for
                         ``patience_seconds`` every send on that platform waits up to
                         ``uncertain_read_timeout_seconds`` for its answer
- TransientError/else -> exponential backoff with jitter; dead letter after ``max_attempts``
- ChatUnavailable     -> chat inactive with the reason (settings kept), row dead-lettered
- ChatMoved           -> the chat takes its new id; the row is resent once there
- PermanentError      -> dead letter with the reason

Telegram has no idempotency key: a message is "in flight" from the start of its send until
its outcome is committed. At most ``max_in_flight`` (``paid_max_in_flight`` in a paid
broadcast) messages are, so a crash (SIGKILL) repeats at most that many after restart; the
rest were either recorded or never started. A slow Bot API (answers after the read timeout)
repeats a message at most ``uncertain_retries`` times, and only a message whose send got no
answer; the rows say which (``uncertain``, counted in /stats).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import inspect
import json
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from bot.config import DeliverySection
from bot.platforms.base import (
    ChatMoved,
    ChatUnavailable,
    DeliveryError,
    DeliveryUncertain,
    PermanentError,
    RateLimited,
    Sender,
    TransientError,
)
from bot.ratelimit import Limits, SlidingWindow
from handlers.reply import Reply
from storage.editorial import CORRECTION_KINDS
from storage.models import utcnow
from storage.outbox import UNCERTAIN, Claimed, backoff
from storage.uow import UnitOfWork

log = logging.getLogger("newsbot.delivery")

LEASE_NAME = "delivery"
#: seconds a message waits when its platform is down (its supervisor is restarting it)
PLATFORM_DOWN_WAIT = 5.0


class PlatformDown(DeliveryError):
    """The platform's sender is not running at the moment: not the message's fault."""


#: up to when sent rows were checked for copies of items deleted since (a delivery mark)
WITHDRAWALS_MARK = "withdrawals_checked"
#: rows recorded this long before the mark are looked at again (clock skew, commit delay)
WITHDRAWALS_SLACK = dt.timedelta(seconds=5)


@dataclass
class Outcome:
    row: Claimed
    sent: list[str] | None = None
    error: Exception | None = None
    #: parts of a split message delivered before the error (kept so a retry resumes)
    partial: list[str] = field(default_factory=list)
    #: what a 429 paused: "chat" or "global" (the whole platform)
    scope: str | None = None
    done: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class LeaseExpired(DeliveryError):
    """The sender lease ran out between two parts of a split message: the parts sent are
    kept, the rest is sent by whoever holds the lease (the row is not counted as failed)."""


@dataclass
class Counters:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    rate_limited: int = 0
    deactivated: int = 0
    moved: int = 0
    #: sends without an answer after the request left (each may have been delivered)
    uncertain: int = 0


async def deliver(row: Claimed, sender: Sender, reply: Reply,
                  pace: Callable[[], Awaitable[None]] | None = None,
                  read_timeout: float | None = None) -> list[str]:
    """Send a row; an "edit" row (a correction, see handlers/corrections.py) edits the copies
    already delivered, and sends its ``fallback`` notice when the platform cannot edit them.

    A message split in parts that failed half-way resumes after the parts already delivered
    (``platform_message_ids`` saved with the error) when the sender can skip parts.
    ``pace`` is awaited before each further part of a split message, when the sender takes it;
    ``read_timeout`` replaces the transport's, when the sender takes it.
    """
    payload = row.payload if row.kind == "edit" else {}
    edit_ids = payload.get("edit_message_ids")
    if edit_ids:
        ids = [str(i) for i in edit_ids]
        if await sender.edit(row.platform_chat_id, ids, reply):
            return ids
        if payload.get("fallback"):
            reply = Reply.from_dict(payload["fallback"])
    extra: dict[str, object] = {"pace": pace} if pace is not None and _takes(sender, "pace") else {}
    if row.thread_id is not None and _takes(sender, "thread_id"):
        extra["thread_id"] = row.thread_id  # a forum topic (platforms without them: the chat)
    if read_timeout is not None and _takes(sender, "read_timeout"):
        extra["read_timeout"] = read_timeout
    done = list(row.platform_message_ids) if row.kind != "edit" else []
    if done and _takes(sender, "skip_parts"):
        try:
            more = await sender.send(row.platform_chat_id, reply, nonce=row.dedupe_key,
                                     skip_parts=len(done), **extra)  # type: ignore[call-arg]
        except DeliveryError as exc:
            exc.sent_message_ids = done + list(getattr(exc, "sent_message_ids", []))  # type: ignore[attr-defined]
            raise
        return done + [str(i) for i in more]
    return await sender.send(row.platform_chat_id, reply, nonce=row.dedupe_key, **extra)


@functools.lru_cache(maxsize=256)
def reply_of(payload_json: str) -> Reply:
    """A row's reply; one decode per distinct payload (a digest is one text for many chats).

    ``Reply`` is immutable, so sharing one between rows is safe.
    """
    return Reply.from_dict(json.loads(payload_json))


def _partial(exc: Exception) -> list[str]:
    return [str(i) for i in getattr(exc, "sent_message_ids", None) or []]


@functools.lru_cache(maxsize=32)
def _parameters(send: Callable[..., object]) -> frozenset[str]:
    return frozenset(inspect.signature(send).parameters)


def _takes(sender: Sender, option: str) -> bool:
    """Whether this sender's ``send`` has an optional extra (``skip_parts``, ``pace``)."""
    return option in _parameters(type(sender).send)


class OutboxWorker:
    name = "delivery"

    def __init__(self, uow_factory: Callable[[], UnitOfWork], senders: Mapping[str, Sender],
                 settings: DeliverySection, *, clock: Callable[[], dt.datetime] = utcnow,
                 owner: str | None = None, takeover: str | None = None,
                 rng: random.Random | None = None,
                 on_withdrawn: Callable[[UnitOfWork, set[int]], Awaitable[object]] | None = None,
                 observe: Callable[[str, str, str, str | None], None] | None = None,
                 on_lease: Callable[[str], None] | None = None,
                 ) -> None:
        self.uow = uow_factory
        #: told (platform, kind, "sent" | "rate_limited" | "failed", 429 scope) of each
        #: recorded outcome (the App's metrics)
        self.observe = observe
        #: told "taken" or "lost" when this worker's sender lease changes hands
        self.on_lease = on_lease
        self.senders = senders
        self.settings = settings
        self.clock = clock
        self.owner = owner or f"{socket.gethostname()[:30]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        #: lease owners with this prefix are this instance's dead earlier runs (bot/instance.py)
        self.takeover = takeover
        self.rng = rng or random.Random()
        rate = settings.paid_global_per_second if settings.paid_broadcast else settings.global_per_second
        rate = max(1.0, rate - settings.reserve_per_second)
        self._limits: dict[str, Limits] = {}
        self._rate = rate
        self.counters = Counters()
        self.is_leader = False
        #: until when this worker may start a send: the sender lease's expiry as known here
        #: (from just before the renewal's request), on the monotonic clock and on ``clock``
        #: (the one the lease is written with), less a margin; a renewal moves it on
        self._lease_until_mono = 0.0
        self._lease_until = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        self._lease_margin = settings.leader_ttl_seconds / 5
        self._renewed = asyncio.Event()
        self._tasks: dict[int, asyncio.Task[None]] = {}
        #: ids of claimed rows whose send has not started (cancellable)
        self._unstarted: set[int] = set()
        self._checked_withdrawn = 0.0
        #: called (in a transaction) with the deleted items among those this worker holds or
        #: that had copies sent since the last look (any sender's: the look's mark is in the
        #: database), so copies already on their way when the item was deleted are withdrawn
        #: too (handlers.corrections.retract_late_copies; idempotent)
        self.on_withdrawn = on_withdrawn
        #: every claimed row with a task, by id
        self._rows: dict[int, Claimed] = {}
        #: per platform, chats paused by a 429 judged theirs, until when (monotonic)
        self._limited_chats: dict[str, dict[str, float]] = {}
        self.max_in_flight = (settings.paid_max_in_flight if settings.paid_broadcast
                              else settings.max_in_flight)
        self._in_flight = asyncio.Semaphore(self.max_in_flight)
        #: per platform, until when (monotonic) sends wait longer for answers: one was uncertain
        self._patient_until: dict[str, float] = {}
        self._outcomes: list[Outcome] = []
        #: one write transaction at a time from this worker: on SQLite two would wait on
        #: each other in the busy handler (sleeps of up to 100 ms) instead of in asyncio
        self._db_writes = asyncio.Lock()
        self._record_wake = asyncio.Event()
        self._wake = asyncio.Event()
        self._stopping = False
        self._main: asyncio.Task[None] | None = None
        self._leases: asyncio.Task[None] | None = None
        self._stopped = asyncio.Event()
        self._recorder: asyncio.Task[None] | None = None

    # ----------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        await self._renew()
        self._recorder = asyncio.create_task(self._record_loop(), name="outbox-recorder")
        self._leases = asyncio.create_task(self._lease_loop(), name="outbox-lease")
        self._main = asyncio.create_task(self._run(), name="outbox-worker")

    async def stop(self) -> None:
        """Finish in-flight sends, give back unstarted rows and the sender lease."""
        self._stopping = True
        self._stopped.set()
        self._wake.set()
        if self._main is not None:
            await self._main
        if self._leases is not None:
            await self._leases
        if self._recorder is not None:
            self._record_wake.set()
            await self._recorder
        if self.is_leader:
            async with self.uow() as uow:
                await uow.leases.release(LEASE_NAME, self.owner)
            self.is_leader = False

    def wake(self) -> None:
        """New rows were enqueued: look now rather than at the next poll."""
        self._wake.set()

    def limits(self, platform: str) -> Limits:
        if platform not in self._limits:
            s = self.settings
            self._limits[platform] = Limits(self._rate, s.private_per_second,
                                            s.group_per_minute, s.margin_seconds)
        return self._limits[platform]

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

    def may_send(self) -> bool:
        """Whether the sender lease is surely still ours for a while (no database look):
        a send starts only then. A process paused past its lease (GC, VM freeze, SIGSTOP)
        finds it false on waking, before its lease loop has even run."""
        margin = self._lease_margin
        return (time.monotonic() < self._lease_until_mono - margin
                and self.clock() < self._lease_until - dt.timedelta(seconds=margin))

    async def _step(self) -> int:
        if not self.is_leader or not self.may_send():
            return 0
        if time.monotonic() - self._checked_withdrawn >= self.settings.poll_seconds:
            self._checked_withdrawn = time.monotonic()
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
        for limits in self._limits.values():
            limits.prune()
        return len(fresh)

    async def _withdraw_deleted(self) -> None:
        """Messages of a news item deleted since they were claimed (on any replica).

        The delete withdraws what nobody holds (``storage.editorial.withdraw_pending``) and
        the copies already delivered. Once a poll interval this worker asks which items of
        the rows it holds, or of the rows recorded as sent since the last look (by any
        sender: the look's mark is in the database, so a restart or a takeover misses
        none), were deleted: the rows not started are dropped, and the copies that went out
        anyway are withdrawn (``on_withdrawn``)."""
        items = {r.item_id for r in self._rows.values()
                 if r.item_id is not None and r.kind not in CORRECTION_KINDS}
        async with self._db_writes, self.uow() as uow:  # no outcome committed meanwhile
            upto = self.clock()
            since = await uow.outbox.mark(WITHDRAWALS_MARK) or upto - dt.timedelta(minutes=10)
            gone = await uow.outbox.items_sent_since(since - WITHDRAWALS_SLACK, CORRECTION_KINDS)
            gone |= await uow.outbox.deleted_items(sorted(items))
            # rows held but not started that are no longer ours: a sender deposed while its
            # send was in flight recorded it, or the row went to another sender
            lost = await uow.outbox.not_held(sorted(self._unstarted), self.owner)
            for rid in lost & self._unstarted:  # no await in this loop: none can start
                task = self._tasks.get(rid)
                if task is not None:
                    task.cancel()
            if not gone:
                if upto - since >= dt.timedelta(seconds=30):  # idempotent: move it now and then
                    await uow.outbox.set_mark(WITHDRAWALS_MARK, upto)
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
                if self.on_withdrawn is not None:
                    await self.on_withdrawn(uow, gone)
                await uow.outbox.set_mark(WITHDRAWALS_MARK, upto)
        except Exception:
            log.exception("withdrawing messages of deleted items failed; will retry")
            return
        log.info("withdrew messages of deleted items",
                 extra={"items": sorted(gone), "count": len(dropped)})

    async def _idle(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()

    async def _renew(self) -> bool:
        """Take or renew the sender lease; on taking it, free rows a dead sender had leased."""
        ttl = self.settings.leader_ttl_seconds
        started = time.monotonic()
        now = self.clock()
        recent: list[tuple[str, str, str, dt.datetime, int]] = []
        try:
            async with self._db_writes, self.uow() as uow:
                held = await uow.leases.acquire(LEASE_NAME, self.owner, now, ttl,
                                                takeover=None if self.is_leader else self.takeover)
                if held and not self.is_leader:
                    # the previous sender's rows: claimable one TTL from now at the latest;
                    # if it is alive, it records its sends in flight and gives back the rest
                    await uow.outbox.release_others(self.owner, now + dt.timedelta(seconds=ttl),
                                                    dead=self.takeover, now=now)
                    recent = await uow.outbox.recent_sends(now - dt.timedelta(seconds=5),
                                                           now - dt.timedelta(seconds=65))
            self._count_recent(recent, now)
        except Exception:
            log.exception("sender lease check failed")
            held = False
        if held:
            self._lease_until_mono = started + ttl
            self._lease_until = now + dt.timedelta(seconds=ttl)
            self._renewed.set()
            self._renewed = asyncio.Event()
        lost: list[int] = []
        if held != self.is_leader:
            log.info("sender lease " + ("taken" if held else "lost"), extra={"owner": self.owner})
            if self.on_lease is not None:
                self.on_lease("taken" if held else "lost")
            if not held:  # another process sends now: drop what we have not started
                self._lease_until_mono = 0.0
                for rid in list(self._unstarted):
                    task = self._tasks.get(rid)
                    if task is not None:
                        task.cancel()
                        lost.append(rid)
        self.is_leader = held
        if lost:  # give them back now rather than when the new sender's grace ends
            with contextlib.suppress(Exception):
                async with self._db_writes, self.uow() as uow:
                    await uow.outbox.release(lost, self.owner)
        return held

    def _count_recent(self, recent: list[tuple[str, str, str, dt.datetime, int]],
                      now: dt.datetime) -> None:
        """On taking the lease: what the previous sender sent within the windows' spans
        counts in ours (read from the rows), so a restart or a takeover keeps every chat's
        and the bot's pace."""
        overall: dict[str, list[float]] = {}
        chats: dict[tuple[str, str, bool], list[float]] = {}
        for platform, chat, kind, sent_at, parts in recent:
            age = (now - sent_at).total_seconds()
            overall.setdefault(platform, []).extend([age] * parts)
            chats.setdefault((platform, chat, kind == "private"), []).extend([age] * parts)
        for platform, ages in overall.items():
            self.limits(platform).overall.answered_ago(ages)
        for (platform, chat, private), ages in chats.items():
            self.limits(platform).chat(chat, private).answered_ago(ages)

    async def _lease_loop(self) -> None:
        """Renew every third of the TTL, whatever the sends are waiting for."""
        every = self.settings.leader_ttl_seconds / 3
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), every)
            if not self._stopping:
                await self._renew()

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
            outcome = Outcome(row, error=PlatformDown(f"{row.platform} is not running"))
            self._outcomes.append(outcome)
            self._record_wake.set()
            try:
                await outcome.done
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
                await self._renewed.wait()
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
            outcome = await self._send(row, sender, limits, chat_window, held)
            self._outcomes.append(outcome)
            self._record_wake.set()
            await outcome.done
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
            patient = row.uncertain > 0 or time.monotonic() < self._patient_until.get(row.platform, 0)
            try:
                ids = await deliver(row, sender, reply, pace=next_part, read_timeout=(
                    self.settings.uncertain_read_timeout_seconds if patient else None))
                return Outcome(row, sent=[str(i) for i in ids])
            except DeliveryUncertain as exc:
                # the platform is slow: from now on wait longer for answers than to repeat
                self._patient_until[row.platform] = time.monotonic() + self.settings.patience_seconds
                log.warning("send without an answer: it may have been delivered",
                            extra={"row": row.id, "error": str(exc)[:200]})
                return Outcome(row, error=exc, partial=_partial(exc))
            except RateLimited as exc:
                scope = self._scope_of(exc, row)
                (limits.overall if scope == "global" else chat_window).pause(exc.retry_after)
                return Outcome(row, error=exc, partial=_partial(exc), scope=scope)
            except Exception as exc:
                log.debug("send failed", extra={"row": row.id, "error": repr(exc)[:200]})
                return Outcome(row, error=exc, partial=_partial(exc))
        finally:
            while held:
                held.pop().release()

    def _scope_of(self, exc: RateLimited, row: Claimed) -> str:
        """What a 429 limits: the platform's word when it says (Discord), else inferred.

        Telegram's 429 carries only ``retry_after``, whatever was limited (the fake answers
        alike). It is taken as that chat's, unless another chat's 429 pause is still
        running: then it is the whole bot's (per-chat limits do not fire in step; a
        bot-wide limit refuses whatever chat comes next). So a bot-wide flood costs one
        chat pause and, from the second 429 on, pauses the bot; a chat's own 429 (a command
        reply sent to it outside the outbox, a limit stricter than ours) pauses that chat.
        """
        now = time.monotonic()
        limited = self._limited_chats.setdefault(row.platform, {})
        for chat in [c for c, until in limited.items() if until <= now]:
            del limited[chat]
        if exc.scope != "unknown":
            scope: str = exc.scope
        elif any(c != row.platform_chat_id for c in limited):
            scope = "global"
        else:
            scope = "chat"
        if scope == "chat":
            limited[row.platform_chat_id] = now + exc.retry_after
        log.info("rate limited", extra={"row": row.id, "scope": scope,
                                        "retry_after": exc.retry_after})
        return scope

    # ---------------------------------------------------------------- recording
    async def _record_loop(self) -> None:
        """Commit outcomes in batches; a failed commit is retried (the sends stay in flight)."""
        while True:
            await self._record_wake.wait()
            await asyncio.sleep(0.005)  # let a few outcomes gather: one commit for them all
            self._record_wake.clear()
            batch, self._outcomes = self._outcomes, []
            if batch:
                try:
                    await self._record(batch)
                except Exception:
                    log.exception("recording outcomes failed; retrying")
                    self._outcomes[:0] = batch
                    await asyncio.sleep(0.5)
                    self._record_wake.set()
                    continue
                for o in batch:
                    if not o.done.done():
                        o.done.set_result(None)
            if self._stopping and not self._tasks and not self._outcomes:
                return

    async def _record(self, batch: list[Outcome]) -> None:
        await self._record_batch(batch)
        if self.observe is not None:  # once the outcomes are committed
            for o in batch:
                outcome = ("sent" if o.error is None else
                           "rate_limited" if isinstance(o.error, RateLimited) else "failed")
                self.observe(o.row.platform, o.row.kind, outcome, o.scope)

    async def _record_batch(self, batch: list[Outcome]) -> None:
        now = self.clock()
        s = self.settings
        c = self.counters
        async with self._db_writes, self.uow() as uow:
            sent = [(o.row.id, o.sent or []) for o in batch if o.error is None]
            await uow.outbox.mark_sent_many(self.owner, sent, now)
            c.sent += len(sent)
            for o in batch:
                row, exc = o.row, o.error
                if exc is None:
                    continue
                if o.partial and row.kind != "edit" and not isinstance(exc, ChatMoved):
                    await uow.outbox.save_progress(row.id, self.owner, o.partial)
                if isinstance(exc, PlatformDown):
                    await uow.outbox.retry(row.id, self.owner, error=str(exc), count_attempt=False,
                                           at=now + dt.timedelta(seconds=PLATFORM_DOWN_WAIT))
                elif isinstance(exc, LeaseExpired):  # the rest of a split message, later
                    await uow.outbox.retry(row.id, self.owner, at=now, count_attempt=False,
                                           error=str(exc))
                elif isinstance(exc, RateLimited):
                    c.rate_limited += 1
                    until = now + dt.timedelta(seconds=exc.retry_after)
                    await uow.outbox.pause(row.platform, row.chat_id if o.scope == "chat" else None,
                                           until, now)
                    await uow.outbox.retry(row.id, self.owner, error=str(exc), count_attempt=False,
                                           at=until)
                elif isinstance(exc, ChatUnavailable):
                    c.deactivated += 1
                    chat = await uow.chats.get(row.chat_id)
                    if chat is not None:
                        await uow.chats.deactivate(chat, exc.reason)
                    await uow.outbox.dead(row.id, self.owner, f"chat unavailable: {exc.reason}")
                    await uow.outbox.drop_for_chat(row.chat_id, f"chat unavailable: {exc.reason}", now)
                    log.info("chat deactivated", extra={"chat": row.chat_id, "reason": exc.reason})
                elif isinstance(exc, ChatMoved):
                    chat = await uow.chats.get(row.chat_id)
                    if chat is None or (row.last_error or "").startswith("moved"):
                        await uow.outbox.dead(row.id, self.owner, f"moved again: {exc.new_chat_id}")
                        continue
                    c.moved += 1
                    await uow.chats.migrate(chat, exc.new_chat_id)
                    await uow.outbox.retry(row.id, self.owner, at=now, count_attempt=False,
                                           error=f"moved to {exc.new_chat_id}")
                elif isinstance(exc, PermanentError):
                    c.dead += 1
                    await uow.outbox.dead(row.id, self.owner, f"refused: {exc}")
                elif isinstance(exc, DeliveryUncertain):
                    c.uncertain += 1
                    sends = row.uncertain + 1
                    if sends > s.uncertain_retries or row.attempts + 1 >= s.max_attempts:
                        c.dead += 1
                        await uow.outbox.dead(
                            row.id, self.owner, uncertain=True,
                            error=f"{UNCERTAIN}: no answer to {sends} send(s), it may have "
                                  f"been delivered: {exc}"[:500])
                        log.warning("dead letter: uncertain", extra={"row": row.id})
                    else:
                        c.retried += 1
                        delay = s.uncertain_retry_seconds * (1 + self.rng.random() / 2)
                        await uow.outbox.retry(row.id, self.owner, uncertain=True,
                                               error=f"{UNCERTAIN}: {exc}",
                                               at=now + dt.timedelta(seconds=delay))
                else:
                    kind = "transient" if isinstance(exc, TransientError) else type(exc).__name__
                    if row.attempts + 1 >= s.max_attempts:
                        c.dead += 1
                        await uow.outbox.dead(row.id, self.owner, f"{kind}: {exc}"[:500])
                        log.warning("dead letter", extra={"row": row.id, "error": kind})
                    else:
                        c.retried += 1
                        delay = backoff(row.attempts + 1, s.backoff_seconds, s.max_backoff_seconds,
                                        self.rng)
                        await uow.outbox.retry(row.id, self.owner, error=f"{kind}: {exc}",
                                               at=now + dt.timedelta(seconds=delay))
