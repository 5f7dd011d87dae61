"""A started Discord platform (real discord.py client) against the fake Discord, for tests."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest_asyncio

from bot.app import App
from bot.platforms.discord.commands import slash_command, sync
from bot.platforms.discord.frontend import DiscordPlatform
from handlers.base import Command
from tests.conftest import make_settings
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_interactions import InteractionRecord, new_interaction_token
from tests.fakes.discord_model import member_payload, new_snowflake

GUILD = "1200000000000000001"
CHANNEL = "1300000000000000001"
OTHER_CHANNEL = "1300000000000000002"
OWNER = "1100000000000000003"
ALICE = "1100000000000000100"
#: Manage Channels (1 << 4) and Administrator (1 << 3) as Discord sends them
MANAGE_CHANNELS = str(1 << 4)
ADMINISTRATOR = str(1 << 3)


@dataclass
class DiscordBot:
    fake: FakeDiscord
    app: App
    platform: DiscordPlatform


def discord_settings(db_url: str, fake: FakeDiscord, **discord: object) -> object:
    return make_settings(db_url, discord={
        "token": fake.token, "guild_ids": [int(GUILD)], "owners": [OWNER], **discord,
    })


@asynccontextmanager
async def guild_app(fake: FakeDiscord, db_url: str) -> AsyncIterator[App]:
    """A started App configured for the fake, whose test guild has two text channels."""
    fake.add_guild(GUILD, "INTERPOL fans")
    fake.add_channel(CHANNEL, GUILD, "news")
    fake.add_channel(OTHER_CHANNEL, GUILD, "alerts")
    async with App(discord_settings(db_url, fake)) as app:  # type: ignore[arg-type]
        yield app


@pytest_asyncio.fixture
async def discord_bot(fake_discord: FakeDiscord, sqlite_url: str) -> AsyncIterator[DiscordBot]:
    async with guild_app(fake_discord, sqlite_url) as app:
        platform = DiscordPlatform(app, guild_ready_timeout=0.05)
        await platform.start()
        try:
            yield DiscordBot(fake_discord, app, platform)
        finally:
            await platform.stop()


async def push_button(
    fake: FakeDiscord, message: dict[str, Any], custom_id: str, *, guild_id: str | None = GUILD,
    user_id: str = ALICE, locale: str = "fr", permissions: str = "0",
) -> str:
    """A button press (MESSAGE_COMPONENT interaction, type 3) on ``message``.

    The fake only pushes slash commands and autocomplete, so this builds the component
    interaction the same way and records it, so the fake's callback route accepts the answer.
    """
    await fake.wait_ready()
    user = fake.users[user_id]
    channel = fake.channels[message["channel_id"]].payload() if guild_id else {
        "id": message["channel_id"], "type": 1, "recipients": [user.payload()],
        "last_message_id": None, "flags": 0,
    }
    interaction_id, token = new_snowflake(), new_interaction_token()
    payload: dict[str, Any] = {
        "id": interaction_id, "application_id": fake.application_id, "type": 3, "token": token,
        "version": 1, "data": {"custom_id": custom_id, "component_type": 2},
        "message": message, "channel_id": channel["id"], "channel": channel, "locale": locale,
        "app_permissions": permissions, "entitlements": [],
        "attachment_size_limit": 10 * 1024 * 1024, "context": 0 if guild_id else 1,
    }
    if guild_id:
        payload.update(guild_id=guild_id, guild={"id": guild_id, "locale": "fr", "features": []},
                       guild_locale="fr", member=member_payload(user, permissions),
                       authorizing_integration_owners={"0": guild_id})
    else:
        payload.update(user=user.payload(), authorizing_integration_owners={"1": user.id})
    fake.interactions[interaction_id] = InteractionRecord(
        id=interaction_id, token=token, type=3, name="", channel_id=channel["id"],
        guild_id=guild_id, pushed_at=time.monotonic(),
    )
    assert await fake.gateway.dispatch("INTERACTION_CREATE", payload)
    return interaction_id


def custom_ids(message: dict[str, Any]) -> dict[str, str]:
    """Button label -> custom_id in a sent message."""
    return {
        c["label"]: c["custom_id"]
        for row in message.get("components") or [] for c in row["components"]
    }


def embed_text(message: dict[str, Any]) -> str:
    """Everything a user reads in a message: content, embed titles and descriptions."""
    parts = [message.get("content") or ""]
    for e in message.get("embeds") or []:
        parts += [e.get("title") or "", e.get("description") or ""]
    return "\n".join(p for p in parts if p)


async def add_command(bot: DiscordBot, command: Command) -> None:
    """Register a test-only command after start and sync it to the test guild."""
    client = bot.platform.client
    bot.app.registry.add(command)
    client.tree.add_command(slash_command(command, bot.app.registry, bot.app.deps,
                                          client.run_command))
    await sync(client.tree, [int(GUILD)])
