"""The scheduler: short APScheduler 3 interval ticks for the fan-out's periodic jobs.

- ``digests`` every ``[digest] tick_seconds``: plans the due digests
  (:func:`handlers.fanout.digests.plan_digests`; the schedule itself lives in the database);
- ``late_copies`` every ``withdraw_seconds`` (the service passes ``[delivery] poll_seconds``):
  copies of deleted items that went out after the delete are withdrawn
  (:func:`handlers.fanout.corrections.withdraw_late_copies`);
- ``reminders`` every ``remind_seconds`` (the service passes ``[programme]
  remind_tick_seconds``): the reminders of followed sessions that are due
  (:func:`handlers.fanout.reminders.plan_reminders`).

Every planning "now" is the fan-out's clock (the App's: real time or the rehearsal clock of
``[bot] simulated_now``); only APScheduler's own ``next_run_time`` is real time.

APScheduler only provides the ticks. ``misfire_grace_time`` and ``coalesce`` are set because
its default grace of 1 s silently skips a tick that starts late (a busy loop, a suspended
laptop), and ``max_instances=1`` keeps a slow tick from overlapping the next. The first tick of
each runs at start, which sends the digests missed while the bot was down (within the grace
period). Whatever a job queues rings ``Fanout.wake`` (the outbox worker looks at once).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.config import DigestSection
from handlers.fanout import Fanout
from handlers.fanout.corrections import withdraw_late_copies
from handlers.fanout.digests import PlanReport, plan_digests
from handlers.fanout.reminders import RemindReport, plan_reminders
from storage.models import utcnow
from storage.uow import UnitOfWork

log = logging.getLogger("newsbot.scheduler")


class DigestScheduler:
    name = "scheduler"

    def __init__(self, uow_factory: Callable[[], UnitOfWork], settings: DigestSection,
                 fanout: Fanout, *, withdraw_seconds: float | None = None,
                 remind_seconds: float | None = None) -> None:
        self.uow = uow_factory
        self.settings = settings
        self.fanout = fanout
        #: how often late copies of deleted items are looked for (None: not by this scheduler)
        self.withdraw_seconds = withdraw_seconds
        #: how often due reminders are queued (None: not by this scheduler)
        self.remind_seconds = remind_seconds
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
                    self.uow, self.fanout.clock(),
                    grace=dt.timedelta(hours=self.settings.grace_hours),
                    default_language=self.fanout.default_language,
                    batch_size=self.settings.batch_size)
        except Exception:
            log.exception("digest tick failed")
            return PlanReport()
        if report.enqueued:
            self.fanout.wake()  # committed: plan_digests commits each batch
        return report

    async def withdraw_tick(self) -> int:
        """One look for late copies of deleted items; the rows it queued (0 on failure)."""
        if self._stopping:
            return 0
        try:
            async with self._ticking, self.uow() as uow:
                return await withdraw_late_copies(uow, self.fanout)
        except Exception:
            log.exception("withdrawing late copies failed; will retry")
            return 0

    async def remind_tick(self) -> RemindReport:
        """One look for due reminders of followed sessions (an empty report on failure)."""
        if self._stopping:
            return RemindReport()
        try:
            async with self._ticking, self.uow() as uow:
                return await plan_reminders(uow, self.fanout, self.fanout.clock())
        except Exception:
            log.exception("planning reminders failed; will retry")
            return RemindReport()

    async def start(self) -> None:
        every = self.settings.tick_seconds
        self._scheduler = AsyncIOScheduler(timezone=dt.UTC)
        self._scheduler.add_job(
            self.tick, "interval", seconds=every, id="digests", next_run_time=utcnow(),
            misfire_grace_time=max(1, int(every)), coalesce=True, max_instances=1,
        )
        if self.withdraw_seconds is not None:
            often = self.withdraw_seconds
            self._scheduler.add_job(
                self.withdraw_tick, "interval", seconds=often, id="late_copies",
                next_run_time=utcnow(), misfire_grace_time=max(1, int(often)), coalesce=True,
                max_instances=1,
            )
        if self.remind_seconds is not None:
            often = self.remind_seconds
            self._scheduler.add_job(
                self.remind_tick, "interval", seconds=often, id="reminders",
                next_run_time=utcnow(), misfire_grace_time=max(1, int(often)), coalesce=True,
                max_instances=1,
            )
        self._scheduler.start()

    async def stop(self) -> None:
        self._stopping = True
        async with self._ticking:
            pass
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
