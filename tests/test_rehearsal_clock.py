"""The rehearsal clock: ``[bot] simulated_now`` (and ``ask --now``) runs the whole bot as if at
that instant — commands, the scheduler's reminders, the outbox worker — from the process's
start on, at real speed. Validated like every setting; through the real processes: the console
(``ask --now``, ``run``) and the service with Telegram (the strict fake), across a restart."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.app import App
from bot.clock import RehearsalClock
from bot.config import ConfigError, load_settings
from tests.conftest import ROOT, make_settings
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_fixtures import fake_telegram
from tests.outbox_support import FAST
from tests.programme_support import Programme, add_programme, paris, use_event
from tests.service_child import start_service, write_config

__all__ = ["fake_telegram"]

USER = 424242


# ----------------------------------------------------------------------------- the setting
@pytest.mark.parametrize("line", [
    'simulated_now = "2026-06-10T09:55:00+02:00"',
    "simulated_now = 2026-06-10T09:55:00+02:00",  # a TOML offset date-time
    'simulated_now = "2026-06-10T07:55:00Z"',
])
def test_simulated_now_is_an_instant_with_its_offset(tmp_path: Path, line: str) -> None:
    path = tmp_path / "bot.toml"
    path.write_text(f"[bot]\n{line}\n", encoding="utf-8")
    assert load_settings(path).bot.simulated_now == paris(10, "09:55")


@pytest.mark.parametrize(("line", "says"), [
    ('simulated_now = "2026-06-10T09:55:00"', "has no UTC offset"),
    ("simulated_now = 2026-06-10T09:55:00", "has no UTC offset"),  # a TOML local date-time
    ('simulated_now = "next tuesday"', "expected an ISO instant with its UTC offset"),
    ("simulated_now = 12", "expected an ISO instant with its UTC offset"),
])
def test_a_naive_or_bad_simulated_now_is_a_config_error(tmp_path: Path, line: str,
                                                         says: str) -> None:
    path = tmp_path / "bot.toml"
    path.write_text(f"[bot]\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert str(err.value).startswith("config error: bot.simulated_now: ")
    assert says in str(err.value) and "2026-06-10T09:55:00+02:00" in str(err.value)


def test_the_rehearsal_clock_runs_on_at_real_speed() -> None:
    ticks = [100.0]
    clock = RehearsalClock(paris(10, "09:55"), monotonic=lambda: ticks[0])
    assert clock() == paris(10, "09:55")
    ticks[0] = 190.5
    assert clock() == paris(10, "09:56") + dt.timedelta(seconds=30.5)
    assert clock().tzinfo == dt.UTC


async def test_one_clock_for_commands_buttons_the_scheduler_and_the_worker(
        sqlite_url: str, caplog: pytest.LogCaptureFixture) -> None:
    from bot.service import delivery_components

    settings = make_settings(sqlite_url, bot={"simulated_now": "2026-06-10T09:55:00+02:00",
                                              "data_dir": str(Path(sqlite_url[19:]).parent)})
    async with App(settings) as app:
        scheduler, worker = delivery_components(app)
        assert app.deps.clock is app.clock and app.deps.fanout.clock is app.clock
        assert app.buttons.clock is app.clock
        assert worker.clock is app.clock  # type: ignore[attr-defined]
        assert scheduler.fanout.clock is app.clock  # type: ignore[attr-defined]
        assert abs(app.clock() - paris(10, "09:55")) < dt.timedelta(minutes=1)
    assert any("rehearsal clock: the bot runs as if at 2026-06-10T09:55:00+02:00" in r.message
               and r.levelname == "WARNING" for r in caplog.records)


# -------------------------------------------------------------------------- the console
def _env(db_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    return {**env, "NEWSBOT_DATABASE__URL": db_url, **extra}


async def _programme(db_url: str, platform: str, chat: str, **sessions: tuple[
        int, str, str | None, str, str, str]) -> Programme:
    async with App(make_settings(db_url)) as app:
        prog = await add_programme(app.uow, sessions or None)
        await use_event(app.uow, platform, chat, prog.event_id, timezone="Europe/Paris",
                        language="en")
    return prog


@pytest.mark.slow
async def test_ask_now_prints_the_session_on_at_that_instant(sqlite_url: str) -> None:
    prog = await _programme(sqlite_url, "console", "ask")

    def ask(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", "ask", *args], capture_output=True,
                              text=True, cwd=ROOT, env=_env(sqlite_url), timeout=90)

    between = ask("--now", "2026-06-10T09:55:00+02:00", "/now", "--lang", "en")
    during = ask("--now", "2026-06-10T07:30:00Z", "/now", "--lang", "en")
    naive = ask("--now", "2026-06-10T09:55", "/now")
    assert between.returncode == 0, between.stderr
    assert "The next one, in 25 minutes:" in between.stdout
    assert f"#{prog.ids['workshop']} 10:20–11:00 Room B — Cybercrime workshop" in between.stdout
    assert "rehearsal clock: the bot runs as if at 2026-06-10T09:55:00+02:00" in between.stderr
    assert during.returncode == 0, during.stderr
    assert f"until 09:45 · #{prog.ids['keynote']} Room A — Opening keynote" in during.stdout
    assert naive.returncode == 2 and naive.stdout == ""
    assert naive.stderr.strip().splitlines() == [
        "--now: the instant has no UTC offset: write it as 2026-06-10T09:55:00+02:00 "
        "(or with Z for UTC) (got '2026-06-10T09:55')"]


@pytest.mark.slow
async def test_the_console_gets_its_reminder_once_at_the_minute(sqlite_url: str) -> None:
    prog = await _programme(sqlite_url, "console", "console")
    w = prog.ids["workshop"]  # 10:20, reminded at 10:10 (private chat: 10 minutes)
    env = _env(sqlite_url, NEWSBOT_BOT__SIMULATED_NOW="2026-06-10T10:09:53+02:00",
               NEWSBOT_PROGRAMME__REMIND_TICK_SECONDS="0.5", NEWSBOT_DELIVERY__POLL_SECONDS="0.1")
    seen: list[str] = []

    def wait_for(text: str, deadline: float) -> None:
        while time.monotonic() < deadline:
            if text in "".join(seen):
                return
            time.sleep(0.05)
        raise AssertionError(f"{text!r} never shown:\n{''.join(seen)[-2000:]}")

    def run() -> str:
        with subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True, cwd=ROOT, env=env,
        ) as proc:
            assert proc.stdin is not None and proc.stdout is not None
            out = proc.stdout
            reader = threading.Thread(target=lambda: seen.extend(iter(out.readline, "")),
                                      daemon=True)
            reader.start()
            deadline = time.monotonic() + 60
            proc.stdin.write(f"/follow {w}\n")
            proc.stdin.flush()
            wait_for(f"You follow session #{w}", deadline)
            assert "[reminder" not in "".join(seen)  # not before its minute
            wait_for("[reminder #", deadline)
            time.sleep(2)  # four more ticks
            proc.stdin.close()
            assert proc.wait(timeout=30) == 0
            reader.join(timeout=5)
        return "".join(seen)

    shown = await asyncio.to_thread(run)
    assert shown.count("[reminder #") == 1, shown
    assert shown.split("[reminder #1]", 1)[1].lstrip().startswith(
        f"Reminder, in 10 minutes: #{w} 10:20–11:00 Room B — Cybercrime workshop")


# ----------------------------------------------------------------- the service, Telegram
@pytest.mark.slow
async def test_telegram_gets_the_reminder_once_across_a_restart(
        fake_telegram: FakeTelegram, sqlite_url: str, tmp_path: Path) -> None:
    tg = fake_telegram
    prog = await _programme(sqlite_url, "telegram", str(USER),
                            first=(10, "10:20", "11:00", "Room B", "First talk", "scheduled"),
                            second=(10, "10:25", "11:00", "Room C", "Second talk", "scheduled"))
    first, second = prog.ids["first"], prog.ids["second"]  # reminded at 10:10 and 10:15

    def config(simulated_now: str) -> Path:
        return write_config(tmp_path / "bot.toml", {
            "bot": {"simulated_now": simulated_now, "retry_initial_seconds": 0.2,
                    "retry_max_seconds": 1, "data_dir": str(tmp_path / "state")},
            "database": {"url": sqlite_url},
            "telegram": {"token": tg.token, "base_url": tg.base_url},
            "delivery": FAST,
            "programme": {"remind_tick_seconds": 0.5},
        })

    def reminders() -> list[str]:
        return [m.text for m in tg.messages(USER) if m.text.startswith("Reminder, ")]

    service = await start_service(config("2026-06-10T10:09:40+02:00"))
    try:
        await service.wait_log("rehearsal clock: the bot runs as if at 2026-06-10T10:09:40+02:00")
        tg.push_message(USER, f"/follow {first}", language_code="en")
        tg.push_message(USER, f"/follow {second}", language_code="en")
        sent = await tg.wait_for_messages(USER, 2, timeout=30)
        assert sent[0].text.startswith(f"You follow session #{first}:"), sent[0].text
        assert reminders() == []  # followed before the minute
        await tg.wait_for_messages(USER, 3, timeout=40)
        await asyncio.sleep(2)  # more ticks: nothing more
        assert reminders() == [f"Reminder, in 10 minutes: #{first} 10:20–11:00 Room B — First talk"]
    finally:
        assert await service.stop() == 0, service.log
    # started again past the first's minute (its session not begun): the second's comes, the
    # first's is not sent again
    service = await start_service(config("2026-06-10T10:14:57+02:00"))
    try:
        await tg.wait_for_messages(USER, 4, timeout=40)
        await asyncio.sleep(2)
    finally:
        assert await service.stop() == 0, service.log
    assert reminders() == [
        f"Reminder, in 10 minutes: #{first} 10:20–11:00 Room B — First talk",
        f"Reminder, in 10 minutes: #{second} 10:25–11:00 Room C — Second talk",
    ]
    assert "Traceback" not in service.log
