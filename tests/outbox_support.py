"""Test doubles and helpers for the outbox: a scripted Sender and a worker runner."""

from __future__ import annotations

import asyncio
import datetime as dt
import heapq
from collections.abc import Callable
from typing import Any

from bot.config import DeliverySection
from bot.delivery import OutboxWorker
from bot.platforms.base import About, Pace
from handlers.reply import Reply, ReplyBuilder, plain_text
from storage.models import OutboxMessage, utcnow
from storage.outbox import NewMessage
from storage.uow import UnitOfWork

FAST = {"global_per_second": 1000, "private_per_second": 1000, "group_per_minute": 60000,
        "backoff_seconds": 0.01, "max_backoff_seconds": 0.05, "poll_seconds": 0.02,
        "margin_seconds": 0, "leader_ttl_seconds": 5, "reserve_per_second": 0}


def fast_settings(**overrides: Any) -> DeliverySection:
    return DeliverySection(**{**FAST, **overrides})


class ScriptedSender:
    """Records what it 'sends'; raises the scripted errors for a chat, in order, first."""

    platform = "telegram"

    def __init__(self, delay: float = 0.0) -> None:
        self.sent: list[tuple[str, str]] = []
        self.script: dict[str, list[Exception]] = {}
        self.delay = delay
        self.calls = 0
        self._changed = asyncio.Event()

    def fail(self, chat_id: str, *errors: Exception) -> None:
        self.script.setdefault(chat_id, []).extend(errors)

    async def send(self, chat_id: str, reply: Reply, *, nonce: str,
                   thread_id: int | str | None = None, pace: Pace | None = None,
                   read_timeout: float | None = None, skip_parts: int = 0,
                   about: About | None = None) -> list[str]:
        self.calls += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        queue = self.script.get(chat_id)
        if queue:
            raise queue.pop(0)
        self.sent.append((chat_id, plain_text(reply)))
        self._changed.set()
        return [str(len(self.sent))]

    async def wait_sent(self, n: int, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        async with asyncio.timeout(timeout):
            while len(self.sent) < n:
                self._changed.clear()
                await self._changed.wait()

    async def edit(self, chat_id: str, message_ids: list[str], reply: Reply) -> bool:
        return False

    def texts(self, chat_id: str) -> list[str]:
        return [t for c, t in self.sent if c == chat_id]


def text_reply(text: str) -> dict[str, Any]:
    return ReplyBuilder().para(text).build().to_dict()


async def add_chats(uow_factory: Callable[[], UnitOfWork], ids: list[str],
                    platform: str = "telegram") -> dict[str, int]:
    """platform chat id -> our chat id; negative ids are groups, as on Telegram."""
    out = {}
    async with uow_factory() as uow:
        for pid in ids:
            kind = "group" if pid.startswith("-") else "private"
            chat = await uow.chats.touch(platform, pid, kind=kind, title=None)
            out[pid] = chat.id
    return out


async def enqueue(uow_factory: Callable[[], UnitOfWork], chat_ids: dict[str, int], prefix: str = "m",
                  at: dt.datetime | None = None) -> int:
    async with uow_factory() as uow:
        return len(await uow.outbox.enqueue_many(
            [NewMessage(f"{prefix}:{cid}", cid, "digest", text_reply(f"{prefix} for {pid}"),
                        next_attempt_at=at)
             for pid, cid in chat_ids.items()], utcnow()))


async def rows(uow_factory: Callable[[], UnitOfWork]) -> list[OutboxMessage]:
    from sqlalchemy import select

    async with uow_factory() as uow:
        return list((await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


async def run_until_settled(worker: OutboxWorker, uow_factory: Callable[[], UnitOfWork],
                            timeout: float = 20.0) -> None:  # noqa: ASYNC109
    """Run the worker until no row is pending (or fail after ``timeout``)."""
    await worker.start()
    try:
        async with asyncio.timeout(timeout):
            while True:
                async with uow_factory() as uow:
                    stats = await uow.outbox.stats(utcnow() + dt.timedelta(days=1))
                if stats["pending"] == 0:
                    return
                await asyncio.sleep(0.05)
    finally:
        await worker.stop()


class _Timed:
    __slots__ = ("at", "callback", "cancelled", "seq")

    def __init__(self, at: float, seq: int, callback: Callable[[], object]) -> None:
        self.at, self.seq, self.callback, self.cancelled = at, seq, callback, False

    def __lt__(self, other: _Timed) -> bool:
        return (self.at, self.seq) < (other.at, other.seq)

    def cancel(self) -> None:
        self.cancelled = True


class VirtualTimer:
    """A ``bot.ratelimit.Timer`` on virtual time: minutes of waiting pass in moments.

    Time stands still while anything else runs; whenever the event loop has had a real
    moment (``tick``) to run what was ready, the timer jumps to the next deadline and
    fires it: so every wait lasts exactly its virtual time, and work in
    between (HTTP requests, database commits) takes none. Give the same ``monotonic`` to
    whatever must agree (the fake Bot API's limits).
    """

    def __init__(self, start: float = 1000.0, tick: float = 0.001) -> None:
        self.now = start
        self.tick = tick
        self._heap: list[_Timed] = []
        self._seq = 0
        self._driver: asyncio.Task[None] | None = None

    def monotonic(self) -> float:
        return self.now

    def call_later(self, seconds: float, callback: Callable[[], object]) -> _Timed:
        self._seq += 1
        timed = _Timed(self.now + max(0.0, seconds), self._seq, callback)
        heapq.heappush(self._heap, timed)
        if self._driver is None or self._driver.done():
            self._driver = asyncio.get_running_loop().create_task(self._drive())
        return timed

    async def sleep(self, seconds: float) -> None:
        done = asyncio.get_running_loop().create_future()
        timed = self.call_later(seconds, lambda: done.done() or done.set_result(None))
        try:
            await done
        finally:
            timed.cancel()

    async def _drive(self) -> None:
        while self._heap:
            await asyncio.sleep(self.tick)
            while self._heap and self._heap[0].cancelled:
                heapq.heappop(self._heap)
            if not self._heap:
                return
            first = heapq.heappop(self._heap)
            self.now = max(self.now, first.at)
            first.callback()
