"""Digest fan-out through the outbox worker and the real TelegramSender, against the strict
fake Bot API running in a child process (so this process's CPU is the bot's alone).

1. Telegram's real limits, 10,000 private chats + 500 groups: the steady rate over a window
   as a fraction of 30/s, and the 429s.
2. Limits raised to 1,000/s on both sides: messages/s and CPU seconds per 1,000 messages of
   the worker, side by side with plain PTB (``ExtBot`` + ``AIORateLimiter``, all sends
   gathered). The fake is the same for both; its single process caps what either can reach,
   so the CPU figure (and the ceiling it implies for one core) is the comparison.
3. Peak memory of a process that plans a digest for 100,000 subscriptions and starts
   delivering them (fresh interpreter, ``ru_maxrss``).
4. p95 latency of a command reply (``/start``) while a digest broadcast runs at the limit.

Environment: BENCH_WINDOW (seconds of part 1, default 40), BENCH_PARTS (e.g. "1,2").
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench._fake_process import FakeTelegramProcess

ROOT = Path(__file__).resolve().parent.parent
SINCE = dt.datetime(2025, 11, 24, 7, 0, tzinfo=dt.UTC)
DUE = SINCE + dt.timedelta(days=1)
REAL = {"global_per_second": 30, "private_per_second": 1, "group_per_minute": 20}
RAISED = {"global_per_second": 1000, "private_per_second": 10, "group_per_minute": 600}


def settings(db_url: str, fake: FakeTelegramProcess | None = None, **delivery: Any) -> Any:
    from bot.config import Settings

    telegram = {"token": fake.token, "base_url": fake.base_url} if fake else {}
    return Settings(database={"url": db_url}, telegram=telegram,  # type: ignore[arg-type]
                    bot={"seed_on_start": True}, delivery=delivery)  # type: ignore[arg-type]


async def prepare(app: Any, n_private: int, n_groups: int, first_id: int = 100_000) -> list[int]:
    """Chats with a digest due now, planned by the scheduler's code; returns their ids."""
    from handlers.fanout.digests import plan_digests
    from tests.bulk import add_subscribed_chats

    ids = list(range(first_id, first_id + n_private)) + [-(first_id + i) for i in range(n_groups)]
    await add_subscribed_chats(app.uow, ids, created=SINCE, next_digest_at=DUE)
    started = time.perf_counter()
    report = await plan_digests(app.uow, DUE + dt.timedelta(minutes=1),
                                grace=dt.timedelta(hours=6), default_language="en")
    print(f"  planned {report.enqueued} digests ({report.composed} composed) "
          f"in {time.perf_counter() - started:.1f} s")
    return ids


def worker_for(app: Any, sender: Any) -> Any:
    from bot.delivery import OutboxWorker

    return OutboxWorker(app.uow, {"telegram": sender}, app.settings.delivery)


async def telegram_sender(fake: FakeTelegramProcess) -> tuple[Any, Any]:
    from telegram import Bot

    from bot.platforms.telegram.http import AiohttpRequest
    from bot.platforms.telegram.send import TelegramSender

    bot = Bot(fake.token, base_url=fake.base_url, request=AiohttpRequest(64))
    await bot.initialize()
    return bot, TelegramSender(bot)


async def sample(fake: FakeTelegramProcess, seconds: float, done: Callable[[], bool] = lambda: False,
                 every: float = 1.0) -> list[tuple[float, int]]:
    """(time, delivered) every ``every`` seconds for ``seconds`` or until ``done()``."""
    points = []
    start = time.perf_counter()
    while time.perf_counter() - start < seconds and not done():
        points.append((time.perf_counter() - start, fake.stats()["delivered"]))
        await asyncio.sleep(every)
    points.append((time.perf_counter() - start, fake.stats()["delivered"]))
    return points


async def part1(tmp: str) -> None:
    from bot.app import App

    window = float(os.environ.get("BENCH_WINDOW", "40"))
    print(f"1. real limits (30/s, 1/s per chat, 20/min per group), 10,000 + 500 chats, {window:.0f} s")
    with FakeTelegramProcess(**REAL) as fake:
        for reserve in (0, 3):
            fake.reset()
            async with App(settings(f"sqlite+aiosqlite:///{tmp}/p1-{reserve}.db",
                                    reserve_per_second=reserve)) as app:
                await prepare(app, 10_000, 500)
                bot, sender = await telegram_sender(fake)
                worker = worker_for(app, sender)
                await worker.start()
                points = await sample(fake, window)
                await worker.stop()
                await bot.shutdown()
            (t0, n0), (t1, n1) = points[min(5, len(points) - 2)], points[-1]
            rate = (n1 - n0) / (t1 - t0)
            print(f"  reserve {reserve}/s for replies: steady {rate:.1f} msg/s = {rate / 30:.0%} "
                  f"of 30/s; {n1} sent, 429s: {fake.stats()['count_429']}")


