"""/now and /next at chosen instants: the sessions in progress with their rooms and end times,
the next ones with "in 25 minutes", in the chat's time zone; the 93rd Assembly (no times in
its sources) says so instead of a list."""

from __future__ import annotations

import pytest

from bot.app import App
from handlers.i18n import t
from handlers.reply import plain_text
from storage.models import AgendaSession
from tests.conftest import make_settings
from tests.helpers import send, text_of
from tests.programme_support import FakeClock, Programme, add_programme, paris, use_event

CHAT = "c-now"


async def _ready(app: App, chat: str = CHAT) -> Programme:
    prog = await add_programme(app.uow)
    await use_event(app.uow, "console", chat, prog.event_id)
    assert "Europe/Paris" in await text_of(app, "/settings tz Europe/Paris", chat_id=chat)
    return prog


async def test_now_between_sessions_shows_the_next_one_with_how_soon(db_url: str) -> None:
    clock = FakeClock(paris(10, "09:55"))
    async with App(make_settings(db_url), clock=clock) as app:
        prog = await _ready(app)
        reply = await send(app, "/now", lang="en", chat_id=CHAT)
        text = await text_of(app, "/now", lang="en", chat_id=CHAT)
    assert "No session is on right now. The next one, in 25 minutes:" in text
    assert f"#{prog.ids['workshop']} 10:20–11:00 Room B — Cybercrime workshop" in text
    assert "Opening keynote" not in text  # over at 09:45
    assert [(b.label, b.command, b.args) for b in reply.buttons] == [
        (f"Follow #{prog.ids['workshop']}", "follow", str(prog.ids["workshop"]))]


@pytest.mark.parametrize(("at", "until", "title", "room"), [
    ("09:30", "until 09:45", "Opening keynote", "Room A"),
    ("12:45", "until 13:00", "Lunch talk on drones", "Room C"),  # no end: 30 minutes
    ("14:40", "until 15:15", "Forensics lab session", "Room A"),
])
async def test_now_in_a_session_shows_it_with_its_room_and_end(db_url: str, at: str, until: str,
                                                               title: str, room: str) -> None:
    async with App(make_settings(db_url), clock=FakeClock(paris(10, at))) as app:
        await _ready(app)
        text = await text_of(app, "/now", lang="en", chat_id=CHAT)
    assert text.startswith("On now — Rehearsal Conference 2026")
    assert f"{until} · " in text and room in text and title in text
    assert "Drone session" not in text  # cancelled, 14:00–15:00


async def test_between_sessions_now_shows_every_room_starting_next(db_url: str) -> None:
    async with App(make_settings(db_url), clock=FakeClock(paris(11, "09:40"))) as app:
        prog = await _ready(app)
        async with app.uow() as uow:  # a second room opens at the same time
            uow.session.add(AgendaSession(
                key="parallel", event_id=prog.event_id, day=paris(11, "10:00").date(),
                starts_at=paris(11, "10:00"), ends_at=paris(11, "10:45"), room="Room B",
                title={"en": "Parallel track"}, description={}))
        reply = await send(app, "/now", lang="en", chat_id=CHAT)
    text = plain_text(reply)
    assert "The next one, in 20 minutes:" in text
    assert "10:00–10:30 Room A — Day two opening" in text
    assert "10:00–10:45 Room B — Parallel track" in text
    assert len(reply.buttons) == 2


async def test_now_skips_a_cancelled_session_in_its_slot(db_url: str) -> None:
    async with App(make_settings(db_url), clock=FakeClock(paris(10, "14:10"))) as app:
        prog = await _ready(app)
        text = await text_of(app, "/now", lang="en", chat_id=CHAT)
    assert "Drone session" not in text
    assert "The next one, in 20 minutes:" in text
    assert f"#{prog.ids['forensics']} 14:30–15:15 Room A" in text


async def test_now_in_another_time_zone_and_language(db_url: str) -> None:
    async with App(make_settings(db_url), clock=FakeClock(paris(10, "09:30"))) as app:
        await _ready(app)
        await text_of(app, "/settings tz Europe/London", chat_id=CHAT)
        text = await text_of(app, "/now", lang="fr", chat_id=CHAT)
    assert text.startswith("En ce moment — Conférence de répétition 2026")
    assert "jusqu’à 08:45" in text  # London is an hour behind Paris


