"""Instants around the 93rd Assembly and a second event stored for tests (several events)."""

from __future__ import annotations

import datetime as dt

from bot.app import App
from storage.models import AgendaSession, Event

#: the 93rd General Assembly: Monday 24 – Thursday 27 November 2025, Africa/Casablanca (UTC+1)
BEFORE = dt.datetime(2025, 11, 20, 9, 0, tzinfo=dt.UTC)
DURING = dt.datetime(2025, 11, 25, 9, 0, tzinfo=dt.UTC)
AFTER = dt.datetime(2025, 12, 10, 9, 0, tzinfo=dt.UTC)


def at(app: App, when: dt.datetime) -> None:
    """The whole App (handlers, fan-out) runs as if at ``when``."""
    app.deps.clock = lambda: when


def paris(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A time of 9–11 June 2026 in Paris (UTC+2, summer time), as a UTC instant."""
    return dt.datetime(2026, 6, day, hour - 2, minute, tzinfo=dt.UTC)


async def add_rc26(app: App) -> int:
    """A second event, RC26 (Paris, 9–11 June 2026), with timed sessions in rooms; its id."""
    async with app.uow() as uow:
        event = Event(key="RC26", name={"fr": "Rencontres cyber 2026", "en": "Cyber Meeting 2026",
                                        "es": "Encuentro ciber 2026", "ar": "ملتقى السيبراني 2026"},
                      place={"fr": "Paris, France", "en": "Paris, France", "es": "París, Francia",
                             "ar": "باريس، فرنسا"},
                      summary={"fr": "Trois jours d’ateliers.", "en": "Three days of workshops.",
                               "es": "Tres días de talleres.", "ar": "ثلاثة أيام من الورشات."},
                      timezone="Europe/Paris", starts_on=dt.date(2026, 6, 9),
                      ends_on=dt.date(2026, 6, 11))
        uow.session.add(event)
        await uow.session.flush()
        rows = [
            ("rc26-keynote", paris(9, 9, 30), paris(9, 10, 15), "Grand Amphi",
             {"fr": "Discours d’ouverture", "en": "Opening keynote"}, "scheduled"),
            ("rc26-forensics", paris(10, 14, 30), paris(10, 15, 15), "Room A",
             {"fr": "Criminalistique des rançongiciels", "en": "Ransomware forensics"}, "scheduled"),
            ("rc26-early", paris(10, 9, 0), paris(10, 10, 0), "Room B",
             {"fr": "Atelier du matin", "en": "Morning workshop"}, "cancelled"),
            ("rc26-closing", paris(11, 16, 0), paris(11, 17, 0), "Grand Amphi",
             {"fr": "Clôture", "en": "Closing session"}, "scheduled"),
        ]
        for position, (key, start, end, room, title, status) in enumerate(rows):
            local = start + dt.timedelta(hours=2)
            uow.session.add(AgendaSession(
                event_id=event.id, key=key, position=position, day=local.date(), starts_at=start,
                ends_at=end, room=room, title=title, description={}, status=status))
        return event.id
