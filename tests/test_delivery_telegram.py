"""Digests and alerts through the real TelegramSender (PTB) to the strict fake Bot API.

The fake applies Telegram's limits with sliding windows and answers 429 when one is
broken, so "zero 429s" means our limiter kept every chat's and the bot's pace.
The 1,000-chat digest runs at Telegram's real limits (30/s overall, 1/s per private chat,
20/min per group: about 35 s, on virtual time: a few seconds); the other cases scale the fake's limits and the bot's ×10 to
stay fast, and one more real-limit case sends several messages to one private chat.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.app import App
from bot.delivery import OutboxWorker
from bot.platforms.telegram.send import TelegramSender
from bot.ratelimit import LOOP_TIMER, Timer
from handlers.fanout.digests import plan_digests
from handlers.reply import ReplyBuilder
from storage.models import utcnow
from storage.outbox import NewMessage
from tests.bulk import add_subscribed_chats
from tests.fakes.telegram_api import FakeTelegram, TelegramLimits
from tests.fakes.telegram_fixtures import fake_telegram  # noqa: F401
from tests.outbox_support import VirtualTimer, fast_settings, rows, run_until_settled, text_reply

NOW = dt.datetime(2025, 11, 25, 7, 1, tzinfo=dt.UTC)
SINCE = dt.datetime(2025, 11, 24, 7, 0, tzinfo=dt.UTC)


@pytest.fixture
async def sender(fake_telegram: FakeTelegram) -> AsyncIterator[TelegramSender]:  # noqa: F811
    bot = Bot(fake_telegram.token, base_url=fake_telegram.base_url,
              request=HTTPXRequest(connection_pool_size=64))
    await bot.initialize()
    try:
        yield TelegramSender(bot)
    finally:
        await bot.shutdown()


def worker(app: App, sender: TelegramSender, scale: float = 1.0, timer: Timer = LOOP_TIMER,
           **kw: object) -> OutboxWorker:
    settings = fast_settings(global_per_second=30 * scale, private_per_second=1 * scale,
                             group_per_minute=20 * scale, margin_seconds=0.05, **kw)
    return OutboxWorker(app.uow, {"telegram": sender}, settings, timer=timer)


def per_chat(tg: FakeTelegram, chat_ids: list[int]) -> dict[int, int]:
    return {c: len(tg.messages(c)) for c in chat_ids}


async def test_thousand_chat_digest_with_zero_429s(app: App, fake_telegram: FakeTelegram,  # noqa: F811
                                                   sender: TelegramSender) -> None:
    """On virtual time (the worker's windows and the fake's limits on one VirtualTimer):
    the ~35 s of sending at Telegram's real limits take a few seconds."""
    tg = fake_telegram
    timer = VirtualTimer()
    tg.limits = TelegramLimits(global_per_second=30, private_per_second=1, group_per_minute=20,
                               clock=timer.monotonic)
    ids = list(range(1000, 1900)) + [-(5000 + i) for i in range(100)]
    await add_subscribed_chats(app.uow, ids, created=SINCE, next_digest_at=SINCE + dt.timedelta(days=1))
    report = await plan_digests(app.uow, NOW, grace=dt.timedelta(hours=6), default_language="en")
    assert report.enqueued == 1000 and report.composed == 1
    started = timer.monotonic()
    await run_until_settled(worker(app, sender, timer=timer), app.uow, timeout=100)
    assert timer.monotonic() - started >= 1000 / 30 - 2  # the real limits held, virtually
    assert tg.count_429 == 0
    assert set(per_chat(tg, ids).values()) == {1}
    assert tg.messages(1000)[0].text.startswith("Your digest — Tuesday 25 November 2025")
    assert all(r.status == "sent" for r in await rows(app.uow))


async def test_real_limits_zero_429s_including_one_busy_private_chat(
        app: App, fake_telegram: FakeTelegram, sender: TelegramSender) -> None:  # noqa: F811
    tg = fake_telegram
    ids = list(range(1, 151))
    chats = await add_subscribed_chats(app.uow, ids, created=SINCE, next_digest_at=NOW)
    async with app.uow() as uow:
        await uow.outbox.enqueue_many(
            [NewMessage(f"m:{cid}", cid, "digest", text_reply(f"hello {pid}")) for pid, cid in chats.items()]
            + [NewMessage(f"x{n}:1", chats[1], "alert", text_reply(f"alert {n}")) for n in range(3)],
            utcnow())
    await run_until_settled(worker(app, sender), app.uow, timeout=60)
    assert tg.count_429 == 0
    assert len(tg.messages(1)) == 4 and all(len(tg.messages(c)) == 1 for c in ids[1:])