async def outbox_run(db: str, fake: FakeTelegramProcess, n: int, *, paid: bool,
                     global_per_second: float = 30
                     ) -> tuple[tuple[float, float, float], int, float]:
    """Plan ``n`` digests, then time the worker until the fake has them all: as a paid
    broadcast (1,000/s, ``paid_max_in_flight``), or at ``global_per_second`` with as many
    in flight.

    Returns ((msg/s, bot CPU s per 1,000, fake CPU s per 1,000), 429s, steady msg/s). The
    finish is sampled every 20 ms, so the wall time is not rounded up to a polling second;
    the steady rate is the one between 10% and 90% delivered (no start-up, no tail).
    """
    from bot.app import App
    from bot.config import DeliverySection

    in_flight = int(os.environ.get("BENCH_IN_FLIGHT", DeliverySection().paid_max_in_flight))
    async with App(settings(db, paid_broadcast=paid, global_per_second=global_per_second,
                            private_per_second=10, group_per_minute=600, reserve_per_second=0,
                            max_in_flight=in_flight, paid_max_in_flight=in_flight)) as app:
        await prepare(app, n, 0)
        bot, sender = await telegram_sender(fake)
        worker = worker_for(app, sender)
        fake.reset()
        cpu, wall, fake_cpu = time.process_time(), time.perf_counter(), fake.cpu()
        await worker.start()
        points = await sample(fake, 600, lambda: fake.stats()["delivered"] >= n, every=0.02)
        figures = (n / (time.perf_counter() - wall), (time.process_time() - cpu) / n * 1000,
                   (fake.cpu() - fake_cpu) / n * 1000)
        (t0, n0) = next(p for p in points if p[1] >= n * 0.1)
        (t1, n1) = next(p for p in points if p[1] >= n * 0.9)
        steady = (n1 - n0) / (t1 - t0)
        await worker.stop()
        await bot.shutdown()
    return figures, fake.stats()["count_429"], steady


async def digest_payload(db: str) -> dict[str, Any]:
    """The digest the worker sends (the same scheduler code, one chat)."""
    from sqlalchemy import select

    from bot.app import App
    from storage.models import OutboxMessage

    async with App(settings(db)) as app:
        await prepare(app, 1, 0)
        async with app.uow() as uow:
            return dict((await uow.session.scalars(select(OutboxMessage.payload).limit(1))).one())


async def part2(tmp: str) -> None:
    from telegram.constants import ParseMode
    from telegram.ext import AIORateLimiter, ExtBot
    from telegram.request import HTTPXRequest

    from bot.platforms.telegram.render import render_parts
    from handlers.reply import Reply

    n = int(os.environ.get("BENCH_MESSAGES", "10000"))
    print(f"2. raised limits (1,000/s overall, 10/s per chat), {n} digests to private chats")
    with FakeTelegramProcess(**RAISED) as fake:
        text = render_parts(Reply.from_dict(await digest_payload(f"sqlite+aiosqlite:///{tmp}/p2d.db")))[0]
        limiter = AIORateLimiter(overall_max_rate=1000, overall_time_period=1,
                                 group_max_rate=600, group_time_period=60, max_retries=5)
        ptb = ExtBot(fake.token, base_url=fake.base_url, rate_limiter=limiter,
                     request=HTTPXRequest(connection_pool_size=64, pool_timeout=600,
                                          connect_timeout=30, read_timeout=30))
        await ptb.initialize()
        fake.reset()
        # The plain loop, made concurrent (a sequential loop would wait for every answer):
        # as many sends at once as the pool has connections. Thousands gathered at once
        # starve httpx's connects until they time out.
        pool = asyncio.Semaphore(64)

        async def plain_send(chat_id: int) -> None:
            async with pool:
                await ptb.send_message(chat_id, text, parse_mode=ParseMode.HTML)

        cpu, wall, fake_cpu = time.process_time(), time.perf_counter(), fake.cpu()
        await asyncio.gather(*(plain_send(500_000 + i) for i in range(n)))
        plain = (n / (time.perf_counter() - wall), (time.process_time() - cpu) / n * 1000,
                 (fake.cpu() - fake_cpu) / n * 1000)
        await ptb.shutdown()
        plain_429 = fake.stats()["count_429"]
        ours, ours_429, ours_steady = await outbox_run(f"sqlite+aiosqlite:///{tmp}/p2.db", fake, n, paid=True)
        # The ceiling: no limit on either side, so the rate is what the worker can do.
        fake.set_limits(global_per_second=1_000_000, private_per_second=1000,
                        group_per_minute=1_000_000)
        ceiling, ceiling_429, ceiling_steady = await outbox_run(f"sqlite+aiosqlite:///{tmp}/p2c.db", fake, n,
                                                paid=False, global_per_second=1_000_000)
    # The fake's own CPU is shown too: it must stay well below the bot's for the rate to
    # measure the bot (bench/fake_capacity.py measures the fake alone).
    for name, (rate, cpu_k, fake_k), n429 in (
            ("outbox worker, 1,000/s", ours, ours_429),
            ("plain PTB + AIORateLimiter", plain, plain_429),
            ("outbox worker, no limit", ceiling, ceiling_429)):
        print(f"  {name:28s} {rate:7.1f} msg/s  {cpu_k:5.2f} CPU s per 1,000  "
              f"(one core: {1000 / cpu_k:6.0f} msg/s)  429s: {n429}  "
              f"fake: {fake_k:4.2f} CPU s per 1,000")
    print(f"  at 1,000/s: worker {ours[0] / 1000:.0%} of the limit over the whole run, steady "
          f"{ours_steady:.0f} msg/s = {ours_steady / 1000:.0%}; ratio worker/PTB: rate "
          f"{ours[0] / plain[0]:.2f}, CPU per message {ours[1] / plain[1]:.2f}")
    print(f"  ceiling (no limit): {ceiling[0]:.0f} msg/s over the whole run, steady "
          f"{ceiling_steady:.0f} msg/s")


