"""Delivery under faults, through the real OutboxWorker, TelegramSender and PTB client (on the
aiohttp transport) to the strict fake Bot API, on SQLite and PostgreSQL: a Bot API slower
than the read timeout, a bot-wide flood wait and a chat's own 429, restarts.

Telegram has no idempotency key: a send whose answer did not come may have been delivered.
What users may see is bounded: a message at most ``1 + uncertain_retries`` times, and twice
only where a send got no answer in time — which /stats shows the desk.

Telegram's 429 says only ``retry_after``; the worker decides whether the chat or the whole
bot is limited (``OutboxWorker._scope_of``) and keeps the pause in the database, so a
restarted sender (or another replica) keeps it, and keeps every chat's pace.
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
from bot.platforms.telegram.http import AiohttpRequest
from bot.platforms.telegram.send import TelegramSender
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
    async for make in _sender(fake_telegram, READ_TIMEOUT):
        yield make


@pytest.fixture
async def sender(fake_telegram: FakeTelegram) -> AsyncIterator[Callable[[], TelegramSender]]:
    """A TelegramSender with the transport's usual timeouts."""
    async for make in _sender(fake_telegram, 5.0):
        yield make


async def _sender(tg: FakeTelegram, read_timeout: float) -> AsyncIterator[Callable[[], TelegramSender]]:
    bot = Bot(tg.token, base_url=tg.base_url, request=AiohttpRequest(64, read_timeout=read_timeout))
    await bot.initialize()
    tg.limits = TelegramLimits(global_per_second=300, private_per_second=10, group_per_minute=200)
    try:
        yield lambda: TelegramSender(bot)
    finally:
        await bot.shutdown()


async def alerts(app: App, chat_ids: list[int], key: str = "alert") -> dict[int, int]:
    """One alert for each chat (created with a subscription when new); platform id -> ours."""
    async with app.uow() as uow:
        known = {int(c.platform_chat_id): c.id for c in
                 [await uow.chats.find("telegram", str(pid)) for pid in chat_ids] if c is not None}
    new = [pid for pid in chat_ids if pid not in known]
    if new:
        known |= await add_subscribed_chats(app.uow, new, created=SINCE,
                                            next_digest_at=SINCE + dt.timedelta(days=30))
    chats = {pid: known[pid] for pid in chat_ids}
    async with app.uow() as uow:
        await uow.outbox.enqueue_many([NewMessage(f"{key}:{cid}", cid, "alert", text_reply(f"{key} {pid}"))
                                       for pid, cid in chats.items()], utcnow())
    return chats


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


# ------------------------------------------------------------------------- 429s


async def test_a_bot_wide_flood_wait_pauses_the_whole_bot_not_chat_after_chat(
        app: App, fake_telegram: FakeTelegram, sender: Callable[[], TelegramSender]) -> None:
    """Telegram refuses every send for 2 s: the first 429s (sends already in flight) pause
    the bot, which sends nothing more until the wait is over."""
    tg = fake_telegram
    ids = list(range(300, 400))
    await alerts(app, ids)
    tg.flood(2)
    w = worker(app, sender(), max_in_flight=8)
    await run_until_settled(w, app.uow, timeout=60)
    assert set(copies(tg, ids).values()) == {1}
    assert tg.count_429_by == {"flood": tg.count_429} and tg.count_429 <= 8  # one wave in flight


async def test_a_chat_over_its_own_limit_pauses_alone(
        app: App, fake_telegram: FakeTelegram, sender: Callable[[], TelegramSender]) -> None:
    """Telegram counts a group stricter than the bot believes (2 a minute, not 200): the
    group's 429 pauses the group; the other chats are served meanwhile."""
    tg = fake_telegram
    tg.limits.group_per_minute = 2
    group, others = -7000, list(range(400, 460))
    await alerts(app, [group], key="first")
    await alerts(app, [group], key="second")
    await alerts(app, [group, *others], key="third")
    w = worker(app, sender(), max_in_flight=8)
    await w.start()
    try:
        await tg.wait_for_messages(others[-1], 1, timeout=20)
        for chat in others:
            await tg.wait_for_messages(chat, 1, timeout=20)
        assert tg.count_429_by == {"chat": tg.count_429} and tg.count_429 >= 1
        assert len(tg.messages(group)) == 2  # the third waits for the group's minute
        async with app.uow() as uow:
            paused = await uow.outbox.pauses(utcnow())
        assert [(p, c is not None) for p, c, _ in paused] == [("telegram", True)]
    finally:
        await w.stop()


async def test_a_chat_paused_by_a_429_stays_paused_across_a_restart(
        app: App, fake_telegram: FakeTelegram, sender: Callable[[], TelegramSender]) -> None:
    """A group's 429 asks for 40 s; the sender restarts 1 s later: the new one sends the
    group nothing before the 40 s are over (read on an injected clock), the others theirs."""
    tg = fake_telegram
    group, others = -7100, list(range(500, 520))
    await alerts(app, [group], key="first")
    w = worker(app, sender())
    await run_until_settled(w, app.uow)
    tg.retry_after_next("sendMessage", 40, chat_id=group)
    await alerts(app, [group, *others[:10]], key="second")
    first = worker(app, sender())
    await first.start()
    try:
        for chat in others[:10]:
            await tg.wait_for_messages(chat, 1, timeout=20)
    finally:
        await first.stop()
    assert [c.status for c in tg.calls if c.method == "sendMessage"
            and c.params["chat_id"] == group] == [200, 429]  # the group's own 429
    offset = dt.timedelta(0)
    second = OutboxWorker(app.uow, {"telegram": sender()}, fast_settings(
        global_per_second=300, private_per_second=10, group_per_minute=200),
        clock=lambda: utcnow() + offset)
    await alerts(app, [group, *others[10:]], key="third")
    await second.start()
    try:
        for chat in others[10:]:
            await tg.wait_for_messages(chat, 1, timeout=20)
        assert [m.text for m in tg.messages(group)] == ["first -7100"]  # nothing during the pause
        offset = dt.timedelta(seconds=41)  # the 40 s are over
        await tg.wait_for_messages(group, 3, timeout=20)
    finally:
        await second.stop()
    assert sorted(m.text for m in tg.messages(group)) == ["first -7100", "second -7100", "third -7100"]
    assert tg.count_429 == 1


# -------------------------------------------------------------------- restarts


async def test_a_restarted_sender_keeps_each_chats_pace(
        app: App, fake_telegram: FakeTelegram, sender: Callable[[], TelegramSender]) -> None:
    """Telegram's real 1 message/s to a private chat, on both sides: a chat got an alert just
    before the sender restarted; the new sender waits out that second (the rows say when)."""
    tg = fake_telegram
    tg.limits = TelegramLimits()  # Telegram's limits
    await alerts(app, [600, 601], key="before")
    first = OutboxWorker(app.uow, {"telegram": sender()}, fast_settings(
        global_per_second=30, private_per_second=1, group_per_minute=20, margin_seconds=0.05))
    await run_until_settled(first, app.uow)
    await alerts(app, [600, 601], key="after")
    second = OutboxWorker(app.uow, {"telegram": sender()}, fast_settings(
        global_per_second=30, private_per_second=1, group_per_minute=20, margin_seconds=0.05))
    await run_until_settled(second, app.uow)
    assert [m.text for m in tg.messages(600)] == ["before 600", "after 600"]
    assert tg.count_429 == 0
