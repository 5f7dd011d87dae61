"""Calendar files on the public part (``[http] public = true``; handlers/calendar.py writes them).

- ``GET /agenda.ics`` (``?event=KEY``, ``?lang=xx``): the whole programme of an event (by
  default the current or next one, handlers.events.default_event).
- ``GET /calendar/<token>.ics`` (``?lang=xx``): the sessions a chat follows; its token comes
  from ``/calendar`` in that chat. An unknown token (or one ``/calendar reset`` replaced)
  answers 404 with nothing else.

Both answer ``text/calendar; charset=utf-8`` through the public site's wrapper: an ETag (a
calendar app polling with ``If-None-Match`` gets 304 while nothing changed), the per-client
rate limit and the request metrics; a private calendar is ``Cache-Control: private``.
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.app import App
from bot.web.site import SITE, Page
from handlers.calendar import private_ics, programme_ics

log = logging.getLogger("newsbot.web.calendar")

CONTENT_TYPE = "text/calendar; charset=utf-8"


def _answer(body: bytes | None, *, private: bool) -> web.Response:
    """The file (the site's wrapper adds the ETag and answers 304), or a bare 404."""
    if body is None:
        return web.Response(status=404)
    cache = "private, no-cache" if private else "no-cache"
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE, "Cache-Control": cache})


def register(web_app: web.Application, app: App) -> None:
    """The two routes, through the public site's wrapper (bot/web/site.py ``Site.route``): the
    same per-client rate limit, ETag/304, metrics and error pages as every public page."""
    public_url = app.settings.http.public_url
    site = web_app[SITE]

    async def agenda(request: web.Request, page: Page) -> web.Response:
        async with app.uow() as uow:
            body = await programme_ics(uow, app.deps, request.query.get("event") or None,
                                       request.query.get("lang"), public_url)
        return _answer(body, private=False)

    async def private(request: web.Request, page: Page) -> web.Response:
        async with app.uow() as uow:
            body = await private_ics(uow, app.deps, request.match_info["token"],
                                     request.query.get("lang"), public_url)
        return _answer(body, private=True)

    web_app.router.add_get("/agenda.ics", site.route("agenda_ics", agenda))
    web_app.router.add_get(r"/calendar/{token:[A-Za-z0-9_-]{1,64}}.ics",
                           site.route("calendar_ics", private))
