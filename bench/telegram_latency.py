"""Telegram round trip: latency from an injected update to the sendMessage the fake receives.

The real service (`python -m bot run`, PTB long polling, its own process) runs against the
loopback fake Bot API on a temporary SQLite database holding the seed plus 100,000 published
items (bulk-inserted; search_doc filled, so the FTS index is full). Reported per command: p50,
p99 and max, one update at a time, and the bot's CPU per reply (steadier than wall time on a
shared machine); then replies per second sustained with many chats writing at once. The
fake's rate limits are off: this measures our side, not Telegram's 30 messages/s cap.
Goal: p99 <= 50 ms. "/search interpol" matches every item: the worst case, ranked in full.

    python -m bench telegram_latency            # as make bench runs it
    python -m bench.telegram_latency --items 1000 --rounds 50   # a quick look
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from bot.app import App
from bot.config import Settings
from storage.models import NewsItem
from storage.text import search_doc
from tests.fakes.telegram_api import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
ITEMS = 100_000
ROUNDS = 300
BURST_CHATS = 200
BURST_PER_CHAT = 10
CHUNK = 5_000
#: 2,000 synthetic words, 30 a body: a word is in about 1.5% of the items (a specific query);
#: "interpol" is in every item (the worst case: everything matches and is ranked)
_VOCAB = [f"{a}{b}{c}" for a in ("coop", "poli", "cyber", "fraud", "terror", "drog", "armes", "migr",
                                 "douan", "justi")
          for b in ("ation", "ique", "isme", "eur", "aire", "ence", "ité", "age", "ier", "on")
          for c in ("", "s", "al", "ar", "el", "ol", "um", "ax", "ex", "ox", "ub", "ib", "ad", "ed",
                    "id", "od", "ut", "it", "at", "et")]


async def fill(app: App, n: int) -> float:
    """Insert ``n`` items in bulk; return the seconds it took.

    ``search_doc`` is assembled from pre-folded words (folding 100,000 bodies character by
    character would dominate the run); the first rows are checked against ``search_doc()``.
    """
    rng = random.Random(42)
    folded = {w: search_doc(w) for w in _VOCAB}
    start = time.perf_counter()
    now = dt.datetime.now(dt.UTC)
    for first in range(0, n, CHUNK):
        rows = []
        for i in range(first, min(n, first + CHUNK)):
            chosen = rng.choices(_VOCAB, k=30)
            head = rng.choice(_VOCAB)
            title = {"fr": f"Dépêche {i} {head}", "en": f"Dispatch {i}"}
            body = {"fr": "INTERPOL " + " ".join(chosen)}
            body["en"] = body["fr"]
            doc_body = "interpol " + " ".join(folded[w] for w in chosen)
            doc = f"depeche {i} {folded[head]} dispatch {i} {doc_body} {doc_body}"
            if i < 3:
                assert doc == search_doc(title, body), (doc, search_doc(title, body))
            rows.append({
                "status": "published", "topics": [], "title": title, "body": body,
                "search_doc": doc, "published_at": now - dt.timedelta(minutes=i),
            })
        async with app.uow() as uow:
            await uow.session.execute(insert(NewsItem), rows)
    return time.perf_counter() - start


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def latency(tg: FakeTelegram, text: str, rounds: int, chat_id: int) -> list[float]:
    """Milliseconds from push to the reply's arrival, one update at a time."""
    samples = []
    for _ in range(rounds):
        before = len(tg.messages(chat_id))
        start = time.perf_counter()
        tg.push_message(chat_id, text)
        await tg.wait_for_messages(chat_id, before + 1, timeout=30)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


async def throughput(tg: FakeTelegram, chats: int, per_chat: int) -> float:
    """Replies per second while ``chats`` chats each send ``per_chat`` commands at once."""
    ids = [500_000 + i for i in range(chats)]
    start = time.perf_counter()
    for n in range(per_chat):
        for chat_id in ids:
            tg.push_message(chat_id, "/agenda" if n % 2 else "/search cyberiquesal")
    for chat_id in ids:
        await tg.wait_for_messages(chat_id, per_chat, timeout=120)
    return chats * per_chat / (time.perf_counter() - start)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), 0.0 where unavailable.

    Why: wall-clock latency on a shared machine moves with the load of other processes; the
    CPU the bot spends per reply does not, so both are printed.
    """
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(tg: FakeTelegram, rounds: int, pid: int) -> None:
    await latency(tg, "/start", 1, 7)  # the service is up
    for text in ("/agenda", "/news", "/search cyberiquesal", "/search interpol"):
        chat_id = 1000 + len(text)
        [cold] = await latency(tg, text, 1, chat_id)  # first use: imports, locale data, caches
        await latency(tg, text, 5, chat_id)  # warm-up, not counted
        n = rounds if text != "/search interpol" else max(20, rounds // 3)  # ~0.5 s each
        cpu = cpu_seconds(pid)
        ms = await latency(tg, text, n, chat_id)
        cpu_ms = (cpu_seconds(pid) - cpu) * 1000 / n
        print(f"{text:<22} p50 {statistics.median(ms):6.1f} ms   p99 {percentile(ms, 0.99):6.1f} ms"
              f"   max {max(ms):6.1f} ms   bot CPU {cpu_ms:5.1f} ms/reply"
              f"  ({n} rounds; first call {cold:.0f} ms)", flush=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    rate = await throughput(tg, BURST_CHATS, BURST_PER_CHAT)
    print(f"sustained: {rate:,.0f} replies/s ({BURST_CHATS} chats x {BURST_PER_CHAT} commands, "
          f"/agenda and /search alternating); load average {load:.1f} on {os.cpu_count()} CPUs")


async def run(items: int, rounds: int) -> None:
    """Fill the database, then run `python -m bot run` (its own process and event loop, as in
    production) against the fake, which lives in this process."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        async with App(Settings(database={"url": url})) as app:  # type: ignore[arg-type]
            took = await fill(app, items)
        print(f"inserted {items:,} items in {took:.1f} s (SQLite, FTS5 index filled by trigger)")
        log_path = Path(tmp) / "bot.log"
        async with FakeTelegram() as tg:
            tg.limits.enabled = False
            env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
            env |= {"NEWSBOT_DATABASE__URL": url, "NEWSBOT_TELEGRAM__TOKEN": tg.token,
                    "NEWSBOT_TELEGRAM__BASE_URL": tg.base_url}
            with log_path.open("wb") as log:
                proc = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
                    stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
                )
                try:
                    await measure(tg, rounds, proc.pid)
                finally:
                    proc.send_signal(signal.SIGTERM)
                    await proc.wait()
            errors = [line for line in log_path.read_text().splitlines() if " ERROR " in line]
            print(f"bot exit code {proc.returncode}; {len(errors)} error line(s) in its log; "
                  f"fake violations: {len(tg.violations)}")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench telegram_latency")
    p.add_argument("--items", type=int, default=ITEMS)
    p.add_argument("--rounds", type=int, default=ROUNDS)
    args = p.parse_args(argv if argv is not None else [])
    asyncio.run(run(args.items, args.rounds))


if __name__ == "__main__":
    main(sys.argv[1:])
