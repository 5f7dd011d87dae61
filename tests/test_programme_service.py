"""Issue 15 end to end, as an organiser and two readers run it: a schedule file imported with
``python -m bot import-programme``, ``/now`` and ``/next`` asked at chosen instants
(``ask --now``), then the service (``python -m bot run`` with Telegram, the strict fake) on the
rehearsal clock: two readers follow a session; the organiser re-imports the file with that
session moved while the bot is down; on the next start each follower gets one change notice,
and the reminder comes once, at the new time, also across a restart.

The readers never choose a time zone: a chat on the bot's default zone reads the programme in
its event's zone (Paris; Casablanca is an hour behind in March 2026)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App
from storage.models import AgendaSession
from tests.conftest import ROOT, make_settings
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_fixtures import fake_telegram
from tests.outbox_support import FAST
from tests.service_child import start_service, write_config

__all__ = ["fake_telegram"]
pytestmark = pytest.mark.slow

DATA = ROOT / "tests" / "data" / "programme"
RANSOMWARE = "6f1c0a2e-0000-4000-8000-000000000004"  # v1: 10 March 14:30 Room A; v2: 11 March 16:00
READERS = (515151, 525252)


def _bot(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env.update(NEWSBOT_DATABASE__URL=db_url, NEWSBOT_CATALOG_STRICT="1")
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=90)


async def _session_id(db_url: str, guid: str) -> int:
    async with App(make_settings(db_url, bot={"seed_on_start": False})) as app, app.uow() as uow:
        row = (await uow.session.scalars(
            select(AgendaSession).where(AgendaSession.external_id == guid))).one()
        return row.id


async def test_import_now_next_follow_move_and_remind_through_the_processes(
        fake_telegram: FakeTelegram, sqlite_url: str, tmp_path: Path) -> None:
    tg = fake_telegram
    first = _bot(sqlite_url, "import-programme", str(DATA / "rc26-v1.json"))
    assert first.returncode == 0, first.stderr
    assert "10 added" in first.stdout
    rid = await _session_id(sqlite_url, RANSOMWARE)

    # what is on, asked at chosen instants of the event (Paris times)
    during = _bot(sqlite_url, "ask", "--now", "2026-03-10T14:40:00+01:00", "--lang", "en", "/now")
    assert during.returncode == 0, during.stderr
    assert f"until 15:30 · #{rid} Room A — Ransomware response in practice" in during.stdout
    coming = _bot(sqlite_url, "ask", "--now", "2026-03-10T10:35:00+01:00", "--lang", "en",
                  "/next 2")
    assert coming.returncode == 0, coming.stderr
    lines = [line for line in coming.stdout.splitlines() if "Room" in line]
    assert "in 25 minutes" in lines[0] and "Atelier : preuves numériques" in lines[0], lines
    assert "14:30–15:30 Room A — Ransomware response in practice" in lines[1], lines

    def config(simulated_now: str) -> Path:
        return write_config(tmp_path / "bot.toml", {
            "bot": {"simulated_now": simulated_now, "retry_initial_seconds": 0.2,
                    "retry_max_seconds": 1, "data_dir": str(tmp_path / "state"),
                    "seed_on_start": False},
            "database": {"url": sqlite_url},
            "telegram": {"token": tg.token, "base_url": tg.base_url},
            "delivery": FAST,
            "programme": {"remind_tick_seconds": 0.5},
        })

    def received(reader: int) -> list[str]:
        return [m.text for m in tg.messages(reader)]

    # day one, 14:10 in Paris: both readers follow the session (reminder due at 14:20)
    service = await start_service(config("2026-03-10T14:10:00+01:00"))
    try:
        await service.wait_log("rehearsal clock")
        for reader in READERS:
            tg.push_message(reader, f"/follow {rid}", language_code="en")
        for reader in READERS:
            reply = (await tg.wait_for_messages(reader, 1, timeout=30))[0].text
            assert reply.startswith(f"You follow session #{rid}:"), reply
            assert "14:30–15:30" in reply, reply  # the venue's time, not Casablanca's 13:30
    finally:
        assert await service.stop() == 0, service.log

    # while the bot is down the organiser re-imports (the rehearsal's config, hence its clock):
    # the session moves to the next day
    second = _bot(sqlite_url, "import-programme", str(DATA / "rc26-v2.json"),
                  "--config", str(config("2026-03-10T14:22:00+01:00")))
    assert second.returncode == 0, second.stderr
    assert "1 moved" in second.stdout and "change notices queued" in second.stdout

    # started again at 14:25, past the old reminder's minute: one change notice each, no reminder
    service = await start_service(config("2026-03-10T14:25:00+01:00"))
    try:
        for reader in READERS:
            await tg.wait_for_messages(reader, 2, timeout=30)
        await asyncio.sleep(2)  # ticks of the reminder planner: nothing for the old start
    finally:
        assert await service.stop() == 0, service.log
    for reader in READERS:
        notices = received(reader)[1:]
        assert len(notices) == 1, notices
        assert "“Ransomware response in practice” moves from Tuesday 10 March 2026 14:30 " \
               "(Room A) to Wednesday 11 March 2026 16:00 (Room A)" in notices[0], notices

    # day two, ten minutes before the new start: the reminder, once; a restart after the
    # minute (the session not begun) sends nothing more
    for now in ("2026-03-11T15:49:50+01:00", "2026-03-11T15:51:00+01:00"):
        service = await start_service(config(now))
        try:
            for reader in READERS:
                await tg.wait_for_messages(reader, 3, timeout=30)
            await asyncio.sleep(2)
        finally:
            assert await service.stop() == 0, service.log
    for reader in READERS:
        reminders = [text for text in received(reader) if text.startswith("Reminder, ")]
        assert len(reminders) == 1, received(reader)
        assert reminders[0].startswith(f"Reminder, in 10 minutes: #{rid} 16:00–17:00 Room A — "
                                       "Ransomware response in practice"), reminders
        assert reminders[0].endswith("(moved)"), reminders
        assert len(received(reader)) == 3, received(reader)
    assert "Traceback" not in service.log
