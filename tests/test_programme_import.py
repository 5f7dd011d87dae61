"""`python -m bot import-programme` / `export-programme` as an organiser runs them: real
processes on the test database (SQLite and PostgreSQL), with chats that follow sessions or
subscribe to topic alerts made through storage and the bot's own commands.

The schedule files (tests/data/programme/) are a three-day event "RC26" in Europe/Paris with
three rooms and ten sessions; v2 moves "Ransomware response in practice" to the next day,
puts "Data protection in police cooperation" in another room and drops "Lightning talks".
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.platforms.console.render import render as console_render
from handlers.reply import Reply
from storage.models import (
    AgendaSession,
    AuditEntry,
    Event,
    Follow,
    OutboxMessage,
    Participant,
    SessionSpeaker,
    Source,
    Topic,
)
from tests.conftest import make_settings
from tests.helpers import text_of

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "programme"
pytestmark = pytest.mark.slow

GUID = "6f1c0a2e-0000-4000-8000-0000000000{}"
MOVED, ROOM, DROPPED, OPENING = GUID.format("04"), GUID.format("06"), GUID.format("09"), GUID.format("01")


def _bot(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env["NEWSBOT_DATABASE__URL"] = db_url
    env["NEWSBOT_CATALOG_STRICT"] = "1"
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=90)


def _import(db_url: str, name: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return _bot(db_url, "import-programme", str(DATA / name), *extra)


async def _session(app: App, guid: str) -> AgendaSession:
    async with app.uow() as uow:
        row = (await uow.session.scalars(
            select(AgendaSession).where(AgendaSession.external_id == guid))).one()
        return row


async def _changes(app: App) -> list[OutboxMessage]:
    async with app.uow() as uow:
        return list((await uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "change")
            .order_by(OutboxMessage.id))).all())


async def _chat_id(app: App, name: str) -> int:
    async with app.uow() as uow:
        chat = await uow.chats.find("console", name)
        assert chat is not None
        return chat.id


async def _counts(app: App) -> dict[str, int]:
    async with app.uow() as uow:
        return {m.__tablename__: int(await uow.session.scalar(
            select(func.count()).select_from(m)) or 0)
            for m in (AgendaSession, AuditEntry, OutboxMessage, Event, Participant, Topic,
                      Source, SessionSpeaker)}


async def _follow(app: App, chat: str, guid: str, *, language: str = "en",
                  tz: str | None = None) -> None:
    await text_of(app, "/start", chat_id=chat, lang=language)  # the chat exists
    session = await _session(app, guid)
    async with app.uow() as uow:
        row = await uow.chats.find("console", chat)
        assert row is not None
        row.language = language
        if tz:
            row.timezone = tz
        uow.session.add(Follow(chat_id=row.id, session_id=session.id))


async def test_import_reimport_changes_and_export(db_url: str) -> None:
    first = _import(db_url, "rc26-v1.json")
    assert first.returncode == 0, first.stderr
    assert ("Programme RC26: 10 sessions — 10 added, 0 moved, 0 room changed, 0 cancelled, "
            "0 unchanged; 0 change notices queued") in first.stdout
    assert "event RC26 created" in first.stdout

    async with App(make_settings(db_url)) as app:
        moved = await _session(app, MOVED)
        assert moved.starts_at == dt.datetime(2026, 3, 10, 13, 30, tzinfo=dt.UTC)
        assert moved.ends_at == dt.datetime(2026, 3, 10, 14, 30, tzinfo=dt.UTC)
        assert moved.day == dt.date(2026, 3, 10) and moved.room == "Room A"
        assert moved.status == "scheduled" and moved.topic == "cybercrime"
        async with app.uow() as uow:
            event = (await uow.session.scalars(select(Event).where(Event.key == "RC26"))).one()
            assert event.timezone == "Europe/Paris" and event.name == {"en": "Regional Conference 2026"}
            assert (event.starts_on, event.ends_on) == (dt.date(2026, 3, 10), dt.date(2026, 3, 12))
            assert moved.event_id == event.id
            row = await uow.session.get(AgendaSession, moved.id)
            assert row is not None
            assert [s.title for s in row.sources] == ["Regional Conference 2026 — schedule.json"]
            speakers = (await uow.session.execute(
                select(Participant.key, Participant.name, Participant.event_id)
                .join(SessionSpeaker, SessionSpeaker.participant_id == Participant.id)
                .where(SessionSpeaker.session_id == moved.id))).all()
            assert [tuple(s) for s in speakers] == [
                ("RC26:person:a0000000-0000-4000-8000-000000000005", "Omar Haddad", event.id)]
            topics = {t.key for t in (await uow.session.scalars(select(Topic))).all()}
            assert {"plenary", "border-security", "governance", "cybercrime"} <= topics

        # who hears of the changes: followers, topic subscribers, each once; nobody else
        await _follow(app, "follower", MOVED, tz="Europe/Paris")
        await _follow(app, "follower", DROPPED, tz="Europe/Paris")
        await text_of(app, "/subscribe alerts cybercrime", chat_id="cyber", lang="en")
        await _follow(app, "both", MOVED)
        await text_of(app, "/subscribe alerts cybercrime", chat_id="both", lang="en")
        await text_of(app, "/subscribe alerts governance", chat_id="gov", lang="fr")
        await text_of(app, "/subscribe alerts cybercrime", chat_id="elsewhere", lang="en")
        await _follow(app, "bystander", OPENING)
        async with app.uow() as uow:  # a chat that follows another event hears nothing
            chat = await uow.chats.find("console", "elsewhere")
            seeded = (await uow.session.scalars(select(Event).order_by(Event.id))).first()
            assert chat is not None and seeded is not None and seeded.key != "RC26"
            chat.event_id = seeded.id
            # a reminder still pending for the session that moves, and one already sent
            follower = await uow.chats.find("console", "follower")
            assert follower is not None
            uow.session.add_all([
                OutboxMessage(dedupe_key="reminder:test:pending", chat_id=follower.id,
                              kind="reminder", session_id=moved.id, payload={}, status="pending"),
                OutboxMessage(dedupe_key="reminder:test:sent", chat_id=follower.id,
                              kind="reminder", session_id=moved.id, payload={}, status="sent"),
            ])
        before = await _counts(app)

    again = _import(db_url, "rc26-v1.json")
    assert again.returncode == 0, again.stderr
    assert ("10 sessions — 0 added, 0 moved, 0 room changed, 0 cancelled, 10 unchanged; "
            "0 change notices queued") in again.stdout

    async with App(make_settings(db_url)) as app:
        assert await _counts(app) == before  # nothing written, no revision, no notice

    dry = _import(db_url, "rc26-v2.json", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "1 moved, 1 room changed, 1 cancelled" in dry.stdout and "dry run" in dry.stdout
    async with App(make_settings(db_url)) as app:
        assert await _counts(app) == before

    second = _import(db_url, "rc26-v2.json")
    assert second.returncode == 0, second.stderr
    assert ("Programme RC26: 9 sessions — 0 added, 1 moved, 1 room changed, 1 cancelled, "
            "1 updated, 6 unchanged; 6 change notices queued") in second.stdout

    async with App(make_settings(db_url)) as app:
        moved = await _session(app, MOVED)
        assert moved.status == "moved" and moved.day == dt.date(2026, 3, 11)
        assert moved.starts_at == dt.datetime(2026, 3, 11, 15, 0, tzinfo=dt.UTC)
        dropped = await _session(app, DROPPED)
        assert dropped.status == "cancelled"  # cancelled, not deleted
        room = await _session(app, ROOM)
        assert room.room == "Room C" and room.status == "scheduled"
        notices = await _changes(app)
        got = sorted([(await _name(app, n.chat_id), n.session_id) for n in notices])
        assert got == sorted([("follower", moved.id), ("follower", dropped.id),
                              ("cyber", moved.id), ("both", moved.id),
                              ("gov", room.id), ("gov", dropped.id)])
        assert all(n.status == "pending" and n.dedupe_key.startswith(f"change:{n.session_id}:")
                   for n in notices)
        async with app.uow() as uow:
            reminders = (await uow.session.scalars(
                select(OutboxMessage.dedupe_key).where(OutboxMessage.kind == "reminder"))).all()
            assert list(reminders) == ["reminder:test:sent"]  # the pending one is dropped
            revs = (await uow.session.scalars(select(AuditEntry).where(
                AuditEntry.action == "session.import"))).all()
            assert len(revs) == 4 and len({r.batch for r in revs}) == 1
            assert all(r.origin == "import" for r in revs)

        # what the follower reads, in English and in its zone (Paris)
        follower_id = await _chat_id(app, "follower")
        text = render(Reply.from_dict(next(
            n.payload for n in notices if n.chat_id == follower_id and n.session_id == moved.id)))
        assert "Programme change — Regional Conference 2026" in text
        assert ("“Ransomware response in practice” moves from Tuesday 10 March 2026 14:30 "
                "(Room A) to Wednesday 11 March 2026 16:00 (Room A)") in text, text
        cancelled = render(Reply.from_dict(next(
            n.payload for n in notices if n.chat_id == follower_id and n.session_id == dropped.id)))
        assert "“Lightning talks” is cancelled — Thursday 12 March 2026 11:30 (Room C)" in cancelled
        gov_id = await _chat_id(app, "gov")
        gov = render(Reply.from_dict(next(n.payload for n in notices
                                          if n.chat_id == gov_id and n.session_id == room.id)))
        assert "Changement de programme" in gov and "Room B" in gov and "Room C" in gov
        after_v2 = await _counts(app)

    replay = _import(db_url, "rc26-v2.json")
    assert replay.returncode == 0 and "0 change notices queued" in replay.stdout
    assert "9 unchanged" in replay.stdout

    bad = _import(db_url, "rc26-malformed.json")
    assert bad.returncode == 2
    assert "conference.days[1].rooms.Room A[0].start: expected HH:MM" in bad.stderr
    assert "Traceback" not in bad.stderr and "nothing written" in bad.stderr

    async with App(make_settings(db_url)) as app:
        assert await _counts(app) == after_v2


def render(reply: Reply) -> str:
    """The notice as the console prints it, lines joined (the terminal wraps them)."""
    return " ".join(console_render(reply).split())


async def _name(app: App, chat_id: int) -> str:
    async with app.uow() as uow:
        chat = await uow.chats.get(chat_id)
        assert chat is not None
        return chat.platform_chat_id


async def test_export_then_import_changes_nothing(db_url: str, tmp_path: Path) -> None:
    assert _import(db_url, "rc26-v1.json").returncode == 0
    assert _import(db_url, "rc26-v2.json").returncode == 0  # a moved and a cancelled session
    async with App(make_settings(db_url)) as app:
        before = await _counts(app)
    out = tmp_path / "rc26-export.json"
    exported = _bot(db_url, "export-programme", str(out), "--event", "RC26")
    assert exported.returncode == 0, exported.stderr
    assert "Programme RC26: 10 sessions exported" in exported.stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["format"] == "newsbot-programme" and data["version"] == 1
    statuses = {s["external_id"]: s["status"] for s in data["sessions"]}
    assert statuses[MOVED] == "moved" and statuses[DROPPED] == "cancelled"
    back = _bot(db_url, "import-programme", str(out))
    assert back.returncode == 0, back.stderr
    assert ("10 sessions — 0 added, 0 moved, 0 room changed, 0 cancelled, 10 unchanged; "
            "0 change notices queued") in back.stdout
    async with App(make_settings(db_url)) as app:
        assert await _counts(app) == before
    # the bundled event (no times, no schedule ids) goes round too
    seeded = tmp_path / "ga93.json"
    assert _bot(db_url, "export-programme", str(seeded)).returncode == 0
    ga93 = json.loads(seeded.read_text(encoding="utf-8"))
    assert all(s["starts_at"] is None for s in ga93["sessions"])  # no times invented
    again = _bot(db_url, "import-programme", str(seeded))
    assert again.returncode == 0, again.stderr
    assert "sessions — 0 added, 0 moved, 0 room changed, 0 cancelled" in again.stdout
    assert "0 change notices queued" in again.stdout
    async with App(make_settings(db_url)) as app:
        assert await _counts(app) == before  # not even a source row


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda d: d["schedule"]["conference"].pop("time_zone_name"),
     "conference.time_zone_name: missing"),
    (lambda d: d["schedule"]["conference"].__setitem__("time_zone_name", "Mars/Olympus"),
     "conference.time_zone_name: unknown time zone"),
    (lambda d: d["schedule"]["conference"]["days"][0]["rooms"]["Room B"][0]
     .__setitem__("date", "2026-03-10T10:00:00"),
     "conference.days[0].rooms.Room B[0].date: expected an ISO 8601 time with an offset"),
    (lambda d: d["schedule"]["conference"]["days"][2]["rooms"]["Room A"][0]
     .__setitem__("duration", "long"), "conference.days[2].rooms.Room A[0].duration: expected HH:MM"),
    (lambda d: d.__setitem__("schedule", []), "schedule: expected an object"),
    (lambda d: d["schedule"]["conference"]["days"][1]["rooms"]["Room A"][0].pop("title"),
     "conference.days[1].rooms.Room A[0].title: missing"),
])
def test_a_malformed_file_exits_2_naming_the_place(sqlite_url: str, tmp_path: Path,
                                                    mutate, expected: str) -> None:  # type: ignore[no-untyped-def]
    data = json.loads((DATA / "rc26-v1.json").read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    out = _bot(sqlite_url, "import-programme", str(path))
    assert out.returncode == 2, out.stdout
    assert expected in out.stderr, out.stderr
    assert "Traceback" not in out.stderr


def test_the_event_key_can_be_chosen(sqlite_url: str) -> None:
    out = _import(sqlite_url, "rc26-v1.json", "--event", "rc26-rehearsal")
    assert out.returncode == 0, out.stderr
    assert "Programme rc26-rehearsal: 10 sessions — 10 added" in out.stdout
    assert "event rc26-rehearsal created" in out.stdout


async def test_the_content_export_of_one_event_leaves_the_other_where_it_is(
        db_url: str, tmp_path: Path) -> None:
    """`export` writes one event's content (the bundled one by default); importing the file
    back changes nothing, and the other event's sessions stay that event's."""
    assert _import(db_url, "rc26-v1.json").returncode == 0
    async with App(make_settings(db_url)) as app:
        before = await _counts(app)
        async with app.uow() as uow:
            owners = dict((await uow.session.execute(
                select(AgendaSession.key, AgendaSession.event_id))).all())
    out = tmp_path / "ga93.json"
    exported = _bot(db_url, "export", str(out))
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.startswith("exported interpol-ga-93: ")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert not any(a["key"].startswith("RC26") or a.get("external_id") for a in data["agenda"])
    back = _bot(db_url, "import", str(out))
    assert back.returncode == 0, back.stderr
    async with App(make_settings(db_url)) as app:
        assert await _counts(app) == before
        async with app.uow() as uow:
            after = dict((await uow.session.execute(
                select(AgendaSession.key, AgendaSession.event_id))).all())
    assert after == owners
    unknown = _bot(db_url, "export", str(tmp_path / "x.json"), "--event", "NOPE")
    assert unknown.returncode == 2 and "no event 'NOPE'" in unknown.stderr
    assert not (tmp_path / "x.json").exists()
    no_resolution = _bot(db_url, "export", str(tmp_path / "y.json"), "--event", "RC26")
    assert no_resolution.returncode == 2 and "export-programme" in no_resolution.stderr