def part3(tmp: str) -> None:
    print("3. peak memory, 100,000 subscriptions (plan one tick, then deliver for 10 s at 1,000/s)")
    db = f"sqlite+aiosqlite:///{tmp}/p3.db"
    subprocess.run([sys.executable, "-m", "bench.fanout", "--memory-setup", db], cwd=ROOT, check=True)
    out = subprocess.run([sys.executable, "-m", "bench.fanout", "--memory-run", db], cwd=ROOT,
                         check=True, capture_output=True, text=True).stdout
    print(out.rstrip())


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MB, from /proc (Linux).

    Not ``ru_maxrss``: on Linux it survives fork and exec, so a child would report the
    parent's peak.
    """
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines()
                  if ":" in line)
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


async def memory_run(db: str) -> None:
    from bot.app import App
    from handlers.fanout.digests import plan_digests

    with FakeTelegramProcess(**RAISED) as fake:
        async with App(settings(db, global_per_second=1000, private_per_second=10,
                                reserve_per_second=0)) as app:
            base = rss_mb()[0]
            started = time.perf_counter()
            report = await plan_digests(app.uow, DUE + dt.timedelta(minutes=1),
                                        grace=dt.timedelta(hours=6), default_language="en")
            planned = time.perf_counter() - started
            after_plan = rss_mb()[1]
            bot, sender = await telegram_sender(fake)
            worker = worker_for(app, sender)
            await worker.start()
            await asyncio.sleep(10)
            await worker.stop()
            await bot.shutdown()
            peak = rss_mb()[1]
            print(f"  planned {report.enqueued} in {planned:.0f} s; RSS after start {base:.0f} MB, "
                  f"peak after planning {after_plan:.0f} MB, peak while sending "
                  f"({fake.stats()['delivered']} sent) {peak:.0f} MB")


async def memory_setup(db: str) -> None:
    from bot.app import App
    from tests.bulk import add_subscribed_chats

    async with App(settings(db)) as app:
        await add_subscribed_chats(app.uow, list(range(100_000, 200_000)), created=SINCE,
                                   next_digest_at=DUE)


async def part4(tmp: str) -> None:
    from bot.app import App
    from bot.platforms.telegram.frontend import TelegramPlatform

    print("4. command reply latency while a digest broadcast runs at the limit (real limits)")
    with FakeTelegramProcess(**REAL) as fake:
        async with App(settings(f"sqlite+aiosqlite:///{tmp}/p4.db", fake)) as app:
            await prepare(app, 3000, 0)
            platform = TelegramPlatform(app)
            await platform.start()
            worker = worker_for(app, platform.sender)
            await worker.start()
            await asyncio.sleep(3)
            latencies = []
            for i in range(30):
                latencies.append(await asyncio.to_thread(fake.probe, 7_000_000 + i % 3, "/start"))
                await asyncio.sleep(0.5)
            sent = fake.stats()
            await worker.stop()
            await platform.stop()
    q = statistics.quantiles(latencies, n=20)
    print(f"  30 replies: p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {q[18] * 1000:.0f} ms, "
          f"max {max(latencies) * 1000:.0f} ms; broadcast sent {sent['delivered']} meanwhile, "
          f"429s: {sent['count_429']}")


def main() -> None:
    parts = os.environ.get("BENCH_PARTS", "1,2,3,4").split(",")
    with tempfile.TemporaryDirectory() as tmp:
        for part in parts:
            if part == "3":
                part3(tmp)
            else:
                asyncio.run({"1": part1, "2": part2, "4": part4}[part](tmp))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--memory-setup"]:
        asyncio.run(memory_setup(sys.argv[2]))
    elif sys.argv[1:2] == ["--memory-run"]:
        asyncio.run(memory_run(sys.argv[2]))
    else:
        main()
