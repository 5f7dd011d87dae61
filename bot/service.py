"""Service mode: the platforms with a token, side by side in one event loop, until a signal.

The database must be writable first: it is migrated and one small write is committed
(:func:`storage.health.check_writable`). A read-only database, a full disk or an unreachable
server is named in one log line per attempt, ``app.health["database"]`` is ``failing`` and
the service stays not-ready — no platform is started — retrying with backoff until it works
or a signal stops it. Other errors (a wrong password) stop it.

SIGTERM or SIGINT stops the components in reverse order of start, each finishing what it
is sending (the outbox worker lets in-flight messages complete before it returns).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from contextlib import AsyncExitStack

from bot.app import App
from bot.config import Settings
from bot.health import Health
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


async def _stopped_within(stop: asyncio.Event, seconds: float) -> bool:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()


async def wait_for_database(settings: Settings, health: Health, stop: asyncio.Event) -> bool:
    """Migrate and check that the database takes a write; while it does not for a reason
    worth waiting for (read-only, disk full, unreachable), say so and retry with backoff.

    False when a signal came first. Other errors are raised (the process exits 1)."""
    from storage.db import make_engine
    from storage.health import check_writable, database_problem
    from storage.migrate import ensure_schema
    from storage.outbox import backoff

    url = settings.database.url
    engine = make_engine(url)
    attempt = 0
    try:
        while True:
            attempt += 1
            try:
                if await ensure_schema(engine):
                    log.info("database migrated")
                await check_writable(engine)
            except Exception as exc:
                problem = database_problem(exc, url)
                if problem is None:
                    raise
                delay = backoff(attempt, settings.bot.retry_initial_seconds,
                                settings.bot.retry_max_seconds)
                health.set("database", "failing", problem)
                log.error(f"database not writable: {problem} (attempt {attempt}); "
                          f"the service is not ready, retrying in {delay:.1f} s")
                await engine.dispose()  # the next attempt opens fresh connections
                if await _stopped_within(stop, delay):
                    return False
                continue
            if attempt > 1:
                log.info("database writable: the service starts", extra={"attempts": attempt})
            health.set("database", "ok")
            return True
    finally:
        await engine.dispose()


async def serve(settings: Settings, *, deliver_only: bool = False) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    health = Health()
    if not await wait_for_database(settings, health, stop):
        log.info("stopped before the database was ready")
        return 0
    async with App(settings, health=health) as app:
        await run_components(build_components(app, deliver_only=deliver_only), stop)
    log.info("stopped cleanly")
    return 0
