"""The webhook platform's component: configured endpoints in the database, the sender offered.

Start: every ``[[webhooks]]`` endpoint becomes (or stays) a chat with the subscription the
configuration states (handlers/configured_chats.py), endpoints no longer configured become
inactive; then the sender is offered to the outbox worker. Stop: withdrawn, its HTTP
session closed after the sends in flight (the worker finishes them first).
"""

from __future__ import annotations

import logging

from bot.app import App
from bot.platforms.base import offer_sender, withdraw_sender
from bot.platforms.webhook.send import PLATFORM, WebhookSender
from handlers.configured_chats import ConfiguredChat, sync_configured

log = logging.getLogger("newsbot.webhook")


class WebhookPlatform:
    name = PLATFORM

    def __init__(self, app: App) -> None:
        self.app = app
        self.endpoints = {e.name: e for e in app.settings.webhooks}
        self.sender = WebhookSender(self.endpoints)

    def targets(self) -> list[ConfiguredChat]:
        zone = self.app.settings.bot.timezone
        return [ConfiguredChat(chat_id=e.name, title=e.name, language=e.language,
                               timezone=e.timezone or zone, topics=tuple(e.topics),
                               alerts="alert" in e.kinds, digest="digest" in e.kinds,
                               digest_time=e.digest_time)
                for e in self.endpoints.values()]

    async def start(self) -> None:
        report = await sync_configured(self.app.uow, PLATFORM, self.targets(),
                                       now=self.app.deps.clock())
        for name, unknown in report.unknown_topics.items():
            log.warning("webhook topics unknown to the content: nothing will match them",
                        extra={"endpoint": name, "topics": ",".join(unknown)})
        if report.deactivated:
            log.info("webhook endpoints no longer configured: inactive",
                     extra={"endpoints": ",".join(report.deactivated)})
        await self.sender.start()
        offer_sender(self.app, self.sender)
        log.info("webhooks ready", extra={"endpoints": len(self.endpoints),
                                          "new": len(report.created)})

    async def stop(self) -> None:
        withdraw_sender(self.app, self.sender)
        await self.sender.close()
