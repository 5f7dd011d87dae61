"""Capacity of the strict fake Telegram alone: sendMessage requests/s and fake CPU per request.

Why: bench/fanout.py part 2 wants to show the bot sending >= 1,000 messages/s, which is only
possible if the fake (one process, one core) serves well over that. Here a cheap raw aiohttp
client in this process POSTs what python-telegram-bot sends for a digest (form-urlencoded,
HTML parse mode, ``link_preview_options`` JSON, ``reply_markup`` JSON on every 4th message)
to distinct chats, and the fake's child process reports its own CPU time.

Environment: BENCH_FAKE_N (requests per round, default 3000), BENCH_FAKE_CONC (concurrent
connections, default 24), BENCH_FAKE_PROFILE (a path: also write the fake's cProfile stats).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from urllib.parse import urlencode

import aiohttp

from bench._fake_process import FakeTelegramProcess

LIMITS = {"global_per_second": 100_000, "private_per_second": 1000, "group_per_minute": 100_000}


def digest_html() -> str:
    """A digest-sized message rendered by the project's own renderer (~2 KB, ~35 entities)."""
    from bot.platforms.telegram.render import render_parts
    from handlers.reply import BulletList, Heading, Paragraph, Reply, SourceRef, Sources, Span

    items = tuple(
        (
            Span(f"Resolution {n}/2025 on the <budget> & \"oversight\"", bold=True),
            Span(" adopted by the plenary "),
            Span("(vote 312–41)", italic=True),
            Span(" — text", url=f"https://example.org/texts/{n}?lang=en&v=2"),
        )
        for n in range(10)
    )
    reply = Reply((
        Heading("Your daily digest — 24 November 2025"),
        Paragraph((Span("Ten new items since yesterday, "), Span("3 urgent", bold=True),
                   Span(". Résumé en français ✓ 🇪🇺"))),
        BulletList(items),
        Sources("Sources:", tuple(SourceRef(f"Bulletin n°{n}", f"https://example.org/b/{n}",
                                            "2025-11-24") for n in range(3))),
    ))
    return render_parts(reply)[0]


def bodies(n: int, first_chat: int, text: str) -> list[bytes]:
    """Form bodies as PTB encodes them (JSON-valued fields are JSON strings)."""
    common = {"text": text, "parse_mode": "HTML",
              "link_preview_options": json.dumps({"is_disabled": True})}
    markup = json.dumps({"inline_keyboard": [[{"text": "More ›", "callback_data": "d:next:2"}]]})
    out = []
    for i in range(n):
        fields = {"chat_id": str(first_chat + i), **common}
        if i % 4 == 3:
            fields["reply_markup"] = markup
        out.append(urlencode(fields).encode())
    return out


async def drive(url: str, payloads: list[bytes], concurrency: int) -> tuple[float, int]:
    """POST every payload with ``concurrency`` connections; (seconds, count of non-200)."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    queue = iter(payloads)
    failed = 0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal failed
        for body in queue:
            async with session.post(url, data=body, headers=headers) as resp:
                await resp.read()
                failed += resp.status != 200

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        return time.perf_counter() - started, failed


async def measure(fake: FakeTelegramProcess, payloads: list[bytes], concurrency: int
                  ) -> tuple[float, float, int]:
    """(requests/s, fake CPU ms per request, non-200 answers) of one round."""
    fake.reset()
    cpu = fake.cpu()
    seconds, failed = await drive(f"{fake.base_url}{fake.token}/sendMessage", payloads,
                                  concurrency)
    used = fake.cpu() - cpu
    return len(payloads) / seconds, used / len(payloads) * 1000, failed


async def run() -> None:
    n = int(os.environ.get("BENCH_FAKE_N", "3000"))
    concurrency = int(os.environ.get("BENCH_FAKE_CONC", "24"))
    profile = os.environ.get("BENCH_FAKE_PROFILE")
    text = digest_html()
    print(f"fake sendMessage capacity: {n} requests per round, {concurrency} connections, "
          f"{len(text)} chars of HTML, {text.count('</')} tags")
    with FakeTelegramProcess(**LIMITS) as fake:
        await measure(fake, bodies(300, 1, text), concurrency)  # warm up (imports, caches)
        results = []
        for r in range(3):
            payloads = bodies(n, 1_000_000 * (r + 1), text)
            if profile and r == 2:
                fake.profile()
            results.append(await measure(fake, payloads, concurrency))
            if profile and r == 2:
                fake.profile(profile)
                print(f"  fake profile of round 3 written to {profile}")
        stats = fake.stats()
        for rate, ms, failed in results:
            print(f"  {rate:7.0f} requests/s   fake CPU {ms:.3f} ms per request   "
                  f"non-200: {failed}")
        best = min(ms for _, ms, _ in results)
        print(f"  best: {best:.3f} ms per request = one core could serve {1000 / best:.0f}/s; "
              f"violations recorded: {stats['violations']}")


def main() -> None:
    asyncio.run(run())


if __name__ == "__main__":
    main()
