"""Webhook mode: the real ``python -m bot run`` (config file, webhook mode) against the fake
Bot API. Without a secret Telegram would accept, the bot refuses to start: anybody who finds
the URL could post updates in an owner's name.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_fixtures import fake_telegram
from tests.service_process import start_service, telegram_config, write_config

__all__ = ["fake_telegram"]

pytestmark = pytest.mark.slow

def db(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"


# ------------------------------------------------------------------ secret required
@pytest.mark.parametrize(
    "secret",
    [None, "", "has spaces", "ünïcödé", "x" * 257, "semi;colon"],
    ids=["missing", "empty", "space", "non-ascii", "too-long", "punctuation"],
)
async def test_webhook_mode_refuses_to_start_without_a_usable_secret(
    fake_telegram: FakeTelegram, tmp_path: Path, secret: str | None
) -> None:
    config = write_config(tmp_path / "bot.toml", telegram_config(
        fake_telegram, db(tmp_path), secret_token=secret))
    service = await start_service(config, tmp_path)
    try:
        code = await service.wait(timeout=30)
    finally:
        await service.stop()
    log = service.log()
    assert code == 2, log
    assert log.count("\n") == 1 and "telegram.secret_token" in log, log
    if secret:
        assert secret not in log
    assert fake_telegram.webhook is None  # nothing was registered
