"""Discord as its admins expect: another REST base and gateway by config (e.g. a rate-limit
proxy), and the bot's admin slash commands hidden from ordinary members."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest

from bot.app import App
from bot.config import ConfigError, load_settings
from bot.platforms.discord.frontend import DiscordPlatform
from tests.discord_bot import GUILD, OWNER
from tests.fakes.discord_api import FakeDiscord


async def test_api_base_and_gateway_url_come_from_the_config(
        sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # discord.py keeps both in class attributes: restored after the test
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY",
                        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    from tests.conftest import make_settings

    async with FakeDiscord() as fake:  # not patched in: only the config points at it
        fake.add_guild(GUILD, "Newsroom")
        settings = make_settings(sqlite_url, discord={
            "token": fake.token, "guild_ids": [int(GUILD)], "owners": [OWNER],
            "api_base": fake.rest_base + "/", "gateway_url": fake.gateway_url})
        async with App(settings) as app:
            platform = DiscordPlatform(app, guild_ready_timeout=0.05)
            await platform.start()
            try:
                commands = {c["name"]: c for c in fake.guild_commands[GUILD]}
            finally:
                await platform.stop()
        assert not fake.violations, fake.violations
    admin_only = discord.Permissions(manage_guild=True).value
    assert int(commands["additem"]["default_member_permissions"]) == admin_only
    assert int(commands["undo"]["default_member_permissions"]) == admin_only
    assert commands["agenda"].get("default_member_permissions") is None  # for everyone


@pytest.mark.parametrize(("key", "value"), [("api_base", "ftp://x"), ("gateway_url", "https://x")])
def test_bad_endpoints_are_one_line_config_errors(key: str, value: str, tmp_path: Path) -> None:
    config = tmp_path / "bot.toml"
    config.write_text(f'[discord]\n{key} = "{value}"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_settings(config)
    message = str(raised.value)
    assert message.startswith(f"config error: discord.{key}:") and "\n" not in message
