# ruff: noqa: F811  (pytest fixtures are imported, then requested by name)
"""`python -m bot discord-sync`: registers the commands globally (or per guild), spec-checked."""

from __future__ import annotations

import pytest

from bot.cli import _discord_sync, main
from tests.conftest import make_settings
from tests.discord_bot import GUILD, discord_settings
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_fixtures import fake_discord  # noqa: F401


async def test_global_sync_registers_every_command(
    fake_discord: FakeDiscord, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = discord_settings(sqlite_url, fake_discord, guild_ids=[])
    assert await _discord_sync(settings, None) == 0  # type: ignore[arg-type]
    names = sorted(c["name"] for c in fake_discord.commands)
    assert "agenda" in names and "search" in names and len(names) >= 10
    assert fake_discord.guild_commands == {}
    assert capsys.readouterr().out.strip() == f"{len(names)} slash commands synced globally"
    # syncing again replaces the set (same ids), it does not add to it
    before = {c["name"]: c["id"] for c in fake_discord.commands}
    assert await _discord_sync(settings, None) == 0  # type: ignore[arg-type]
    assert {c["name"]: c["id"] for c in fake_discord.commands} == before
    assert fake_discord.violations == []


async def test_guild_sync(fake_discord: FakeDiscord, sqlite_url: str) -> None:
    fake_discord.add_guild(GUILD)
    settings = discord_settings(sqlite_url, fake_discord)
    assert await _discord_sync(settings, [int(GUILD)]) == 0  # type: ignore[arg-type]
    assert fake_discord.commands == []
    assert {c["name"] for c in fake_discord.guild_commands[GUILD]} >= {"agenda", "item"}


async def test_sync_without_token_is_a_usage_error(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await _discord_sync(make_settings(sqlite_url), None) == 2
    assert "[discord] token" in capsys.readouterr().err


def test_cli_lists_the_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["discord-sync", "--help"])
    assert "--guild" in capsys.readouterr().out


async def test_platform_with_a_wrong_token_fails_to_start(
    fake_discord: FakeDiscord, sqlite_url: str
) -> None:
    from bot.app import App
    from bot.platforms.base import TokenRejected
    from bot.platforms.discord.frontend import DiscordPlatform

    settings = make_settings(sqlite_url, discord={"token": "wrong.token"})
    async with App(settings) as app:
        platform = DiscordPlatform(app, guild_ready_timeout=0.05)
        with pytest.raises(TokenRejected, match=r"discord: the token was rejected") as exc:
            await platform.start()
        assert "wrong.token" not in str(exc.value)
        assert platform.client.is_closed()  # nothing left open
        assert "discord" not in app.senders
    assert [v for v in fake_discord.take_violations() if "Authorization" in v]
