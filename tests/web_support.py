"""The public site through the real App and the real aiohttp server (OperatorHTTP's app)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from bot.app import App
from bot.http import OperatorHTTP
from tests.desk.conftest import desk_settings
from tests.helpers import send

OWNER = {"user_id": "local"}


@asynccontextmanager
async def site(db_url: str, **http: Any) -> AsyncIterator[tuple[App, TestClient]]:
    settings = desk_settings(db_url, http={"public": True, "public_per_minute": 1000, **http})
    async with App(settings) as app, \
            TestClient(TestServer(OperatorHTTP(app).web_app())) as client:
        yield app, client


async def published_item(app: App, title: str, body: str = "Premier paragraphe.",
                         extra: str = "") -> int:
    """An item added and published through the desk, as an admin does."""
    added = await send(app, f"/additem {title} topics=cybercrime source=“Le Matin” "
                            f"url=https://lematin.ma/a at=2025-11-25T10:00 {extra}\n{body}",
                       **OWNER)
    assert not added.is_error, added
    item_id = int(added.buttons[0].args)
    done = await send(app, f"/publish {item_id} confirm", **OWNER)
    assert not done.is_error
    return item_id


def h1s(html: str) -> list[str]:
    return re.findall(r"<h1[^>]*>(.*?)</h1>", html, re.S)


def html_tag(html: str) -> str:
    found = re.search(r"<html[^>]*>", html)
    assert found, html[:200]
    return found.group(0)
