"""A programme with times for the tests of /now, /next, follows and reminders: a three-day
event in Europe/Paris (10–12 June 2026, UTC+2), several rooms, a session with no end and a
cancelled one, written through storage (the schedule-file importer comes separately).

The chats that use it choose it in storage (``Chat.event_id``) and say ``/settings tz
Europe/Paris`` as a user would; times below are Paris times."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from storage.models import AgendaSession, Event
from storage.uow import UnitOfWork

PARIS = ZoneInfo("Europe/Paris")
EVENT_KEY = "rehearsal-2026"


def paris(day: int, hhmm: str) -> dt.datetime:
    """10 June 2026 + ``day - 10`` days at ``hhmm``, Paris time, as a UTC instant."""
    h, m = (int(x) for x in hhmm.split(":"))
    return dt.datetime(2026, 6, day, h, m, tzinfo=PARIS).astimezone(dt.UTC)


#: key -> (day of June, start, end or None, room, English title, status)
SESSIONS: dict[str, tuple[int, str, str | None, str, str, str]] = {
    "keynote": (10, "09:00", "09:45", "Room A", "Opening keynote", "scheduled"),
    "workshop": (10, "10:20", "11:00", "Room B", "Cybercrime workshop", "scheduled"),
    "lunch": (10, "12:30", None, "Room C", "Lunch talk on drones", "scheduled"),
    "drones": (10, "14:00", "15:00", "Room B", "Drone session", "cancelled"),
    "forensics": (10, "14:30", "15:15", "Room A", "Forensics lab session", "scheduled"),
    "day2": (11, "10:00", "10:30", "Room A", "Day two opening", "scheduled"),
    "closing": (12, "16:00", "17:00", "Room A", "Closing session", "scheduled"),
}


@dataclass
class Programme:
    event_id: int
    #: session key -> its id (the number users type)
    ids: dict[str, int]


async def add_programme(uow_factory: Callable[[], UnitOfWork],
                        sessions: dict[str, tuple[int, str, str | None, str, str, str]]
                        | None = None) -> Programme:
    async with uow_factory() as uow:
        event = Event(key=EVENT_KEY,
                      name={"fr": "Conférence de répétition 2026", "en": "Rehearsal Conference 2026",
                            "es": "Conferencia de ensayo 2026", "ar": "مؤتمر التمرين 2026"},
                      place={"en": "Paris"}, summary={"en": "A three-day test event."},
                      timezone="Europe/Paris", starts_on=dt.date(2026, 6, 10),
                      ends_on=dt.date(2026, 6, 12))
        uow.session.add(event)
        await uow.session.flush()
        ids = {}
        for position, (key, (day, start, end, room, title, status)) in enumerate(
                (sessions or SESSIONS).items()):
            s = AgendaSession(
                key=f"{EVENT_KEY}-{key}", event_id=event.id, position=position,
                day=dt.date(2026, 6, day), starts_at=paris(day, start),
                ends_at=paris(day, end) if end else None, room=room, status=status,
                title={"en": title, "fr": title}, description={}, origin="import")
            uow.session.add(s)
            await uow.session.flush()
            ids[key] = s.id
        return Programme(event.id, ids)


async def use_event(uow_factory: Callable[[], UnitOfWork], platform: str, chat_id: str,
                    event_id: int, *, kind: str = "private", timezone: str | None = None,
                    language: str | None = None) -> int:
    """The chat (created if new) answers for ``event_id`` (and has ``timezone``,
    ``language`` when given: what a process test cannot type before it starts); our chat id."""
    async with uow_factory() as uow:
        chat = await uow.chats.touch(platform, chat_id, kind=kind, title=None)
        chat.event_id = event_id
        if timezone:
            chat.timezone = timezone
        if language:
            chat.language = language
        await uow.session.flush()
        return chat.id


class FakeClock:
    """A clock tests move by hand (``App(settings, clock=...)``)."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, now: dt.datetime) -> None:
        self.now = now
