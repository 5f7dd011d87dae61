"""Owners hear about trouble: the real OwnerAlerts component, the real outbox worker and
TelegramSender against the strict fake Bot API."""

from __future__ import annotations

import datetime as dt

from telegram import Bot

from bot.app import App
from bot.delivery import OutboxWorker
from bot.ops import TroubleWatch
from bot.platforms.telegram.send import TelegramSender
from storage.feeds import FeedState
from storage.models import Chat, Lease, OutboxMessage
from tests.conftest import make_settings
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_fixtures import fake_telegram
from tests.outbox_support import fast_settings, run_until_settled

__all__ = ["fake_telegram"]
OWNER = 1001


async def deliver(app: App, bot: Bot) -> None:
    await run_until_settled(OutboxWorker(app.uow, {"telegram": TelegramSender(bot)},
                                         fast_settings()), app.uow)


async def expire_lease(app: App) -> None:
    async with app.uow() as uow:
        lease = await uow.session.get(Lease, "delivery")
        assert lease is not None
        lease.until = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


async def test_owners_are_told_once_of_each_trouble(fake_telegram: FakeTelegram,
                                                     db_url: str) -> None:
    now = dt.datetime.now(dt.UTC)
    fake_telegram.push_message(OWNER, "/start")  # the owner's private chat exists
    async with App(make_settings(db_url, telegram={"owners": [str(OWNER)]})) as app, \
            Bot(fake_telegram.token, base_url=fake_telegram.base_url) as bot:
        alerts = TroubleWatch(app)
        async with app.uow() as uow:
            uow.session.add(FeedState(name="lematin", url="http://127.0.0.1:1/rss",
                                      consecutive_failures=4, last_error="HTTP 500"))
            uow.session.add(Lease(name="delivery", owner="host-a:1",
                                  until=now + dt.timedelta(hours=1)))
        assert await alerts.check() == 1  # the feed (the lease's first holder is only noted)
        assert await alerts.check() == 0  # nothing new: nothing repeated
        await expire_lease(app)  # host-a is gone: this test's worker may send
        await deliver(app, bot)
        texts = [m.text for m in fake_telegram.messages(OWNER)]
        assert any("lematin" in x and "4" in x and "HTTP 500" in x for x in texts)

        async with app.uow() as uow:  # two messages given up, then the lease moves
            chat = (await uow.chats.find("telegram", str(OWNER)))
            assert isinstance(chat, Chat)
            for n in range(2):
                uow.session.add(OutboxMessage(dedupe_key=f"alert:x:{n}", chat_id=chat.id,
                                              kind="alert", payload={"blocks": []},
                                              status="dead"))
            lease = await uow.session.get(Lease, "delivery")
            assert lease is not None
            lease.owner, lease.until = "host-b:2", now + dt.timedelta(hours=1)
        assert await alerts.check() == 2
        assert await alerts.check() == 0
        await expire_lease(app)
        await deliver(app, bot)
        texts = [m.text for m in fake_telegram.messages(OWNER)]
        assert any("2 messages could not be sent" in x or "2 messages n’ont pas" in x
                   for x in texts)
        assert any("host-b:2" in x and "host-a:1" in x for x in texts)

        async with app.uow() as uow:  # the feed recovers, then fails again: a new streak
            feed = await uow.session.get(FeedState, 1)
            assert feed is not None
            feed.last_success_at, feed.consecutive_failures = now, 3
        assert await alerts.check() == 1  # the new streak (nobody holds the lease now)


async def test_without_owners_nothing_is_queued(db_url: str) -> None:
    async with App(make_settings(db_url)) as app:
        async with app.uow() as uow:
            uow.session.add(FeedState(name="f", url="http://x", consecutive_failures=9))
        assert await TroubleWatch(app).check() == 0
