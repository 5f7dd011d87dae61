"""`python -m bot run` as a service: token and base_url from the environment, a new user's
/start and /agenda answered through the fake (long polling, and webhook with its secret), a
clean stop on SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_fixtures import fake_telegram
from tests.telegram_harness import eventually

__all__ = ["fake_telegram"]

USER = 31337


@pytest.mark.slow
@pytest.mark.parametrize(
    ("mode", "stop_signal"),
    [("polling", signal.SIGTERM), ("polling", signal.SIGINT), ("webhook", signal.SIGTERM)],
    ids=["polling-SIGTERM", "polling-SIGINT", "webhook-SIGTERM"],
)
async def test_service_answers_a_new_user_and_stops_on_a_signal(
    fake_telegram: FakeTelegram, tmp_path: Path, mode: str, stop_signal: signal.Signals
) -> None:
    env = {
        **os.environ,
        "NEWSBOT_TELEGRAM__TOKEN": fake_telegram.token,
        "NEWSBOT_TELEGRAM__BASE_URL": fake_telegram.base_url,
        "NEWSBOT_TELEGRAM__MODE": mode,
        "NEWSBOT_TELEGRAM__WEBHOOK_PORT": "0",
        "NEWSBOT_TELEGRAM__SECRET_TOKEN": "service-secret",
        "NEWSBOT_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
    }
    env.pop("NEWSBOT_CONFIG", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )

    async def user_writes(text: str) -> None:
        fake_telegram.push_message(USER, text, language_code="en")
        if mode == "webhook":
            assert await fake_telegram.deliver_webhook() == [200]

    try:
        if mode == "webhook":
            await eventually(webhook_set(fake_telegram), timeout=30)
        await user_writes("/start")
        [welcome] = await fake_telegram.wait_for_messages(USER, 1, timeout=30)
        await user_writes("/agenda")
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
    assert "service-secret" not in log


def webhook_set(tg: FakeTelegram) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return tg.webhook is not None and tg.webhook["secret_token"] == "service-secret"

    return check
