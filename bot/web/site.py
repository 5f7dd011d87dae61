"""The public site for readers outside chat: the event page, news, one item, the agenda,
search, and the Atom feed (``[http] public = true``; bot/web/__init__.py adds the routes).

Server-side HTML from Jinja2 templates (bot/web/templates/, autoescaped: every content text
and the query are escaped by the engine), no script. Every word comes from the catalog
(``web.*`` keys and the bot's own), content texts through ``handlers.common.shown`` (a
fallback is marked), days through ``handlers.i18n.format_day``.

Every route: GET/HEAD only (aiohttp answers 405 otherwise), a request body is refused,
a sliding-window rate limit per client address (``public_per_minute``; 429 with
``Retry-After``), ETag and Last-Modified (304 on ``If-None-Match``/``If-Modified-Since``),
and a count by route and status in the App's metrics.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from aiohttp import web
from babel import Locale
from feedgen.feed import FeedGenerator
from jinja2 import Environment, FileSystemLoader
from sqlalchemy import func, select

from bot.app import App
from handlers.catalog import CATALOG
from handlers.common import shown, shown_stale
from handlers.events import default_event, event_name, phase, phase_word, took_place
from handlers.i18n import (
    format_day,
    format_days,
    format_moment,
    labelled,
    normalize_language,
    t,
)
from handlers.news import summary
from handlers.reply import Span
from handlers.sessions import in_order, local_day, session_spans
from storage import revisions
from storage.models import AuditEntry, Event, Fact, NewsItem, Source
from storage.text import LANGUAGES, pick

log = logging.getLogger("newsbot.web.site")

TEMPLATES = Path(__file__).parent / "templates"
NEWS_PER_PAGE = 20
LATEST_ON_INDEX = 10
FEED_ENTRIES = 50
MIN_QUERY = 2
MAX_PAGE = 10_000
#: the changes of a published item a reader is told about (its correction history)
CORRECTIONS = ("item.edit", "item.translate", revisions.UNDO, revisions.REVERT)
#: client addresses remembered by the rate limit at most (the oldest are forgotten first)
MAX_CLIENTS = 10_000
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
#: each language named in itself, for the switcher (Babel: "français", "English", "العربية")
LANGUAGE_SELF_NAMES = {code: Locale.parse(code).get_display_name(code) or code
                       for code in LANGUAGES}

#: every catalog key the templates say (``page.t('…')``/``page.label('…')``), named here so
#: the catalog's check (``python -m handlers.catalog.tools``, which reads Python) sees them
#: used; tests/test_web_site.py checks the templates name no other
TEMPLATE_KEYS = (
    "about.disagree", "item.topics", "next", "prev", "source", "sources", "web.agenda.none",
    "web.all_news", "web.figures", "web.footer", "web.item.history", "web.item.published",
    "web.languages", "web.latest", "web.nav.agenda", "web.nav.feed", "web.nav.home",
    "web.nav.label", "web.nav.news", "web.nav.search", "web.news.none", "web.no_event",
    "web.pages", "web.phase", "web.search.button", "web.search.hint", "web.search.label",
    "web.skip", "web.when", "web.where",
)

Handler = Callable[[web.Request, "Page"], Awaitable[web.Response]]


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _newest(values: Iterable[dt.datetime | None]) -> dt.datetime | None:
    found = [v for v in (_aware(x) for x in values) if v is not None]
    return max(found) if found else None


class RateLimit:
    """At most ``limit`` requests per client address in any ``span`` seconds (sliding)."""

    def __init__(self, limit: int, span: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.span, self.clock = limit, span, clock
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, client: str) -> int | None:
        """None when the request may go (and it is counted), else seconds to wait."""
        now = self.clock()
        times = self._seen.pop(client, None) or deque()
        while times and times[0] + self.span <= now:
            times.popleft()
        self._seen[client] = times  # most recent last
        while len(self._seen) > MAX_CLIENTS:
            self._seen.popitem(last=False)
        if len(times) >= self.limit:
            return max(1, int(times[0] + self.span - now + 0.999))
        times.append(now)
        return None


class Page:
    """One request's language and links."""

    def __init__(self, request: web.Request, default_language: str) -> None:
        self.request = request
        asked = request.query.get("lang", "")
        self.explicit = asked if asked in LANGUAGES else None
        self.lang = self.explicit or accepted_language(
            request.headers.get("Accept-Language", "")) or default_language

    def t(self, key: str, **kwargs: object) -> str:
        return t(key, self.lang, **kwargs)

    def label(self, key: str) -> str:
        """'Langue : ' — a label as the language punctuates it."""
        return labelled(t(key, self.lang), self.lang)

    def url(self, path: str, **params: object) -> str:
        """A link to another page, keeping ``?lang=`` when it was given."""
        query = {k: v for k, v in params.items() if v not in (None, "")}
        if self.explicit:
            query["lang"] = self.explicit
        return path + ("?" + urlencode(query) if query else "")

    def switch(self, lang: str) -> str:
        """This page in another language (its other parameters kept)."""
        query = {k: v for k, v in self.request.query.items() if k != "lang"}
        query["lang"] = lang
        return self.request.path + "?" + urlencode(query)


