"""The log formatter and filter every logger goes through (bot/logs.py), record by record.

The service tests (test_log_privacy.py) show the whole bot's stderr; these pin the cases a
run against the fakes cannot produce on demand: a percent-encoded token in a URL, a Discord
token in a library's message, an unformattable record, a flood of one error.
"""

from __future__ import annotations

import io
import logging
from typing import Any

from bot.logs import KeyValueFormatter, Redactor, RepeatFilter

TOKEN = "123456:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQ"
DISCORD = "MTE5OTk5OTk5OTk5OTk5OTk5OQ.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789"


def line(name: str, msg: Any, *args: Any, exc: BaseException | None = None,
         secrets: tuple[str, ...] = (TOKEN, "hook_secret-123"), **extra: Any) -> str:
    record = logging.LogRecord(name, logging.ERROR, __file__, 1, msg, args or None,
                               (type(exc), exc, None) if exc else None)
    record.__dict__.update(extra)
    return KeyValueFormatter(Redactor(secrets)).format(record)


def test_secrets_are_redacted_wherever_they_appear() -> None:
    encoded = TOKEN.replace(":", "%3A")
    text = line("aiohttp.client", "GET %s failed", f"https://api.telegram.org/bot{encoded}/getMe",
                exc=ValueError(f"secret was hook_secret-123, token {TOKEN}"), url=TOKEN)
    assert TOKEN not in text and encoded not in text and TOKEN.split(":")[1] not in text
    assert "hook_secret-123" not in text
    assert "https://api.telegram.org/bot***/getMe" in text


def test_tokens_nobody_configured_are_recognised() -> None:
    other = "987654321:ZZyyXXwwVVuuTTssRRqqPPooNNmmLLkkJJ"
    text = line("discord.http", f"Authorization: Bot {DISCORD}", secrets=())
    text += line("telegram.ext.ExtBot", f"The token `{other}` was rejected", secrets=())
    assert DISCORD not in text and other not in text
    assert "<discord token>" in text and "<telegram token>" in text


def test_a_librarys_data_arguments_are_not_written_but_ours_are() -> None:
    update = {"message": {"text": "my private note", "from": {"first_name": "Ana"}}}
    ptb = line("telegram.ext.ExtBot", "Calling Bot API endpoint `%s` with parameters `%s`",
               "sendMessage", update)
    assert "sendMessage" in ptb and "private note" not in ptb and "Ana" not in ptb
    webhook = line("telegram.ext.Updater", "Webhook received data: %s", '{"update_id": 1}')
    assert "update_id" not in webhook
    ours = line("newsbot.delivery", "dead letter %s", "chat 42", row=7)
    assert ours.endswith("dead letter chat 42 row=7")


def test_sql_parameters_and_postgres_details_are_hidden() -> None:
    error = RuntimeError(
        "(asyncpg.CheckViolationError) new row violates check constraint\n"
        "DETAIL:  Failing row contains (12, my draft, telegram:1001).\n"
        "[SQL: INSERT INTO news_items (body) VALUES ($1)]\n"
        "[parameters: ('my draft',)]")
    text = line("newsbot.dispatch", "command failed", exc=error)
    assert "INSERT INTO news_items" in text and "my draft" not in text


def test_a_record_that_cannot_be_formatted_does_not_show_its_arguments() -> None:
    text = line("telegram.ext.Application", "Processing %d updates", "private note text")
    assert "private note" not in text and "arguments hidden" in text


def test_a_flood_of_one_error_is_written_a_few_times_then_counted() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(KeyValueFormatter())
    repeats = RepeatFilter(burst=3, window=3600)
    handler.addFilter(repeats)
    logger = logging.getLogger("tests.flood")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        for n in range(1000):
            logger.error("accept failed: %s", n)
        logger.info("an ordinary line")  # below WARNING: never limited
        repeats.flush(handler)
    finally:
        logger.removeHandler(handler)
    lines = out.getvalue().splitlines()
    assert len(lines) == 3 + 1 + 1
    assert "suppressed=997" in lines[-1] and "accept failed" in lines[-1]
