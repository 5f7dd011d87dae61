"""The desk changes the programme by chat command: a new start, room or status tells the
session's followers (and its topic's alert subscribers) once each; /undo puts the time back
and tells them again. On SQLite and PostgreSQL (``db_url``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App
from handlers.fanout.programme import queue_changes
from handlers.reply import Reply, plain_text
from storage.models import AgendaSession, Follow, OutboxMessage
from storage.programme import apply_programme, read_programme
from tests.desk.conftest import desk_settings
from tests.helpers import text_of

DATA = Path(__file__).resolve().parent / "data" / "programme"
OWNER = {"user_id": "local", "lang": "en"}
RANSOMWARE = "6f1c0a2e-0000-4000-8000-000000000004"


@pytest.fixture
async def desk(db_url: str) -> AsyncIterator[App]:
    async with App(desk_settings(db_url)) as a:
        async with a.uow() as uow:  # the RC26 programme, as import-programme loads it
            report = await apply_programme(uow.session, read_programme(DATA / "rc26-v1.json"),
                                           at=a.deps.clock())
            await queue_changes(uow, a.deps.fanout, report.changes, a.deps.clock())
        yield a


async def _session(app: App) -> AgendaSession:
    async with app.uow() as uow:
        return (await uow.session.scalars(
            select(AgendaSession).where(AgendaSession.external_id == RANSOMWARE))).one()


async def _follow(app: App, chat: str, session_id: int, language: str = "en") -> None:
    await text_of(app, "/start", chat_id=chat, lang=language)
    async with app.uow() as uow:
        row = await uow.chats.find("console", chat)
        assert row is not None
        row.language, row.timezone = language, "Europe/Paris"
        uow.session.add(Follow(chat_id=row.id, session_id=session_id))


async def _notices(app: App) -> list[tuple[str, str]]:
    """(chat, text) of every change notice queued, oldest first."""
    async with app.uow() as uow:
        rows = (await uow.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "change").order_by(OutboxMessage.id))).all()
        out = []
        for r in rows:
            chat = await uow.chats.get(r.chat_id)
            assert chat is not None
            out.append((chat.platform_chat_id, " ".join(plain_text(Reply.from_dict(r.payload)).split())))
        return out


async def test_a_new_start_tells_each_follower_once_and_undo_puts_it_back(desk: App) -> None:
    session = await _session(desk)
    await _follow(desk, "f-en", session.id)
    await _follow(desk, "f-fr", session.id, "fr")
    await text_of(desk, "/start", chat_id="bystander")

    reply = await text_of(desk, f"/editsession {session.id} start 2026-03-11 16:00", **OWNER)
    assert "Updated: Ransomware response in practice" in reply, reply
    assert "2 change notices queued" in reply, reply
    moved = await _session(desk)
    assert moved.starts_at == dt.datetime(2026, 3, 11, 15, 0, tzinfo=dt.UTC)  # Paris time
    assert moved.day == dt.date(2026, 3, 11) and moved.status == "moved"
    assert moved.ends_at == dt.datetime(2026, 3, 11, 16, 0, tzinfo=dt.UTC)  # same length
    notices = await _notices(desk)
    assert [c for c, _ in notices] == ["f-en", "f-fr"]
    assert ("Programme change — Regional Conference 2026 “Ransomware response in practice” "
            "moves from Tuesday 10 March 2026 14:30 (Room A) to Wednesday 11 March 2026 16:00 "
            "(Room A)") in notices[0][1]
    assert "Changement de programme" in notices[1][1] and "mercredi 11 mars 2026 16:00" in notices[1][1]

    undone = await text_of(desk, "/undo", **OWNER)
    assert "2 change notices queued" in undone, undone
    back = await _session(desk)
    assert back.starts_at == dt.datetime(2026, 3, 10, 13, 30, tzinfo=dt.UTC)
    assert back.day == dt.date(2026, 3, 10) and back.status == "scheduled"
    assert back.ends_at == dt.datetime(2026, 3, 10, 14, 30, tzinfo=dt.UTC)
    notices = await _notices(desk)
    assert len(notices) == 4
    assert "from Wednesday 11 March 2026 16:00 (Room A) to Tuesday 10 March 2026 14:30" in notices[2][1]


async def test_room_cancel_and_restore_by_command(desk: App) -> None:
    session = await _session(desk)
    await _follow(desk, "f", session.id)
    reply = await text_of(desk, f"/editsession {session.id} room Salle Atlas", **OWNER)
    assert "1 change notice queued" in reply
    assert (await _session(desk)).room == "Salle Atlas"
    assert "Cancelled" not in reply
    cancelled = await text_of(desk, f"/cancelsession {session.id}", **OWNER)
    assert f"Session #{session.id} cancelled: Ransomware response in practice" in cancelled
    assert (await _session(desk)).status == "cancelled"
    again = await text_of(desk, f"/cancelsession {session.id}", **OWNER)
    assert "already cancelled" in again
    restored = await text_of(desk, f"/restoresession {session.id}", **OWNER)
    assert "back on the programme" in restored and "1 change notice queued" in restored
    texts = [text for _, text in await _notices(desk)]
    assert len(texts) == 3
    assert "moves from Tuesday 10 March 2026 14:30 (Room A) to Tuesday 10 March 2026 14:30 (Salle Atlas)" in texts[0]
    assert "“Ransomware response in practice” is cancelled — Tuesday 10 March 2026 14:30 (Salle Atlas)" in texts[1]
    assert "is back on the programme: Tuesday 10 March 2026 14:30 (Salle Atlas)" in texts[2]


async def test_bad_times_change_nothing(desk: App) -> None:
    session = await _session(desk)
    await _follow(desk, "f", session.id)
    for value in ("next tuesday", "2026-13-40 10:00", "25:99"):
        text = await text_of(desk, f"/editsession {session.id} start {value}", **OWNER)
        assert "Traceback" not in text and value in text, text
    text = await text_of(desk, f"/editsession {session.id} end 2026-03-10 09:00", **OWNER)
    assert "2026-03-10 09:00" in text  # an end before the start is refused
    text = await text_of(desk, f"/editsession {session.id} status postponed", **OWNER)
    assert "postponed" in text and "scheduled" in text
    assert await _notices(desk) == []
    same = await _session(desk)
    assert same.starts_at == session.starts_at and same.status == "scheduled"


async def test_content_export_carries_the_programme_fields(db_url: str) -> None:
    """`python -m bot export`/`import` (storage/transfer.py) keep times, rooms and statuses;
    a file without them (an older export) still imports, changing none of them."""
    from storage.transfer import TransferError, export_content, import_content

    async with App(desk_settings(db_url)) as app:
        assert "Updated" in await text_of(app, "/editsession opening-ceremony start 2025-11-24 10:00",
                                          **OWNER)
        await text_of(app, "/editsession opening-ceremony room Palais des congrès", **OWNER)
        async with app.uow() as uow:
            data = await export_content(uow.session)
        entry = next(a for a in data["agenda"] if a["key"] == "opening-ceremony")
        assert entry["starts_at"] == "2025-11-24T09:00:00+00:00"  # Casablanca, UTC+1
        assert entry["room"] == "Palais des congrès" and entry["status"] == "scheduled"
        async with app.uow() as uow:
            assert not (await import_content(uow.session, data)).changed
        entry.update(room="Salle 2", status="moved", starts_at="2025-11-25T09:00:00+00:00")
        async with app.uow() as uow:
            report = await import_content(uow.session, data)
        assert report.changed and any("kept starts_at" in line and "room (desk" in line
                                      for line in report.skipped), report.skipped
        async with app.uow() as uow:  # the desk's room and time are kept unless forced
            row = (await uow.session.scalars(select(AgendaSession).where(
                AgendaSession.key == "opening-ceremony"))).one()
            assert (row.room, row.status) == ("Palais des congrès", "moved")
        async with app.uow() as uow:
            await import_content(uow.session, data, force=True)
        async with app.uow() as uow:
            row = (await uow.session.scalars(select(AgendaSession).where(
                AgendaSession.key == "opening-ceremony"))).one()
            assert (row.room, row.status) == ("Salle 2", "moved")
            assert row.starts_at == dt.datetime(2025, 11, 25, 9, 0, tzinfo=dt.UTC)
        for a in data["agenda"]:  # an export from before the programme fields
            for key in ("starts_at", "ends_at", "room", "status", "language", "external_id"):
                a.pop(key)
        async with app.uow() as uow:
            assert not (await import_content(uow.session, data)).changed
        bad = {**data["agenda"][0], "status": "postponed"}
        with pytest.raises(TransferError, match=r"agenda\[0\]\.status"):
            async with app.uow() as uow:
                await import_content(uow.session, {**data, "agenda": [bad]})


async def test_a_reimport_keeps_what_the_desk_changed_unless_forced(desk: App) -> None:
    session = await _session(desk)
    await _follow(desk, "f", session.id)
    await text_of(desk, f"/editsession {session.id} start 2026-03-12 09:00", **OWNER)
    prog = read_programme(DATA / "rc26-v1.json")
    async with desk.uow() as uow:
        report = await apply_programme(uow.session, prog, at=desk.deps.clock())
    assert report.moved == 0 and not report.changes
    assert any("starts_at (desk revision" in line for line in report.skipped), report.skipped
    assert (await _session(desk)).day == dt.date(2026, 3, 12)
    async with desk.uow() as uow:
        report = await apply_programme(uow.session, prog, force=True, at=desk.deps.clock())
        queued = await queue_changes(uow, desk.deps.fanout, report.changes, desk.deps.clock())
    assert report.moved == 1 and queued == 1
    back = await _session(desk)
    assert back.starts_at == dt.datetime(2026, 3, 10, 13, 30, tzinfo=dt.UTC)
    assert back.day == dt.date(2026, 3, 10) and back.status == "moved"
    assert len(await _notices(desk)) == 2  # the desk's move, then the forced import's


async def test_the_outbox_worker_delivers_the_notice_once(desk: App) -> None:
    """A Telegram follower gets the change notice through the outbox worker, once."""
    from bot.delivery import OutboxWorker
    from tests.outbox_support import ScriptedSender, add_chats, fast_settings, run_until_settled

    session = await _session(desk)
    chats = await add_chats(desk.uow, ["4242"])
    async with desk.uow() as uow:
        chat = await uow.chats.get(chats["4242"])
        assert chat is not None
        chat.language, chat.timezone = "en", "Europe/Paris"
        uow.session.add(Follow(chat_id=chat.id, session_id=session.id))
    await text_of(desk, f"/cancelsession {session.id}", **OWNER)
    sender = ScriptedSender()
    await run_until_settled(OutboxWorker(desk.uow, {"telegram": sender}, fast_settings()), desk.uow)
    assert len(sender.texts("4242")) == 1
    text = " ".join(sender.texts("4242")[0].split())
    assert text == ("Programme change — Regional Conference 2026 “Ransomware response in practice” "
                    "is cancelled — Tuesday 10 March 2026 14:30 (Room A)")


async def test_a_session_back_in_the_file_is_on_the_programme_again(desk: App) -> None:
    dropped = "6f1c0a2e-0000-4000-8000-000000000009"
    async with desk.uow() as uow:
        row = (await uow.session.scalars(select(AgendaSession).where(
            AgendaSession.external_id == dropped))).one()
    await _follow(desk, "f", row.id)
    for name in ("rc26-v2.json", "rc26-v1.json"):
        async with desk.uow() as uow:
            report = await apply_programme(uow.session, read_programme(DATA / name),
                                           at=desk.deps.clock())
            await queue_changes(uow, desk.deps.fanout, report.changes, desk.deps.clock())
    assert (report.restored, report.moved, report.room, report.cancelled) == (1, 1, 1, 0)
    assert "1 back on the programme" in report.summary()[0]
    async with desk.uow() as uow:
        back = await uow.session.get(AgendaSession, row.id)
        assert back is not None and back.status == "scheduled"
    texts = [text for _, text in await _notices(desk)]
    assert len(texts) == 2 and "is cancelled" in texts[0]
    assert ("“Lightning talks” is back on the programme: Thursday 12 March 2026 11:30 (Room C)"
            in texts[1])


async def test_a_moved_session_gets_its_reminder_at_the_new_time(desk: App) -> None:
    """The pending reminder of the old start is dropped by the change; the reminders planner
    (handlers/fanout/reminders.py) queues the new one from the new start."""
    from handlers.fanout.reminders import plan_reminders
    from tests.outbox_support import add_chats

    session = await _session(desk)
    chats = await add_chats(desk.uow, ["777"])
    async with desk.uow() as uow:
        uow.session.add(Follow(chat_id=chats["777"], session_id=session.id))
    assert session.starts_at is not None
    async with desk.uow() as uow:  # 5 minutes before the first start: one reminder pending
        await plan_reminders(uow, desk.deps.fanout, session.starts_at - dt.timedelta(minutes=5))

    async def reminders() -> list[str]:
        async with desk.uow() as uow:
            return list((await uow.session.scalars(select(OutboxMessage.dedupe_key).where(
                OutboxMessage.kind == "reminder", OutboxMessage.status == "pending"))).all())

    assert len(await reminders()) == 1
    await text_of(desk, f"/editsession {session.id} start 2026-03-11 16:00", **OWNER)
    assert await reminders() == []
    new_start = dt.datetime(2026, 3, 11, 15, 0, tzinfo=dt.UTC)
    async with desk.uow() as uow:
        await plan_reminders(uow, desk.deps.fanout, new_start - dt.timedelta(minutes=5))
    assert await reminders() == [f"reminder:{chats['777']}:{session.id}:{new_start.isoformat()}"]
