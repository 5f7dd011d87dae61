"""Senders without a front end, for a process that only delivers (``python -m bot deliver``).

Why: at scale, replicas behind a webhook serve commands while delivery runs wherever the
sender lease is held; a delivery-only process needs the platform's Sender but must not
poll for updates (Telegram allows one poller per token).
"""

from __future__ import annotations

from telegram import Bot

from bot.app import App
from bot.platforms.telegram_http import AiohttpRequest
from bot.platforms.telegram_send import TelegramSender
from bot.render.telegram import CallbackCodec


class TelegramSenderComponent:
    """A PTB ``Bot`` (HTTP client only) registered as the app's Telegram sender."""

    name = "telegram-sender"

    def __init__(self, app: App, pool_size: int = 64) -> None:
        cfg = app.settings.telegram
        assert cfg.token is not None
        self.app = app
        self.bot = Bot(cfg.token.get_secret_value(), base_url=cfg.base_url,
                       request=AiohttpRequest(pool_size))

    async def start(self) -> None:
        await self.bot.initialize()
        self.app.senders["telegram"] = TelegramSender(
            self.bot, CallbackCodec(self.app.buttons),
            paid_broadcast=self.app.settings.delivery.paid_broadcast)

    async def stop(self) -> None:
        self.app.senders.pop("telegram", None)
        await self.bot.shutdown()
