"""Discord interaction -> callback latency with 100,000 news items (real discord.py, fake Discord).

Measures, per command, the time from the fake dispatching INTERACTION_CREATE on its gateway
to the bot's callback reaching the fake's REST endpoint: gateway parsing, the command tree,
the handler on SQLite, rendering and the HTTP round trip. Discord allows 3 s before an
interaction fails; the bot defers after ``[discord] defer_after`` (2 s).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import statistics
import tempfile
import time
from typing import Any

from pydantic import SecretStr
from sqlalchemy import insert

from bot.app import App
from bot.config import DatabaseSection, DiscordSection, Settings
from bot.platforms.discord.frontend import DiscordPlatform
from handlers.base import Request
from storage.models import NewsItem
from storage.text import search_doc
from tests.fakes.discord_api import FakeDiscord

ITEMS = 100_000
RUNS = 100
GUILD, CHANNEL = "1200000000000000001", "1300000000000000001"
WORDS_FR = ("cybercriminalité", "coopération", "police", "Interpol", "Marrakech", "résolution",
            "femmes", "fraude", "notice", "argent", "sécurité", "frontières", "terrorisme",
            "drogue", "données", "assemblée", "délégués", "Maroc", "Afrique", "enquête")
WORDS_EN = ("cybercrime", "cooperation", "police", "Interpol", "Marrakesh", "resolution",
            "women", "fraud", "notice", "money", "security", "borders", "terrorism",
            "drugs", "data", "assembly", "delegates", "Morocco", "Africa", "investigation")
CASES: list[tuple[str, list[dict[str, Any]]]] = [
    ("agenda", []),
    ("agenda", [{"name": "filter", "type": 3, "value": "cybercriminalité"}]),
    ("search", [{"name": "words", "type": 3, "value": "cybercriminalité coopération"}]),
    ("search", [{"name": "words", "type": 3, "value": "marrakech"}]),
]


def _rows(n: int, start: dt.datetime) -> list[dict[str, Any]]:
    rnd = random.Random(93)
    rows = []
    for i in range(n):
        picks = rnd.sample(range(len(WORDS_FR)), 6)
        title = {"fr": " ".join(WORDS_FR[p] for p in picks[:3]).capitalize(),
                 "en": " ".join(WORDS_EN[p] for p in picks[:3]).capitalize()}
        body = {"fr": " ".join(WORDS_FR[p] for p in picks) + f" (dépêche {i}).",
                "en": " ".join(WORDS_EN[p] for p in picks) + f" (dispatch {i})."}
        rows.append({
            "key": f"bench-{i}", "status": "published", "topics": [], "title": title,
            "body": body, "search_doc": search_doc(title, body),
            "published_at": start - dt.timedelta(minutes=i),
        })
    return rows


async def _fill(app: App) -> None:
    start = dt.datetime(2025, 11, 27, 12, tzinfo=dt.UTC)
    rows = _rows(ITEMS, start)
    for at in range(0, ITEMS, 5000):
        async with app.uow() as uow:
            await uow.session.execute(insert(NewsItem), rows[at: at + 5000])


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeDiscord() as fake:
            fake.add_guild(GUILD)
            fake.add_channel(CHANNEL, GUILD)
            settings = Settings(
                database=DatabaseSection(url=f"sqlite+aiosqlite:///{tmp}/bench.db"),
                discord=DiscordSection(token=SecretStr(fake.token), guild_ids=[int(GUILD)]),
            )
            with fake.patch_discord():
                async with App(settings) as app:
                    t0 = time.perf_counter()
                    await _fill(app)
                    print(f"inserted {ITEMS:,} items in {time.perf_counter() - t0:.1f} s")
                    platform = DiscordPlatform(app, guild_ready_timeout=0.05)
                    await platform.start()
                    try:
                        await _measure(fake, app)
                    finally:
                        await platform.stop()
            if fake.violations:
                print("Discord API violations:", *fake.violations, sep="\n  ")


async def _measure(fake: FakeDiscord, app: App) -> None:
    print(f"{'command':<42} {'ack p50':>8} {'ack p99':>8} {'final p50':>9} {'final p99':>9} "
          f"{'handler p50':>11}  deferred")
    for name, options in CASES:
        acks: list[float] = []
        finals: list[float] = []
        deferred = 0
        for _ in range(RUNS):
            t0 = time.perf_counter()
            iid = await fake.push_interaction(name, options, guild_id=GUILD,
                                              channel_id=CHANNEL, locale="fr")
            response = await fake.wait_for_response(iid, timeout=10)
            acks.append((time.perf_counter() - t0) * 1000)
            await fake.wait_for_final(iid, timeout=30)
            finals.append((time.perf_counter() - t0) * 1000)
            deferred += response.type == 5
        handler = await _handler_times(app, name, str(options[0]["value"]) if options else "")
        label = "/" + name + (" " + str(options[0]["value"]) if options else "")
        print(f"{label:<42} {statistics.median(acks):8.1f} {_pct(acks, 0.99):8.1f} "
              f"{statistics.median(finals):9.1f} {_pct(finals, 0.99):9.1f} "
              f"{statistics.median(handler):11.1f}  {deferred}/{RUNS}")
    print("(milliseconds; ack = first callback (answer or defer), final = what the user sees, "
          "handler = app.handle alone)")


async def _handler_times(app: App, name: str, args: str, runs: int = 20) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        await app.handle(Request(platform="discord", chat_id=CHANNEL, user_id="1", command=name,
                                 args=args, chat_kind="guild", user_language="fr"))
        times.append((time.perf_counter() - t0) * 1000)
    return times


if __name__ == "__main__":
    asyncio.run(main())
