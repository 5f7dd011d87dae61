"""The Telegram Mini App: the agenda and the latest news in the reader's language, and for the
bot's admins the drafts with a Publish button (``[http] public = true``).

- ``GET /app``: the shell (templates/miniapp/shell.html) and ``GET /app/miniapp.js``, its
  script. The script reads ``Telegram.WebApp.initData`` (or, without Telegram's script, the
  ``#tgWebAppData=`` fragment Telegram opens the page with), sends it in the
  ``X-Telegram-Init-Data`` header to the API below and inserts the HTML fragments the server
  renders (Jinja2, autoescaped): no markup is built in the browser from data.
- ``GET /app/api/me`` (the tabs, the reader's language and direction), ``/app/api/agenda``,
  ``/app/api/news``, ``/app/api/drafts`` (admins) and ``POST /app/api/publish/<id>``
  (admins), which dispatches ``/publish <id> confirm`` through the App: the same path as
  the command in chat, so alerts are queued exactly as from there.

Every API request is authenticated by its initData (bot/web/initdata.py, signed with the
Telegram token): invalid, stale, missing or malformed gets 401 with an empty body. The API's
answers are ``Cache-Control: no-store``.

The language is the initData user's ``language_code`` (handlers.i18n.normalize_language),
else the bot's default; the agenda reads in the zone /agenda shows that user's private chat.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bot.app import App
from bot.web.initdata import WebAppUser, validate
from bot.web.site import SITE, Page
from handlers.base import Request
from handlers.common import add_sources, sources_of
from handlers.content import add_sessions_by_day, chat_programme
from handlers.desk import mark_previewed, preview_warnings
from handlers.events import event_for, phase
from handlers.fanout.compose import alert_reply
from handlers.i18n import normalize_language, t
from handlers.news import item_line
from handlers.reply import Reply, ReplyBuilder, Span
from handlers.sessions import session_spans
from storage.editorial import drafts
from storage.models import AgendaSession, NewsItem
from storage.text import LANGUAGES

log = logging.getLogger("newsbot.web.miniapp")

#: the header the shell's script sends initData in
INIT_DATA_HEADER = "X-Telegram-Init-Data"
NO_STORE = {"Cache-Control": "no-store"}
#: how many of the latest news items and of the drafts the app shows
NEWS_SHOWN = 10
DRAFTS_SHOWN = 20
#: the shell's own words, in every language (it does not know the reader before the API does)
SHELL_KEYS = ("miniapp.loading", "miniapp.unauthorised", "miniapp.failed")

TEMPLATES = Path(__file__).parent / "templates" / "miniapp"

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(name: str, **context: Any) -> str:
    return _env.get_template(name).render(**context)


def direction(lang: str) -> str:
    return Reply(blocks=(), language=lang).direction




class MiniApp:
    def __init__(self, app: App) -> None:
        self.app = app

    # ------------------------------------------------------------------ who asks
    def user_of(self, request: web.Request) -> WebAppUser | None:
        token = self.app.settings.telegram.token
        max_age = dt.timedelta(seconds=self.app.settings.http.miniapp_max_age_seconds)
        return validate(request.headers.get(INIT_DATA_HEADER),
                        token.get_secret_value() if token else "",
                        now=self.app.deps.clock(), max_age=max_age)

    def language(self, user: WebAppUser) -> str:
        return normalize_language(user.language_code) or self.app.deps.default_language

    def chat_request(self, user: WebAppUser, command: str = "app", args: str = "") -> Request:
        """The user as the bot sees them in their private chat with it."""
        uid = str(user.id)
        return Request(platform="telegram", chat_id=uid, user_id=uid, command=command,
                       args=args, user_language=user.language_code,
                       language=self.language(user), user_name=user.first_name or None)

    async def is_admin(self, user: WebAppUser) -> bool:
        uid = str(user.id)
        if uid in self.app.deps.owners.get("telegram", frozenset()):
            return True
        async with self.app.uow() as uow:
            return await uow.admins.is_admin("telegram", uid)

    # ------------------------------------------------------------------ answers
    @staticmethod
    def unauthorised() -> web.Response:
        return web.Response(status=401, headers=NO_STORE)

    @staticmethod
    def fragment(html: str, lang: str, status: int = 200) -> web.Response:
        return web.Response(text=html, status=status, content_type="text/html",
                            headers={**NO_STORE, "Content-Language": lang})

    def reply_fragment(self, reply: Reply, lang: str, status: int = 200) -> web.Response:
        return self.fragment(render("reply.html", reply=reply, lang=lang, dir=direction(lang)),
                             lang, status)

    # ------------------------------------------------------------------ routes
    async def shell(self, request: web.Request) -> web.Response:
        accepted = [normalize_language(part.split(";")[0].strip())
                    for part in request.headers.get("Accept-Language", "").split(",")]
        lang = next((x for x in accepted if x), None) or self.app.deps.default_language
        messages = {code: {key: t(key, code) for key in SHELL_KEYS} for code in LANGUAGES}
        html = render("shell.html", lang=lang, dir=direction(lang), messages=messages,
                      loading=messages[lang]["miniapp.loading"])
        return web.Response(text=html, content_type="text/html", headers={
            "Cache-Control": "no-cache",
            "Content-Security-Policy": (
                "default-src 'none'; script-src 'self' https://telegram.org; "
                "style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; "
                "base-uri 'none'; form-action 'none'"),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        })

    async def script(self, request: web.Request) -> web.Response:
        return web.Response(text=(TEMPLATES / "miniapp.js").read_text(encoding="utf-8"),
                            content_type="application/javascript",
                            headers={"Cache-Control": "no-cache",
                                     "X-Content-Type-Options": "nosniff"})

    async def me(self, request: web.Request) -> web.Response:
        user = self.user_of(request)
        if user is None:
            return self.unauthorised()
        lang = self.language(user)
        tabs = [("agenda", t("agenda.title", lang)), ("news", t("news.title", lang))]
        if await self.is_admin(user):
            tabs.append(("drafts", t("miniapp.drafts", lang)))
        return self.fragment(render("nav.html", tabs=tabs, lang=lang, dir=direction(lang)), lang)

    async def agenda(self, request: web.Request) -> web.Response:
        user = self.user_of(request)
        if user is None:
            return self.unauthorised()
        lang, req = self.language(user), self.chat_request(user)
        deps = self.app.deps
        async with self.app.uow() as uow:
            event, ordered, topics, tz = await chat_programme(uow, req, deps)
        over = event is not None and phase(event, deps.clock()) == "after"
        b = ReplyBuilder().heading(t("agenda.title_planned" if over else "agenda.title", lang))

        def row(s: AgendaSession) -> tuple[Span, ...]:
            spans = session_spans(s, topics, lang, tz)
            if s.starts_at is None:  # the 93rd Assembly's sources give no times: say so
                spans = (*spans, Span(f" · {t('session.time_not_given', lang)}", italic=True))
            return spans

        add_sessions_by_day(b, ordered, lang, tz, row)
        add_sources(b, sources_of(ordered), lang)
        return self.reply_fragment(b.build(language=lang), lang)

    async def news(self, request: web.Request) -> web.Response:
        user = self.user_of(request)
        if user is None:
            return self.unauthorised()
        lang, req = self.language(user), self.chat_request(user)
        async with self.app.uow() as uow:
            event = await event_for(uow, req, self.app.deps)
            items = list(await uow.items.latest(NEWS_SHOWN, 0,
                                                event_id=event.id if event else None))
        b = ReplyBuilder().heading(t("news.title", lang))
        if not items:
            b.para(t("news.none", lang))
        b.bullets([item_line(i, lang, self.app.deps.timezone) for i in items])
        add_sources(b, sources_of(items), lang)
        return self.reply_fragment(b.build(language=lang), lang)

    async def drafts(self, request: web.Request) -> web.Response:
        user = self.user_of(request)
        if user is None:
            return self.unauthorised()
        if not await self.is_admin(user):
            return web.Response(status=403, headers=NO_STORE)
        lang, req = self.language(user), self.chat_request(user, "publish")
        deps = self.app.deps
        shown_items: list[tuple[int, Reply]] = []
        async with self.app.uow() as uow:
            items, total = await drafts(uow.session, DRAFTS_SHOWN, 0)
            topics = await uow.content.topics()
            for item in items:
                # what a subscriber would get, as /publish previews it
                preview = NewsItem(id=item.id, title=item.title, body=item.body,
                                   topics=item.topics, sources=item.sources,
                                   published_at=item.published_at or deps.clock())
                b = ReplyBuilder()
                b.blocks.extend(alert_reply(preview, topics, lang=lang, tz=deps.timezone).blocks)
                for warning in preview_warnings(item):
                    b.para(Span("⚠ " + t(warning, lang), italic=True))
                shown_items.append((item.id, b.build(language=lang)))
                # this admin has now seen it as it stands: Publish publishes this state, and
                # a later change makes /publish show it again instead (its own guard)
                await mark_previewed(uow, req, deps, item)
        html = render("drafts.html", lang=lang, dir=direction(lang),
                      title=t("drafts.title", lang, n=total),
                      empty=t("drafts.none", lang) if not shown_items else None,
                      items=shown_items, publish=t("miniapp.publish", lang))
        return self.fragment(html, lang)

    async def publish(self, request: web.Request) -> web.Response:
        user = self.user_of(request)
        if user is None:
            return self.unauthorised()
        if not await self.is_admin(user):
            return web.Response(status=403, headers=NO_STORE)
        item_id = request.match_info["item_id"]
        req = self.chat_request(user, "publish", f"{item_id} confirm")
        reply = await self.app.handle(req)
        lang = reply.language or self.language(user)
        log.info("mini app publish", extra={"item": item_id, "user": req.user_id,
                                            "error": reply.is_error})
        return self.reply_fragment(reply, lang, status=400 if reply.is_error else 200)


def register(web_app: web.Application, app: App) -> None:
    mini = MiniApp(app)
    site = web_app[SITE]  # the public site's wrapper: rate limit per client, ETag/304, metrics

    def wrapped(name: str, handler: Callable[[web.Request], Awaitable[web.Response]]
                ) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def serve(request: web.Request, page: Page) -> web.Response:
            return await handler(request)
        return site.route(name, serve)

    web_app.router.add_get("/app", wrapped("app", mini.shell))
    web_app.router.add_get("/app/miniapp.js", wrapped("app_script", mini.script))
    web_app.router.add_get("/app/api/me", wrapped("app_api", mini.me))
    web_app.router.add_get("/app/api/agenda", wrapped("app_api", mini.agenda))
    web_app.router.add_get("/app/api/news", wrapped("app_api", mini.news))
    web_app.router.add_get("/app/api/drafts", wrapped("app_api", mini.drafts))
    web_app.router.add_post(r"/app/api/publish/{item_id:[0-9]{1,12}}", mini.publish)