def accepted_language(header: str) -> str | None:
    """The first language of an ``Accept-Language`` header the bot speaks, by quality."""
    ranked: list[tuple[float, int, str]] = []
    for n, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if tag.strip() and tag.strip() != "*" and q > 0:
            ranked.append((-q, n, tag.strip()))
    for _, _, tag in sorted(ranked):
        lang = normalize_language(tag)
        if lang is not None:
            return lang
    return None


def _http_date(moment: dt.datetime) -> str:
    return email.utils.format_datetime(moment.astimezone(dt.UTC).replace(microsecond=0),
                                       usegmt=True)


def _not_modified(request: web.Request, etag: str, modified: dt.datetime | None) -> bool:
    match = request.headers.get("If-None-Match")
    if match is not None:
        tags = {m.strip().removeprefix("W/") for m in match.split(",")}
        return "*" in tags or etag in tags
    since = request.headers.get("If-Modified-Since")
    if since and modified is not None:
        try:
            when = email.utils.parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        return modified.replace(microsecond=0) <= when
    return False


def source_links(sources: Sequence[Source | None], lang: str) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    for s in sources:
        if s is None:
            continue
        entry = {"name": pick(s.name, lang) or s.title, "url": s.url,
                 "date": format_day(s.published_on, lang) if s.published_on else None}
        if entry not in seen:
            seen.append(entry)
    return seen


