"""Small pieces shared by the command modules."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TypeVar

from handlers.base import Request, paginate
from handlers.i18n import t
from handlers.reply import ReplyBuilder, SourceRef, Span
from storage.models import Cited, Source
from storage.text import CONTENT_LANGUAGES, fold, pick, pick_lang


def source_ref(source: Source | None, lang: str) -> SourceRef | None:
    if source is None:
        return None
    date = source.published_on.isoformat() if source.published_on else None
    return SourceRef(name=pick(source.name, lang) or source.title, url=source.url, date=date)


def sources_of(rows: Iterable[Cited | None]) -> list[Source]:
    """Every source the rows cite, in order (a row cites one or several)."""
    return [s for row in rows if row is not None for s in row.sources]


def add_sources(b: ReplyBuilder, sources: Iterable[Source | None], lang: str) -> None:
    refs = [r for r in (source_ref(s, lang) for s in sources) if r is not None]
    if refs:
        b.sources(t("sources" if len(set(refs)) > 1 else "source", lang), refs)


def add_pager(b: ReplyBuilder, req: Request, page: int, pages: int) -> None:
    """Page footer and previous/next buttons that re-run the same command."""
    if pages <= 1:
        return
    b.para(Span(t("page", req.language, page=page, pages=pages), italic=True))
    if page > 1:
        b.button(t("prev", req.language), req.command, req.args, page - 1)
    if page < pages:
        b.button(t("next", req.language), req.command, req.args, page + 1)


def page_slice(total: int, req: Request, per_page: int) -> tuple[int, int, int]:
    return paginate(total, req.page, per_page)


T = TypeVar("T")
Fetch = Callable[[int, int], Awaitable[tuple[Sequence[T], int]]]


async def fetch_page(req: Request, per_page: int, fetch: Fetch[T],
                     max_total: int | None = None) -> tuple[Sequence[T], int, int, int]:
    """One query for the requested page (``fetch(limit, offset) -> (rows, total)``), and a
    second only when the page number is stale (past the end: the last page is shown).

    Returns (rows, total, page, pages); ``max_total`` caps the pages of a capped count.
    """
    wanted = (max(req.page, 1) - 1) * per_page
    rows, total = await fetch(per_page, wanted)
    shown_total = total if max_total is None else min(total, max_total)
    page, pages, offset = paginate(shown_total, req.page, per_page)
    if offset != wanted and total:
        rows, total = await fetch(per_page, offset)
    return rows, total, page, pages


def matches(query: str, *texts: str | dict[str, str] | None) -> bool:
    """Accent/case-insensitive: every query word occurs in one of the texts."""
    hay = " ".join(
        fold(" ".join(x.values()) if isinstance(x, dict) else x) for x in texts if x
    )
    return all(w in hay for w in fold(query).split())


def fallback_mark(texts: dict[str, str] | None, lang: str) -> str:
    """'' when ``texts`` has ``lang`` (or nothing at all), else " (in French)": the words that
    say which language the fallback :func:`shown` picks is in (catalog keys ``fallback.*``)."""
    text, other = pick_lang(texts, lang)
    if not text or other is None:
        return ""
    if other in CONTENT_LANGUAGES:
        return " " + t(f"fallback.{other}", lang)
    return " " + t("fallback.other", lang, language=other)


def shown(texts: dict[str, str] | None, lang: str) -> str:
    """A content text as a reader in ``lang`` sees it: in ``lang``, or another language's text
    marked as such ("… (in French)"), never a silent fallback; '' when there is no text."""
    return pick(texts, lang) + fallback_mark(texts, lang)


def shown_stale(row: object, lang: str, fields: tuple[str, ...]) -> bool:
    """Whether a text shown in ``lang`` (after fallback, as :func:`shown` picks it) needs translation."""
    stale = set(getattr(row, "stale", None) or ())
    for field in fields:
        text, other = pick_lang(getattr(row, field, None) or {}, lang)
        if text and f"{field}.{other or lang}" in stale:
            return True
    return False
