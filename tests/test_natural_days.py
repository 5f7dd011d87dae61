"""Days typed as people type them, in /agenda (handlers.content.parse_day): month names from
Babel in the four languages, Arabic-Indic digits, today / tomorrow / yesterday, weekdays; a
day outside the event is answered as such instead of listing undated sessions."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.app import App
from handlers.content import parse_day
from storage.models import Event
from tests.event_support import DURING, add_rc26, at, paris
from tests.helpers import text_of

ASSEMBLY = Event(key="ga", name={}, place={}, summary={}, timezone="Africa/Casablanca",
                 starts_on=dt.date(2025, 11, 24), ends_on=dt.date(2025, 11, 27))
NOV_26 = dt.date(2025, 11, 26)
TUESDAY_25 = dt.date(2025, 11, 25)


@pytest.mark.parametrize("typed", [
    "26 novembre", "26 Novembre", "26 nov", "26 nov.", "le 26 novembre", "26 novembre 2025",
    "26 November", "26th November", "November 26", "Nov 26", "nov. 26", "November 26, 2025",
    "26 de noviembre", "26 de noviembre de 2025", "26 nov", "26 نوفمبر", "٢٦ نوفمبر",
    "26 نونبر", "26 نوفمبر 2025", "٢٦ نوفمبر ٢٠٢٥",
])
def test_a_day_and_month_in_every_language(typed: str) -> None:
    assert parse_day(typed, ASSEMBLY) == NOV_26, typed


@pytest.mark.parametrize(("typed", "shift"), [
    ("aujourd'hui", 0), ("aujourd’hui", 0), ("today", 0), ("hoy", 0), ("اليوم", 0),
    ("demain", 1), ("tomorrow", 1), ("mañana", 1), ("غدا", 1),
    ("hier", -1), ("yesterday", -1), ("ayer", -1), ("أمس", -1),
])
def test_relative_days(typed: str, shift: int) -> None:
    assert parse_day(typed, ASSEMBLY, TUESDAY_25) == TUESDAY_25 + dt.timedelta(days=shift)


@pytest.mark.parametrize("typed", ["jeudi", "thursday", "Jueves", "الخميس"])
def test_weekdays_within_the_event(typed: str) -> None:
    assert parse_day(typed, ASSEMBLY) == dt.date(2025, 11, 27)


@pytest.mark.parametrize("typed", ["31 novembre", "November 0", "26 brumaire", "nov", "26 26",
                                   "quidditch", ""])
def test_what_is_not_a_day(typed: str) -> None:
    assert parse_day(typed, ASSEMBLY) is None


def test_the_old_forms_still_read() -> None:
    assert parse_day("2025-11-26", ASSEMBLY) == NOV_26
    assert parse_day("26/11", ASSEMBLY) == NOV_26
    assert parse_day("26", ASSEMBLY) == NOV_26


@pytest.mark.parametrize(("lang", "typed", "heading"), [
    ("fr", "24 novembre", "Programme : lundi 24 novembre 2025"),
    ("en", "November 24", "Agenda: Monday 24 November 2025"),
    ("es", "24 de noviembre", "Programa: lunes, 24 de noviembre de 2025"),
    ("ar", "٢٤ نوفمبر", "الاثنين، 24 نوفمبر 2025"),
])
async def test_agenda_by_a_day_named_in_each_language(app: App, lang: str, typed: str,
                                                       heading: str) -> None:
    at(app, DURING)
    text = await text_of(app, f"/agenda {typed}", lang=lang)
    assert heading.replace(" :", "\u00a0:") in text
    assert "#1" in text  # the opening ceremony, the one session dated 24 November
    assert "#2" not in text


@pytest.mark.parametrize(("lang", "typed", "expected"), [
    ("en", "28 November", "Friday 28 November 2025 is after the 93rd INTERPOL General Assembly, "
                          "which ended on Thursday 27 November 2025."),
    ("fr", "28 novembre", "Le vendredi 28 novembre 2025 est après la 93e Assemblée générale "
                          "d’INTERPOL, qui s’est terminée le jeudi 27 novembre 2025."),
    ("es", "23 de noviembre", "El domingo, 23 de noviembre de 2025 es anterior a la 93.ª Asamblea "
                              "General de INTERPOL, que se inaugura el lunes, 24 de noviembre de "
                              "2025."),
    ("ar", "28 نوفمبر", "الجمعة، 28 نوفمبر 2025"),
])
async def test_a_day_outside_the_event_is_answered_as_such(app: App, lang: str, typed: str,
                                                           expected: str) -> None:
    at(app, DURING)
    text = " ".join((await text_of(app, f"/agenda {typed}", lang=lang)).split())
    assert expected in text
    # not the undated sessions in its place
    assert "#2" not in text and "Transnational" not in text


async def test_a_day_of_the_event_without_dated_sessions_keeps_the_undated_list(app: App) -> None:
    at(app, DURING)  # Tuesday 25 November: "demain" is Wednesday 26
    text = await text_of(app, "/agenda tomorrow", lang="en")
    assert "No session is dated Wednesday 26 November 2025" in text
    assert "Transnational organised crime and scam centres" in text


async def test_tomorrow_at_a_timed_event_lists_that_day_by_time(app: App) -> None:
    await add_rc26(app)
    at(app, paris(9, 12))  # during RC26, its first day: the chats' event by default
    text = await text_of(app, "/agenda demain", lang="en")
    lines = text.splitlines()
    assert lines[0] == "Agenda: Wednesday 10 June 2026"
    workshop = next(n for n, line in enumerate(lines) if "Morning workshop" in line)
    forensics = next(n for n, line in enumerate(lines) if "Ransomware forensics" in line)
    assert workshop < forensics  # by start: 09:00 before 14:30
    assert "09:00–10:00 Room B — Morning workshop (cancelled)" in lines[workshop]
    assert "14:30–15:15 Room A — Ransomware forensics" in lines[forensics]
    assert "Opening keynote" not in text and "Closing session" not in text
