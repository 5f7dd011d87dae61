"""Delivery under faults: what users and the fake Bot API see (figures, not tests).

1. Slow Bot API: 100 alerts to 100 private chats while the fake answers every send 1 s
   after the 5 s read timeout (the message is delivered, the answer comes late) for
   ``BENCH_SLOW_SPELL`` seconds (default 30), then on time: messages the chats got, chats
   with duplicates, rows given up.
2. Bot-wide 429s, 300 alerts to 300 private chats: (a) the fake's overall limit is 10/s
   while the bot believes 30/s; (b) a flood wait: every send refused for 15 s from the
   start. 429s answered and the time until every chat had its alert.
3. A chat paused by a 40 s 429, then the sender restarts 2 s later: seconds into the pause
   at which the chat got its next message.
4. Two ``python -m bot deliver`` processes, the leader frozen (SIGSTOP) mid fan-out (1,500
   digests, limits 200/s) until 0.3 s or 3 s after the other took over (lease TTL 2 s),
   then resumed (SIGCONT): duplicates and 429s (SQLite).

The worker runs with the default settings unless stated; the real TelegramSender (PTB on
the aiohttp transport) talks to the strict fake in this process.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SINCE = dt.datetime(2025, 11, 24, 7, 0, tzinfo=dt.UTC)


def _settings(db_url: str, **delivery: Any) -> Any:
    from bot.config import Settings

    return Settings(database={"url": db_url}, bot={"seed_on_start": True},  # type: ignore[arg-type]
                    delivery=delivery)  # type: ignore[arg-type]


async def _sender(tg: Any, read_timeout: float = 5.0) -> tuple[Any, Any]:
    from telegram import Bot

    from bot.platforms.telegram.http import AiohttpRequest
    from bot.platforms.telegram.send import TelegramSender

    bot = Bot(tg.token, base_url=tg.base_url, request=AiohttpRequest(64, read_timeout=read_timeout))
    await bot.initialize()
    return bot, TelegramSender(bot)


async def _alerts(app: Any, chat_ids: list[int], key: str = "alert") -> dict[int, int]:
    from handlers.reply import ReplyBuilder
    from storage.models import utcnow
    from storage.outbox import NewMessage
    from tests.bulk import add_subscribed_chats

    chats = await add_subscribed_chats(app.uow, chat_ids, created=SINCE,
                                       next_digest_at=SINCE + dt.timedelta(days=30))
    reply = ReplyBuilder().para("Breaking: the General Assembly adopted a resolution.").build()
    async with app.uow() as uow:
        await uow.outbox.enqueue_many([NewMessage(f"{key}:{cid}", cid, "alert", reply.to_dict())
                                       for cid in chats.values()], utcnow())
    return chats


async def _settled(app: Any, timeout: float) -> float:  # noqa: ASYNC109
    from storage.models import utcnow

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        async with app.uow() as uow:
            stats = await uow.outbox.stats(utcnow() + dt.timedelta(days=1))
        if stats["pending"] == 0:
            break
        await asyncio.sleep(0.1)
    return time.perf_counter() - started


async def _states(app: Any) -> Counter[str]:
    from sqlalchemy import func, select

    from storage.models import OutboxMessage

    async with app.uow() as uow:
        rows = (await uow.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))).all()
    return Counter({s: int(n) for s, n in rows})


async def part1(tmp: str) -> None:
    from bot.app import App
    from bot.delivery import OutboxWorker
    from tests.fakes.telegram_api import FakeTelegram

    spell = float(os.environ.get("BENCH_SLOW_SPELL", "30"))
    print(f"1. slow Bot API: 100 alerts, answers 6 s after the request (read timeout 5 s) "
          f"for {spell:.0f} s")
    async with FakeTelegram() as tg, App(_settings(f"sqlite+aiosqlite:///{tmp}/p1.db")) as app:
        ids = list(range(1000, 1100))
        await _alerts(app, ids)
        bot, sender = await _sender(tg)
        worker = OutboxWorker(app.uow, {"telegram": sender}, app.settings.delivery)
        tg.answer_late(6.0, for_seconds=spell)
        await worker.start()
        took = await _settled(app, 600)
        await worker.stop()
        await bot.shutdown()
        got = Counter({c: len(tg.messages(c)) for c in ids})
        states = await _states(app)
    print(f"  {sum(got.values())} messages for 100 alerts; {sum(1 for n in got.values() if n > 1)} "
          f"chats with duplicates (most copies in one chat: {max(got.values())}); "
          f"{sum(1 for n in got.values() if n == 0)} chats without it; rows {dict(states)}; "
          f"settled in {took:.0f} s")


async def part2(tmp: str) -> None:
    from bot.app import App
    from bot.delivery import OutboxWorker
    from tests.fakes.telegram_api import FakeTelegram, TelegramLimits

    print("2. bot-wide 429s, 300 alerts to 300 private chats")
    for case in ("limit", "flood"):
        async with FakeTelegram() as tg, App(_settings(f"sqlite+aiosqlite:///{tmp}/p2{case}.db")) as app:
            ids = list(range(2000, 2300))
            await _alerts(app, ids)
            if case == "limit":
                tg.limits = TelegramLimits(global_per_second=10)
            bot, sender = await _sender(tg)
            worker = OutboxWorker(app.uow, {"telegram": sender}, app.settings.delivery)
            if case == "flood":
                tg.flood(15)
            await worker.start()
            took = await _settled(app, 600)
            await worker.stop()
            await bot.shutdown()
            got = Counter({c: len(tg.messages(c)) for c in ids})
        what = ("(a) fake limit 10/s, bot 30/s" if case == "limit"
                else "(b) flood wait 15 s from the start")
        print(f"  {what}: {tg.count_429} 429s ({dict(tg.count_429_by)}) for "
              f"{sum(got.values())} messages; every chat served after {took:.1f} s")


async def part3(tmp: str) -> None:
    from bot.app import App
    from bot.delivery import OutboxWorker
    from handlers.reply import ReplyBuilder
    from storage.models import utcnow
    from storage.outbox import NewMessage
    from tests.fakes.telegram_api import FakeTelegram

    print("3. a chat paused 40 s by a 429, the sender restarted 2 s later")
    async with FakeTelegram() as tg, App(_settings(f"sqlite+aiosqlite:///{tmp}/p3.db")) as app:
        chats = await _alerts(app, [3001, 3002])
        reply = ReplyBuilder().para("Second alert.").build()
        async with app.uow() as uow:
            await uow.outbox.enqueue_many([NewMessage(f"second:{chats[3001]}", chats[3001], "alert",
                                                      reply.to_dict())], utcnow())
        tg.retry_after_next("sendMessage", 40, chat_id=3001)
        bot, sender = await _sender(tg)
        first = OutboxWorker(app.uow, {"telegram": sender}, app.settings.delivery)
        await first.start()
        paused_at = time.perf_counter()
        await asyncio.sleep(2)
        await first.stop()
        second = OutboxWorker(app.uow, {"telegram": sender}, app.settings.delivery)
        await second.start()
        try:
            await tg.wait_for_messages(3001, 1, timeout=60)
            at = time.perf_counter() - paused_at
        finally:
            await second.stop()
            await bot.shutdown()
    print(f"  the paused chat got a message {at:.1f} s into its 40 s pause")


async def part4(tmp: str) -> None:
    for wake in (0.3, 3.0):
        await _frozen_leader(tmp, wake)


async def _frozen_leader(tmp: str, wake: float) -> None:
    from sqlalchemy import update

    from bot.app import App
    from handlers.fanout.digests import plan_digests
    from storage.models import Subscription
    from tests.bulk import add_subscribed_chats
    from tests.fakes.telegram_api import FakeTelegram, TelegramLimits

    ttl = 2.0
    print(f"4. two deliver processes, the leader frozen until {wake:.1f} s after the other took "
          f"over (lease TTL {ttl:.0f} s), 1,500 digests at 200/s (SQLite)")
    db = f"sqlite+aiosqlite:///{tmp}/p4-{wake}.db"
    async with FakeTelegram() as tg, App(_settings(db)) as app:
        tg.limits = TelegramLimits(global_per_second=200, private_per_second=10, group_per_minute=600)
        ids = list(range(10_000, 11_500))
        now = dt.datetime(2025, 11, 25, 7, 1, tzinfo=dt.UTC)
        await add_subscribed_chats(app.uow, ids, created=SINCE, next_digest_at=SINCE + dt.timedelta(days=1))
        await plan_digests(app.uow, now, grace=dt.timedelta(hours=6), default_language="en")
        async with app.uow() as uow:
            await uow.session.execute(update(Subscription).values(digest=False))
        env = {**os.environ, "NEWSBOT_TELEGRAM__TOKEN": tg.token,
               "NEWSBOT_TELEGRAM__BASE_URL": tg.base_url, "NEWSBOT_DATABASE__URL": db,
               "NEWSBOT_BOT__SEED_ON_START": "false", "NEWSBOT_DELIVERY__GLOBAL_PER_SECOND": "200",
               "NEWSBOT_DELIVERY__PRIVATE_PER_SECOND": "10", "NEWSBOT_DELIVERY__RESERVE_PER_SECOND": "0",
               "NEWSBOT_DELIVERY__LEADER_TTL_SECONDS": str(ttl),
               "NEWSBOT_DELIVERY__POLL_SECONDS": "0.1"}
        env.pop("NEWSBOT_CONFIG", None)

        def delivered() -> int:
            return sum(len(tg.messages(c)) for c in ids)

        procs = [await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "deliver", cwd=ROOT, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL) for _ in range(2)]
        freezes = 0
        try:
            while delivered() < 300:  # noqa: ASYNC110 (the fake counts)
                await asyncio.sleep(0.02)
            while True:  # a freeze inside a SQLite write transaction blocks the other: again
                freezes += 1
                leader, owner = await _leader(app, procs)
                leader.send_signal(signal.SIGSTOP)
                before = delivered()
                if await _taken_over(app, owner, 6.0):
                    break
                leader.send_signal(signal.SIGCONT)
                await asyncio.sleep(0.5)
            await asyncio.sleep(wake)
            leader.send_signal(signal.SIGCONT)
            started = time.perf_counter()
            while (await _states(app)).get("pending", 0) and time.perf_counter() - started < 120:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
            await asyncio.sleep(1)
        finally:
            for p in procs:
                if p.returncode is None:
                    p.send_signal(signal.SIGCONT)
                    p.send_signal(signal.SIGTERM)
                    await p.wait()
        got = Counter({c: len(tg.messages(c)) for c in ids})
    print(f"  frozen after {before} messages ({freezes} freeze(s)); {sum(got.values()) - len(ids)} "
          f"duplicates, {sum(1 for n in got.values() if n == 0)} chats without their digest, "
          f"{tg.count_429} 429s")


async def _taken_over(app: Any, owner: str, within: float) -> bool:
    from storage.models import utcnow

    started = time.perf_counter()
    while time.perf_counter() - started < within:
        async with app.uow() as uow:
            if await uow.leases.holder("delivery", utcnow()) not in (None, owner):
                return True
        await asyncio.sleep(0.05)
    return False


async def _leader(app: Any, procs: list[Any]) -> tuple[Any, str]:
    from storage.models import utcnow

    while True:
        async with app.uow() as uow:
            owner = await uow.leases.holder("delivery", utcnow())
        if owner:
            pid = int(owner.split("-")[-2])
            return next(p for p in procs if p.pid == pid), owner
        await asyncio.sleep(0.05)


async def main() -> None:
    parts = os.environ.get("BENCH_PARTS", "1,2,3,4").split(",")
    with tempfile.TemporaryDirectory() as tmp:
        for name in parts:
            await globals()[f"part{name.strip()}"](tmp)
