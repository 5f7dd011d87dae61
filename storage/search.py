"""Ranked, accent- and case-insensitive full-text search over published news items.

Both backends index ``news_items.search_doc``, the folded text of every language (see
``storage.text.search_doc``: Latin accents and case, Arabic diacritics, tatweel and letter
variants folded, Spanish ñ kept), and match every query word as a prefix, so
"cybercriminalite", "Cybercriminalité" and "cybercrim" find the same items, and so do
"الإنتربول", "الانتربول" and "الإنتـربول". SQLite ranks with FTS5's bm25 (its tokenizer keeps
diacritics: the folding is ours). PostgreSQL matches with the 'simple' configuration (no
extension needed) and ranks with ts_rank under the reader's language's Snowball
configuration (``TS_CONFIGS``: 'arabic', 'english', 'french', 'spanish'), or 'simple' when
no language is given. Ranking costs one to_tsvector per match (up to COUNT_CAP): among
10,000 four-language items (``bench/search_languages.py``) a row costs about 130 µs under
'simple' and 10-30 % more under a Snowball configuration ('arabic' the dearest), so ranking
with the language instead of 'simple' is nearly free, while adding it to 'simple' (two
ts_rank) doubled the time of a 900-match search.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.text import words

MAX_QUERY_WORDS = 12
#: PostgreSQL's Snowball text-search configuration of each language, for ranking
TS_CONFIGS = {"ar": "arabic", "en": "english", "es": "spanish", "fr": "french"}
#: matches counted (and ranked by relevance) at most; beyond, most recent first
COUNT_CAP = 1000


def query_words(query: str) -> list[str]:
    seen: list[str] = []
    for w in words(query):
        if w not in seen:
            seen.append(w)
    return seen[:MAX_QUERY_WORDS]


async def search_items(
    session: AsyncSession, query: str, limit: int, offset: int = 0, *, lang: str | None = None,
    event_id: int | None = None,
) -> tuple[list[int], int]:
    """Ids of matching published items and the number of matches, counted up to COUNT_CAP + 1.

    ``lang`` (the reader's language) chooses PostgreSQL's ranking configuration; it changes
    the order of the matches, never which items match. SQLite ignores it.

    Up to COUNT_CAP matches are ranked by relevance. A query matching more (a word found in
    nearly every item) is not specific enough for relevance to mean much, and ranking every
    match costs hundreds of milliseconds at 100,000 items: those come most recent first, and
    the caller says "more than COUNT_CAP".

    ``event_id``: only the items of that event and those of no event.
    """
    terms = query_words(query)
    if not terms:
        return [], 0
    of_event = (" AND (news_items.event_id = :event_id OR news_items.event_id IS NULL)"
                if event_id is not None else "")
    if session.get_bind().dialect.name == "sqlite":
        match = " ".join(f'"{t}"*' for t in terms)
        # CROSS JOIN keeps the FTS match as the outer loop: with a plain JOIN SQLite's planner
        # may walk every published item and probe the index per row (seconds at 20,000 items).
        base = (
            "FROM news_fts CROSS JOIN news_items ON news_items.id = news_fts.rowid "
            "WHERE news_fts MATCH :q AND news_items.status = 'published' "
            "AND news_items.deleted_at IS NULL" + of_event
        )
        relevance = "ORDER BY bm25(news_fts), news_items.published_at DESC"
        recent = (
            "FROM news_items WHERE status = 'published' AND deleted_at IS NULL AND id IN "
            "(SELECT rowid FROM news_fts WHERE news_fts MATCH :q)" + of_event + " "
        )
    else:
        match = " & ".join(f"{t}:*" for t in terms)
        base = (
            "FROM news_items WHERE to_tsvector('simple', search_doc) @@ to_tsquery('simple', :q) "
            "AND status = 'published' AND deleted_at IS NULL" + of_event
        )
        # matched on the 'simple' document (prefixes of folded words); ranked with the reader's
        # language, whose stems count ("police" also weighs "policiers"), else with 'simple'
        config = TS_CONFIGS.get(lang or "", "simple")
        relevance = (
            f"ORDER BY ts_rank(to_tsvector('{config}', search_doc), to_tsquery('{config}', :q)) DESC, "
            "published_at DESC"
        )
        recent = base + " "
    capped = text(f"SELECT count(*) FROM (SELECT 1 {base} LIMIT {COUNT_CAP + 1}) AS matches")
    params: dict[str, object] = {"q": match}
    if event_id is not None:
        params["event_id"] = event_id
    total = int((await session.execute(capped, params)).scalar_one())
    if total > COUNT_CAP:
        sql = f"SELECT news_items.id {recent}ORDER BY published_at DESC, id DESC"
    else:
        sql = f"SELECT news_items.id {base} {relevance}"
    rows = await session.execute(
        text(f"{sql} LIMIT :limit OFFSET :offset"), {**params, "limit": limit, "offset": offset}
    )
    return [r[0] for r in rows], total
