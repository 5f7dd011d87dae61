"""A started Discord platform (real discord.py client) against the fake Discord, for tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest_asyncio

from bot.app import App
from bot.platforms.discord import DiscordPlatform
from tests.conftest import make_settings
from tests.fakes.discord_api import FakeDiscord

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


@pytest_asyncio.fixture
async def discord_bot(fake_discord: FakeDiscord, sqlite_url: str) -> AsyncIterator[DiscordBot]:
    fake_discord.add_guild(GUILD, "INTERPOL fans")
    fake_discord.add_channel(CHANNEL, GUILD, "news")
    fake_discord.add_channel(OTHER_CHANNEL, GUILD, "alerts")
    async with App(discord_settings(sqlite_url, fake_discord)) as app:  # type: ignore[arg-type]
        platform = DiscordPlatform(app, guild_ready_timeout=0.05)
        await platform.start()
        try:
            yield DiscordBot(fake_discord, app, platform)
        finally:
            await platform.stop()
