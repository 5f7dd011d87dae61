"""Local wall-clock times in a chat's IANA time zone, turned into UTC instants.

Why here: the scheduler, the subscription commands and the alert fan-out must agree on
"the chat's 08:00 on its next day" across DST changes, so one small module answers it.
A local time that does not exist (spring forward) is taken with the offset in force before
the change (zoneinfo's ``fold=0``), so it maps to the first instant after the gap; an
ambiguous one (fall back) is its first occurrence. Either way there is one instant per
local day.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_HHMM = re.compile(r"^([01]?\d|2[0-3])[:hH.]([0-5]\d)$")


def parse_hhmm(value: str) -> str | None:
    """'7:30', '07h30', '07.30' -> '07:30'; None when not a time of day."""
    m = _HHMM.match(value.strip())
    if not m:
        return None
    return f"{int(m.group(1)):02d}:{m.group(2)}"


def zone(name: str) -> ZoneInfo | None:
    """The IANA zone, or None for an unknown/invalid name."""
    if not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def _clock(hhmm: str) -> dt.time:
    h, m = hhmm.split(":")
    return dt.time(int(h), int(m))


def at_local(day: dt.date, hhmm: str, tz: str) -> dt.datetime:
    """The UTC instant of ``hhmm`` on local ``day`` in ``tz``."""
    local = dt.datetime.combine(day, _clock(hhmm), tzinfo=ZoneInfo(tz))
    return local.astimezone(dt.UTC)


def local_date(instant: dt.datetime, tz: str) -> dt.date:
    return instant.astimezone(ZoneInfo(tz)).date()


def next_occurrence(hhmm: str, tz: str, after: dt.datetime) -> dt.datetime:
    """The first instant strictly after ``after`` at which the local clock shows ``hhmm``."""
    day = local_date(after, tz)
    while True:
        when = at_local(day, hhmm, tz)
        if when > after:
            return when
        day += dt.timedelta(days=1)


def last_occurrence(hhmm: str, tz: str, now: dt.datetime) -> dt.datetime:
    """The latest instant at or before ``now`` at which the local clock showed ``hhmm``."""
    day = local_date(now, tz)
    while True:
        when = at_local(day, hhmm, tz)
        if when <= now:
            return when
        day -= dt.timedelta(days=1)


def quiet_until(start: str | None, end: str | None, tz: str, now: dt.datetime) -> dt.datetime | None:
    """If ``now`` falls in the daily quiet hours [start, end) (may span midnight), their end."""
    if not start or not end or start == end:
        return None
    local = now.astimezone(ZoneInfo(tz))
    t = local.time().replace(second=0, microsecond=0)
    s, e = _clock(start), _clock(end)
    inside = (s <= t < e) if s < e else (t >= s or t < e)
    if not inside:
        return None
    return next_occurrence(end, tz, now)
