"""Senders without a front end, for a process that only delivers (``python -m bot deliver``).

Why: at scale, replicas behind a webhook serve commands while delivery runs wherever the
sender lease is held; a delivery-only process needs the platform's Sender but must not
poll for updates (Telegram allows one poller per token).
"""

from __future__ import annotations

from telegram import Bot
from telegram.error import InvalidToken

from bot.app import App
from bot.platforms.base import TokenRejected, offer_sender, withdraw_sender
from bot.platforms.telegram.http import AiohttpRequest
from bot.platforms.telegram.render import CallbackCodec
from bot.platforms.telegram.send import TelegramSender


class TelegramSenderComponent:
    """A PTB ``Bot`` (HTTP client only) registered as the app's Telegram sender."""

    name = "telegram-sender"

    def __init__(self, app: App, pool_size: int = 64) -> None:
        cfg = app.settings.telegram
        assert cfg.token is not None
        self.app = app
        # getUpdates is never called, but PTB opens a client for it too: ours, so it closes
        self._requests = (AiohttpRequest(pool_size), AiohttpRequest(1))
        self.bot = Bot(cfg.token.get_secret_value(), base_url=cfg.base_url,
                       request=self._requests[0], get_updates_request=self._requests[1])
        self.sender = TelegramSender(self.bot, CallbackCodec(app.buttons),
                                     paid_broadcast=app.settings.delivery.paid_broadcast)

    async def start(self) -> None:
        try:
            await self.bot.initialize()
        except BaseException as exc:
            for request in self._requests:  # opened before getMe failed; PTB leaves them open
                await request.shutdown()
            if isinstance(exc, InvalidToken):
                raise TokenRejected("telegram") from None  # PTB's message holds the token
            raise
        offer_sender(self.app, self.sender)

    async def stop(self) -> None:
        withdraw_sender(self.app, self.sender)
        await self.bot.shutdown()
