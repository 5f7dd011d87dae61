"""Telegram: a PTB v22 Application run inside the process's own event loop.

Why not ``run_polling()``: it owns the loop and installs its own signal handlers; the process
runs Telegram, Discord, the scheduler and the outbox side by side in one loop, so this
component calls ``initialize``/``start``/``updater.start_*`` and the reverse on stop.

Long polling by default; webhook mode serves our own small aiohttp server
(bot/platforms/telegram/webhook.py, not PTB's tornado one) on a socket we bind ourselves (so
port 0 works in tests and the real port is known): a request without the right
``X-Telegram-Bot-Api-Secret-Token`` gets 403 before its body is read, and its size, the
connections and their idle time are bounded.

No ``AIORateLimiter``: replies are one call per message part, and the outbox worker owns the
per-chat and global limits for broadcasts (see bot/platforms/telegram/send.py).
"""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Iterable
from typing import TYPE_CHECKING

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    MenuButtonWebApp,
    WebAppInfo,
)
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder

from bot.platforms.base import TokenRejected, offer_sender, withdraw_sender
from bot.platforms.telegram.http import AiohttpRequest
from bot.platforms.telegram.order import ChatOrderedProcessor
from bot.platforms.telegram.render import CallbackCodec
from bot.platforms.telegram.send import TelegramSender, translate_error
from bot.platforms.telegram.updates import ALLOWED_UPDATES, UpdateRouter
from bot.platforms.telegram.webhook import WebhookLimits, WebhookServer
from handlers.base import Command
from handlers.i18n import t

if TYPE_CHECKING:
    from bot.app import App

__all__ = ["TelegramPlatform", "TelegramSender", "command_menu", "menu_languages",
           "translate_error"]

log = logging.getLogger("newsbot.telegram")

#: Telegram's limits for setMyCommands: a command's name, its description, a menu's length
COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
DESCRIPTION_MAX = 256
MENU_MAX = 100


def menu_languages(commands: Iterable[Command]) -> tuple[str, ...]:
    """The languages the commands' catalogs have (CATALOG.languages for the bot's own), in
    the catalog's order: one menu each (``setMyCommands`` with that ``language_code``)."""
    return tuple(dict.fromkeys(lang for c in commands for lang in c.catalog.languages))


def _describe(summary: dict[str, str], lang: str, fallback: str) -> str:
    """One line of at most 256 characters, never empty (Telegram refuses both)."""
    text = summary.get(lang) or summary.get(fallback) or next(iter(summary.values()), "")
    # one line; no-break spaces (French typography) are kept
    text = " ".join(re.split(r"[ \t\r\n]+", text.strip(" \t\r\n"))) or "…"
    return text if len(text) <= DESCRIPTION_MAX else text[: DESCRIPTION_MAX - 1].rstrip() + "…"


def command_menu(commands: list[Command], lang: str, fallback: str = "fr") -> list[BotCommand]:
    """The menu shown by Telegram's "/" button in ``lang``: names and one-line summaries
    (a command whose catalog lacks ``lang`` shows its ``fallback`` text); only names
    Telegram accepts, at most 100 commands."""
    return [
        BotCommand(c.name, _describe(c.summary, lang, fallback))
        for c in commands
        if c.listed and COMMAND_NAME.fullmatch(c.name)
    ][:MENU_MAX]


