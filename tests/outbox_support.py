"""Test doubles and helpers for the outbox: a scripted Sender and a worker runner."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Any

from bot.config import DeliverySection
from bot.delivery import OutboxWorker
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

    async def send(self, chat_id: str, reply: Reply, *, nonce: str) -> list[str]:
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
