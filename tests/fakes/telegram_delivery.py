"""Update delivery of the fake Bot API: long polling and webhooks.

Why strict: Telegram allows one consumer per token (a second getUpdates terminates the
first; getUpdates conflicts with an active webhook), confirms updates only through
``offset`` and filters by ``allowed_updates``. Our polling and webhook code must cope
with exactly these rules.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import aiohttp

from tests.fakes.telegram_state import ApiError

CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
TERMINATED = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
_DEFAULT_EXCLUDED = {"chat_member", "message_reaction", "message_reaction_count"}


class UpdateDelivery:
    """getUpdates, setWebhook, deleteWebhook, getWebhookInfo and webhook posting."""

    webhook: dict[str, Any] | None
    _updates: list[dict[str, Any]]
    _updates_event: asyncio.Event
    _allowed_updates: list[str]
    _poll_generation: int
    _stopping: bool
    _session: aiohttp.ClientSession | None

    async def m_getUpdates(self, p: dict[str, Any]) -> Any:
        if self.webhook is not None:
            raise ApiError(409, CONFLICT)
        offset = p.get("offset")
        if "allowed_updates" in p:
            self._allowed_updates = list(p["allowed_updates"])
        if offset is not None:
            self._confirm(offset)
        # Telegram allows one poller per token: a newer getUpdates ends the older one.
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_event.set()
        await wait_until(
            self._updates_event,
            lambda: (
                bool(self._pending())
                or self._stopping
                or self.webhook is not None
                or self._poll_generation != generation
            ),
            max(0, p.get("timeout", 0)),
        )
        if self._poll_generation != generation:
            raise ApiError(409, TERMINATED)
        if self.webhook is not None:
            raise ApiError(409, CONFLICT)
        return self._pending()[: p.get("limit", 100)]

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            self._updates = self._updates[offset:]
        else:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

    def _pending(self) -> list[dict[str, Any]]:
        """Queued updates the bot asked for; others are dropped like Telegram does."""
        allowed = set(self._allowed_updates)
        kept = []
        for update in self._updates:
            kind = next(k for k in update if k != "update_id")
            if (kind in allowed) if allowed else (kind not in _DEFAULT_EXCLUDED):
                kept.append(update)
        self._updates = kept
        return kept

    # ---------------------------------------------------------------- webhook
    async def m_setWebhook(self, p: dict[str, Any]) -> Any:
        if not p["url"]:
            return await self.m_deleteWebhook(p)
        if p.get("drop_pending_updates"):
            self._updates.clear()
        if "allowed_updates" in p:
            self._allowed_updates = list(p["allowed_updates"])
        self.webhook = {"url": p["url"], "secret_token": p.get("secret_token")}
        self._updates_event.set()
        return True

    async def m_deleteWebhook(self, p: dict[str, Any]) -> Any:
        self.webhook = None
        if p.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def m_getWebhookInfo(self, p: dict[str, Any]) -> Any:
        info: dict[str, Any] = {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending()),
        }
        if self._allowed_updates:
            info["allowed_updates"] = self._allowed_updates
        return info

    async def deliver_webhook(self, update: dict[str, Any] | None = None) -> list[int]:
        """POST the given update, or every pending one, to the webhook; return statuses.

        Pending updates the receiver acknowledges with 2xx are removed from the queue.
        """
        if self.webhook is None:
            raise AssertionError("no webhook is set (setWebhook was never called)")
        if update is not None:
            return [await self.post_webhook_raw(update, self.webhook["secret_token"])]
        statuses = []
        for pending in list(self._pending()):
            status = await self.post_webhook_raw(pending, self.webhook["secret_token"])
            statuses.append(status)
            if 200 <= status < 300:
                self._updates.remove(pending)
        return statuses

    async def post_webhook_raw(self, update: dict[str, Any], secret: str | None = "wrong") -> int:
        """POST one update to the webhook URL with the given secret header (None: no header)."""
        if self.webhook is None:
            raise AssertionError("no webhook is set (setWebhook was never called)")
        if self._session is None:
            self._session = aiohttp.ClientSession()
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        async with self._session.post(self.webhook["url"], json=update, headers=headers) as resp:
            await resp.read()
            return resp.status


async def wait_until(
    event: asyncio.Event,
    condition: Callable[[], bool],
    timeout: float,  # noqa: ASYNC109
) -> bool:
    """Wait for condition(), re-checked each time the event is set; False on timeout."""
    deadline = time.monotonic() + timeout
    while not condition():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        event.clear()
        try:
            async with asyncio.timeout(remaining):
                await event.wait()
        except TimeoutError:
            return condition()
    return True
