"""The Atom feed as a feed reader gets it (parsed with feedparser), and the public site through
the service process."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import aiohttp
import feedparser
from sqlalchemy import func, select

from storage.models import NewsItem
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_fixtures import fake_telegram as fake_telegram
from tests.helpers import send
from tests.service_process import start_service, telegram_config, write_config
from tests.telegram_harness import eventually
from tests.web_support import OWNER, published_item, site


async def _published_count(app) -> int:  # type: ignore[no-untyped-def]
    async with app.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(NewsItem).where(
            NewsItem.status == "published", NewsItem.deleted_at.is_(None))) or 0)


async def test_feed_has_every_published_item_and_corrections_move_updated(db_url: str) -> None:
    async with site(db_url, public_url="https://news.example.org") as (app, client):
        item_id = await published_item(app, "Interpol adopte la résolution")
        gone_id = await published_item(app, "Nouvelle à supprimer")
        await send(app, f"/delitem {gone_id}", **OWNER)
        r = await client.get("/feed.atom")
        assert r.status == 200 and r.headers["Content-Type"].startswith("application/atom+xml")
        feed = feedparser.parse(await r.read())
        assert not feed.bozo, feed.bozo_exception
        ids = [e.id for e in feed.entries]
        assert len(ids) == await _published_count(app)  # every published item (fewer than 50)
        assert f"tag:news.example.org,2025:item-{item_id}" in ids
        assert f"tag:news.example.org,2025:item-{gone_id}" not in ids  # deleted: absent
        entry = next(e for e in feed.entries if e.id.endswith(f"item-{item_id}"))
        assert entry.link == f"https://news.example.org/news/{item_id}"
        assert entry.title == "Interpol adopte la résolution"
        before = entry.updated_parsed

        await send(app, f"/edititem {item_id} title Résolution adoptée", **OWNER)
        feed = feedparser.parse(await (await client.get("/feed.atom")).read())
        entry = next(e for e in feed.entries if e.id.endswith(f"item-{item_id}"))
        assert entry.title == "Résolution adoptée"
        assert entry.updated_parsed > before  # the correction moved it
        assert feed.feed.updated_parsed == entry.updated_parsed


async def test_feed_by_topic_and_language(db_url: str) -> None:
    async with site(db_url) as (_, client):
        feed = feedparser.parse(await (await client.get("/feed.atom?topic=governance&lang=en"))
                                .read())
        assert not feed.bozo and feed.entries
        assert all("governance" in [tag.term for tag in e.tags] for e in feed.entries)
        assert feed.feed.language == "en"
        assert feed.entries[0].link.endswith("?lang=en")
        assert (await client.get("/feed.atom?topic=nope")).status == 404


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_service_process_serves_the_pages_and_feed(
        fake_telegram: FakeTelegram, db_url: str, tmp_path: Path) -> None:
    port = _free_port()
    config = telegram_config(fake_telegram, db_url, secret_token="web-site-test-secret")
    config["http"] = {"public": True, "port": port}
    service = await start_service(write_config(tmp_path / "bot.toml", config), tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        async def up() -> bool:
            try:
                async with aiohttp.ClientSession() as s, s.get(f"{base}/") as r:
                    return r.status == 200
            except aiohttp.ClientError:
                return False
        await eventually(up, timeout=30)
        async with aiohttp.ClientSession() as s:
            async with s.get(f"{base}/?lang=en") as r:
                assert r.status == 200
                assert "<h1><bdi>93rd INTERPOL General Assembly</bdi></h1>" in await r.text()
            async with s.get(f"{base}/feed.atom") as r:
                assert r.status == 200
                feed = feedparser.parse(await r.read())
        assert not feed.bozo and len(feed.entries) >= 10
    finally:
        await asyncio.wait_for(service.stop(), 40)
