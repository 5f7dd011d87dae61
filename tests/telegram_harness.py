"""The real bot (App + TelegramPlatform with PTB) wired to the fake Bot API, for end-to-end tests.

Why a harness: every scenario pushes an update the way Telegram would (queued for getUpdates,
or POSTed to our webhook with the secret), then reads what the fake received, exactly as a
user would see it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from bot.app import App
from bot.platforms.telegram.frontend import TelegramPlatform
from tests.conftest import make_settings
from tests.fakes.telegram_api import FakeTelegram, SentMessage

SECRET = "s3cret-token_for-tests"


@dataclass
class Harness:
    tg: FakeTelegram
    app: App
    platform: TelegramPlatform
    mode: str

    async def deliver(self) -> None:
        """In webhook mode, POST the queued updates (polling picks them up by itself)."""
        if self.mode == "webhook":
            statuses = await self.tg.deliver_webhook()
            assert all(s == 200 for s in statuses), statuses

    async def say(self, chat_id: int, text: str, n: int = 1, **kwargs: Any) -> list[SentMessage]:
        """A user writes ``text``; returns the ``n`` new bot messages in that chat."""
        before = len(self.tg.messages(chat_id))
        self.tg.push_message(chat_id, text, **kwargs)
        await self.deliver()
        return (await self.tg.wait_for_messages(chat_id, before + n))[before:]

    async def press(self, chat_id: int, message: SentMessage, row: int = 0, col: int = -1,
                    **kwargs: Any) -> None:
        assert message.reply_markup, "message has no buttons"
        data = message.reply_markup["inline_keyboard"][row][col]["callback_data"]
        self.tg.push_callback_query(chat_id, message.message_id, data, **kwargs)
        await self.deliver()

    async def until_text(self, chat_id: int, needle: str) -> None:
        """Wait until a bot message in the chat shows ``needle`` (an edit has no new message)."""

        async def shown() -> bool:
            return any(needle in m.text for m in self.tg.messages(chat_id))

        await eventually(shown)

    def calls(self, method: str) -> list[Any]:
        return [c for c in self.tg.calls if c.method == method]


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:  # noqa: ASYNC109
    """Wait until an effect without a message (a database change) is visible."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@asynccontextmanager
async def running_bot(tg: FakeTelegram, db_url: str, mode: str = "polling",
                      prepare: Callable[[App], None] | None = None,
                      **telegram: Any) -> AsyncIterator[Harness]:
    """The bot on ``db_url`` talking to ``tg``; ``prepare`` may add commands before start."""
    tg.limits.enabled = False  # replies to many commands in a row: not what this tests
    config: dict[str, Any] = {
        "token": tg.token, "base_url": tg.base_url, "mode": mode,
        "webhook_port": 0, "secret_token": SECRET, **telegram,
    }
    async with App(make_settings(db_url, telegram=config)) as app:
        if prepare is not None:
            prepare(app)
        platform = TelegramPlatform(app)
        await platform.start()
        try:
            yield Harness(tg, app, platform, mode)
        finally:
            await platform.stop()
