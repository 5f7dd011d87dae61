"""The bot's clock: real UTC time, or a rehearsal clock (``[bot] simulated_now``).

A rehearsal clock starts at the configured instant when the process starts and runs on at
real speed (measured on the monotonic clock, so a change of the machine's wall clock does
not make it jump). The composition root (bot/app.py) builds one and hands it to everything
that asks what time it is: the handlers (``Deps.clock``), the fan-out, the scheduler's
planning, the outbox worker, button tokens.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from storage.models import utcnow

Clock = Callable[[], dt.datetime]


class RehearsalClock:
    """``now()`` is ``start`` plus the real time elapsed since this object was made."""

    def __init__(self, start: dt.datetime, monotonic: Callable[[], float] = time.monotonic) -> None:
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError("a rehearsal clock needs an instant with its UTC offset")
        self.start = start.astimezone(dt.UTC)
        self._monotonic = monotonic
        self._origin = monotonic()

    def __call__(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=self._monotonic() - self._origin)


def make_clock(simulated_now: dt.datetime | None) -> Clock:
    """The real clock, or a rehearsal clock starting at ``simulated_now``."""
    return utcnow if simulated_now is None else RehearsalClock(simulated_now)