class TelegramPlatform:
    """The Telegram front end as a Component (bot/platforms/base.py); also exposes ``sender``."""

    name = "telegram"

    def __init__(self, app: App) -> None:
        self.app = app
        self.config = app.settings.telegram
        if self.config.token is None:
            raise ValueError("[telegram] token is not set")
        self._requests = (AiohttpRequest(256), AiohttpRequest(1))
        self.application: Application = (  # type: ignore[type-arg]
            ApplicationBuilder()
            .token(self.config.token.get_secret_value())
            .base_url(self.config.base_url)
            .base_file_url(self.config.base_file_url or self.config.base_url.replace("/bot", "/file/bot"))
            .concurrent_updates(ChatOrderedProcessor(self.config.concurrent_updates))
            .request(self._requests[0])
            # one long poll at a time; its read timeout is set per call by PTB
            .get_updates_request(self._requests[1])
            .job_queue(None)  # schedules live in the database (bot/scheduler.py), not in PTB
            .build()
        )
        self.sender = TelegramSender(self.application.bot, CallbackCodec(app.buttons),
                                     paid_broadcast=app.settings.delivery.paid_broadcast)
        self.router = UpdateRouter(app, self.sender)
        for handler in self.router.handlers():
            self.application.add_handler(handler)
        self.application.add_error_handler(self._on_error)
        self._socket: socket.socket | None = None
        self.webhook: WebhookServer | None = None

    @property
    def webhook_port(self) -> int | None:
        """The port the webhook server really listens on (useful with port 0)."""
        return self._socket.getsockname()[1] if self._socket else None

    async def start(self) -> None:
        """Connect (getMe), publish the menu, start fetching updates; then offer the sender.

        A failure leaves nothing open; a rejected token raises TokenRejected (never retried).
        """
        try:
            await self.application.initialize()
        except BaseException as exc:
            # PTB opened the HTTP sessions before getMe failed and closes them only once
            # initialized: close them here ("Unclosed client session" otherwise)
            for request in self._requests:
                await request.shutdown()
            if isinstance(exc, InvalidToken):
                raise TokenRejected("telegram") from None  # PTB's message holds the token
            raise
        try:
            await self.publish_commands()
            await self.publish_menu_button()
            await self.application.start()
            if self.config.mode == "webhook":
                await self._start_webhook()
            else:
                updater = self.application.updater
                assert updater is not None
                await updater.start_polling(allowed_updates=list(ALLOWED_UPDATES))
        except BaseException:
            await self.stop()
            raise
        offer_sender(self.app, self.sender)
        log.info("telegram started", extra={"mode": self.config.mode, "bot": self.router.username})

    async def _start_webhook(self) -> None:
        cfg = self.config
        if cfg.secret_token is None:  # the config refuses webhook mode without one
            raise ValueError("[telegram] secret_token is required in webhook mode")
        self._socket = socket.create_server((cfg.webhook_listen, cfg.webhook_port))
        self._socket.setblocking(False)
        path = cfg.webhook_path.strip("/")
        secret = cfg.secret_token.get_secret_value()
        self.webhook = WebhookServer(
            self.application, path=path, secret=secret, sock=self._socket,
            limits=WebhookLimits(
                # Telegram's own connections, plus room for an operator's probes; a flood
                # beyond that only closes idle connections
                max_open=4 * cfg.webhook_max_connections + 32,
                max_body_bytes=cfg.webhook_max_body_bytes,
                timeout=cfg.webhook_timeout_seconds,
            ),
        )
        await self.webhook.start()
        url = cfg.webhook_url or f"http://{cfg.webhook_listen}:{self.webhook_port}/{path}"
        await self.application.bot.set_webhook(
            url, allowed_updates=list(ALLOWED_UPDATES), secret_token=secret,
            max_connections=cfg.webhook_max_connections,
        )

    async def stop(self) -> None:
        """Stop fetching, let the updates being handled finish, then close the HTTP clients."""
        withdraw_sender(self.app, self.sender)
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.webhook is not None:
            await self.webhook.stop()
            self.webhook = None
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        log.info("telegram stopped")

    async def publish_commands(self) -> None:
        """setMyCommands for the default menu (the bot's default language) and for each
        language of the catalog (``language_code``: Telegram shows a user the menu of their
        app's language, else the default); owners also see admin ones."""
        bot = self.application.bot
        public = [c for c in self.app.registry if not c.admin]
        default = self.app.settings.bot.default_language
        await bot.set_my_commands(command_menu(public, default, default),
                                  scope=BotCommandScopeDefault())
        for lang in menu_languages(self.app.registry):
            await bot.set_my_commands(command_menu(public, lang, default), language_code=lang)
        everything = list(self.app.registry)
        if len(everything) == len(public):
            return
        for owner in self.config.owners:
            try:  # a private chat's id is the user's id; it exists once they talked to us
                await bot.set_my_commands(command_menu(everything, default, default),
                                          scope=BotCommandScopeChat(int(owner)))
            except (TelegramError, ValueError) as exc:
                log.info("owner menu not set", extra={"error": str(exc)})

    async def publish_menu_button(self) -> None:
        """With the public part on and its address known (``[http] public``, ``public_url``),
        the menu button opens the Mini App (bot/web/miniapp.py) at ``public_url + "/app"``.
        Telegram accepts only an HTTPS address: a refusal is logged, the bot runs on."""
        http = self.app.settings.http
        if not (http.public and http.public_url):
            return
        url = http.public_url.rstrip("/") + "/app"
        text = t("miniapp.menu", self.app.settings.bot.default_language)
        try:
            await self.application.bot.set_chat_menu_button(
                menu_button=MenuButtonWebApp(text, WebAppInfo(url)))
        except TelegramError as exc:
            log.warning("mini app menu button not set", extra={"url": url, "error": str(exc)})

    async def _on_error(self, update: object, context: object) -> None:
        error = getattr(context, "error", None)
        log.error("telegram update failed", exc_info=error)
