"""What each part of the running service is doing, for the log, the owners and readiness.

``app.health`` holds one :class:`Status` per part — ``database``, and each platform
(``telegram``, ``discord``, or their sender-only forms in ``deliver``) — with its state and
last error. Parts move between:

- ``starting``  -- not up yet (first attempt under way)
- ``ok``        -- working
- ``degraded``  -- working, with a problem (Discord commands not synced to a guild)
- ``failing``   -- down; its supervisor retries with backoff (the error says why)
- ``stopped``   -- stopped on purpose, or given up (a token the platform rejected)

:meth:`Health.as_dict` is the shape a readiness endpoint would serve; :attr:`Health.ready`
is true when the database is writable and no platform is down. Listeners (the owners'
alerts) hear every change of state or error.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from bot.platforms import PLATFORMS
from storage.models import utcnow

log = logging.getLogger("newsbot.health")

State = Literal["starting", "ok", "degraded", "failing", "stopped"]
#: what a platform is called in messages to people
LABELS = {**{name: spec.label for name, spec in PLATFORMS.items()}, "database": "database"}


@dataclass(frozen=True)
class Status:
    state: State
    error: str | None
    since: dt.datetime


Listener = Callable[[str, Status | None, Status], None]


class Health:
    def __init__(self, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.clock = clock
        self.parts: dict[str, Status] = {}
        self._listeners: list[Listener] = []

    def listen(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def set(self, part: str, state: State, error: str | None = None) -> None:
        """Record a part's state; listeners hear it when the state or the error changed."""
        old = self.parts.get(part)
        if old is not None and old.state == state and old.error == error:
            return
        since = old.since if old is not None and old.state == state else self.clock()
        new = Status(state, error, since)
        self.parts[part] = new
        for listener in self._listeners:
            try:
                listener(part, old, new)
            except Exception:  # a listener must never break the part that reports
                log.exception("health listener failed")

    def state(self, part: str) -> State | None:
        status = self.parts.get(part)
        return status.state if status is not None else None

    @property
    def ready(self) -> bool:
        """The database is writable and no platform is starting, failing or given up."""
        if self.state("database") != "ok":
            return False
        return all(s.state in ("ok", "degraded") for p, s in self.parts.items() if p != "database")

    def as_dict(self) -> dict[str, dict[str, str | None]]:
        return {part: {"state": s.state, "error": s.error, "since": s.since.isoformat()}
                for part, s in self.parts.items()}


def describe(exc: BaseException, secrets: Iterable[str] = ()) -> str:
    """One line naming an error, with any secret (a token) masked."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text[:300]
