"""The scheduler: a short APScheduler 3 interval tick that plans the due digests.

The schedule itself lives in the database (see :mod:`bot.digests`); APScheduler only
provides the tick. ``misfire_grace_time`` and ``coalesce`` are set because its default
grace of 1 s silently skips a tick that starts late (a busy loop, a suspended laptop), and
``max_instances=1`` keeps a slow tick from overlapping the next. The first tick runs at
start, which sends the digests missed while the bot was down (within the grace period).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.config import DigestSection
from bot.digests import PlanReport, plan_digests
from storage.models import utcnow
from storage.uow import UnitOfWork

log = logging.getLogger("newsbot.scheduler")


class DigestScheduler:
    name = "scheduler"

    def __init__(self, uow_factory: Callable[[], UnitOfWork], settings: DigestSection, *,
                 default_language: str, clock: Callable[[], dt.datetime] = utcnow,
                 on_enqueue: Callable[[], None] | None = None) -> None:
        self.uow = uow_factory
        self.settings = settings
        self.default_language = default_language
        self.clock = clock
        self.on_enqueue = on_enqueue
        self._scheduler: AsyncIOScheduler | None = None
        self._ticking = asyncio.Lock()
        self._stopping = False

    async def tick(self) -> PlanReport:
        if self._stopping:
            return PlanReport()
        try:
            # a stop waits for a tick under way (cancelled mid-commit, it was logged as an error)
            async with self._ticking:
                report = await plan_digests(
                    self.uow, self.clock(), grace=dt.timedelta(hours=self.settings.grace_hours),
                    default_language=self.default_language, batch_size=self.settings.batch_size)
        except Exception:
            log.exception("digest tick failed")
            return PlanReport()
        if report.enqueued and self.on_enqueue is not None:
            self.on_enqueue()
        return report

    async def start(self) -> None:
        every = self.settings.tick_seconds
        self._scheduler = AsyncIOScheduler(timezone=dt.UTC)
        self._scheduler.add_job(
            self.tick, "interval", seconds=every, id="digests", next_run_time=utcnow(),
            misfire_grace_time=max(1, int(every)), coalesce=True, max_instances=1,
        )
        self._scheduler.start()

    async def stop(self) -> None:
        self._stopping = True
        async with self._ticking:
            pass
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
