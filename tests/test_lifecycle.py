"""An event that knows it is over (handlers.events.phase): before, during and after the 93rd
Assembly (24–27 November 2025, Marrakesh), at instants injected into the App's clock, and on
the console as a process (the real clock: long after the Assembly)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App
from handlers.events import phase
from handlers.reply import plain_text
from storage.models import Event, Resolution, Subscription
from tests.event_support import AFTER, BEFORE, DURING, at
from tests.helpers import send, text_of

ROOT = Path(__file__).resolve().parent.parent
TOOK_PLACE = ("The 93rd INTERPOL General Assembly took place in Marrakesh, Morocco from Monday "
              "24 November 2025 to Thursday 27 November 2025.")


def test_phase_from_the_dates_in_the_events_zone() -> None:
    ev = Event(key="e", timezone="Africa/Casablanca", starts_on=dt.date(2025, 11, 24),
               ends_on=dt.date(2025, 11, 27))
    utc = dt.UTC
    assert phase(ev, dt.datetime(2025, 11, 23, 22, 59, tzinfo=utc)) == "before"  # 23:59 local
    assert phase(ev, dt.datetime(2025, 11, 23, 23, 0, tzinfo=utc)) == "during"  # midnight local
    assert phase(ev, dt.datetime(2025, 11, 27, 22, 59, tzinfo=utc)) == "during"
    assert phase(ev, dt.datetime(2025, 11, 27, 23, 0, tzinfo=utc)) == "after"


async def test_about_before_during_and_after(app: App) -> None:
    at(app, BEFORE)
    before = await text_of(app, "/about", lang="en")
    assert "Morocco hosts, in Marrakesh" in before
    assert "Opens on Monday 24 November 2025, in 4 days." in before
    at(app, DURING)
    during = await text_of(app, "/about", lang="en")
    assert "Morocco hosts, in Marrakesh" in during and "Opens on" not in during
    assert "took place" not in during
    at(app, AFTER)
    after = await text_of(app, "/about", lang="en")
    assert TOOK_PLACE in after
    assert "Morocco hosted, in Marrakesh" in after  # summary_past, in the past tense
    assert "Morocco hosts" not in after
    assert "Sources:" in after  # still cited
    fr = await text_of(app, "/about", lang="fr")
    assert "La 93e Assemblée générale d’INTERPOL s’est tenue à Marrakech, Maroc" in fr
    assert "Le Maroc a accueilli à Marrakech" in fr


async def test_about_after_without_a_past_summary_shows_what_was_planned(app: App) -> None:
    async with app.uow() as uow:
        ev = (await uow.session.scalars(select(Event))).one()
        ev.summary_past = {}
    at(app, AFTER)
    text = await text_of(app, "/about", lang="en")
    assert "As announced before the event: Morocco hosts, in Marrakesh" in text
    es = await text_of(app, "/about", lang="es")
    assert "Según lo anunciado antes del evento: Marruecos acoge" in es


async def test_start_says_when_it_opens_and_that_it_took_place(app: App) -> None:
    at(app, BEFORE)
    assert "Opens on Monday 24 November 2025, in 4 days." in await text_of(app, "/start", lang="en")
    at(app, AFTER)
    after = await text_of(app, "/start", lang="en")
    assert TOOK_PLACE in after
    ar = await text_of(app, "/start", lang="ar")
    assert "انعقدت" in ar


async def test_agenda_after_reads_as_planned(app: App) -> None:
    at(app, DURING)
    assert (await send(app, "/agenda", lang="en")).title == "Agenda"
    at(app, AFTER)
    assert (await send(app, "/agenda", lang="en")).title == "Agenda (as planned)"
    assert (await send(app, "/agenda")).title == "Programme (tel que prévu)"
    text = await text_of(app, "/agenda", lang="en")
    assert "Opening ceremony" in text and "Monday 24 November 2025" in text
    assert (await send(app, "/agenda women", lang="en")).title == "Agenda (as planned): Women in policing"


async def test_agenda_28_november_after_the_assembly(app: App) -> None:
    at(app, AFTER)
    text = await text_of(app, "/agenda 28 novembre")
    assert ("Le vendredi 28 novembre 2025 est après la 93e Assemblée générale d’INTERPOL, "
            "qui s’est terminée le jeudi 27 novembre 2025.") in text


async def test_a_drafts_status_is_shown_as_planned_after_the_event(app: App) -> None:
    async with app.uow() as uow:
        res = (await uow.session.scalars(select(Resolution))).one()
        res.status = "draft"
    at(app, DURING)
    assert "Status: draft" in await text_of(app, "/resolution", lang="en")
    at(app, AFTER)
    assert "Status: As announced before the event: draft" in await text_of(
        app, "/resolution", lang="en")


async def test_an_adopted_resolution_reads_as_before(app: App) -> None:
    at(app, AFTER)
    text = await text_of(app, "/resolution", lang="en")
    assert "Status: adopted" in text and "As announced" not in text


async def _sub(app: App, chat_id: str) -> Subscription | None:
    async with app.uow() as uow:
        rows = (await uow.session.scalars(select(Subscription))).all()
        return next((s for s in rows if s.chat.platform_chat_id == chat_id), None)


@pytest.mark.parametrize("command", ["/subscribe digest", "/subscribe", "/subscribe both",
                                     "/subscribe résumé 07:30"])
async def test_no_new_digest_after_the_event(app: App, command: str) -> None:
    at(app, AFTER)
    reply = await send(app, command, lang="en", chat_id="late")
    said = plain_text(reply)
    assert ("The 93rd INTERPOL General Assembly ended on Thursday 27 November 2025: digests are "
            "no longer offered. Alerts for late news still are: /subscribe alerts.") == said
    assert await _sub(app, "late") is None  # nothing changed


async def test_alerts_are_still_offered_after_the_event(app: App) -> None:
    at(app, AFTER)
    reply = await send(app, "/subscribe alerts", lang="en", chat_id="late")
    assert not reply.is_error
    sub = await _sub(app, "late")
    assert sub is not None and sub.alerts and not sub.digest


async def test_a_digest_subscriber_keeps_it_after_the_event(app: App) -> None:
    at(app, DURING)
    assert not (await send(app, "/subscribe digest", lang="en", chat_id="early")).is_error
    at(app, AFTER)
    assert "Daily digest: on" in await text_of(app, "/settings", lang="en", chat_id="early")
    sub = await _sub(app, "early")
    assert sub is not None and sub.digest
    assert (await send(app, "/subscribe alerts", lang="en", chat_id="early")).is_error is False
    sub = await _sub(app, "early")
    assert sub is not None and sub.digest and sub.alerts


@pytest.mark.slow
def test_console_after_the_assembly(tmp_path: Path) -> None:
    """``python -m bot ask`` today (long after November 2025): past tense, no new digest."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env["NEWSBOT_DATABASE__URL"] = f"sqlite+aiosqlite:///{tmp_path / 'console.db'}"

    def ask(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", "ask", *args], capture_output=True,
                              text=True, cwd=ROOT, env=env, timeout=90)

    def said(*args: str) -> str:
        out = ask(*args)
        assert out.returncode == 0 or out.stdout, out.stderr
        assert "Traceback" not in out.stderr
        return " ".join(out.stdout.split())  # the console wraps long lines

    about = said("/about", "--lang", "en")
    assert TOOK_PLACE in about and "Morocco hosted" in about
    assert "digests are no longer offered" in said("/subscribe digest", "--lang", "en")
    assert "est après la 93e Assemblée générale d’INTERPOL" in said("/agenda 28 novembre")
