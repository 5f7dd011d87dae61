"""A 10,000-entry feed while the bot serves other chats: the real App with every real component
(PTB against the strict fake Bot API, the digest scheduler, the outbox worker and its
publisher, the feed poller) on SQLite and PostgreSQL. The poller's schedule runs on an injected
clock: two polls, one interval apart, without sleeping through the interval.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from contextlib import AsyncExitStack

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.config import FeedSection
from bot.feeds import FeedPoller, PollOutcome
from bot.service import delivery_components
from storage.feeds import FeedEntry
from storage.models import NewsItem, OutboxMessage, utcnow
from tests.desk.feed_server import FeedServer, entry_title, feed_server, many_entries
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_fixtures import fake_telegram
from tests.telegram_harness import running_bot

__all__ = ["fake_telegram", "feed_server"]

ENTRIES = 10_000
GENERIC_ERROR = "Sorry, something went wrong on our side"


@pytest.mark.slow
async def test_a_10000_entry_feed_is_taken_a_poll_at_a_time_while_other_chats_are_answered(
        fake_telegram: FakeTelegram, feed_server: FeedServer, db_url: str,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    feed_server.docs["flood"] = (many_entries(ENTRIES, prefix="flood"), "application/rss+xml")
    offset = [dt.timedelta(0)]

    def clock() -> dt.datetime:
        return utcnow() + offset[0]

    def prepare(app: App) -> None:
        app.deps.clock = clock
        app.settings.editorial.feed_max_bytes = 10_000_000
        app.settings.editorial.feed_timeout_seconds = 60

    # published with alerts, on a topic no chat here follows (a flood of alerts is not the point)
    flood = FeedSection(name="Flood", url=feed_server.url("flood"), publish=True,
                        topics=["governance"], interval_minutes=15)
    async with running_bot(fake_telegram, db_url, prepare=prepare) as bot, AsyncExitStack() as stack:
        bot.app.senders["telegram"] = bot.platform.sender
        for component in delivery_components(bot.app):
            await component.start()
            stack.push_async_callback(component.stop)
        poller = await stack.enter_async_context(FeedPoller(bot.app, [flood]))

        async def two_polls() -> list[list[PollOutcome]]:
            first = await poller.poll_due()
            offset[0] += dt.timedelta(minutes=flood.interval_minutes)  # the next one is due
            return [first, await poller.poll_due()]

        polls = asyncio.create_task(two_polls())
        answered_while_polling = 0
        chat = 7000
        replies = []
        while not polls.done():  # new chats write (a chat row, a subscription) meanwhile
            chat += 1
            command = "/start" if chat % 2 else "/subscribe alerts cybercrime"
            [reply] = await bot.say(chat, command, language_code="en")
            replies.append(reply.text)
            answered_while_polling += not polls.done()
        first, second = await polls
        async with bot.app.uow() as uow:
            titles = (await uow.session.scalars(
                select(NewsItem.title).where(NewsItem.created_by == "feed:Flood"))).all()
            guids = (await uow.session.scalars(
                select(FeedEntry.guid).where(FeedEntry.feed_name == "Flood"))).all()
            alerts = await uow.session.scalar(select(func.count()).select_from(OutboxMessage)
                                              .where(OutboxMessage.kind == "alert"))

    assert answered_while_polling >= 3, "the polls ended before other chats were served"
    assert not [r for r in replies if GENERIC_ERROR in r], replies
    assert "database is locked" not in caplog.text
    [one], [two] = first, second
    assert (one.created, one.skipped, one.left, one.error, one.alerts) == (50, 0, ENTRIES - 50, None, 0)
    assert (two.created, two.skipped, two.left, two.error) == (50, 50, ENTRIES - 100, None)

    # the newest 100 entries, once each
    assert sorted(t["fr"] for t in titles) == sorted(entry_title("flood", i)
                                                     for i in range(ENTRIES - 100, ENTRIES))
    assert len(guids) == len(set(guids)) == 100
    assert alerts == 0
