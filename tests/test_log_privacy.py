"""What the operator's log holds: the real ``python -m bot run`` at DEBUG against the fake.

Neither the bot token, nor the webhook secret, nor what users write to the bot (or their
names) reach stderr — not through our logs, PTB's, aiohttp's or SQLAlchemy's; a token
Telegram rejects is not printed; a failing SQL statement does not show its parameters (an
admin's draft).
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_fixtures import fake_telegram
from tests.service_process import start_service, telegram_config, webhook_registered, write_config

__all__ = ["fake_telegram"]

pytestmark = pytest.mark.slow

SECRET = "privacy_Secret-4f1e9c2d"
OWNER = 1001
USER = 4242
MARKER = "zqxmarker"
NAME = "Zqxname"


def assert_private(log: str, tg: FakeTelegram, *more: str) -> None:
    token_secret = tg.token.split(":", 1)[1]
    for needle in (tg.token, token_secret, SECRET, *more):
        assert needle not in log, f"{needle!r} is in the log"
    assert MARKER not in log.lower(), "a user's text is in the log"
    assert NAME.lower() not in log.lower(), "a user's name is in the log"


async def write(tg: FakeTelegram, mode: str, chat_id: int, text: str, n: int = 1) -> list[str]:
    before = len(tg.messages(chat_id))
    update = tg.push_message(chat_id, text, first_name=NAME, username=NAME.lower(),
                             language_code="en")
    if mode == "webhook":
        assert await tg.deliver_webhook(update) == [200]
    if n == 0:  # not a command: nothing to answer (the next one is handled after it)
        return []
    sent = await tg.wait_for_messages(chat_id, before + n, timeout=30)
    return [m.text for m in sent[before:]]


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_debug_log_holds_no_token_secret_text_or_name(
    fake_telegram: FakeTelegram, tmp_path: Path, mode: str
) -> None:
    fake_telegram.limits.enabled = False
    sections = telegram_config(fake_telegram, f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
                               mode=mode, secret_token=SECRET, owners=[str(OWNER)])
    sections["bot"]["log_level"] = "DEBUG"
    service = await start_service(write_config(tmp_path / "bot.toml", sections), tmp_path)
    try:
        if mode == "webhook":
            await webhook_registered(fake_telegram, service)
        [found] = await write(fake_telegram, mode, USER, f"/search {MARKER}")
        assert MARKER in found  # the reply names the query: it must not be logged either
        await write(fake_telegram, mode, USER, f"my private note {MARKER} for you", n=0)
        [hint] = await write(fake_telegram, mode, USER, f"/{MARKER}_secret")  # unknown command
        assert "/help" in hint
        [draft] = await write(fake_telegram, mode, OWNER, f"/additem Title {MARKER}\nBody {MARKER}")
        assert "#" in draft or "draft" in draft.lower()
    finally:
        code = await service.stop()
    log = service.log()
    assert code == 0, log[-3000:]
    assert "DEBUG" in log and "command" in log  # it did log, at DEBUG
    assert_private(log, fake_telegram)


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
async def test_a_rejected_token_is_not_printed(
    fake_telegram: FakeTelegram, tmp_path: Path, level: str
) -> None:
    wrong = "987654:WRONG-zqx-forged-token_abcdefghijklmnop"
    sections = telegram_config(fake_telegram, f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
                               mode="polling", token=wrong)
    sections["bot"]["log_level"] = level
    service = await start_service(write_config(tmp_path / "bot.toml", sections), tmp_path)
    code = await service.wait(timeout=60)
    log = service.log()
    assert code == 2, log[-3000:]  # a rejected token is a configuration error
    assert "rejected" in log  # the operator learns why
    assert wrong not in log and wrong.split(":")[1] not in log, log[-3000:]


def make_inserts_fail(db_url: str) -> None:
    """The next news item insert fails in the database, as a broken constraint would."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(str(url.database)) as conn:
            conn.execute("CREATE TRIGGER refuse_items BEFORE INSERT ON news_items "
                         "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")
        return
    import asyncpg

    async def alter() -> None:
        conn = await asyncpg.connect(host=url.host, port=url.port or 5432, user=url.username,
                                     password=url.password, database=url.database)
        try:  # a failing CHECK makes PostgreSQL show the whole row in its DETAIL
            await conn.execute("ALTER TABLE news_items ADD CONSTRAINT refuse_items "
                               "CHECK (id < 0) NOT VALID")
        finally:
            await conn.close()

    asyncio.run(alter())


async def test_a_failing_sql_statement_logs_no_parameters(
    fake_telegram: FakeTelegram, tmp_path: Path, db_url: str
) -> None:
    fake_telegram.limits.enabled = False
    await asyncio.to_thread(make_inserts_fail, db_url)
    sections: dict[str, dict[str, Any]] = telegram_config(
        fake_telegram, db_url, mode="polling", owners=[str(OWNER)])
    sections["bot"]["log_level"] = "DEBUG"
    service = await start_service(write_config(tmp_path / "bot.toml", sections), tmp_path)
    try:
        [reply] = await write(fake_telegram, "polling", OWNER,
                              f"/additem Plan {MARKER}\nThe admin's unpublished draft {MARKER}")
        assert "wrong" in reply  # the generic error: the insert failed
    finally:
        code = await service.stop()
    log = service.log()
    assert code == 0, log[-3000:]
    assert "command failed" in log and "news_items" in log  # the error is there, the data not
    assert_private(log, fake_telegram)


async def test_json_logs_are_one_object_a_line_and_just_as_private(
    fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    import json

    sections = telegram_config(fake_telegram, f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
                               mode="polling", owners=[str(OWNER)])
    sections["bot"] = {"log_level": "DEBUG", "log_format": "json"}
    service = await start_service(write_config(tmp_path / "bot.toml", sections), tmp_path)
    try:
        assert any("INTERPOL" in t for t in await write(fake_telegram, "polling", USER, "/start"))
        await write(fake_telegram, "polling", USER, f"/search {MARKER}")
    finally:
        assert await service.stop() == 0
    log = service.log()
    lines = [line for line in log.splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    assert any(e.get("command") == "start" and e.get("platform") == "telegram" for e in entries)
    assert_private(log, fake_telegram)