class Site:
    def __init__(self, app: App) -> None:
        self.app = app
        http = app.settings.http
        self.public_url = http.public_url.rstrip("/") if http.public_url else None
        self.limit = RateLimit(http.public_per_minute)
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                               trim_blocks=True, lstrip_blocks=True)
        self.counter = app.metrics.web_requests

    # ------------------------------------------------------------------ plumbing
    def route(self, name: str, handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def serve(request: web.Request) -> web.Response:
            response = await self._serve(request, handler)
            self.counter.labels(name, str(response.status)).inc()
            return response
        return serve

    def client(self, request: web.Request) -> str:
        remote = request.remote or "?"
        forwarded = request.headers.get("X-Forwarded-For")
        if forwarded and remote == "127.0.0.1":  # our own reverse proxy says who it is
            first = forwarded.split(",")[0].strip()
            return first[:64] or remote
        return remote

    async def _serve(self, request: web.Request, handler: Handler) -> web.Response:
        page = Page(request, self.app.deps.default_language)
        wait = self.limit.retry_after(self.client(request))
        if wait is not None:
            response = self.render(page, "error.html", status=429,
                                   title=page.t("web.error.too_many"),
                                   text=page.t("web.error.too_many_text"))
            response.headers["Retry-After"] = str(wait)
            return response
        if request.body_exists or (request.content_length or 0) > 0:
            return web.Response(status=413, text="no request body is accepted\n")
        try:
            response = await handler(request, page)
        except web.HTTPNotFound:
            response = self.not_found(page)
        except Exception:  # the reader gets a page that says so; the operator, the trace
            log.exception("public page failed", extra={"path": request.path})
            return self.render(page, "error.html", status=500, title=page.t("web.error.failed"),
                               text=page.t("web.error.failed_text"))
        return self.cached(request, response)

    def cached(self, request: web.Request, response: web.Response) -> web.Response:
        body = response.body
        if response.status != 200 or not isinstance(body, bytes):
            return response
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        modified: dt.datetime | None = getattr(response, "modified", None)
        # a handler's own Cache-Control stands (a private calendar's URL is a secret)
        headers = {"ETag": etag,
                   "Cache-Control": response.headers.get("Cache-Control", "public, max-age=60"),
                   "Vary": "Accept-Language"}
        if modified is not None:
            headers["Last-Modified"] = _http_date(modified)
        if _not_modified(request, etag, modified):
            return web.Response(status=304, headers=headers)
        response.headers.update(headers)
        return response

    def render(self, page: Page, template: str, *, status: int = 200,
               modified: dt.datetime | None = None, **context: Any) -> web.Response:
        html = self.env.get_template(template).render(
            page=page, lang=page.lang, dir="rtl" if page.lang == "ar" else "ltr",
            languages=LANGUAGES, layout=context.pop("layout", "site"),
            language_names=LANGUAGE_SELF_NAMES,
            spans=spans_html, **context)
        response = web.Response(text=html, status=status, content_type="text/html",
                                charset="utf-8")
        response.modified = modified  # type: ignore[attr-defined]  # read by ``cached``
        return response

    def not_found(self, page: Page) -> web.Response:
        return self.render(page, "error.html", status=404, title=page.t("web.error.not_found"),
                           text=page.t("web.error.not_found_text"))

    def base_url(self, request: web.Request) -> str:
        return self.public_url or f"{request.scheme}://{request.host}"

    def tag_host(self, request: web.Request) -> str:
        return urlsplit(self.base_url(request)).hostname or "localhost"

    # ------------------------------------------------------------------ reading
    async def _event(self, uow: Any, key: str | None = None) -> Event | None:
        events = list(await uow.content.events())
        if key:
            return next((e for e in events if e.key == key), None)
        return default_event(events, self.app.deps.clock())

    @staticmethod
    async def changed_at(uow: Any, items: Sequence[NewsItem]) -> dict[int, dt.datetime]:
        """Each item's last published change: its publication, or a correction after it."""
        ids = [i.id for i in items]
        last: dict[int, dt.datetime] = {}
        if ids:
            rows = (await uow.session.execute(
                select(AuditEntry.object_id, func.max(AuditEntry.at))
                .where(AuditEntry.object_kind == "item", AuditEntry.object_id.in_(ids),
                       AuditEntry.action.in_(CORRECTIONS))
                .group_by(AuditEntry.object_id))).all()
            last = {int(i): _aware(at) for i, at in rows if at is not None}  # type: ignore[misc]
        out = {}
        for item in items:
            published = _aware(item.published_at) or _aware(item.created_at) or EPOCH
            edited = last.get(item.id)
            out[item.id] = max(published, edited) if edited else published
        return out

    def item_row(self, item: NewsItem, page: Page) -> dict[str, Any]:
        return {"id": item.id, "title": shown(item.title, page.lang),
                "when": format_moment(item.published_at, page.lang, self.app.deps.timezone)
                if item.published_at else "",
                "summary": summary(pick(item.body, page.lang)),
                "url": page.url(f"/news/{item.id}")}

    # ------------------------------------------------------------------ pages
    async def index(self, request: web.Request, page: Page) -> web.Response:
        lang, now = page.lang, self.app.deps.clock()
        async with self.app.uow() as uow:
            event = await self._event(uow)
            facts = list(await uow.content.facts(event.id)) if event else []
            items = list(await uow.items.latest(LATEST_ON_INDEX,
                                                event_id=event.id if event else None))
            changed = await self.changed_at(uow, items)
            info = self._event_info(event, facts, lang, now) if event else None
            rows = [self.item_row(i, page) for i in items]
        title = info["name"] if info else page.t("web.nav.home")
        return self.render(page, "index.html", title=title, event=info, items=rows,
                           modified=_newest(changed.values()))

    def _event_info(self, event: Event, facts: list[Fact], lang: str,
                    now: dt.datetime) -> dict[str, Any]:
        over = phase(event, now) == "after"
        if over:
            text = shown(event.summary_past, lang) if pick(event.summary_past, lang) \
                else t("phase.as_planned", lang, text=shown(event.summary, lang))
        else:
            text = shown(event.summary, lang)
        groups: OrderedDict[str, list[Fact]] = OrderedDict()
        for f in facts:
            groups.setdefault(f.key, []).append(f)
        figures = [{
            "label": shown(group[0].label, lang),
            "labelled": labelled(shown(group[0].label, lang), lang),
            "disagree": len(group) > 1,
            "rows": [{"value": shown(f.value, lang), "sources": source_links(f.sources, lang)}
                       for f in group],
        } for group in groups.values()]
        return {
            "name": shown(event.name, lang) or event.key,
            "place": shown(event.place, lang),
            "dates": format_days(event.starts_on, event.ends_on, lang, event.alt_starts_on),
            "phase": phase_word(event, now, lang),
            "took_place": took_place(event, lang) if over else None,
            "summary": text,
            "figures": figures,
            "sources": source_links(event.sources, lang),
        }

    def _page_number(self, request: web.Request) -> int:
        raw = request.query.get("page", "1")
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw[:6]) <= MAX_PAGE:
            return 1
        return int(raw)

    async def news(self, request: web.Request, page: Page) -> web.Response:
        number = self._page_number(request)
        async with self.app.uow() as uow:
            event = await self._event(uow)
            event_id = event.id if event else None
            total = await uow.items.count_published(event_id=event_id)
            pages = max(1, -(-total // NEWS_PER_PAGE))
            number = min(number, pages)
            items = list(await uow.items.latest(NEWS_PER_PAGE, (number - 1) * NEWS_PER_PAGE,
                                                event_id=event_id))
            changed = await self.changed_at(uow, items)
            rows = [self.item_row(i, page) for i in items]
        pager = {
            "text": page.t("page", page=number, pages=pages) if pages > 1 else "",
            "prev": page.url("/news", page=number - 1) if number > 1 else None,
            "next": page.url("/news", page=number + 1) if number < pages else None,
        }
        return self.render(page, "news.html", title=page.t("web.nav.news"), items=rows,
                           pager=pager, modified=_newest(changed.values()))

    async def item(self, request: web.Request, page: Page) -> web.Response:
        raw = request.match_info["id"]
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
            raise web.HTTPNotFound()
        lang = page.lang
        async with self.app.uow() as uow:
            found = await uow.items.get_published(int(raw))
            if found is None:
                raise web.HTTPNotFound()
            topics = {tp.key: shown(tp.name, lang) for tp in await uow.content.topics()}
            entries = list(await revisions.history(uow.session, "item", found.id, limit=50))
            changed = (await self.changed_at(uow, [found]))[found.id]
            published = _aware(found.published_at) or EPOCH
            history = [{
                "text": t("web.item.corrected", lang,
                          when=format_moment(e.at, lang, self.app.deps.timezone),
                          fields=", ".join(_fields(e, lang)) or "—"),
            } for e in entries
                if e.action in CORRECTIONS and (_aware(e.at) or EPOCH) >= published
                and _fields(e, lang)]
            data = {
                "id": found.id,
                "title": shown(found.title, lang),
                "when": format_moment(found.published_at, lang, self.app.deps.timezone)
                if found.published_at else "",
                "paragraphs": [p.strip() for p in shown(found.body, lang).split("\n\n")
                               if p.strip()],
                "topics": [topics.get(k, k) for k in found.topics or ()],
                "sources": source_links(found.sources, lang),
                "history": history,
                "stale": t("stale.reader", lang)
                if shown_stale(found, lang, ("title", "body")) else None,
            }
        return self.render(page, "item.html", title=data["title"], item=data, modified=changed)

    async def agenda(self, request: web.Request, page: Page) -> web.Response:
        lang = page.lang
        async with self.app.uow() as uow:
            event = await self._event(uow, request.query.get("event") or None)
            if event is None:
                raise web.HTTPNotFound()
            sessions = list(await uow.content.agenda(event.id))
            topics = {tp.key: tp for tp in await uow.content.topics()}
            tz = event.timezone or self.app.deps.timezone
            over = phase(event, self.app.deps.clock()) == "after"
            days: OrderedDict[dt.date | None, list[dict[str, Any]]] = OrderedDict()
            for s in in_order(sessions, tz):
                row = list(session_spans(s, topics, lang, tz))
                if s.starts_at is None:
                    row.insert(0, Span(t("session.time_not_given", lang) + " · ", italic=True))
                days.setdefault(local_day(s, tz), []).append({
                    "spans": row, "status": s.status,
                    "sources": source_links(s.sources, lang)})
            groups = [{"day": format_day(day, lang) if day else t("agenda.no_day", lang),
                       "sessions": rows} for day, rows in days.items()]
            modified = _newest(s.updated_at for s in sessions)
            name = event_name(event, lang)
        title = t("agenda.title_planned" if over else "agenda.title", lang)
        return self.render(page, "agenda.html", title=title, event_name=name, days=groups,
                           modified=modified)

    async def search(self, request: web.Request, page: Page) -> web.Response:
        query = " ".join(request.query.get("q", "").split())[:200]
        lang = page.lang
        rows: list[dict[str, Any]] = []
        count = ""
        hint = None
        pager: dict[str, Any] = {}
        modified = None
        if len(query) < MIN_QUERY:
            hint = page.t("web.search.hint") if query or "q" in request.query else None
        else:
            number = self._page_number(request)
            async with self.app.uow() as uow:
                event = await self._event(uow)
                items, total = await uow.items.search(
                    query, NEWS_PER_PAGE, (number - 1) * NEWS_PER_PAGE, lang=lang,
                    event_id=event.id if event else None)
                changed = await self.changed_at(uow, items)
                rows = [self.item_row(i, page) for i in items]
            modified = _newest(changed.values())
            count = page.t("search.count", n=total) if total else \
                page.t("search.none", query=query[:80])
            pages = max(1, -(-total // NEWS_PER_PAGE))
            pager = {
                "text": page.t("page", page=number, pages=pages) if pages > 1 else "",
                "prev": page.url("/search", q=query, page=number - 1) if number > 1 else None,
                "next": page.url("/search", q=query, page=number + 1)
                if number < pages else None,
            }
        return self.render(page, "search.html", title=page.t("web.search.title"), query=query,
                           hint=hint, count=count, items=rows, pager=pager, modified=modified)

    async def feed(self, request: web.Request, page: Page) -> web.Response:
        lang = page.lang
        topic = request.query.get("topic") or None
        base = self.base_url(request)
        host = self.tag_host(request)
        async with self.app.uow() as uow:
            event = await self._event(uow)
            topic_keys = {tp.key for tp in await uow.content.topics()}
            if topic is not None and topic not in topic_keys:
                raise web.HTTPNotFound()
            wanted = FEED_ENTRIES if topic is None else FEED_ENTRIES * 20
            items = list(await uow.items.latest(wanted))
            if topic is not None:
                items = [i for i in items if topic in (i.topics or ())]
            items = items[:FEED_ENTRIES]
            changed = await self.changed_at(uow, items)
            name = event_name(event, lang) if event else "newsbot"
            fg = FeedGenerator()
            self_url = base + page.url("/feed.atom", topic=topic)
            fg.id(f"tag:{host},2025:feed" + (f"-{topic}" if topic else ""))
            fg.title(t("web.feed.title", lang, event=name))
            fg.author({"name": name})
            fg.link(href=base + page.url("/news"), rel="alternate", type="text/html")
            fg.link(href=self_url, rel="self", type="application/atom+xml")
            fg.language(lang)
            newest = _newest(changed.values()) or EPOCH
            fg.updated(newest)
            for item in items:
                fe = fg.add_entry(order="append")
                fe.id(f"tag:{host},2025:item-{item.id}")
                fe.title(shown(item.title, lang))
                fe.link(href=base + page.url(f"/news/{item.id}"), rel="alternate",
                        type="text/html")
                fe.updated(changed[item.id])
                if item.published_at:
                    fe.published(_aware(item.published_at))
                names = [s["name"] + (f" <{s['url']}>" if s["url"] else "")
                         for s in source_links(item.sources, lang)]
                cited = ("\n\n" + labelled(t("sources" if len(names) > 1 else "source", lang),
                                            lang) + "; ".join(names)) if names else ""
                fe.content(shown(item.body, lang) + cited, type="text")  # facts and sources
                for key in item.topics or ():
                    fe.category(term=key)
        body = fg.atom_str(pretty=True)
        response = web.Response(body=body, content_type="application/atom+xml",
                                charset="utf-8")
        response.modified = newest if items else None  # type: ignore[attr-defined]
        return response


def _fields(entry: AuditEntry, lang: str) -> list[str]:
    """The fields a correction changed, as a reader reads them ('title (en)')."""
    shown_fields: list[str] = []
    for key in entry.fields or ():
        if key.startswith("stale/") or key in ("status", "deleted_at"):
            continue
        field, _, language = key.partition(".")
        label_key = f"revision.field.{field}"
        label = t(label_key, lang) if label_key in CATALOG else field
        label = f"{label} ({language})" if language else label
        if label not in shown_fields:
            shown_fields.append(label)
    return shown_fields




def spans_html(parts: Iterable[Span]) -> Any:
    """Spans as HTML (escaped): bold, italic, code, links; content isolated with ``<bdi>``."""
    from markupsafe import Markup, escape

    out = []
    for s in parts:
        html = escape(s.text)
        if s.code:
            html = Markup("<code>%s</code>") % html
        if s.bold:
            html = Markup("<strong>%s</strong>") % html
        if s.italic:
            html = Markup("<em>%s</em>") % html
        if s.url:
            html = Markup('<a href="%s">%s</a>') % (s.url, html)
        if s.foreign:
            html = Markup("<bdi>%s</bdi>") % html
        out.append(html)
    return Markup("").join(out)


SITE: web.AppKey[Site] = web.AppKey("public_site", Site)


def register(web_app: web.Application, app: App) -> None:
    site = Site(app)
    web_app[SITE] = site
    for path, name, handler in (
        ("/", "index", site.index),
        ("/news", "news", site.news),
        ("/news/{id}", "item", site.item),
        ("/agenda", "agenda", site.agenda),
        ("/search", "search", site.search),
        ("/feed.atom", "feed", site.feed),
    ):
        web_app.router.add_get(path, site.route(name, handler))
