# ruff: noqa: F811  (pytest fixtures are imported, then requested by name)
"""DiscordSender against the fake Discord: nonces, splitting, edits and the error classes."""

from __future__ import annotations

import pytest

from bot.platforms.base import ChatUnavailable, PermanentError, RateLimited, TransientError
from bot.platforms.discord.frontend import DiscordSenderComponent
from handlers.reply import Reply, ReplyBuilder, Span
from tests.discord_bot import (  # noqa: F401
    CHANNEL,
    OTHER_CHANNEL,
    DiscordBot,
    custom_ids,
    discord_bot,
    embed_text,
    guild_app,
)
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_fixtures import fake_discord  # noqa: F401

MESSAGES = r"/channels/\d+/messages$"


def digest(n_items: int = 3, word: str = "Assemblée") -> Reply:
    b = ReplyBuilder().heading("Digest du 25 novembre")
    b.bullets([(Span(f"#{i} ", code=True), Span(f"{word} {i} " + "texte " * 40))
               for i in range(n_items)])
    b.button("Suivant ▶", "news", "", 2)
    return b.build()


async def test_send_posts_embeds_with_a_nonce_and_no_mentions(discord_bot: DiscordBot) -> None:
    fake, sender = discord_bot.fake, discord_bot.platform.sender
    ids = await sender.send(CHANNEL, digest(), nonce="outbox:1")
    (message,) = fake.channel_messages(CHANNEL)
    assert ids == [message["id"]]
    assert message["embeds"][0]["title"] == "Digest du 25 novembre"
    assert "Assemblée 2" in message["embeds"][0]["description"]
    assert custom_ids(message) == {"Suivant ▶": "nb:news:2:="}
    body = next(c.body for c in fake.calls if c.method == "POST" and "messages" in c.path)
    assert body["enforce_nonce"] is True and len(body["nonce"]) <= 25
    assert body["allowed_mentions"] == {"parse": []}


async def test_sending_the_same_outbox_row_twice_creates_one_message(
    discord_bot: DiscordBot,
) -> None:
    fake, sender = discord_bot.fake, discord_bot.platform.sender
    first = await sender.send(CHANNEL, digest(), nonce="outbox:42")
    again = await sender.send(CHANNEL, digest(), nonce="outbox:42")
    assert first == again
    assert len(fake.channel_messages(CHANNEL)) == 1
    assert fake.nonce_hits == 1
    await sender.send(CHANNEL, digest(), nonce="outbox:43")
    assert len(fake.channel_messages(CHANNEL)) == 2


async def test_long_reply_is_split_and_every_part_is_deduplicated(
    discord_bot: DiscordBot,
) -> None:
    fake, sender = discord_bot.fake, discord_bot.platform.sender
    big = digest(n_items=30)
    ids = await sender.send(CHANNEL, big, nonce="outbox:7")
    assert len(ids) >= 2
    stored = fake.channel_messages(CHANNEL)
    assert [m["id"] for m in stored] == ids
    text = "\n".join(embed_text(m) for m in stored)
    assert all(f"Assemblée {i} " in text for i in range(30))
    assert "components" not in stored[0] or stored[0]["components"] == []
    assert custom_ids(stored[-1])  # the buttons come last
    assert await sender.send(CHANNEL, big, nonce="outbox:7") == ids
    assert len(fake.channel_messages(CHANNEL)) == len(ids)


async def test_deleted_or_forbidden_channel_is_unavailable(discord_bot: DiscordBot) -> None:
    fake, sender = discord_bot.fake, discord_bot.platform.sender
    fake.delete_channel(CHANNEL)
    with pytest.raises(ChatUnavailable, match="10003"):
        await sender.send(CHANNEL, digest(), nonce="outbox:1")
    fake.deny_send(OTHER_CHANNEL)
    with pytest.raises(ChatUnavailable, match="50013"):
        await sender.send(OTHER_CHANNEL, digest(), nonce="outbox:2")
    with pytest.raises(ChatUnavailable):
        await sender.send("1399999999999999999", digest(), nonce="outbox:3")


async def test_short_429_is_waited_out_by_discord_py(discord_bot: DiscordBot) -> None:
    fake, sender = discord_bot.fake, discord_bot.platform.sender
    fake.rate_limit_next(MESSAGES, retry_after=0.05)
    ids = await sender.send(CHANNEL, digest(), nonce="outbox:5")
    assert fake.count_429 == 1
    assert [m["id"] for m in fake.channel_messages(CHANNEL)] == ids


async def test_long_429_becomes_rate_limited_for_the_worker(discord_bot: DiscordBot) -> None:
    fake, sender = discord_bot.fake, discord_bot.platform.sender
    fake.rate_limit_next(MESSAGES, retry_after=45)
    with pytest.raises(RateLimited) as caught:
        await sender.send(CHANNEL, digest(), nonce="outbox:6")
    assert caught.value.retry_after == 45
    assert fake.channel_messages(CHANNEL) == []


async def test_server_error_is_transient_and_bad_request_permanent(
    discord_bot: DiscordBot,
) -> None:
    fake, sender = discord_bot.fake, discord_bot.platform.sender
    fake.fail_next("POST", MESSAGES, status=503)
    with pytest.raises(TransientError):
        await sender.send(CHANNEL, digest(), nonce="outbox:8")
    fake.fail_next("POST", MESSAGES, status=400)
    with pytest.raises(PermanentError):
        await sender.send(CHANNEL, digest(), nonce="outbox:9")
    assert fake.channel_messages(CHANNEL) == []
    await sender.send(CHANNEL, digest(), nonce="outbox:8")
    assert len(fake.channel_messages(CHANNEL)) == 1


async def test_edit_replaces_the_delivered_message(discord_bot: DiscordBot) -> None:
    fake, sender = discord_bot.fake, discord_bot.platform.sender
    ids = await sender.send(CHANNEL, digest(word="Brouillon"), nonce="outbox:10")
    assert await sender.edit(CHANNEL, ids, digest(word="Correction")) is True
    (message,) = fake.channel_messages(CHANNEL)
    assert message["edited"] and "Correction 1" in embed_text(message)
    assert "Brouillon" not in embed_text(message)
    # a correction that no longer fits the delivered parts cannot be applied in place
    assert await sender.edit(CHANNEL, ids, digest(n_items=30)) is False
    assert await sender.edit(CHANNEL, ["1399999999999999998"], digest()) is False


async def test_sender_component_delivers_without_the_gateway(
    fake_discord: FakeDiscord, sqlite_url: str
) -> None:
    async with guild_app(fake_discord, sqlite_url) as app:
        component = DiscordSenderComponent(app)
        await component.start()
        try:
            ids = await component.sender.send(CHANNEL, digest(), nonce="outbox:99")
        finally:
            await component.stop()
    assert [m["id"] for m in fake_discord.channel_messages(CHANNEL)] == ids
    assert fake_discord.gateway.identifies == []  # REST only: no gateway session
    assert fake_discord.guild_commands == {}  # and no command sync
