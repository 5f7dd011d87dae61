"""The owners hear, by private message, when a platform fails and when it is back.

A :class:`OwnerAlerts` listens to ``app.health``. When a platform becomes ``failing`` or
``degraded`` (or ``stopped`` with an error: a token rejected after it had run), every owner
listed in the config is told, on each platform that works at that moment (a failing platform
cannot carry its own alert; a degraded one still can), with the error. At most one such alert
per platform every ``[bot] alert_owners_minutes`` (30): a platform failing over and over does
not flood anyone. When it works again the owners who heard of the problem are told so.

Each process alerts for itself (replicas each send theirs); the messages are sent directly,
not through the outbox, so they go out even when delivery is off or the database fails.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.health import LABELS, Status
from bot.platforms.base import RateLimited
from handlers.i18n import t
from handlers.reply import Paragraph, Reply, Span

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger("newsbot.alerts")

#: a 429 on an alert asking to wait at most this many seconds is waited out
MAX_WAIT = 5.0


class OwnerAlerts:
    def __init__(self, app: App, *, every: dt.timedelta,
                 stopping: asyncio.Event | None = None) -> None:
        self.app = app
        #: set when the service stops: no alerts about parts stopping with it
        self.stopping = stopping or asyncio.Event()
        self.every = every
        self.clock = app.deps.clock
        #: platform -> when its owners were last told of a problem
        self.last_alert: dict[str, dt.datetime] = {}
        #: platform -> the owners (platform, user id) told of its current problem: they,
        #: and only they, hear that it works again
        self._told: dict[str, set[tuple[str, str]]] = {}
        #: problems nobody could be told of yet (no platform was up): sent when one is
        self._pending: set[str] = set()
        self.suppressed = 0
        self._tasks: set[asyncio.Task[None]] = set()

    def __call__(self, part: str, old: Status | None, new: Status) -> None:
        if part not in LABELS or part == "database" or self.every <= dt.timedelta(0):
            return
        if self.stopping.is_set():
            return
        if _is_problem(new):
            self._problem(part, new)
            return
        if new.state != "ok":
            return
        self._pending.discard(part)
        told = self._told.pop(part, None)
        if told:
            self._spawn(part, "alert.recovered", "", told)
        for other in sorted(self._pending):  # a platform is up: it can carry waiting alerts
            status = self.app.health.parts.get(other)
            self._pending.discard(other)
            if status is not None and _is_problem(status):
                self._problem(other, status)

    def _problem(self, part: str, status: Status) -> None:
        now = self.clock()
        last = self.last_alert.get(part)
        if last is not None and now - last < self.every:
            self.suppressed += 1
            return
        self.last_alert[part] = now
        self._told.setdefault(part, set())
        self._spawn(part, f"alert.{status.state}", status.error or "", None)

    def _spawn(self, part: str, key: str, error: str,
               only: set[tuple[str, str]] | None) -> None:
        task = asyncio.get_running_loop().create_task(self._send(part, key, error, only))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, part: str, key: str, error: str,
                    only: set[tuple[str, str]] | None) -> None:
        """To every owner on every platform that runs (``only``: to those owners)."""
        settings = self.app.settings
        text = t(key, settings.bot.default_language, platform=LABELS[part], error=error)
        reply = Reply((Paragraph((Span(text),)),))
        owners = settings.owners()
        reached: set[tuple[str, str]] = set()
        for platform, sender in list(self.app.senders.items()):
            if platform == part and key == "alert.failing":
                continue  # a failing platform cannot carry its own alert
            direct = getattr(sender, "direct", None)
            if direct is None:
                continue
            for owner in sorted(owners.get(platform, ())):
                if only is not None and (platform, owner) not in only:
                    continue
                if await self._direct(direct, platform, owner, reply):
                    reached.add((platform, owner))
        if key != "alert.recovered":
            if reached and self.app.health.state(part) == "ok":  # back while we were sending
                self._told.pop(part, None)
                self._spawn(part, "alert.recovered", "", reached)
            elif reached:
                self._told.setdefault(part, set()).update(reached)
            else:  # nobody could be told: try again when a platform is up
                self.last_alert.pop(part, None)
                self._pending.add(part)
        if reached:
            log.info("owners alerted", extra={"about": part, "alert": key, "messages": len(reached)})

    @staticmethod
    async def _direct(direct: Callable[..., Awaitable[list[str]]], platform: str, owner: str,
                      reply: Reply) -> bool:
        """One private message; a short 429 (an alert right after another) is waited out."""
        for _attempt in range(3):
            try:
                await direct(owner, reply, nonce=f"alert-{uuid.uuid4().hex}")
                return True
            except RateLimited as exc:
                if exc.retry_after > MAX_WAIT:
                    break
                await asyncio.sleep(exc.retry_after)
            except Exception as exc:  # an owner who never started the bot, a network error
                log.info("owner alert not delivered",
                         extra={"platform": platform, "error": type(exc).__name__})
                return False
        log.info("owner alert not delivered", extra={"platform": platform, "error": "rate limited"})
        return False

    async def close(self) -> None:
        """Let alerts under way finish (bounded), then cancel what remains."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=5)
        for task in set(self._tasks):
            task.cancel()


def _is_problem(status: Status) -> bool:
    return status.state in ("failing", "degraded") or (
        status.state == "stopped" and status.error is not None)
