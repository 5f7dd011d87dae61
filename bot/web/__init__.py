"""The public part of the HTTP server, for readers outside chat (``[http] public = true``).

``add_public_routes(web_app, app)`` adds every route of it to the operators' aiohttp
application (bot/http.py): each sub-part registers its own (``register`` in its module):

- the event page, news, agenda and search in HTML, and the Atom feed (bot/web/site.py);
- calendar files (bot/web/calendar.py);
- the Telegram Mini App (bot/web/miniapp.py).
"""

from __future__ import annotations

import importlib
import logging

from aiohttp import web

from bot.app import App

log = logging.getLogger("newsbot.web")

#: the modules that add routes, in order; a module not present yet is skipped
PARTS = ("bot.web.site", "bot.web.calendar", "bot.web.miniapp")


def add_public_routes(web_app: web.Application, app: App) -> None:
    for name in PARTS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(web_app, app)
