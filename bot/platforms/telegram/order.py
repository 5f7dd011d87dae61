"""Updates of one chat handled in order, different chats concurrently.

Why: with PTB's plain concurrent processing, two commands sent quickly in one chat may be
answered in the wrong order, and a new chat's first two updates race to create its database
row. One FIFO lock per chat keeps each conversation sequential without serialising the bot.

PTB's own semaphore (taken before ``do_process_update``) is sized as a generous backlog, and
the real limit on concurrent work is taken *after* the chat's lock: a chat that floods us then
waits without holding the working slots other chats need.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

BACKLOG = 4096


class ChatOrderedProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max(BACKLOG, max_concurrent_updates))
        self._working = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            async with self._working:
                await coroutine
            return
        lock, users = self._locks.get(chat.id) or (asyncio.Lock(), 0)
        self._locks[chat.id] = (lock, users + 1)
        try:
            async with lock, self._working:
                await coroutine
        finally:
            lock, users = self._locks[chat.id]
            if users <= 1:
                del self._locks[chat.id]
            else:
                self._locks[chat.id] = (lock, users - 1)

    async def initialize(self) -> None:
        """Nothing to set up: locks are created per chat on demand."""

    async def shutdown(self) -> None:
        """Nothing to release: Application.stop() already waited for every update."""
