"""Calendar files on the public part (``[http] public = true``; handlers/calendar.py writes them).

- ``GET /agenda.ics`` (``?event=KEY``, ``?lang=xx``): the whole programme of an event (by
  default the current or next one, handlers.events.default_event).
- ``GET /calendar/<token>.ics`` (``?lang=xx``): the sessions a chat follows; its token comes
  from ``/calendar`` in that chat. An unknown token (or one ``/calendar reset`` replaced)
  answers 404 with nothing else.

Both answer ``text/calendar; charset=utf-8`` with an ETag (the body's hash): a calendar app
polling with ``If-None-Match`` gets 304 while nothing changed.
"""

from __future__ import annotations

import hashlib
import logging

from aiohttp import web

from bot.app import App
from handlers.calendar import private_ics, programme_ics

log = logging.getLogger("newsbot.web.calendar")

CONTENT_TYPE = "text/calendar; charset=utf-8"


def _answer(request: web.Request, body: bytes | None) -> web.Response:
    if body is None:
        return web.Response(status=404)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    wanted = request.headers.get("If-None-Match", "")
    if etag in {tag.strip() for tag in wanted.split(",")} or wanted.strip() == "*":
        return web.Response(status=304, headers=headers)
    return web.Response(body=body, headers={**headers, "Content-Type": CONTENT_TYPE})


def register(web_app: web.Application, app: App) -> None:
    public_url = app.settings.http.public_url

    async def agenda(request: web.Request) -> web.Response:
        async with app.uow() as uow:
            body = await programme_ics(uow, app.deps, request.query.get("event") or None,
                                       request.query.get("lang"), public_url)
        return _answer(request, body)

    async def private(request: web.Request) -> web.Response:
        async with app.uow() as uow:
            body = await private_ics(uow, app.deps, request.match_info["token"],
                                     request.query.get("lang"), public_url)
        return _answer(request, body)

    web_app.router.add_get("/agenda.ics", agenda)
    web_app.router.add_get(r"/calendar/{token:[A-Za-z0-9_-]{1,64}}.ics", private)
