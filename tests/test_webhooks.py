"""Outgoing webhooks end to end: the real App, its composition root (build_components: the
webhook platform under its supervisor, the scheduler, the outbox worker), the desk's commands,
and a strict local receiver that checks every signature and counts duplicates.

The real process (``python -m bot run`` with [[webhooks]] and a publishing feed) is at the end.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import select

from bot.app import App
from bot.service import build_components
from handlers.fanout.digests import plan_digests
from storage.models import Chat, OutboxMessage
from tests.conftest import make_settings
from tests.desk.feed_server import FeedServer, feed_server
from tests.fakes.webhook_receiver import Delivery, FakeWebhookReceiver
from tests.helpers import text_of
from tests.outbox_support import FAST

__all__ = ["feed_server"]

T = TypeVar("T")
SECRET = "whsec_" + base64.b64encode(bytes(range(40, 72))).decode()
ARCHIVE_SECRET = "whsec_" + base64.b64encode(bytes(range(100, 132))).decode()
OWNER = {"user_id": "local"}  # the console's owner by default


def endpoints(rx: FakeWebhookReceiver, **newsroom: Any) -> list[dict[str, Any]]:
    return [
        {"name": "newsroom", "url": rx.endpoint("/newsroom", SECRET), "secret": SECRET,
         "language": "en", **newsroom},
        # only cybercrime alerts
        {"name": "archive", "url": rx.endpoint("/archive", ARCHIVE_SECRET),
         "secret": ARCHIVE_SECRET, "topics": ["cybercrime"], "kinds": ["alert"]},
    ]


async def eventually(probe: Callable[[], Awaitable[T]], check: Callable[[T], bool],
                     timeout: float = 15.0) -> T:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await probe()
        if check(value):
            return value
        if loop.time() > deadline:
            raise AssertionError(f"not reached in time: {value!r}")
        await asyncio.sleep(0.02)


class Running:
    def __init__(self, app: App, rx: FakeWebhookReceiver) -> None:
        self.app, self.rx = app, rx

    async def deliveries(self, path: str, count: int) -> list[Delivery]:
        async def probe() -> list[Delivery]:
            return [d for d in self.rx.received if d.path == path]

        return await eventually(probe, lambda got: len(got) >= count)

    async def row(self, key_prefix: str) -> OutboxMessage:
        async def probe() -> OutboxMessage | None:
            async with self.app.uow() as uow:
                return (await uow.session.scalars(select(OutboxMessage).where(
                    OutboxMessage.dedupe_key.startswith(key_prefix)))).first()

        row = await eventually(probe, lambda r: r is not None and r.status in ("sent", "dead"))
        assert row is not None
        return row


async def publish(app: App, text: str) -> int:
    reply = await text_of(app, "/additem " + text, **OWNER)
    match = re.search(r"#(\d+)", reply)
    assert match, reply
    item_id = int(match.group(1))
    done = await text_of(app, f"/publish {item_id} confirm", **OWNER)
    assert "publi" in done.lower(), done
    return item_id


@pytest.fixture
async def receiver() -> AsyncIterator[FakeWebhookReceiver]:
    async with FakeWebhookReceiver() as rx:
        yield rx


async def running(db_url: str, rx: FakeWebhookReceiver, stack: AsyncExitStack,
                  delivery: dict[str, Any] | None = None, **newsroom: Any) -> Running:
    settings = make_settings(db_url, webhooks=endpoints(rx, **newsroom),
                             delivery={**FAST, **(delivery or {})},
                             bot={"retry_initial_seconds": 0.05, "retry_max_seconds": 0.2})
    app = await stack.enter_async_context(App(settings))
    for component in build_components(app):
        await component.start()
        stack.push_async_callback(component.stop)
    await eventually(lambda: asyncio.sleep(0, app.senders), lambda s: "webhook" in s)
    return Running(app, rx)


async def test_every_kind_of_news_reaches_the_endpoints_signed_once_each(
        db_url: str, receiver: FakeWebhookReceiver) -> None:
    async with AsyncExitStack() as stack:
        bot = await running(db_url, receiver, stack)
        async with bot.app.uow() as uow:  # the configuration made them chats
            chats = {c.platform_chat_id: c for c in await uow.chats.of_platform("webhook")}
            assert set(chats) == {"newsroom", "archive"}
            sub = await uow.subscriptions.for_chat(chats["archive"].id)
            assert sub is not None and sub.alerts and not sub.digest
            assert sub.alerts_topics == ["cybercrime"]
        cyber = await publish(bot.app, "Interpol adopts the resolution topics=cybercrime lang=en\n"
                                       "Member countries back the UN Convention.")
        other = await publish(bot.app, "Silver Notice presented topics=governance lang=en\n"
                                       "A new notice for assets.")
        [a1, a2] = await bot.deliveries("/newsroom", 2)
        assert {(d.body["type"], d.body["item_id"]) for d in (a1, a2)} == {
            ("alert", cyber), ("alert", other)}
        assert "Interpol adopts the resolution" in next(
            d.body["text"] for d in (a1, a2) if d.body["item_id"] == cyber)
        [archived] = await bot.deliveries("/archive", 1)
        assert archived.body["item_id"] == cyber  # its topic only

        assert "#" in await text_of(bot.app, f"/edititem {cyber} title Interpol adopts the "
                                             f"cybercrime resolution", **OWNER)
        correction = (await bot.deliveries("/newsroom", 3))[2]
        assert correction.body["type"] == "correction" and correction.body["item_id"] == cyber
        await text_of(bot.app, f"/delitem {other}", **OWNER)
        withdrawal = (await bot.deliveries("/newsroom", 4))[3]
        assert withdrawal.body["type"] == "withdrawal" and withdrawal.body["item_id"] == other

        # the newsroom's digest, due a minute ago, of what was published before (the
        # scheduler's job, run now)
        now = bot.app.deps.clock()
        async with bot.app.uow() as uow:
            for item_id in (cyber, other):
                item = await uow.items.get(item_id)
                assert item is not None and item.published_at is not None
                item.published_at = now - dt.timedelta(minutes=10)
            sub = await uow.subscriptions.for_chat(chats["newsroom"].id)
            assert sub is not None
            sub.digest, sub.digest_time = True, (now - dt.timedelta(minutes=2)).strftime("%H:%M")
            sub.created_at = now - dt.timedelta(days=1)
            sub.next_digest_at = now - dt.timedelta(minutes=1)
            sub.chat.timezone = "UTC"
        await plan_digests(bot.app.uow, now, grace=dt.timedelta(hours=1), default_language="fr")
        bot.app.doorbell.ring()
        digest = (await bot.deliveries("/newsroom", 5))[4]
        assert digest.body["type"] == "digest" and digest.body["item_id"] is None
        assert "Interpol adopts the cybercrime resolution" in digest.body["text"]
    assert receiver.refused == []
    assert receiver.duplicates == 0
    assert len(receiver.of_type("alert")) == 3 and receiver.requests["/archive"] == 1


async def test_a_failing_receiver_gets_the_message_once_it_recovers(
        db_url: str, receiver: FakeWebhookReceiver) -> None:
    receiver.fail("/newsroom", 500, times=2)
    receiver.fail("/newsroom", 429, retry_after=0.2)
    async with AsyncExitStack() as stack:
        bot = await running(db_url, receiver, stack)
        item = await publish(bot.app, "Interpol adopts the resolution topics=governance\nTexte.")
        [alert] = await bot.deliveries("/newsroom", 1)
        row = await bot.row(f"alert:{item}:")
    assert alert.body["item_id"] == item and row.status == "sent"
    assert receiver.requests["/newsroom"] == 4 and receiver.duplicates == 0
    assert row.attempts == 2  # the two 500s; a 429 is a wait, not a failed attempt


async def test_no_answer_in_time_is_sent_again_with_the_same_id(
        db_url: str, receiver: FakeWebhookReceiver) -> None:
    """The receiver took the post but answered after the timeout: the worker cannot know, so
    it sends again once, with the same webhook-id, which lets the receiver drop the repeat."""
    receiver.fail("/newsroom", 200, delay=1.0)
    async with AsyncExitStack() as stack:
        bot = await running(db_url, receiver, stack, timeout_seconds=0.3,
                            delivery={"uncertain_retry_seconds": 0.05,
                                      "uncertain_read_timeout_seconds": 5})
        item = await publish(bot.app, "Interpol adopts the resolution topics=governance\nTexte.")
        first, second = await bot.deliveries("/newsroom", 2)
        row = await bot.row(f"alert:{item}:")
    assert first.id == second.id == row.dedupe_key
    assert receiver.duplicates == 1  # what a receiver deduplicating by webhook-id drops
    assert row.status == "sent" and row.uncertain == 1


async def test_a_gone_endpoint_is_inactive_until_the_configuration_names_it_again(
        db_url: str, receiver: FakeWebhookReceiver) -> None:
    receiver.fail("/newsroom", 410)
    async with AsyncExitStack() as stack:
        bot = await running(db_url, receiver, stack)
        item = await publish(bot.app, "Interpol adopts the resolution topics=governance\nTexte.")
        row = await bot.row(f"alert:{item}:")
        async with bot.app.uow() as uow:
            chat = await uow.chats.find("webhook", "newsroom")
            assert chat is not None and not chat.active and "410" in (chat.inactive_reason or "")
    assert row.status == "dead"
    async with AsyncExitStack() as stack:  # a restart with the endpoint still configured
        bot = await running(db_url, receiver, stack)
        async with bot.app.uow() as uow:
            chat = await uow.chats.find("webhook", "newsroom")
            assert chat is not None and chat.active


async def test_an_endpoint_removed_from_the_configuration_gets_nothing_more(
        db_url: str, receiver: FakeWebhookReceiver) -> None:
    async with AsyncExitStack() as stack:
        await running(db_url, receiver, stack)
    settings = make_settings(db_url, webhooks=endpoints(receiver)[1:], delivery=FAST)
    async with AsyncExitStack() as stack:
        app = await stack.enter_async_context(App(settings))
        for component in build_components(app):
            await component.start()
            stack.push_async_callback(component.stop)
        await eventually(lambda: asyncio.sleep(0, app.senders), lambda s: "webhook" in s)
        async with app.uow() as uow:
            chats = {c.platform_chat_id: c for c in await uow.chats.of_platform("webhook")}
        assert not chats["newsroom"].active and chats["newsroom"].inactive_reason == (
            "no longer configured")
        assert chats["archive"].active
        await publish(app, "Interpol adopts the resolution topics=cybercrime\nTexte.")
        await eventually(lambda: asyncio.sleep(0, receiver.received), lambda r: len(r) >= 1)
    assert [d.path for d in receiver.received] == ["/archive"]


@pytest.mark.slow
async def test_the_service_posts_what_a_publishing_feed_brings(
        feed_server: FeedServer, receiver: FakeWebhookReceiver, db_url: str,
        tmp_path: Path) -> None:
    """``python -m bot run`` with only [[webhooks]] and a publishing feed: no chat platform,
    the service runs, the feed's items are published and posted, signed."""
    from tests.service_process import start_service

    url = receiver.endpoint("/newsroom", SECRET)
    config = tmp_path / "bot.toml"
    config.write_text(f"""
[database]
url = "{db_url}"
[bot]
data_dir = "{tmp_path}"
seed_on_start = false
[delivery]
poll_seconds = 0.1
[http]
port = 0
[[feeds]]
name = "INTERPOL"
url = "{feed_server.url('atom')}"
language = "en"
publish = true
[[webhooks]]
name = "newsroom"
url = "{url}"
secret = "{SECRET}"
kinds = ["alert"]
""", encoding="utf-8")
    service = await start_service(config, tmp_path)
    try:
        await receiver.wait_for(1, timeout=60)
    finally:
        code = await service.stop()
    log = service.log()
    assert code == 0, log[-3000:]
    assert receiver.refused == [] and receiver.duplicates == 0
    assert {d.body["type"] for d in receiver.received} == {"alert"}
    assert SECRET not in log and SECRET.removeprefix("whsec_") not in log
    async with App(make_settings(db_url)) as app, app.uow() as uow:
        chat = (await uow.session.scalars(select(Chat).where(Chat.platform == "webhook"))).one()
        sent = (await uow.session.scalars(select(OutboxMessage).where(
            OutboxMessage.chat_id == chat.id))).all()
    assert len(sent) == len(receiver.received) and all(r.status == "sent" for r in sent)
