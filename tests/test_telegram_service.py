"""`python -m bot run` as a service: token and base_url from the environment, a new user's
/start and /agenda answered through the fake, a clean stop on SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_fixtures import fake_telegram

__all__ = ["fake_telegram"]

USER = 31337


@pytest.mark.slow
@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
async def test_service_answers_a_new_user_and_stops_on_a_signal(
    fake_telegram: FakeTelegram, tmp_path: Path, stop_signal: signal.Signals
) -> None:
    env = {
        **os.environ,
        "NEWSBOT_TELEGRAM__TOKEN": fake_telegram.token,
        "NEWSBOT_TELEGRAM__BASE_URL": fake_telegram.base_url,
        "NEWSBOT_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
    }
    env.pop("NEWSBOT_CONFIG", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        fake_telegram.push_message(USER, "/start", language_code="en")
        [welcome] = await fake_telegram.wait_for_messages(USER, 1, timeout=30)
        fake_telegram.push_message(USER, "/agenda", language_code="en")
        agenda = await fake_telegram.wait_for_messages(USER, 2, timeout=10)
    finally:
        if proc.returncode is None:
            proc.send_signal(stop_signal)
        stdout, stderr = await asyncio.wait_for(proc.communicate(), timeout=20)
    log = stderr.decode()
    assert proc.returncode == 0, log
    assert "Assembly" in welcome.text or "INTERPOL" in welcome.text
    assert agenda[1].text.startswith("Agenda") and "Opening ceremony" in agenda[1].text
    assert stdout == b""  # a service: no console prompt
    assert "stopped cleanly" in log
    assert fake_telegram.token.split(":")[1] not in log  # never the token
