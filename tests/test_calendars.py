"""Calendar files as a reader's calendar app fetches them, through the real aiohttp server
(OperatorHTTP with ``[http] public = true``), on SQLite and PostgreSQL: ``/agenda.ics`` after
a programme import and a re-import (SEQUENCE, STATUS:CANCELLED), the 93rd Assembly's
all-day sessions, and a chat's private calendar from ``/calendar`` (and ``/calendar reset``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiohttp.test_utils import TestClient, TestServer
from icalendar import Calendar
from sqlalchemy import select

from bot.app import App
from bot.http import OperatorHTTP
from storage.models import AgendaSession
from tests.conftest import make_settings
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_fixtures import fake_telegram
from tests.helpers import text_of
from tests.test_programme_import import DROPPED, MOVED, ROOM, _import

PUBLIC = {"public": True, "public_url": "https://news.example.org"}
HOST = "news.example.org"
__all__ = ["fake_telegram"]


@asynccontextmanager
async def _client(db_url: str, http: dict[str, object] | None = None
                  ) -> AsyncIterator[tuple[App, TestClient]]:  # type: ignore[type-arg]
    async with App(make_settings(db_url, http=http or PUBLIC)) as app:
        async with TestClient(TestServer(OperatorHTTP(app).web_app())) as client:
            yield app, client


def _events(body: bytes) -> dict[str, object]:
    cal = Calendar.from_ical(body)
    return {str(ev["UID"]): ev for ev in cal.walk("VEVENT")}


async def _ids(app: App) -> dict[str, int]:
    async with app.uow() as uow:
        rows = (await uow.session.scalars(
            select(AgendaSession).where(AgendaSession.external_id.is_not(None)))).all()
        return {r.external_id: r.id for r in rows if r.external_id}


@pytest.mark.slow
async def test_the_programme_calendar_follows_an_import_and_a_reimport(db_url: str) -> None:
    assert _import(db_url, "rc26-v1.json").returncode == 0
    async with _client(db_url) as (app, client):
        ids = await _ids(app)
        response = await client.get("/agenda.ics?event=RC26&lang=en")
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        body = await response.read()
        cal = Calendar.from_ical(body)
        assert str(cal["X-WR-CALNAME"]) == "Regional Conference 2026"
        assert str(cal["X-WR-TIMEZONE"]) == "Europe/Paris"
        events = _events(body)
        assert set(events) == {f"session-{n}@{HOST}" for n in ids.values()}  # all 10
        moved = events[f"session-{ids[MOVED]}@{HOST}"]
        assert moved["DTSTART"].dt == dt.datetime(2026, 3, 10, 13, 30, tzinfo=dt.UTC)
        assert moved["DTEND"].dt == dt.datetime(2026, 3, 10, 14, 30, tzinfo=dt.UTC)
        assert "DTSTART:20260310T133000Z" in body.decode()  # written in UTC
        assert str(moved["LOCATION"]) == "Room A" and str(moved["STATUS"]) == "CONFIRMED"
        assert "Source: Regional Conference 2026 — schedule.json" in str(moved["DESCRIPTION"])
        assert {int(ev["SEQUENCE"]) for ev in events.values()} == {0}
        etag = response.headers["ETag"]
        again = await client.get("/agenda.ics?event=RC26&lang=en",
                                 headers={"If-None-Match": etag})
        assert again.status == 304 and await again.read() == b""
        assert (await client.get("/agenda.ics?event=NOPE")).status == 404

    assert _import(db_url, "rc26-v2.json").returncode == 0
    async with _client(db_url) as (app, client):
        response = await client.get("/agenda.ics?event=RC26&lang=en",
                                    headers={"If-None-Match": etag})
        assert response.status == 200 and response.headers["ETag"] != etag
        events = _events(await response.read())
        changed = {f"session-{ids[g]}@{HOST}" for g in (MOVED, ROOM, DROPPED)}
        moved = events[f"session-{ids[MOVED]}@{HOST}"]
        assert int(moved["SEQUENCE"]) == 1
        assert moved["DTSTART"].dt.date() == dt.date(2026, 3, 11)
        assert int(events[f"session-{ids[ROOM]}@{HOST}"]["SEQUENCE"]) == 1
        dropped = events[f"session-{ids[DROPPED]}@{HOST}"]
        assert str(dropped["STATUS"]) == "CANCELLED" and int(dropped["SEQUENCE"]) == 1
        assert all(int(ev["SEQUENCE"]) == 0 for uid, ev in events.items() if uid not in changed)

    assert _import(db_url, "rc26-v2.json").returncode == 0  # the same file: nothing changes
    async with _client(db_url) as (app, client):
        events = _events(await (await client.get("/agenda.ics?event=RC26")).read())
        assert int(events[f"session-{ids[MOVED]}@{HOST}"]["SEQUENCE"]) == 1


async def test_the_assemblys_sessions_are_all_day_events(db_url: str) -> None:
    async with _client(db_url) as (_app, client):
        response = await client.get("/agenda.ics?event=interpol-ga-93&lang=fr")
        assert response.status == 200
        body = await response.read()
        cal = Calendar.from_ical(body)
        assert "INTERPOL" in str(cal["X-WR-CALNAME"])
        events = list(cal.walk("VEVENT"))
        assert events
        for ev in events:
            start = ev["DTSTART"].dt
            assert isinstance(start, dt.date) and not isinstance(start, dt.datetime)
            assert dt.date(2025, 11, 24) <= start <= dt.date(2025, 11, 27)
            assert "heure non précisée par les sources" in str(ev["DESCRIPTION"])
        assert "DTSTART;VALUE=DATE:2025112" in body.decode()


async def test_a_chats_private_calendar_and_its_reset(db_url: str) -> None:
    async with _client(db_url) as (app, client):
        async with app.uow() as uow:
            sessions = (await uow.session.scalars(
                select(AgendaSession).order_by(AgendaSession.id))).all()
        first, second = sessions[0].id, sessions[1].id
        title = sessions[0].title["en"]
        await text_of(app, f"/follow {first}", chat_id="reader", lang="en")
        text = await text_of(app, "/calendar", chat_id="reader", lang="en")
        assert "Your calendar (1 session followed):" in text
        assert "https://news.example.org/agenda.ics" in text
        links = re.findall(r"https://news\.example\.org/calendar/([A-Za-z0-9_-]{32})\.ics", text)
        assert len(links) == 1
        path = f"/calendar/{links[0]}.ics"
        assert links[0] in await text_of(app, "/calendar", chat_id="reader", lang="en")  # kept

        response = await client.get(path)
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        # its URL is a secret: no shared cache keeps it
        assert response.headers["Cache-Control"] == "private, no-cache"
        cal = Calendar.from_ical(await response.read())
        assert str(cal["X-WR-CALNAME"]).startswith("Followed sessions — ")
        assert set(_events(cal.to_ical())) == {f"session-{first}@{HOST}"}  # only the followed
        (event,) = cal.walk("VEVENT")
        assert str(event["SUMMARY"]) == title and f"session-{second}@{HOST}" not in str(
            cal.to_ical())

        text = await text_of(app, "/calendar reset", chat_id="reader", lang="en")
        assert "New address made: the old one no longer works." in text
        (new,) = re.findall(r"/calendar/([A-Za-z0-9_-]{32})\.ics", text)
        assert new != links[0]
        old = await client.get(path)
        assert old.status == 404 and await old.read() == b""
        assert (await client.get(f"/calendar/{new}.ics")).status == 200
        assert (await client.get("/calendar/not-a-token.ics")).status == 404

        refused = await text_of(app, "/calendar reset", chat_id="group", chat_kind="group",
                                lang="en")
        assert "admin" in refused.lower()
        bad = await text_of(app, "/calendar tomorrow", chat_id="reader", lang="en")
        assert "“tomorrow”: write /calendar, or /calendar reset for a new address." in bad
        assert new in await text_of(app, "/calendar", chat_id="reader", lang="en")  # unchanged


async def test_without_a_public_address_calendar_says_so(db_url: str) -> None:
    async with App(make_settings(db_url)) as app:
        for lang, words in (("en", "Calendars are not published"),
                            ("fr", "Les calendriers ne sont pas publiés")):
            text = await text_of(app, "/calendar", chat_id="c9", lang=lang)
            assert words in text and "/calendar/" not in text
        async with app.uow() as uow:
            chat = await uow.chats.find("console", "c9")
            assert chat is None or chat.calendar_token is None


async def test_desk_edits_and_their_undo_raise_the_sequence(db_url: str) -> None:
    """/editsession start, /undo, /editsession room, /cancelsession: each one more; a title
    edit none; an undo never takes the counter back."""
    from storage.programme import apply_programme, read_programme
    from tests.desk.conftest import desk_settings
    from tests.test_programme_changes import DATA, OWNER, RANSOMWARE

    async with App(desk_settings(db_url, http=PUBLIC)) as app:
        async with app.uow() as uow:
            await apply_programme(uow.session, read_programme(DATA / "rc26-v1.json"),
                                  at=app.deps.clock())
        async with TestClient(TestServer(OperatorHTTP(app).web_app())) as client:
            ids = await _ids(app)
            uid = f"session-{ids[RANSOMWARE]}@{HOST}"

            async def seen() -> tuple[int, str, str]:
                body = await (await client.get("/agenda.ics?event=RC26&lang=en")).read()
                ev = _events(body)[uid]
                return int(ev["SEQUENCE"]), str(ev["STATUS"]), str(ev.get("LOCATION"))

            assert await seen() == (0, "CONFIRMED", "Room A")
            n = ids[RANSOMWARE]
            assert "Updated" in await text_of(app, f"/editsession {n} start 2026-03-11 16:00",
                                              **OWNER)
            assert (await seen())[0] == 1
            await text_of(app, "/undo", **OWNER)
            assert (await seen())[0] == 2
            await text_of(app, f"/editsession {n} title en Ransomware, revisited", **OWNER)
            assert (await seen())[0] == 2  # not a change of schedule
            await text_of(app, f"/editsession {n} room Salle Atlas", **OWNER)
            assert await seen() == (3, "CONFIRMED", "Salle Atlas")
            await text_of(app, f"/cancelsession {n}", **OWNER)
            assert await seen() == (4, "CANCELLED", "Salle Atlas")


async def _first_session(app: App) -> int:
    async with app.uow() as uow:
        return (await uow.session.scalars(select(AgendaSession.id).order_by(AgendaSession.id))
                ).first()  # type: ignore[return-value]


async def test_the_console_names_the_calendar_file(db_url: str) -> None:
    from bot.platforms.console.render import render
    from tests.helpers import send

    async with App(make_settings(db_url, http=PUBLIC)) as app:
        nothing = render(await send(app, "/calendar", chat_id="c1", lang="en"))
        assert "(file:" not in nothing  # no session followed: no file, the links only
        await text_of(app, f"/follow {await _first_session(app)}", chat_id="c1", lang="en")
        reply = await send(app, "/calendar", chat_id="c1", lang="en")
        (attachment,) = reply.attachments
        assert attachment.filename == "calendar.ics" and attachment.mime == "text/calendar"
        assert len(Calendar.from_ical(attachment.data).walk("VEVENT")) == 1
        shown = render(reply)
        assert shown.endswith(f"(file: calendar.ics, {len(attachment.data)} bytes)")
        assert type(reply).from_dict(reply.to_dict()) == reply
        assert "attachments" not in (await send(app, "/help", lang="en")).to_dict()


async def test_telegram_sends_the_calendar_as_a_document(fake_telegram: FakeTelegram,
                                                         db_url: str) -> None:
    from tests.telegram_harness import running_bot

    def publish(app: App) -> None:
        app.deps.public_url = "https://news.example.org"

    async with running_bot(fake_telegram, db_url, prepare=publish) as bot:
        first = await _first_session(bot.app)
        await bot.say(1001, f"/follow {first}")
        text, document = await bot.say(1001, "/calendar", n=2)
        assert "https://news.example.org/calendar/" in text.text
        assert document.document is not None
        name, _mime, data = document.document
        assert name == "calendar.ics"
        uids = {str(ev["UID"]) for ev in Calendar.from_ical(data).walk("VEVENT")}
        assert uids == {f"session-{first}@{HOST}"}
        assert len(bot.calls("sendDocument")) == 1


async def test_calendars_share_the_public_parts_rate_limit_and_metrics(db_url: str) -> None:
    async with _client(db_url, {**PUBLIC, "public_per_minute": 3}) as (_app, client):
        statuses = [(await client.get("/agenda.ics")).status for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = await client.get("/calendar/whatever.ics")
        assert limited.status == 429 and int(limited.headers["Retry-After"]) > 0
        metrics = await (await client.get("/metrics")).text()
        assert 'newsbot_web_requests_total{route="agenda_ics",status="200"} 3.0' in metrics
