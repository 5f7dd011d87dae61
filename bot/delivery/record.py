"""Recording send outcomes in batches, each as the outcome policy decides.

The worker hands every finished send to :class:`Recorder` (``add``); the recorder commits
the outcomes gathered in a few milliseconds in one transaction, applying
:func:`bot.delivery.policy.decide` to each (the chat's lifecycle through ``handlers.chats``),
and only then lets the send's task finish: until its outcome is committed, a message counts
as in flight (the crash duplicate bound). A failed commit is retried.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from bot.delivery.policy import Counter, Decision, Facts, Rules, decide
from bot.platforms.base import RateLimited
from handlers import chats
from storage.outbox import Claimed
from storage.uow import UnitOfWork

log = logging.getLogger("newsbot.delivery")


@dataclass
class Outcome:
    row: Claimed
    sent: list[str] | None = None
    error: Exception | None = None
    #: what a 429 paused: "chat" or "global" (the whole platform)
    scope: Literal["chat", "global"] | None = None
    done: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())

    def decision(self, rules: Rules, jitter: float) -> Decision:
        row = self.row
        facts = Facts(attempts=row.attempts, uncertain=row.uncertain, last_error=row.last_error,
                      kind=row.kind, scope=self.scope)
        return decide(self.error, facts, rules, sent=self.sent or (), jitter=jitter)


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


class Recorder:
    def __init__(self, uow_factory: Callable[[], UnitOfWork], owner: str, rules: Rules, *,
                 clock: Callable[[], dt.datetime], rng: random.Random,
                 db_writes: asyncio.Lock,
                 observe: Callable[[str, str, str, str | None], None] | None = None) -> None:
        self.uow = uow_factory
        self.owner = owner
        self.rules = rules
        self.clock = clock
        self.rng = rng
        self.db_writes = db_writes
        #: told (platform, kind, "sent" | "rate_limited" | "failed", 429 scope) of each
        #: recorded outcome (the App's metrics)
        self.observe = observe
        self.counters = Counters()
        self._outcomes: list[Outcome] = []
        self._wake = asyncio.Event()
        self._closing = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="outbox-recorder")

    async def close(self) -> None:
        """Record what is left, then stop (every send has finished by now)."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task

    async def add(self, outcome: Outcome) -> None:
        """Record this outcome with the next batch; returns once it is committed."""
        self._outcomes.append(outcome)
        self._wake.set()
        await outcome.done

    async def _loop(self) -> None:
        """Commit outcomes in batches; a failed commit is retried (the sends stay in flight)."""
        while True:
            await self._wake.wait()
            await asyncio.sleep(0.005)  # let a few outcomes gather: one commit for them all
            self._wake.clear()
            batch, self._outcomes = self._outcomes, []
            if batch:
                try:
                    await self.record(batch)
                except Exception:
                    log.exception("recording outcomes failed; retrying")
                    self._outcomes[:0] = batch
                    await asyncio.sleep(0.5)
                    self._wake.set()
                    continue
                for o in batch:
                    if not o.done.done():
                        o.done.set_result(None)
            if self._closing and not self._outcomes:
                return

    async def record(self, batch: list[Outcome]) -> None:
        decisions = [(o, o.decision(self.rules, self.rng.random())) for o in batch]
        now = self.clock()
        async with self.db_writes, self.uow() as uow:
            sent = [(o.row.id, list(d.parts)) for o, d in decisions if d.action == "sent"]
            await uow.outbox.mark_sent_many(self.owner, sent, now)
            ticks = [d.counters if d.action == "sent" else await self._apply(uow, o.row, d, now)
                     for o, d in decisions]
        c = self.counters
        for names in ticks:
            for name in names:
                setattr(c, name, getattr(c, name) + 1)
        if self.observe is not None:  # once the outcomes are committed
            for o, _d in decisions:
                outcome = ("sent" if o.error is None else
                           "rate_limited" if isinstance(o.error, RateLimited) else "failed")
                self.observe(o.row.platform, o.row.kind, outcome, o.scope)

    async def _apply(self, uow: UnitOfWork, row: Claimed, d: Decision, now: dt.datetime
                     ) -> tuple[Counter, ...]:
        """One row's decision, in the batch's transaction; returns the counters to tick."""
        owner, error = self.owner, d.error or ""
        if d.parts:
            await uow.outbox.save_progress(row.id, owner, list(d.parts))
        if d.action in ("retry", "resume_later"):
            await uow.outbox.retry(row.id, owner, error=error, count_attempt=d.counts,
                                   uncertain=d.uncertain, at=now + dt.timedelta(seconds=d.delay))
        elif d.action == "pause":
            until = now + dt.timedelta(seconds=d.delay)
            await uow.outbox.pause(row.platform, row.chat_id if d.scope == "chat" else None,
                                   until, now)
            await uow.outbox.retry(row.id, owner, error=error, count_attempt=False, at=until)
        elif d.action == "chat_gone":
            await uow.outbox.dead(row.id, owner, error)
            chat = await uow.chats.get(row.chat_id)
            if chat is not None:
                await chats.chat_gone(uow, chat, d.reason or "", now)
        elif d.action == "chat_moved":
            chat = await uow.chats.get(row.chat_id)
            if chat is None:  # nothing to follow
                await uow.outbox.dead(row.id, owner, f"moved again: {d.new_chat_id}")
                return ()
            await chats.chat_moved(uow, chat, d.new_chat_id or "")
            await uow.outbox.retry(row.id, owner, at=now + dt.timedelta(seconds=d.delay),
                                   count_attempt=False, error=error)
        else:  # dead
            await uow.outbox.dead(row.id, owner, error, uncertain=d.uncertain)
            log.warning("dead letter: uncertain" if d.uncertain else "dead letter",
                        extra={"row": row.id, "error": error.split(":", 1)[0]})
        return d.counters
