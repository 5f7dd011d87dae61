# ruff: noqa: F811  (pytest fixtures are imported, then requested by name)
"""Discord end to end with delivery: /subscribe in a guild channel, then an alert arrives there."""

from __future__ import annotations

from bot.delivery import OutboxWorker
from handlers.fanout import Fanout
from handlers.fanout.alerts import queue_alerts
from storage.models import NewsItem, utcnow
from tests.discord_bot import (  # noqa: F401
    ALICE,
    CHANNEL,
    GUILD,
    MANAGE_CHANNELS,
    OTHER_CHANNEL,
    DiscordBot,
    discord_bot,
    embed_text,
)
from tests.fakes.discord_fixtures import fake_discord  # noqa: F401
from tests.outbox_support import fast_settings, run_until_settled

EPHEMERAL = 1 << 6


async def subscribe(bot: DiscordBot, channel: str, permissions: str) -> dict[str, object]:
    iid = await bot.fake.push_interaction(
        "subscribe", [{"name": "what", "type": 3, "value": "alerts"}], guild_id=GUILD,
        channel_id=channel, user_id=ALICE, locale="en-US", permissions=permissions,
    )
    return await bot.fake.wait_for_final(iid)


async def publish(bot: DiscordBot, worker: OutboxWorker) -> int:
    publisher = Fanout(default_language="fr", wake=worker.wake)
    async with bot.app.uow() as uow:
        item = await uow.items.add(NewsItem(
            status="published", topics=["cybercrime"],
            title={"fr": "Alerte @everyone", "en": "Alert @everyone"},
            body={"fr": "Texte **gras**.", "en": "Body **bold**."}, published_at=utcnow()))
        return (await queue_alerts(uow, publisher, item.id)).queued


async def test_subscribed_guild_channel_receives_alerts(discord_bot: DiscordBot) -> None:
    fake = discord_bot.fake
    refused = await subscribe(discord_bot, OTHER_CHANNEL, "0")
    assert int(refused["flags"]) & EPHEMERAL  # a plain member cannot subscribe the channel
    done = await subscribe(discord_bot, CHANNEL, MANAGE_CHANNELS)
    assert not int(done.get("flags") or 0) & EPHEMERAL
    worker = OutboxWorker(discord_bot.app.uow, {"discord": discord_bot.platform.sender},
                          fast_settings())
    assert await publish(discord_bot, worker) == 1  # only the channel that subscribed
    await run_until_settled(worker, discord_bot.app.uow)
    (message,) = fake.channel_messages(CHANNEL)
    text = embed_text(message)
    assert "Alert @\u200beveryone" in text and "\\*\\*bold\\*\\*" in text
    assert fake.channel_messages(OTHER_CHANNEL) == []


async def test_alert_to_a_deleted_channel_deactivates_the_chat(discord_bot: DiscordBot) -> None:
    fake, app = discord_bot.fake, discord_bot.app
    await subscribe(discord_bot, CHANNEL, MANAGE_CHANNELS)
    fake.delete_channel(CHANNEL)
    worker = OutboxWorker(app.uow, {"discord": discord_bot.platform.sender}, fast_settings())
    await publish(discord_bot, worker)
    await run_until_settled(worker, app.uow)
    async with app.uow() as uow:
        chat = await uow.chats.find("discord", CHANNEL)
    assert chat is not None and not chat.active
    assert fake.channel_messages(CHANNEL) == []
