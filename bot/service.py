"""Service mode: the platforms with a token, side by side in one event loop, until a signal.

Start-up, in order:

1. **The database must be writable.** It is migrated and one small write is committed
   (:func:`storage.health.check_writable`). A read-only database, a full disk or an
   unreachable server is named in one log line per attempt, ``app.health["database"]`` is
   ``failing`` and the service stays not-ready — no platform is started — retrying with
   backoff until it works or a signal stops it. Other errors (a wrong password) stop it.
2. **Each platform under its own supervisor** (bot/supervisor.py): it starts, fails and
   recovers on its own, with backoff, so Telegram answers while Discord is down and the other
   way round. A token the platform rejects (401) stops the service at once with exit code 2.
3. The digest scheduler and the outbox worker (which sends only through platforms that run),
   then the feed poller.

SIGTERM or SIGINT stops the components in reverse order of start, each finishing what it
is sending (the outbox worker lets in-flight messages complete before it returns).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
from collections.abc import Callable
from contextlib import AsyncExitStack
from functools import partial

from bot.app import App
from bot.config import Settings
from bot.health import Health
from bot.instance import claim, data_dir
from bot.platforms import PLATFORMS, PlatformSpec, reachable_owners
from bot.platforms import enabled as enabled_platforms
from bot.platforms import secrets as platform_secrets
from bot.platforms.base import Component, TokenRejected
from bot.supervisor import Supervisor

log = logging.getLogger("newsbot.service")

Fatal = Callable[[TokenRejected], None]


def _secrets(settings: Settings) -> list[str]:
    """The platforms' secrets, kept out of the supervisors' log lines."""
    return platform_secrets(settings)


def platform_factories(app: App, *, deliver_only: bool = False
                       ) -> list[tuple[str, Callable[[], Component]]]:
    """(part, how to build a fresh one) for each enabled platform of the table
    (bot/platforms/__init__.py), in its order: its front end, or with ``deliver_only`` its
    sender without one (a platform that has none is left out)."""
    found: list[tuple[str, Callable[[], Component]]] = []
    for spec in enabled_platforms(app.settings):
        if deliver_only and spec.build_sender_only is None:
            continue
        found.append((spec.name, partial(_build, spec, app, deliver_only)))
    return found


def _build(spec: PlatformSpec, app: App, deliver_only: bool) -> Component:
    if deliver_only:
        component = spec.sender_only(app)
        assert component is not None  # platform_factories checked
        return component
    return spec.front_end(app)


def build_components(app: App, *, deliver_only: bool = False, console: bool = False,
                     on_fatal: Fatal | None = None) -> list[Component]:
    """The composition root of a running bot: every component the settings ask for, in the
    order they start — the operators' HTTP server, the platforms (each supervised), the
    trouble watch, the scheduler and the outbox worker, the feed poller.

    ``deliver_only``: senders without front ends, plus the scheduler and the outbox worker.
    ``console``: no platform is configured (``python -m bot run`` on the defaults): the
    fallback platform's front end (the console chat) instead of the HTTP server, and
    delivery; no feed poller.
    """
    bot = app.settings.bot

    def fatal(exc: TokenRejected) -> None:
        if on_fatal is not None:
            on_fatal(exc)

    components: list[Component] = []
    if console:
        components.extend(spec.front_end(app) for spec in PLATFORMS.values() if spec.fallback)
    elif app.settings.http.enabled:  # first: it answers while the platforms start
        from bot.http import OperatorHTTP

        components.append(OperatorHTTP(app))
    components.extend(
        Supervisor(part, make, app.health, initial=bot.retry_initial_seconds,
                   maximum=bot.retry_max_seconds, on_fatal=fatal, secrets=_secrets(app.settings))
        for part, make in platform_factories(app, deliver_only=deliver_only))
    if reachable_owners(app.settings):
        from bot.ops import TroubleWatch

        components.append(TroubleWatch(app, clock=app.deps.clock))
    components.extend(delivery_components(app))
    if app.settings.feeds and not (deliver_only or console):  # after delivery: feed items are announced
        from bot.feeds import FeedPoller

        components.append(FeedPoller(app))
    return components


def delivery_components(app: App) -> list[Component]:
    """The scheduler (digests, late copies of deleted items) and the outbox worker.

    Platforms register their Sender in ``app.senders`` while they run. The worker's lease
    owner is this process's instance identity (bot/instance.py): a restart after a crash
    takes its own previous lease over at once. Alerts are queued by fan-out whenever
    ``[delivery] enabled`` (``app.deps.alerts``, set when the App was built); fan-out rings
    ``app.doorbell`` and the worker answers it.
    """
    if not app.settings.delivery.enabled:
        return []
    from bot.delivery import OutboxWorker
    from bot.scheduler import DigestScheduler

    instance = claim(data_dir(app.settings.bot.data_dir, app.settings.database.url))
    from bot.platforms import rate_limits

    # each platform's own limits (Telegram's from [delivery], Discord's its own, ...)
    limits = {name: rl.windows for name, rl in rate_limits(app.settings).items()}
    worker = OutboxWorker(app.uow, app.senders, app.settings.delivery, clock=app.deps.clock,
                          limits=limits,
                          owner=instance.owner, takeover=instance.takeover_prefix,
                          observe=app.metrics.delivery,
                          on_lease=lambda event: app.metrics.lease_changes.labels(event).inc(),
                          doorbell=app.doorbell)
    scheduler = DigestScheduler(app.uow, app.settings.digest, app.deps.fanout,
                                withdraw_seconds=app.settings.delivery.poll_seconds,
                                remind_seconds=app.settings.programme.remind_tick_seconds)
    return [scheduler, worker]


async def run_components(components: list[Component], stop: asyncio.Event) -> None:
    async with AsyncExitStack() as stack:
        for c in components:
            await c.start()
            stack.push_async_callback(c.stop)
            if not isinstance(c, Supervisor):  # a platform logs when it is really up
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
    from bot.retry import backoff
    from storage.db import make_engine
    from storage.health import check_writable, database_problem
    from storage.migrate import ensure_schema

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
    from bot.owner_alerts import OwnerAlerts

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    health = Health()
    rejected: list[TokenRejected] = []

    def on_fatal(exc: TokenRejected) -> None:
        rejected.append(exc)
        stop.set()

    waiting = None
    if settings.http.enabled:  # /readyz says why while the database is not writable
        from bot.http import WaitingHTTP

        waiting = WaitingHTTP(settings, health)
        await waiting.start()
    try:
        ready = await wait_for_database(settings, health, stop)
    finally:
        if waiting is not None:
            await waiting.stop()
    if not ready:
        log.info("stopped before the database was ready")
        return 0
    async with App(settings, health=health) as app:
        alerts = OwnerAlerts(app, every=dt.timedelta(minutes=settings.bot.alert_owners_minutes),
                             stopping=stop)
        health.listen(alerts)
        try:
            await run_components(
                build_components(app, deliver_only=deliver_only, on_fatal=on_fatal), stop)
        finally:
            await alerts.close()
    if rejected:
        log.info("stopped: a platform rejected its token (exit code 2)")
        return 2
    log.info("stopped cleanly")
    return 0
