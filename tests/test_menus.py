# ruff: noqa: F811  (pytest fixtures are imported, then requested by name)
"""Menus in every language of the catalog: Telegram's setMyCommands per language_code, and
Discord's slash command localizations per Discord locale (bot/platforms/*).

The bot's catalog has French and English today; these tests give the commands a catalog with
four languages (tests.helpers.four_language_catalog) so the menus are shown to follow it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.platforms.discord.commands import DISCORD_LOCALES
from bot.platforms.telegram.frontend import command_menu, menu_languages
from handlers.base import Command, Deps, Option, Request
from handlers.catalog import CATALOG, Catalog, MissingText
from handlers.reply import Reply, ReplyBuilder
from tests.discord_bot import GUILD, guild_app
from tests.fakes.discord_fixtures import fake_discord  # noqa: F401
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_fixtures import fake_telegram  # noqa: F401
from tests.helpers import FOUR_LANGUAGES, command_texts, four_language_catalog, with_catalog
from tests.telegram_harness import running_bot

SPEC = Path(__file__).parent / "data" / "discord-api.json"
TELEGRAM_COMMAND = re.compile(r"[a-z0-9_]{1,32}")


async def nothing(req: Request, deps: Deps) -> Reply:
    return ReplyBuilder().para("ok").build()


def four_languages(app: App) -> None:
    """The bot's commands speaking four languages, plus one whose summary is too long."""
    with_catalog(app, four_language_catalog())
    long = {"fr": "é" * 300, "en": "word " * 60, "es": "ñ" * 300, "ar": "ع" * 300}
    texts = Catalog({"command.verbose.summary": long, "option.verbose.what": long},
                    languages=FOUR_LANGUAGES)
    app.registry.add(Command("verbose", nothing, "/verbose", catalog=texts,
                             options=(Option("what", "option.verbose.what", catalog=texts),)))


def test_menu_languages_follow_the_catalogs() -> None:
    four = four_language_catalog()
    bot_commands = [Command("start", nothing, "/start")]
    assert menu_languages(bot_commands) == CATALOG.languages
    assert menu_languages([Command("start", nothing, "/start", catalog=four)]) == FOUR_LANGUAGES
    # a test's own command (French and English) next to four-language ones
    mixed = [Command("x", nothing, "/x", catalog=command_texts("x", {"fr": "X", "en": "X"})),
             Command("start", nothing, "/start", catalog=four)]
    assert menu_languages(mixed) == ("fr", "en", "es", "ar")
    assert [c.description for c in command_menu(mixed, "ar", "fr")] == [
        "X", four.text("command.start.summary", "ar")]


def test_telegram_menu_keeps_to_telegrams_limits() -> None:
    """One line, never empty (a blank text cannot even enter a catalog), only names Telegram
    accepts."""
    two = command_texts("two", {"fr": "Deux\nlignes", "en": "Two\nlines"})
    commands = [Command("two", nothing, "/two", catalog=two),
                Command("Bad-Name", nothing, "/Bad-Name", catalog=two)]
    menu = command_menu(commands, "fr")
    assert [(c.command, c.description) for c in menu] == [("two", "Deux lignes")]
    assert command_menu(commands, "en")[0].description == "Two lines"
    blank = command_texts("blank", {"fr": " \n ", "en": "x"})
    with pytest.raises(MissingText):
        Command("blank", nothing, "/blank", catalog=blank).summary  # noqa: B018


async def test_telegram_menus_in_every_catalog_language(fake_telegram: FakeTelegram,
                                                        db_url: str) -> None:
    async with running_bot(fake_telegram, db_url, prepare=four_languages) as bot:
        public = [c for c in bot.app.registry if c.listed and not c.admin]
        menus = fake_telegram.commands
        calls = bot.calls("setMyCommands")
    codes = [c.params.get("language_code") for c in calls if "scope" not in c.params
             or c.params["scope"].get("type") == "default"]
    assert sorted(c or "" for c in codes) == ["", "ar", "en", "es", "fr"]
    four = four_language_catalog()
    for lang in FOUR_LANGUAGES:
        menu = menus[("default", lang)]
        assert [c["command"] for c in menu] == [c.name for c in public]
        start = next(c["description"] for c in menu if c["command"] == "start")
        assert start == four.text("command.start.summary", lang)
        verbose = next(c["description"] for c in menu if c["command"] == "verbose")
        assert 250 <= len(verbose) <= 256 and verbose.endswith("…")
        for c in menu:
            assert TELEGRAM_COMMAND.fullmatch(c["command"]), c
            assert 1 <= len(c["description"]) <= 256 and "\n" not in c["description"], c
    assert menus[("default", "")] == menus[("default", "fr")]  # French is the default language
    first = public[0].name
    assert menus[("default", "ar")][0]["description"] == four.text(f"command.{first}.summary", "ar")
    assert any("\u0600" <= ch <= "\u06ff" for ch in menus[("default", "ar")][0]["description"])


def discord_spec_locales() -> set[str]:
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    return {v["const"] for v in spec["components"]["schemas"]["AvailableLocalesEnum"]["oneOf"]}


def test_discord_locales_table_is_discords() -> None:
    valid = discord_spec_locales()
    assert set(DISCORD_LOCALES) >= set(FOUR_LANGUAGES)
    for lang, locales in DISCORD_LOCALES.items():
        assert {str(loc.value) for loc in locales} <= valid, lang
    assert [str(loc.value) for loc in DISCORD_LOCALES["es"]] == ["es-ES", "es-419"]
    assert DISCORD_LOCALES["ar"] == ()


async def test_discord_commands_localized_for_every_catalog_language(
    fake_discord: Any, sqlite_url: str
) -> None:
    from bot.platforms.discord.frontend import DiscordPlatform

    async with guild_app(fake_discord, sqlite_url) as app:
        four_languages(app)
        platform = DiscordPlatform(app, guild_ready_timeout=0.05)
        await platform.start()
        await platform.stop()
    four = four_language_catalog()
    synced = {c["name"]: c for c in fake_discord.guild_commands[GUILD]}
    expected = {"fr", "en-US", "en-GB", "es-ES", "es-419"}
    valid = discord_spec_locales()
    for command in synced.values():
        localizations = command["description_localizations"]
        assert set(localizations) == expected, command["name"]
        assert set(localizations) <= valid
        assert not any(k.startswith("ar") for k in localizations)
        assert all(1 <= len(d) <= 100 for d in localizations.values())
        for option in command["options"]:
            assert set(option["description_localizations"]) == expected, option
    item = synced["item"]
    es = four.text("command.item.summary", "es")
    assert item["description_localizations"]["es-ES"] == es
    assert item["description_localizations"]["es-419"] == es
    assert item["description_localizations"]["fr"] == four.text("command.item.summary", "fr")
    assert item["options"][0]["description_localizations"]["es-419"] == four.text(
        "option.item.id", "es")
    assert len(synced["verbose"]["description_localizations"]["es-ES"]) == 100
    assert fake_discord.violations == []


async def test_discord_commands_with_the_bots_catalog_have_no_spanish_yet(
    fake_discord: Any, sqlite_url: str
) -> None:
    """Today's catalog (French, English): only its languages' locales."""
    from bot.platforms.discord.frontend import DiscordPlatform

    async with guild_app(fake_discord, sqlite_url) as app:
        platform = DiscordPlatform(app, guild_ready_timeout=0.05)
        await platform.start()
        await platform.stop()
    wanted = {str(loc.value) for lang in CATALOG.languages for loc in DISCORD_LOCALES[lang]}
    for command in fake_discord.guild_commands[GUILD]:
        assert set(command["description_localizations"]) == wanted
