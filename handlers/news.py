"""/news, /item and /search, and the one way an item is shown (reused by digests and alerts)."""

from __future__ import annotations

from handlers.base import Command, Deps, Option, Request, UserError
from handlers.common import (
    add_pager,
    add_sources,
    fallback_mark,
    fetch_page,
    page_slice,
    shown,
    shown_stale,
    sources_of,
)
from handlers.events import event_for
from handlers.i18n import format_count, format_moment, t
from handlers.reply import Reply, ReplyBuilder, Span
from storage.models import NewsItem
from storage.search import COUNT_CAP
from storage.text import pick

PER_PAGE = 5
MAX_NEWS = 50
DEFAULT_NEWS = 10
SUMMARY_CHARS = 160
MAX_ID = 2**31 - 1


def summary(text: str, limit: int = SUMMARY_CHARS) -> str:
    """The first sentence or so of a body, cut on a word boundary."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def item_line(item: NewsItem, lang: str, tz: str) -> tuple[Span, ...]:
    """One list row: number, title, date, short summary."""
    when = format_moment(item.published_at, lang, tz) if item.published_at else ""
    return (
        Span(f"#{item.id} ", code=True),
        Span(shown(item.title, lang), bold=True, foreign=True),
        Span(f" ({when})" if when else "", italic=True),
        Span(" — "),
        Span(summary(pick(item.body, lang)) + fallback_mark(item.body, lang), foreign=True),
    )


def full_item(item: NewsItem, lang: str, tz: str, topic_names: dict[str, str] | None = None) -> ReplyBuilder:
    b = ReplyBuilder().heading(shown(item.title, lang))
    meta = [f"#{item.id}"]
    if item.published_at:
        meta.append(format_moment(item.published_at, lang, tz))
    b.para(Span(" · ".join(meta), italic=True))
    for para in shown(item.body, lang).split("\n\n"):
        b.para(Span(para.strip(), foreign=True))  # the desk's or a feed's text
    if shown_stale(item, lang, ("title", "body")):
        b.para(Span(t("stale.reader", lang), italic=True))
    if item.topics:
        names = [(topic_names or {}).get(k, k) for k in item.topics]
        b.para(Span(t("item.topics", lang), bold=True), ", ".join(names))
    add_sources(b, item.sources, lang)
    return b


def parse_item_id(value: str) -> int:
    raw = value.strip().lstrip("#")
    if not raw:
        raise UserError("item.missing_id")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        raise UserError("item.bad_id", value=value.strip()[:32])
    if int(raw) > MAX_ID:  # beyond any stored id (and PostgreSQL's integer range)
        raise UserError("item.none", show_usage=False, id=int(raw))
    return int(raw)


async def news(req: Request, deps: Deps) -> Reply:
    lang = req.language
    arg = req.args.strip().split()
    count = DEFAULT_NEWS
    if arg:
        if not (arg[0].isascii() and arg[0].isdigit()) or not 1 <= int(arg[0][:6]) <= MAX_NEWS:
            raise UserError("news.bad_count", value=arg[0][:32], max=MAX_NEWS)
        count = int(arg[0])
    async with deps.uow() as uow:
        event = await event_for(uow, req, deps)
        event_id = event.id if event else None  # the chat's event's items and those of none
        total = await uow.items.count_published(at_most=count, event_id=event_id)
        page, pages, offset = page_slice(total, req, PER_PAGE)
        items = (await uow.items.latest(min(PER_PAGE, total - offset), offset, event_id=event_id)
                 if total else [])
    if not items:
        return ReplyBuilder().para(t("news.none", lang)).build()
    b = ReplyBuilder().heading(t("news.title", lang))
    b.bullets([item_line(i, lang, deps.timezone) for i in items])
    add_sources(b, sources_of(items), lang)
    b.para(Span(t("news.more", lang, id=items[0].id), italic=True))
    add_pager(b, req, page, pages)
    return b.build()


async def item(req: Request, deps: Deps) -> Reply:
    item_id = parse_item_id(req.args)
    async with deps.uow() as uow:
        found = await uow.items.get_published(item_id)
        topics = {tp.key: shown(tp.name, req.language) for tp in await uow.content.topics()}
    if found is None:
        raise UserError("item.none", show_usage=False, id=item_id)
    return full_item(found, req.language, deps.timezone, topics).build()


async def search(req: Request, deps: Deps) -> Reply:
    lang = req.language
    query = req.args.strip()
    if not query:
        raise UserError("search.empty", show_usage=False)
    async with deps.uow() as uow:
        event = await event_for(uow, req, deps)
        event_id = event.id if event else None
        items, total, page, pages = await fetch_page(
            req, PER_PAGE, lambda limit, offset: uow.items.search(
                query, limit, offset, lang=lang, event_id=event_id),
            max_total=COUNT_CAP)
    shown_query = query[:80]
    if not items:
        return ReplyBuilder().para(t("search.none", lang, query=shown_query)).build()
    b = ReplyBuilder().heading(t("search.title", lang, query=shown_query))
    if total > COUNT_CAP:
        b.para(Span(t("search.count_many", lang, n=format_count(COUNT_CAP, lang)), italic=True))
    else:
        b.para(Span(t("search.count", lang, n=total), italic=True))
    b.bullets([item_line(i, lang, deps.timezone) for i in items])
    add_pager(b, req, page, pages)
    return b.build()


COMMANDS: tuple[Command, ...] = (
    Command(
        "news", news,
        usage="/news [n]",
        options=(Option("count", "option.news.count", type="int"),),
    ),
    Command(
        "item", item,
        usage="/item <number>",
        options=(Option("id", "option.item.id",
                        type="int", required=True, autocomplete="items"),),
    ),
    Command(
        "search", search,
        usage="/search <words>",
        options=(Option("words", "option.search.words",
                        required=True, rest=True),),
    ),
)