async def test_after_the_last_session_now_says_nothing_more_is_scheduled(db_url: str) -> None:
    async with App(make_settings(db_url), clock=FakeClock(paris(12, "18:00"))) as app:
        await _ready(app)
        now = await text_of(app, "/now", lang="en", chat_id=CHAT)
        nxt = await text_of(app, "/next", lang="en", chat_id=CHAT)
    assert "Rehearsal Conference 2026: no more sessions are scheduled." in now
    assert nxt == "Rehearsal Conference 2026: no session starts after now."


async def test_next_lists_what_comes_with_relative_times_and_follow_buttons(db_url: str) -> None:
    async with App(make_settings(db_url), clock=FakeClock(paris(10, "09:55"))) as app:
        prog = await _ready(app)
        reply = await send(app, "/next", lang="en", chat_id=CHAT)
        text = await text_of(app, "/next", lang="en", chat_id=CHAT)
        two = await text_of(app, "/next 2", lang="en", chat_id=CHAT)
        twenty = await text_of(app, "/next 20", lang="en", chat_id=CHAT)
    lines = text.split("\n")
    assert lines[0] == "Next sessions — Rehearsal Conference 2026"
    items = [ln for ln in lines if ln.startswith("#") or " — #" in ln]
    assert items == [
        f"in 25 minutes — #{prog.ids['workshop']} 10:20–11:00 Room B — Cybercrime workshop",
        f"in 3 hours — #{prog.ids['lunch']} 12:30 Room C — Lunch talk on drones",
        f"in 5 hours — #{prog.ids['forensics']} 14:30–15:15 Room A — Forensics lab session",
        f"tomorrow at 10:00 — #{prog.ids['day2']} 10:00–10:30 Room A — Day two opening",
        f"Friday 12 June 2026 at 16:00 — #{prog.ids['closing']} 16:00–17:00 Room A — "
        "Closing session",
    ], text
    assert "Drone session" not in text  # cancelled
    assert [b.label for b in reply.buttons] == [f"Follow #{prog.ids[k]}" for k in
                                                ("workshop", "lunch", "forensics", "day2",
                                                 "closing")]
    assert [b.args for b in reply.buttons] == [str(prog.ids[k]) for k in
                                               ("workshop", "lunch", "forensics", "day2",
                                                "closing")]
    assert "Cybercrime workshop" in two and "Lunch talk" in two and "Forensics" not in two
    assert "Closing session" in twenty


@pytest.mark.parametrize("arg", ["0", "21", "abc", "-3", "2.5"])
async def test_next_with_a_bad_count_says_so(db_url: str, arg: str) -> None:
    async with App(make_settings(db_url), clock=FakeClock(paris(10, "09:55"))) as app:
        await _ready(app)
        reply = await send(app, f"/next {arg}", lang="en", chat_id=CHAT)
    assert reply.is_error
    assert t("next.bad_count", "en", value=arg, most=20) in "\n".join(
        "".join(s.text for s in b.spans) for b in reply.blocks if hasattr(b, "spans"))


async def test_the_93rd_assembly_has_no_session_times(db_url: str) -> None:
    async with App(make_settings(db_url)) as app:
        for lang, expected in (
                ("en", "93rd INTERPOL General Assembly: the sources give no session times; "
                       "see /agenda."),
                ("fr", "93e Assemblée générale d’INTERPOL\u00a0: les sources ne donnent pas les "
                       "horaires des sessions\u202f; voir /agenda.")):
            for command in ("/now", "/next"):
                text = await text_of(app, command, lang=lang, chat_id=f"c-{lang}")
                assert text == expected, (lang, command, text)


async def test_simulated_now_in_the_settings_runs_the_bot_at_that_instant(db_url: str) -> None:
    settings = make_settings(db_url, bot={"simulated_now": "2026-06-10T09:55:00+02:00"})
    async with App(settings) as app:
        await _ready(app)
        text = await text_of(app, "/now", lang="en", chat_id=CHAT)
        assert abs((app.deps.clock() - paris(10, "09:55")).total_seconds()) < 60
    assert "The next one, in 25 minutes:" in text and "Cybercrime workshop" in text
