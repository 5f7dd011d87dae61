"""Shared by the Mini App's tests: an App with the public part on, initData signed as
Telegram signs it, and the App's real HTTP server on a free port."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp.test_utils import TestServer

from bot.app import App
from bot.http import OperatorHTTP
from bot.web.initdata import sign
from tests.conftest import make_settings

TOKEN = "123456:TEST-miniapp-token"
OWNER, READER = 4242, 5151
#: during the 93rd General Assembly (Marrakesh, 24-27 November 2025)
NOW = dt.datetime(2025, 11, 25, 9, 0, tzinfo=dt.UTC)


class Clock:
    """A clock the test moves."""

    def __init__(self, now: dt.datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def miniapp_settings(db_url: str, **http: object):  # type: ignore[no-untyped-def]
    return make_settings(
        db_url, telegram={"token": TOKEN, "owners": [str(OWNER)]},
        http={"public": True, "public_url": "https://news.example.org", "port": 0, **http})


def init_data(user_id: int, lang: str | None = "fr", *, at: dt.datetime = NOW,
              token: str = TOKEN, first_name: str = "Amina", **extra: str) -> str:
    """initData as Telegram builds it (query_id, user JSON, auth_date, hash)."""
    user: dict[str, object] = {"id": user_id, "first_name": first_name, "is_bot": False}
    if lang is not None:
        user["language_code"] = lang
    fields = {"query_id": "AAHdF6IQAAAAAN0XohDhrOrc", "auth_date": str(int(at.timestamp())),
              "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False), **extra}
    return sign(fields, token)


@asynccontextmanager
async def miniapp_server(app: App) -> AsyncIterator[TestServer]:
    """The App's own HTTP server (bot/http.py with the public part) on 127.0.0.1, port 0."""
    server = TestServer(OperatorHTTP(app).web_app(), host="127.0.0.1")
    await server.start_server()
    try:
        yield server
    finally:
        await server.close()
