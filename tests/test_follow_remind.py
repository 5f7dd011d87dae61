"""Follow a session and be reminded: /follow by number or by words (buttons to pick),
/unfollow, /following, /settings remind; the reminder queued once at its minute by the
scheduler's tick — not twice on a re-run or from a second replica — and re-timed when the
session moves, dropped when it is cancelled."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.app import App
from bot.scheduler import DigestScheduler
from handlers.reply import plain_text
from storage.models import AgendaSession, Follow, OutboxMessage
from tests.conftest import make_settings
from tests.helpers import send, text_of
from tests.programme_support import FakeClock, Programme, add_programme, paris, use_event

CHAT = "c-follow"


async def _ready(app: App, chat: str = CHAT, kind: str = "private") -> Programme:
    prog = await add_programme(app.uow)
    await use_event(app.uow, "console", chat, prog.event_id, kind=kind)
    if kind == "private":
        await text_of(app, "/settings tz Europe/Paris", chat_id=chat)
    return prog


async def _reminders(app: App) -> list[OutboxMessage]:
    async with app.uow() as uow:
        return list((await uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "reminder")
            .order_by(OutboxMessage.id))).all())


def _scheduler(app: App) -> DigestScheduler:
    return DigestScheduler(app.uow, app.settings.digest, app.deps.fanout, remind_seconds=15)


def _text(row: OutboxMessage) -> str:
    from handlers.reply import Reply

    return plain_text(Reply.from_dict(row.payload))


async def test_follow_by_number_then_following_and_unfollow(db_url: str) -> None:
    async with App(make_settings(db_url), clock=FakeClock(paris(10, "09:55"))) as app:
        prog = await _ready(app)
        w = prog.ids["workshop"]
        followed = await send(app, f"/follow {w}", lang="en", chat_id=CHAT)
        again = await text_of(app, f"/follow #{w}", lang="en", chat_id=CHAT)
        await text_of(app, f"/follow {prog.ids['day2']}", lang="en", chat_id=CHAT)
        listing = await text_of(app, "/following", lang="en", chat_id=CHAT)
        gone = await text_of(app, f"/unfollow {w}", lang="en", chat_id=CHAT)
        not_followed = await text_of(app, f"/unfollow {w}", lang="en", chat_id=CHAT)
        after = await text_of(app, "/following", lang="en", chat_id=CHAT)
        cleared = await text_of(app, "/unfollow all", lang="en", chat_id=CHAT)
        empty = await text_of(app, "/following", lang="en", chat_id=CHAT)
    text = plain_text(followed)
    assert text.startswith(f"You follow session #{w}:")
    assert f"#{w} 10:20–11:00 Room B — Cybercrime workshop" in text
    assert "Reminder 10 minutes before" in text
    assert [(b.command, b.args) for b in followed.buttons] == [("unfollow", str(w))]
    assert again.startswith(f"You already follow session #{w}:")
    lines = listing.split("\n")
    assert lines[0] == "Sessions you follow"
    wednesday = lines.index("Wednesday 10 June 2026")
    thursday = lines.index("Thursday 11 June 2026")
    assert wednesday < thursday
    assert "Cybercrime workshop" in lines[wednesday + 1] and "Day two opening" in lines[thursday + 1]
    assert lines[-1] == "Reminder 10 minutes before"
    assert gone == f"You no longer follow session #{w}."
    assert not_followed.startswith(f"You do not follow session #{w}.")
    assert "Cybercrime workshop" not in after and "Day two opening" in after
    assert cleared == "You no longer follow any session (1 removed)."
    assert empty.startswith("You follow no session.")


async def test_follow_by_words_one_match_several_or_none(db_url: str) -> None:
    async with App(make_settings(db_url), clock=FakeClock(paris(10, "09:55"))) as app:
        prog = await _ready(app)
        one = await text_of(app, "/follow cybercrime WORKSHOP", lang="en", chat_id=CHAT)
        several = await send(app, "/follow session", lang="en", chat_id=CHAT)
        none = await send(app, "/follow karaoke", lang="en", chat_id=CHAT)
        only_cancelled = await send(app, "/follow drone session", lang="en", chat_id=CHAT)
        listing = await text_of(app, "/following", lang="en", chat_id=CHAT)
    assert one.startswith(f"You follow session #{prog.ids['workshop']}:")
    text = plain_text(several)
    # the cancelled "Drone session" is left out while others can be followed
    assert text.startswith("2 sessions match “session”; pick one:")
    assert "Drone session" not in text
    assert [(b.label, b.command, b.args) for b in several.buttons] == [
        (f"Follow #{prog.ids[k]}", "follow", str(prog.ids[k])) for k in ("forensics", "closing")]
    assert none.is_error and "No session's title matches “karaoke”." in plain_text(none)
    assert only_cancelled.is_error and plain_text(only_cancelled).startswith(
        f"Session #{prog.ids['drones']} is cancelled")
    assert "Forensics" not in listing  # picking is pressing a button: nothing followed yet


async def test_follow_refuses_a_cancelled_a_past_or_an_unknown_session(db_url: str) -> None:
    async with App(make_settings(db_url), clock=FakeClock(paris(10, "09:55"))) as app:
        prog = await _ready(app)
        cancelled = await send(app, f"/follow {prog.ids['drones']}", lang="en", chat_id=CHAT)
        past = await send(app, f"/follow {prog.ids['keynote']}", lang="en", chat_id=CHAT)
        unknown = await send(app, "/follow 99999", lang="en", chat_id=CHAT)
        bare = await send(app, "/follow", lang="en", chat_id=CHAT)
        bad = await send(app, "/unfollow soon", lang="en", chat_id=CHAT)
        async with app.uow() as uow:
            follows = (await uow.session.scalars(select(Follow))).all()
    assert cancelled.is_error
    assert plain_text(cancelled).startswith(
        f"Session #{prog.ids['drones']} is cancelled: there is nothing to follow.")
    assert past.is_error and plain_text(past).startswith(
        f"Session #{prog.ids['keynote']} is already over.")
    assert unknown.is_error and plain_text(unknown).startswith("There is no session #99999.")
    assert not bare.is_error and plain_text(bare).startswith("Which session?")
    assert bad.is_error and "“soon” is not a session number" in plain_text(bad)
    assert follows == []


async def test_in_a_group_only_admins_change_follows(db_url: str) -> None:
    async with App(make_settings(db_url), clock=FakeClock(paris(10, "09:55"))) as app:
        prog = await _ready(app, chat="g1", kind="group")
        refused = await send(app, f"/follow {prog.ids['workshop']}", lang="en", chat_id="g1",
                             chat_kind="group")
        settings = await text_of(app, "/settings", lang="en", chat_id="g1", chat_kind="group")
    assert refused.is_error
    assert "Reminders of followed sessions: off (the default for this kind of chat)" in settings


async def test_settings_remind(db_url: str) -> None:
    async with App(make_settings(db_url), clock=FakeClock(paris(10, "09:55"))) as app:
        await _ready(app)
        default = await text_of(app, "/settings", lang="en", chat_id=CHAT)
        five = await text_of(app, "/settings remind 5", lang="en", chat_id=CHAT)
        one = await text_of(app, "/settings rappel 1", lang="fr", chat_id=CHAT)
        off = await text_of(app, "/settings remind off", lang="en", chat_id=CHAT)
        following = await text_of(app, "/following", lang="en", chat_id=CHAT)
        bad = [await send(app, f"/settings remind {v}", lang="en", chat_id=CHAT)
               for v in ("1441", "soon", "-5", "")]
        zero = await text_of(app, "/settings remind 0", lang="en", chat_id=CHAT)
        still = await text_of(app, "/settings", lang="en", chat_id=CHAT)
    assert "Reminders of followed sessions: 10 minutes before (the default for this kind of chat)" \
        in default
    assert "Reminders of followed sessions: 5 minutes before" in five
    assert "Rappels des sessions suivies\u00a0: 1 minute avant" in one
    assert "Reminders of followed sessions: off" in off
    assert following.startswith("You follow no session.")
    assert all(r.is_error for r in bad)
    assert "“1441”: give minutes from 1 to 1440, or off" in plain_text(bad[0])
    assert "Reminders of followed sessions: off" in zero
    assert "Reminders of followed sessions: off" in still  # bad input changed nothing


async def test_the_reminder_is_queued_once_at_its_minute(db_url: str) -> None:
    clock = FakeClock(paris(10, "09:55"))
    async with App(make_settings(db_url), clock=clock) as app:
        prog = await _ready(app)
        w = prog.ids["workshop"]  # 10:20 Paris, reminded at 10:10
        await text_of(app, f"/follow {w}", lang="en", chat_id=CHAT)
        scheduler = _scheduler(app)
        clock.set(paris(10, "10:09") + dt.timedelta(seconds=45))
        assert (await scheduler.remind_tick()).queued == 0
        assert await _reminders(app) == []
        clock.set(paris(10, "10:10") + dt.timedelta(seconds=5))
        assert (await scheduler.remind_tick()).queued == 1
        clock.set(paris(10, "10:10") + dt.timedelta(seconds=20))
        assert (await scheduler.remind_tick()).queued == 0  # a re-run: nothing more
        # another replica on the same database, its own scheduler, at the same minute
        async with App(make_settings(db_url), clock=clock) as replica:
            assert (await _scheduler(replica).remind_tick()).queued == 0
        [row] = await _reminders(app)
    assert row.session_id == w and row.status == "pending"
    assert row.dedupe_key == f"reminder:{row.chat_id}:{w}:2026-06-10T08:20:00+00:00"
    assert row.next_attempt_at == paris(10, "10:10") + dt.timedelta(seconds=5)
    assert _text(row) == (f"Reminder, in 10 minutes: #{w} 10:20–11:00 Room B — "
                          "Cybercrime workshop")


async def test_a_moved_session_gets_a_new_reminder_and_a_cancelled_one_none(db_url: str) -> None:
    clock = FakeClock(paris(10, "09:55"))
    async with App(make_settings(db_url), clock=clock) as app:
        prog = await _ready(app)
        w, f = prog.ids["workshop"], prog.ids["forensics"]
        await text_of(app, f"/follow {w}", lang="en", chat_id=CHAT)
        await text_of(app, f"/follow {f}", lang="en", chat_id=CHAT)
        scheduler = _scheduler(app)
        clock.set(paris(10, "10:10"))
        assert (await scheduler.remind_tick()).queued == 1
        # the session moves to 10:40 before its reminder was sent
        async with app.uow() as uow:
            await uow.session.execute(update(AgendaSession).where(AgendaSession.id == w).values(
                starts_at=paris(10, "10:40"), ends_at=paris(10, "11:20"), status="moved"))
        clock.set(paris(10, "10:11"))
        report = await scheduler.remind_tick()
        assert (report.queued, report.dropped) == (0, 1)
        assert await _reminders(app) == []
        clock.set(paris(10, "10:30"))
        assert (await scheduler.remind_tick()).queued == 1
        [moved] = await _reminders(app)
        async with app.uow() as uow:  # delivered (a sent row is never touched again)
            await uow.session.execute(update(OutboxMessage).where(OutboxMessage.id == moved.id)
                                      .values(status="sent"))
        # the forensics lab is cancelled once its reminder is queued
        clock.set(paris(10, "14:21"))
        assert (await scheduler.remind_tick()).queued == 1
        async with app.uow() as uow:
            await uow.session.execute(update(AgendaSession).where(AgendaSession.id == f)
                                      .values(status="cancelled"))
        clock.set(paris(10, "14:22"))
        report = await scheduler.remind_tick()
        rows = await _reminders(app)
    assert moved.dedupe_key.endswith(f":{w}:2026-06-10T08:40:00+00:00")
    assert _text(moved).startswith(f"Reminder, in 10 minutes: #{w} 10:40–11:20 Room B — "
                                   "Cybercrime workshop (moved)")
    assert (report.queued, report.dropped) == (0, 1)
    assert [(r.session_id, r.status) for r in rows] == [(w, "sent")]


async def test_no_reminder_when_off_for_groups_or_after_unfollow(db_url: str) -> None:
    clock = FakeClock(paris(10, "09:55"))
    async with App(make_settings(db_url), clock=clock) as app:
        prog = await _ready(app)
        w, d = prog.ids["workshop"], prog.ids["day2"]
        await use_event(app.uow, "console", "g2", prog.event_id, kind="group")
        await text_of(app, f"/follow {w}", lang="en", chat_id=CHAT)
        await text_of(app, f"/follow {w}", chat_id="g2", chat_kind="group", user_id="local")
        await text_of(app, f"/follow {d}", lang="en", chat_id="quiet", user_id="u9")
        scheduler = _scheduler(app)
        await text_of(app, "/settings remind off", lang="en", chat_id=CHAT)
        clock.set(paris(10, "10:12"))
        assert (await scheduler.remind_tick()).queued == 0  # off here, off by default in g2
        await text_of(app, "/settings remind 15", lang="en", chat_id=CHAT)
        assert (await scheduler.remind_tick()).queued == 1  # due since 10:05: sent now
        [row] = await _reminders(app)
        assert "in 8 minutes" in _text(row)
        await text_of(app, "/settings remind 5", lang="en", chat_id=CHAT)
        await text_of(app, f"/unfollow {w}", lang="en", chat_id=CHAT)
        assert await _reminders(app) == []  # unfollowing takes the pending reminder back


async def test_reminders_are_sent_in_quiet_hours_and_in_the_chat_language(db_url: str) -> None:
    clock = FakeClock(paris(11, "09:51"))
    async with App(make_settings(db_url), clock=clock) as app:
        prog = await _ready(app)
        d = prog.ids["day2"]
        await text_of(app, "/subscribe alerts", lang="fr", chat_id=CHAT)
        await text_of(app, "/settings quiet 08:00-12:00", lang="fr", chat_id=CHAT)
        await text_of(app, f"/follow {d}", lang="fr", chat_id=CHAT)
        assert (await _scheduler(app).remind_tick()).queued == 1
        [row] = await _reminders(app)
    assert row.next_attempt_at == paris(11, "09:51")  # not held until 12:00
    assert _text(row) == f"Rappel, dans 9 minutes\u00a0: #{d} 10:00–10:30 Room A — Day two opening"


def _payload_texts(rows: list[Any]) -> list[str]:
    return [_text(r) for r in rows]


@pytest.mark.parametrize("lang", ["es", "ar"])
async def test_follow_speaks_every_language(db_url: str, lang: str) -> None:
    async with App(make_settings(db_url), clock=FakeClock(paris(10, "09:55"))) as app:
        prog = await _ready(app)
        for command in (f"/follow {prog.ids['workshop']}", "/following", "/now", "/next",
                        "/unfollow all"):
            reply = await send(app, command, lang=lang, chat_id=CHAT)
            assert reply.language == lang and not reply.is_error, (command, plain_text(reply))
