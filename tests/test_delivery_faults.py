"""Delivery under faults, through the real OutboxWorker, TelegramSender and PTB client (on the
aiohttp transport) to the strict fake Bot API: a Bot API slower than the read timeout, on
SQLite and PostgreSQL.

Telegram has no idempotency key: a send whose answer did not come may have been delivered.
What users may see is bounded: a message at most ``1 + uncertain_retries`` times, and twice
only where a send got no answer in time — which /stats shows the desk.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from telegram import Bot

from bot.app import App
from bot.delivery import OutboxWorker
from bot.platforms.telegram_http import AiohttpRequest
from bot.platforms.telegram_send import TelegramSender
from storage.models import utcnow
from storage.outbox import NewMessage
from tests.bulk import add_subscribed_chats
from tests.fakes.telegram_api import FakeTelegram, TelegramLimits
from tests.fakes.telegram_fixtures import fake_telegram
from tests.helpers import text_of
from tests.outbox_support import fast_settings, rows, run_until_settled, text_reply

__all__ = ["fake_telegram"]

SINCE = dt.datetime(2025, 11, 24, 7, 0, tzinfo=dt.UTC)
READ_TIMEOUT = 0.3


@pytest.fixture
async def slow_sender(fake_telegram: FakeTelegram) -> AsyncIterator[Callable[[], TelegramSender]]:
    """A TelegramSender whose transport gives up on an answer after READ_TIMEOUT seconds."""
    bot = Bot(fake_telegram.token, base_url=fake_telegram.base_url,
              request=AiohttpRequest(64, read_timeout=READ_TIMEOUT))
    await bot.initialize()
    fake_telegram.limits = TelegramLimits(global_per_second=300, private_per_second=10,
                                          group_per_minute=200)
    try:
        yield lambda: TelegramSender(bot)
    finally:
        await bot.shutdown()


async def alerts(app: App, chat_ids: list[int]) -> None:
    chats = await add_subscribed_chats(app.uow, chat_ids, created=SINCE,
                                       next_digest_at=SINCE + dt.timedelta(days=30))
    async with app.uow() as uow:
        await uow.outbox.enqueue([NewMessage(f"alert:{cid}", cid, "alert", text_reply(f"news {pid}"))
                                  for pid, cid in chats.items()], utcnow())


def worker(app: App, sender: TelegramSender, **settings: Any) -> OutboxWorker:
    return OutboxWorker(app.uow, {"telegram": sender}, fast_settings(
        global_per_second=300, private_per_second=10, group_per_minute=200, **settings))


def copies(tg: FakeTelegram, chat_ids: list[int]) -> Counter[int]:
    return Counter({c: len(tg.messages(c)) for c in chat_ids})


async def test_a_slow_bot_api_repeats_only_the_sends_that_got_no_answer(
        app: App, fake_telegram: FakeTelegram, slow_sender: Callable[[], TelegramSender]) -> None:
    """Telegram answers 0.6 s late for a while (after the 0.3 s read timeout): the first sends
    time out although delivered. They are sent once more, later and patiently; every other
    send waits for its late answer instead of timing out."""
    tg = fake_telegram
    ids = list(range(100, 140))
    await alerts(app, ids)
    tg.answer_late(0.6, for_seconds=3)
    w = worker(app, slow_sender(), max_in_flight=8, uncertain_retry_seconds=0.5,
               uncertain_read_timeout_seconds=3)
    await run_until_settled(w, app.uow, timeout=60)
    got = copies(tg, ids)
    assert min(got.values()) == 1 and max(got.values()) == 2  # nobody sees it 3 times
    twice = {c for c, n in got.items() if n == 2}
    assert 0 < len(twice) <= 8  # only sends in flight when the slowness began: max_in_flight
    done = await rows(app.uow)
    assert all(r.status == "sent" for r in done)
    assert sum(1 for r in done if r.uncertain) == len(twice)
    stats = await text_of(app, "/stats", user_id="local", lang="en")
    assert (f"No answer in time (24 h): {len(twice)} sent again and confirmed (the chat may have "
            f"it twice), 0 waiting to be sent again, 0 given up") in stats
    assert tg.count_429 == 0


@pytest.mark.parametrize("retries", [1, 0])
async def test_a_bot_api_that_never_answers_in_time_gets_each_message_at_most_once_more(
        app: App, fake_telegram: FakeTelegram, slow_sender: Callable[[], TelegramSender],
        retries: int) -> None:
    """Every answer comes after even the patient timeout: each message is sent
    1 + uncertain_retries times, then given up as uncertain, never max_attempts times."""
    tg = fake_telegram
    ids = list(range(200, 210))
    await alerts(app, ids)
    tg.answer_late(1.0)
    w = worker(app, slow_sender(), max_in_flight=4, max_attempts=8, uncertain_retries=retries,
               uncertain_retry_seconds=0.1, uncertain_read_timeout_seconds=0.5)
    await run_until_settled(w, app.uow, timeout=60)
    assert set(copies(tg, ids).values()) == {1 + retries}
    done = await rows(app.uow)
    assert {(r.status, r.uncertain, r.attempts) for r in done} == {("dead", 1 + retries, 1 + retries)}
    assert all(r.last_error and r.last_error.startswith(
        f"uncertain: no answer to {1 + retries} send(s), it may have been delivered") for r in done)
    stats = await text_of(app, "/stats", user_id="local", lang="en")
    assert "0 sent again and confirmed (the chat may have it twice), 0 waiting to be sent " \
           "again, 10 given up (uncertain: it may have arrived, or not)." in stats
