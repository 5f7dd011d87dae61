"""Service mode: the platforms with a token, side by side in one event loop, until a signal.

SIGTERM or SIGINT stops the components in reverse order of start, each finishing what it
is sending (the outbox worker lets in-flight messages complete before it returns).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import AsyncExitStack

from bot.app import App
from bot.config import Settings
from bot.instance import claim, data_dir
from bot.platforms.base import Component

log = logging.getLogger("newsbot.service")


def build_components(app: App, *, deliver_only: bool = False) -> list[Component]:
    """Every component the settings ask for, platforms first.

    ``deliver_only``: senders without front ends, plus the scheduler and the outbox worker.
    """
    settings = app.settings
    components: list[Component] = []
    if deliver_only:
        if settings.telegram.token:
            from bot.senders import TelegramSenderComponent

            components.append(TelegramSenderComponent(app))
        if settings.discord.token:
            from bot.platforms.discord import DiscordSenderComponent

            components.append(DiscordSenderComponent(app))
        return [*components, *delivery_components(app)]
    if settings.telegram.token:
        from bot.platforms.telegram import TelegramPlatform

        telegram = TelegramPlatform(app)
        app.senders[telegram.sender.platform] = telegram.sender
        components.append(telegram)
    if settings.discord.token:
        from bot.platforms.discord import DiscordPlatform

        components.append(DiscordPlatform(app))
    components.extend(delivery_components(app))
    if settings.feeds:  # after delivery, so published feed items are announced
        from bot.feeds import FeedPoller

        components.append(FeedPoller(app))
    return components


def delivery_components(app: App) -> list[Component]:
    """The digest scheduler and the outbox worker; alerts are announced from now on.

    Platforms register their Sender in ``app.senders`` when they start (they come first).
    The worker's lease owner is this process's instance identity (bot/instance.py): a
    restart after a crash takes its own previous lease over at once.
    """
    if not app.settings.delivery.enabled:
        return []
    from bot.alerts import AlertPublisher
    from bot.delivery import OutboxWorker
    from bot.scheduler import DigestScheduler
    from handlers.corrections import retract_late_copies

    instance = claim(data_dir(app.settings.bot.data_dir, app.settings.database.url))
    worker = OutboxWorker(app.uow, app.senders, app.settings.delivery, clock=app.deps.clock,
                          owner=instance.owner, takeover=instance.takeover_prefix,
                          on_withdrawn=lambda uow, items: retract_late_copies(uow, app.deps, items))
    app.deps.publisher = AlertPublisher(app.settings.bot.default_language, clock=app.deps.clock,
                                        on_enqueue=worker.wake)
    scheduler = DigestScheduler(app.uow, app.settings.digest,
                                default_language=app.settings.bot.default_language,
                                clock=app.deps.clock, on_enqueue=worker.wake)
    return [scheduler, worker]


async def run_components(components: list[Component], stop: asyncio.Event) -> None:
    async with AsyncExitStack() as stack:
        for c in components:
            await c.start()
            stack.push_async_callback(c.stop)
            log.info("started", extra={"component": c.name})
        await stop.wait()
        log.info("stopping")


async def serve(settings: Settings, *, deliver_only: bool = False) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with App(settings) as app:
        await run_components(build_components(app, deliver_only=deliver_only), stop)
    log.info("stopped cleanly")
    return 0
