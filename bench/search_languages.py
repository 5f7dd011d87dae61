"""PostgreSQL search in four languages: the cost of ranking with the reader's Snowball configuration.

A private database (created on the server of ``NEWSBOT_TEST_PG_URL``, dropped afterwards) holds
the seed plus 10,000 published items, each with a French, English, Spanish and Arabic text
(synthetic words, so some words share a stem: "cooperation", "cooperations", "cooperative").
First the cost of ranking one row under each configuration (ts_rank over to_tsvector of
the row's search_doc, best of 5 over all rows). Then ``storage.search.search_items`` runs
each query many times, ranking with 'simple' (``lang=None``) and with the language's
configuration (``lang="fr"`` …). Reported: p50 and p99 in milliseconds, and how many items
matched (ranking only happens below ``COUNT_CAP`` matches; above, the most recent come
first, unranked).

    NEWSBOT_TEST_PG_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test python -m bench search_languages
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import statistics
import time
import uuid

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import make_engine
from storage.migrate import upgrade
from storage.models import NewsItem
from storage.search import TS_CONFIGS, search_items
from storage.text import search_doc

ITEMS = 10_000
ROUNDS = 40
_STEMS = {
    "fr": ["coopér", "polic", "cybercrimin", "fraud", "terror", "drogu", "arm", "migr", "douan", "justic"],
    "en": ["cooper", "polic", "cybercrimin", "fraud", "terror", "drug", "weapon", "migr", "custom", "justic"],
    "es": ["cooper", "polic", "ciberdelincu", "fraud", "terror", "drog", "arm", "migr", "adu", "justic"],
    "ar": ["تعاون", "شرط", "جريم", "احتيال", "ارهاب", "مخدر", "سلاح", "هجر", "جمارك", "عدال"],
}
_ENDINGS = {
    "fr": ["ation", "ations", "atif", "ative", "er", "é", "ée", "ement", "ance", "ité"],
    "en": ["ation", "ations", "ative", "e", "ed", "ing", "s", "ment", "ance", "ity"],
    "es": ["ación", "aciones", "ativo", "ativa", "ar", "ado", "ada", "amiento", "encia", "idad"],
    "ar": ["", "ة", "ات", "ين", "ون", "ي", "ية", "يات", "ه", "ها"],
}
_FILLER = {"fr": ["la", "de", "le", "et", "des"], "en": ["the", "of", "and", "a", "to"],
           "es": ["la", "de", "el", "y", "los"], "ar": ["في", "من", "على", "إلى", "عن"]}
_PREFIX = {"fr": "", "en": "", "es": "", "ar": "ال"}
#: per language, a specific query (a few dozen items) and "marrakech" (~9 % of the items, so
#: about 900 matches: the most ranking can cost, just under COUNT_CAP)
QUERIES = {
    "fr": ["cooperation42", "marrakech"], "en": ["cooperations42", "marrakech"],
    "es": ["ciberdelincuencia42", "marrakech"], "ar": ["التعاونيه42", "مراكش"],
}
_CITY = {"fr": "Marrakech", "en": "Marrakech", "es": "Marrakech", "ar": "مراكش"}


def _text(rng: random.Random, lang: str, n: int, city: bool) -> str:
    out = []
    for _ in range(n):
        if rng.random() < 0.3:
            out.append(rng.choice(_FILLER[lang]))
        else:
            out.append(_PREFIX[lang] * (rng.random() < 0.5) + rng.choice(_STEMS[lang])
                       + rng.choice(_ENDINGS[lang]) + f"{rng.randrange(100)}")
    if city:
        out.insert(rng.randrange(len(out)), _CITY[lang])
    return "INTERPOL " + " ".join(out)


async def fill(session: AsyncSession, n: int) -> None:
    rng = random.Random(14)
    now = dt.datetime.now(dt.UTC)
    rows = []
    for i in range(n):
        city = rng.random() < 0.09
        title = {lang: _text(rng, lang, 6, False) for lang in _STEMS}
        body = {lang: _text(rng, lang, 40, city) for lang in _STEMS}
        rows.append({"status": "published", "topics": [], "title": title, "body": body,
                     "search_doc": search_doc(title, body), "published_at": now - dt.timedelta(minutes=i)})
    for first in range(0, n, 2000):
        await session.execute(insert(NewsItem), rows[first:first + 2000])


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):6.1f}  p99 {p99:6.1f}"


async def run(url: str, items: int, rounds: int) -> None:
    import asyncpg

    admin_url = make_url(url)
    name = f"newsbot_bench_search_{uuid.uuid4().hex[:8]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(host=admin_url.host, port=admin_url.port or 5432,
                                     user=admin_url.username, password=admin_url.password,
                                     database=admin_url.database or "postgres")
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    await admin(f'CREATE DATABASE "{name}"')
    engine = make_engine(admin_url.set(database=name).render_as_string(hide_password=False))
    try:
        await upgrade(engine)
        async with engine.begin() as conn:
            start = time.perf_counter()
            await fill(AsyncSession(bind=conn), items)
            print(f"{items} four-language items inserted in {time.perf_counter() - start:.1f} s")
        async with engine.connect() as conn:
            await conn.exec_driver_sql("ANALYZE news_items")
            session = AsyncSession(bind=conn)
            # the cost of ranking one row under each configuration, best of 5 (steadier than
            # the searches' percentiles on a shared machine)
            for config in ("simple", *TS_CONFIGS.values()):
                best = float("inf")
                for _ in range(5):
                    t0 = time.perf_counter()
                    await conn.execute(text(
                        f"SELECT sum(ts_rank(to_tsvector('{config}', search_doc), "
                        f"to_tsquery('{config}', 'marrakech:*'))) FROM news_items"))
                    best = min(best, time.perf_counter() - t0)
                print(f"ranking every row with {config!r:10}: {best * 1e6 / items:5.1f} µs a row")
            for lang, queries in QUERIES.items():
                for query in queries:
                    line = []
                    for rank_lang in (None, lang):
                        samples = []
                        for _ in range(rounds):
                            t0 = time.perf_counter()
                            _, total = await search_items(session, query, 5, lang=rank_lang)
                            samples.append((time.perf_counter() - t0) * 1000)
                        line.append(f"{rank_lang or 'simple':>6}: {_ms(samples)}")
                    print(f"{query!r:24} {total:5} matches   " + "   ".join(line))
    finally:
        await engine.dispose()
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=ITEMS)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args(argv or [])
    url = os.environ.get("NEWSBOT_TEST_PG_URL")
    if not url:
        print("NEWSBOT_TEST_PG_URL is not set: nothing to measure (PostgreSQL only)")
        return
    await run(url, args.items, args.rounds)


if __name__ == "__main__":
    import sys

    asyncio.run(main(sys.argv[1:]))