async def test_each_part_of_a_split_digest_keeps_the_chat_pace(
        app: App, fake_telegram: FakeTelegram, sender: TelegramSender) -> None:  # noqa: F811
    """A digest too long for one message goes out in parts; Telegram counts each part
    against the chat's 1 message/s, so the parts are spaced, not sent back to back."""
    tg = fake_telegram
    long = ReplyBuilder()
    for n in range(5):
        long.para(f"Point {n}: " + "é" * 1500)
    chats = await add_subscribed_chats(app.uow, [11, 12], created=SINCE, next_digest_at=NOW)
    async with app.uow() as uow:
        await uow.outbox.enqueue_many([NewMessage(f"long:{cid}", cid, "digest", long.build().to_dict())
                                       for cid in chats.values()], utcnow())
    await run_until_settled(worker(app, sender), app.uow, timeout=30)
    assert tg.count_429 == 0
    for chat in (11, 12):
        sent = tg.messages(chat)
        assert [m.text[:7] for m in sent] == ["Point 0", "Point 2", "Point 4"]
    assert all(r.status == "sent" and len(r.platform_message_ids) == 3 for r in await rows(app.uow))


async def test_blocked_missing_and_migrated_chats(app: App, fake_telegram: FakeTelegram,  # noqa: F811
                                                  sender: TelegramSender) -> None:
    tg = fake_telegram
    tg.limits = TelegramLimits(global_per_second=300, private_per_second=10, group_per_minute=200)
    ids = [11, 12, 13, -14, 15]
    chats = await add_subscribed_chats(app.uow, ids, created=SINCE, next_digest_at=NOW)
    tg.block_chat(11)
    tg.forget_chat(12)
    tg.deactivate_user(13)
    tg.migrate_chat(-14, -10014)
    await plan_digests(app.uow, NOW, grace=dt.timedelta(hours=6), default_language="en")
    await run_until_settled(worker(app, sender, scale=10), app.uow)
    assert tg.messages(15) and tg.messages(-10014) and not tg.messages(-14)
    async with app.uow() as uow:
        state = {pid: await uow.chats.get(cid) for pid, cid in chats.items()}
    assert {pid: (c.active, c.inactive_reason) for pid, c in state.items() if c and not c.active} == {
        11: (False, "Forbidden: bot was blocked by the user"),
        12: (False, "Chat not found"),
        13: (False, "Forbidden: user is deactivated"),
    }
    moved = state[-14]
    assert moved is not None and moved.active and moved.platform_chat_id == "-10014"
    assert moved.kind == "supergroup"
    # the subscription follows the chat: the next digest goes to the new id
    async with app.uow() as uow:
        sub = await uow.subscriptions.for_chat(chats[-14])
        assert sub is not None and sub.digest


async def test_429_and_5xx_injection_every_message_delivered_once(
        app: App, fake_telegram: FakeTelegram, sender: TelegramSender) -> None:  # noqa: F811
    tg = fake_telegram
    tg.limits = TelegramLimits(global_per_second=300, private_per_second=10, group_per_minute=200)
    ids = list(range(100, 160))
    await add_subscribed_chats(app.uow, ids, created=SINCE, next_digest_at=NOW)
    await plan_digests(app.uow, NOW, grace=dt.timedelta(hours=6), default_language="en")
    tg.fail_next("sendMessage", 500, "Internal Server Error", times=4)
    tg.fail_next("sendMessage", 502, "Bad Gateway", times=2)
    tg.retry_after_next("sendMessage", 1, times=3)
    w = worker(app, sender, scale=10)
    await run_until_settled(w, app.uow, timeout=60)
    assert set(per_chat(tg, ids).values()) == {1}
    assert w.counters.retried == 6 and w.counters.rate_limited == 3
    assert all(r.status == "sent" for r in await rows(app.uow))
    assert tg.count_429 == 3  # only the injected ones


async def test_alert_reaches_subscribers_within_seconds(app: App, fake_telegram: FakeTelegram,  # noqa: F811
                                                         sender: TelegramSender) -> None:
    from handlers.fanout import Fanout
    from handlers.fanout.alerts import queue_alerts
    from storage.models import NewsItem

    tg = fake_telegram
    tg.limits = TelegramLimits(global_per_second=300, private_per_second=10, group_per_minute=200)
    await add_subscribed_chats(app.uow, [21, 22], created=SINCE, next_digest_at=NOW, alerts=True)
    w = worker(app, sender, scale=10, poll_seconds=5)
    publisher = Fanout(default_language="en", wake=w.wake)
    await w.start()
    try:
        async with app.uow() as uow:
            item = await uow.items.add(NewsItem(
                status="published", topics=["cybercrime"], title={"fr": "Alerte", "en": "Alert <b>"},
                body={"fr": "Texte.", "en": "Body & more."}, published_at=utcnow()))
            assert (await queue_alerts(uow, publisher, item.id)).queued == 2
        w.wake()  # committed now
        msgs = await tg.wait_for_messages(22, 1, timeout=4)
    finally:
        await w.stop()
    assert msgs[0].text.startswith("Alert <b>")
    assert "Stop: /unsubscribe alerts" in msgs[0].text
    await asyncio.sleep(0)
