"""Composition root: builds the engine, migrations, content, registry and handler deps.

Nothing is built at import time; everything hangs off one ``App`` whose ``async with``
lifetime owns the database engine. Platforms, the scheduler and delivery receive what they
need from it: the fan-out layer its ``Fanout`` (``app.deps.fanout``: whether alerts are
queued, from ``[delivery] enabled``, and the ``Doorbell`` it rings, ``app.doorbell``, which the
outbox worker waits on).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
from types import TracebackType
from typing import Any

from bot.button_store import ButtonStore
from bot.clock import Clock, make_clock
from bot.config import Settings
from bot.health import Health
from bot.metrics import Metrics
from bot.platforms import PLATFORMS
from bot.platforms.base import Sender
from handlers import Deps, Registry, Reply, Request, build_registry, dispatch
from handlers.fanout import Doorbell
from handlers.fanout.publish import Actor, publish_item
from storage.db import make_engine, make_session_factory
from storage.migrate import ensure_schema
from storage.seed import DEFAULT_SEED, SeedReport, is_empty, load_seed, read_seed
from storage.uow import UnitOfWork

log = logging.getLogger("newsbot.app")


class App:
    def __init__(self, settings: Settings, *, health: Health | None = None,
                 clock: Clock | None = None) -> None:
        self.settings = settings
        #: the one clock of the process (``Deps.clock``, the fan-out's, the scheduler's, the
        #: outbox worker's): real time, or the rehearsal clock of ``[bot] simulated_now``,
        #: which starts at that instant now; ``clock`` (tests) replaces both
        self.clock: Clock = clock or make_clock(settings.bot.simulated_now)
        self.registry: Registry = build_registry()
        #: platform name -> its Sender; platforms add theirs while they run (outbox worker)
        self.senders: dict[str, Sender] = {}
        #: this process, as leases and the readiness probe name it
        self.instance_id = f"{socket.gethostname()}:{os.getpid()}"
        self.metrics = Metrics(c.name for c in self.registry)
        #: part (database, telegram, discord) -> state and last error (bot/health.py)
        self.health = health if health is not None else Health()
        #: fan-out rings it when it queued rows; the outbox worker waits on it
        self.doorbell = Doorbell()

    async def __aenter__(self) -> App:
        self.engine = make_engine(self.settings.database.url)
        try:
            if await ensure_schema(self.engine):
                log.info("database migrated")
            self.session_factory = make_session_factory(self.engine)
            if self.settings.bot.simulated_now is not None:
                log.warning(f"rehearsal clock: the bot runs as if at "
                            f"{self.settings.bot.simulated_now.isoformat()} "
                            f"([bot] simulated_now), then on at real speed")
            self.deps = Deps(
                uow=self.uow,
                clock=self.clock,
                owners=self.settings.owners(),
                platforms=tuple(PLATFORMS),
                default_language=self.settings.bot.default_language,
                timezone=self.settings.bot.timezone,
                edit_window=dt.timedelta(hours=self.settings.editorial.edit_window_hours),
                undo_window=dt.timedelta(minutes=self.settings.editorial.undo_window_minutes),
                alerts=self.settings.delivery.enabled,
                wake=self.doorbell.ring,
                session_minutes=self.settings.programme.default_minutes,
                public_url=self.settings.http.public_url if self.settings.http.public else None,
            )
            #: long button payloads, shared through the database by every process
            self.buttons = ButtonStore(self.uow, clock=self.deps.clock,
                                       ttl=dt.timedelta(days=self.settings.bot.button_days))
            if self.settings.bot.seed_on_start:
                await self.seed(only_if_empty=True)
        except BaseException:
            await self.engine.dispose()
            raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.engine.dispose()

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    async def seed(self, *, only_if_empty: bool = False, force: bool = False) -> SeedReport | None:
        """Load the bundled content (idempotent); announce its new items (``publish_item``:
        alerts when this process queues them, ``[delivery] enabled``)."""
        async with self.uow() as uow:
            if only_if_empty and not await is_empty(uow.session):
                return None
            report = await load_seed(uow.session, read_seed(DEFAULT_SEED), force=force)
            loader = Actor("cli", "seed", origin="seed")
            for item_id in report.new_item_ids:
                item = await uow.items.get(item_id)
                if item is not None:
                    await publish_item(uow, self.deps.fanout, item, loader, at=self.deps.clock())
        if report.changed:
            log.info("content loaded", extra={"inserted": report.inserted, "updated": report.updated})
        if report.skipped:
            log.info("content kept as the desk changed it", extra={"kept": len(report.skipped)})
        return report

    def platform_health(self) -> dict[str, dict[str, Any]]:
        """Each part's state for /readyz: ok unless it is failing (bot/health.py)."""
        return {part: {"ok": state["state"] in ("ok", "degraded"), "detail": state}
                for part, state in self.health.as_dict().items() if part != "database"}

    async def handle(self, request: Request) -> Reply:
        started = time.perf_counter()
        try:
            return await dispatch(self.registry, self.deps, request)
        finally:
            self.metrics.command((request.command or "").strip().lower(), request.platform,
                                 time.perf_counter() - started)
