"""Feeds in the real processes: `python -m bot run` (Telegram against the strict fake) announcing
what a `publish = true` feed brings, and `python -m bot poll-feeds` reporting each feed.

No stand-in anywhere: the service's own publisher, outbox worker and PTB sender; the feeds come
from a local HTTP server; SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import App
from storage.models import AuditEntry, NewsItem, OutboxMessage
from tests.conftest import ROOT, make_settings
from tests.desk.feed_server import FeedServer, entry_title, feed_server, many_entries
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_fixtures import fake_telegram
from tests.helpers import text_of

__all__ = ["fake_telegram", "feed_server"]

READER = 424242


def write_config(path: Path, feeds: list[dict[str, object]], **editorial: object) -> Path:
    lines = ["[editorial]", "feed_timeout_seconds = 30"]
    lines += [f"{k} = {v!r}" for k, v in editorial.items()]
    for f in feeds:
        lines.append("[[feeds]]")
        for key, value in f.items():
            if isinstance(value, bool):
                lines.append(f"{key} = {'true' if value else 'false'}")
            elif isinstance(value, list):
                lines.append(f"{key} = [{', '.join(repr(v) for v in value)}]")
            elif isinstance(value, str):
                lines.append(f'{key} = "{value}"')
            else:
                lines.append(f"{key} = {value}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def bot_env(db_url: str, **extra: str) -> dict[str, str]:
    env = {**os.environ, "NEWSBOT_DATABASE__URL": db_url, **extra}
    env.pop("NEWSBOT_CONFIG", None)
    return env


async def poll_feeds(config: Path, db_url: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "poll-feeds", "--config", str(config), cwd=ROOT,
        env=bot_env(db_url), stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


@pytest.mark.slow
async def test_the_service_announces_a_publishing_feed_to_subscribed_chats(
        fake_telegram: FakeTelegram, feed_server: FeedServer, db_url: str, tmp_path: Path) -> None:
    # A drafts feed first: once it succeeds, the other feeds due in the same tick still run.
    config = write_config(tmp_path / "bot.toml", [
        {"name": "Le Matin", "url": feed_server.url("rss")},
        {"name": "INTERPOL", "url": feed_server.url("atom"), "language": "en", "publish": True},
    ])
    feed_server.hold("rss", "atom")  # the polls wait until the reader has subscribed
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config), cwd=ROOT,
        env=bot_env(db_url, NEWSBOT_TELEGRAM__TOKEN=fake_telegram.token,
                    NEWSBOT_TELEGRAM__BASE_URL=fake_telegram.base_url),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    try:
        fake_telegram.push_message(READER, "/subscribe alerts", language_code="en")
        [subscribed] = await fake_telegram.wait_for_messages(READER, 1, timeout=30)
        feed_server.open_gate()
        messages = await fake_telegram.wait_for_messages(READER, 3, timeout=30)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), timeout=30)
    log = stderr.decode()
    assert proc.returncode == 0, log
    assert "alerts" in subscribed.text.lower()
    alerts = [m.text for m in messages[1:]]
    # both entries arrive, each with its text and its source
    assert any("Resolution adopted on the UN Cybercrime Convention" in a for a in alerts), alerts
    assert any("New Executive Committee elected" in a for a in alerts), alerts
    assert all("INTERPOL" in a for a in alerts)
    assert "Traceback" not in log and "MissingGreenlet" not in log and "feed tick failed" not in log
    assert "feed polled" in log and "feed=INTERPOL" in log and "feed='Le Matin'" in log

    # what the desk sees: the publish is a revision made by the feed, like an admin's /publish
    async with App(make_settings(db_url)) as app:
        async with app.uow() as uow:
            items = (await uow.session.scalars(
                select(NewsItem).where(NewsItem.created_by == "feed:INTERPOL"))).all()
            assert len(items) == 2 and all(i.status == "published" for i in items)
            assert all(i.origin == "feed" for i in items)
            publishes = (await uow.session.scalars(select(AuditEntry).where(
                AuditEntry.action == "item.publish",
                AuditEntry.object_id.in_([i.id for i in items])))).all()
            assert sorted(p.object_id for p in publishes) == sorted(i.id for i in items)
            assert {(p.platform, p.user_id, p.origin) for p in publishes} == {("feed", "INTERPOL", "feed")}
            drafts = (await uow.session.scalars(
                select(NewsItem).where(NewsItem.created_by == "feed:Le Matin"))).all()
            assert len(drafts) == 3 and all(i.status == "draft" for i in drafts)
        history = await text_of(app, f"/history item {items[0].id}", user_id="local", lang="en")
        assert "published" in history


@pytest.mark.slow
async def test_poll_feeds_reports_every_feed_and_exits_0(
        feed_server: FeedServer, db_url: str, tmp_path: Path) -> None:
    config = write_config(tmp_path / "bot.toml", [
        {"name": "INTERPOL", "url": feed_server.url("atom"), "language": "en"},
        {"name": "Le Matin", "url": feed_server.url("rss"), "publish": True},
    ])
    async with App(make_settings(db_url)) as app:  # a chat waiting for alerts
        assert "alert" in (await text_of(app, "/subscribe alerts", chat_id="reader", lang="en")).lower()
    code, out, err = await poll_feeds(config, db_url)
    assert (code, out.splitlines()) == (0, [
        "INTERPOL: 2 new (drafts), 0 skipped",
        "Le Matin: 3 new (published, 3 alerts queued), 1 skipped",
    ]), err
    assert "Traceback" not in err and "feed polled" in err

    # a second run: nothing new (the server answers 304 to the ETag)
    code, out, err = await poll_feeds(config, db_url)
    assert (code, out.splitlines()) == (0, ["INTERPOL: not modified", "Le Matin: not modified"]), err
    async with App(make_settings(db_url)) as app, app.uow() as uow:
        queued = await uow.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "alert"))
        assert queued == 3  # for the running service's outbox worker to send


@pytest.mark.slow
async def test_poll_feeds_a_failing_feed_does_not_stop_the_others(
        feed_server: FeedServer, db_url: str, tmp_path: Path) -> None:
    config = write_config(tmp_path / "bot.toml", [
        {"name": "Down", "url": feed_server.url("error")},
        {"name": "INTERPOL", "url": feed_server.url("atom"), "language": "en"},
    ])
    code, out, err = await poll_feeds(config, db_url)
    assert out.splitlines() == ["Down: error: HTTP 500", "INTERPOL: 2 new (drafts), 0 skipped"], err
    assert code == 1  # a feed failed: the operator's script sees it
    assert "Traceback" not in err


@pytest.mark.slow
async def test_poll_feeds_takes_a_long_feed_a_few_entries_at_a_time(
        feed_server: FeedServer, db_url: str, tmp_path: Path) -> None:
    feed_server.docs["long"] = (many_entries(120, prefix="long"), "application/rss+xml")
    config = write_config(tmp_path / "bot.toml", [
        {"name": "Long", "url": feed_server.url("long"), "max_entries_per_poll": 50},
    ])
    outputs = [(await poll_feeds(config, db_url))[:2] for _ in range(4)]
    assert outputs == [
        (0, "Long: 50 new (drafts), 0 skipped, 70 left for the next polls\n"),
        (0, "Long: 50 new (drafts), 50 skipped, 20 left for the next polls\n"),
        (0, "Long: 20 new (drafts), 100 skipped\n"),
        (0, "Long: not modified\n"),
    ]
    async with App(make_settings(db_url)) as app, app.uow() as uow:
        titles = (await uow.session.scalars(
            select(NewsItem.title).where(NewsItem.created_by == "feed:Long").order_by(NewsItem.id))).all()
    # nothing lost, nothing twice; the newest entries came first
    assert sorted(t["fr"] for t in titles) == sorted(entry_title("long", i) for i in range(120))
    first_poll = {t["fr"] for t in titles[:50]}
    assert first_poll == {entry_title("long", i) for i in range(70, 120)}
