"""One poll of a 10,000-entry feed: how long the event loop is blocked, and how long another
chat's write waits for the database meanwhile.

The real poller (``bot.feeds.FeedPoller``) on a temporary SQLite database (migrated, seeded)
polls a loopback HTTP server holding one RSS document of 10,000 distinct entries (drafts feed).
Two probes run in the same event loop during the poll:

- loop lag: a task sleeping 5 ms at a time records how late it wakes (max and p99): the
  longest stretch the loop could not answer anything (parsing, rendering, ORM work);
- a writer: every 100 ms a short transaction like a command's (a chat's ``last_seen_at``
  touched); its longest wait and its failures ("database is locked" after SQLite's 5 s busy
  timeout) are what other chats' commands would see.

Runs: the default per-poll cap (``max_entries_per_poll``, 50), then the cap raised to take the
whole document in one poll (batched transactions). On code without the cap, the single run is
the old behaviour: every entry in one poll and one transaction.

    python -m bench feed_ingest
    python -m bench.feed_ingest --entries 2000
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import tempfile
import time
from dataclasses import dataclass, field

from aiohttp import web
from sqlalchemy import func, select

from bot.app import App
from bot.config import FeedSection, Settings
from bot.feeds import FeedPoller
from storage.models import NewsItem
from tests.desk.feed_server import many_entries

ENTRIES = 10_000
PROBE_SLEEP = 0.005
WRITE_EVERY = 0.1


@dataclass
class Probe:
    lags: list[float] = field(default_factory=list)
    writes: list[float] = field(default_factory=list)
    write_errors: list[str] = field(default_factory=list)


async def lag_probe(probe: Probe, stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        start = loop.time()
        await asyncio.sleep(PROBE_SLEEP)
        probe.lags.append(loop.time() - start - PROBE_SLEEP)


async def write_probe(app: App, probe: Probe, stop: asyncio.Event) -> None:
    n = 0
    while not stop.is_set():
        n += 1
        start = time.perf_counter()
        try:
            async with app.uow() as uow:
                chat = await uow.chats.touch("console", f"bench-{n % 10}", kind="private",
                                             title=f"probe {n}")
                chat.last_seen_at = dt.datetime.now(dt.UTC)
        except Exception as exc:
            probe.write_errors.append(f"{type(exc).__name__}: {str(exc)[:60]}")
        probe.writes.append(time.perf_counter() - start)
        await asyncio.sleep(WRITE_EVERY)


async def serve(doc: bytes) -> tuple[web.AppRunner, str]:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=doc, headers={"Content-Type": "application/rss+xml"})

    app = web.Application()
    app.router.add_get("/feed", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/feed"


def has_cap() -> bool:
    return "max_entries_per_poll" in FeedSection.model_fields


async def one_run(url: str, label: str, cap: int | None, entries: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database={"url": f"sqlite+aiosqlite:///{tmp}/bench.db"},  # type: ignore[arg-type]
                            editorial={"feed_timeout_seconds": 120, "feed_max_bytes": 50_000_000})  # type: ignore[arg-type]
        extra = {"max_entries_per_poll": cap} if cap is not None else {}
        feed = FeedSection(name="bench", url=url, **extra)  # type: ignore[arg-type]
        async with App(settings) as app, FeedPoller(app, [feed]) as poller:
            probe, stop = Probe(), asyncio.Event()
            tasks = [asyncio.create_task(lag_probe(probe, stop)),
                     asyncio.create_task(write_probe(app, probe, stop))]
            await asyncio.sleep(0.3)  # probes settled
            probe.lags.clear()
            probe.writes.clear()
            start = time.perf_counter()
            outcome = await poller.poll(feed)
            wall = time.perf_counter() - start
            stop.set()
            await asyncio.gather(*tasks)
            async with app.uow() as uow:
                items = await uow.session.scalar(
                    select(func.count()).select_from(NewsItem).where(NewsItem.created_by == "feed:bench"))
    lags = sorted(probe.lags)
    p99 = lags[int(len(lags) * 0.99) - 1] if lags else 0.0
    writes = sorted(probe.writes)
    print(f"{label}: {entries:,} entries, one poll {wall:.2f} s, {items:,} items "
          f"(error: {outcome.error}); loop lag max {lags[-1] * 1000:.0f} ms, p99 {p99 * 1000:.1f} ms; "
          f"concurrent writes: {len(writes)}, max wait {writes[-1] * 1000:.0f} ms, "
          f"median {statistics.median(writes) * 1000:.1f} ms, failed {len(probe.write_errors)}"
          + (f" ({probe.write_errors[0]})" if probe.write_errors else ""), flush=True)


async def run(entries: int) -> None:
    runner, url = await serve(many_entries(entries, prefix="bench"))
    try:
        if has_cap():
            await one_run(url, "default cap (50 per poll)", None, entries)
            await one_run(url, f"cap raised to {entries:,} (batched)", entries, entries)
        else:
            await one_run(url, "no cap (one transaction)", None, entries)
    finally:
        await runner.cleanup()


async def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.feed_ingest")
    p.add_argument("--entries", type=int, default=ENTRIES)
    args = p.parse_args(argv if argv is not None else [])
    await run(args.entries)


if __name__ == "__main__":
    import sys

    asyncio.run(main(sys.argv[1:]))
