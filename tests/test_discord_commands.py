# ruff: noqa: F811  (pytest fixtures are imported, then requested by name)
"""Slash commands end to end: the real discord.py client against the fake Discord.

Every registered command is run as a slash interaction in French and in English; the answer
Discord stores must be the handler's reply rendered for Discord, in the user's language.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.platforms.discord.render import render
from handlers.base import Command, Deps, NotAllowed, Option, Request
from handlers.i18n import t
from handlers.reply import Reply, ReplyBuilder
from tests.discord_bot import (  # noqa: F401
    ALICE,
    CHANNEL,
    GUILD,
    MANAGE_CHANNELS,
    OTHER_CHANNEL,
    OWNER,
    DiscordBot,
    add_command,
    custom_ids,
    discord_bot,
    embed_text,
    push_button,
)
from tests.fakes.discord_fixtures import fake_discord  # noqa: F401
from tests.helpers import command_texts

EPHEMERAL = 1 << 6
DEFERRED = 5
CORE_COMMANDS = {"start", "help", "about", "lang", "agenda", "participants", "resolution",
                 "news", "item", "search"}


def option_values(command: Command) -> list[dict[str, Any]]:
    """Values a user would pick for the command's required options."""
    values = {"int": 10, "str": "cybercriminalité"}
    return [
        {"name": o.name, "type": 4 if o.type == "int" else 3,
         "value": o.choices[0] if o.choices else values[o.type]}
        for o in command.options if o.required
    ]


def as_stored(reply: Reply) -> list[dict[str, Any]]:
    """The embeds of the first rendered message, as the fake stores them."""
    return [
        {k: v for k, v in {**e.to_dict(), "type": "rich"}.items() if v is not None}
        for e in render(reply)[0].embeds
    ]


@pytest.mark.parametrize("locale", ["fr", "en-US", "es-ES", "es-419", "ar"])
async def test_every_command_answers_in_the_users_language(
    discord_bot: DiscordBot, locale: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run by a bot owner who manages the channel, so no command is refused for rights.
    Discord has no Arabic locale: the channel chooses Arabic with /lang ar first."""
    fake, app = discord_bot.fake, discord_bot.app
    lang = locale[:2]
    if lang == "ar":
        locale = "en-US"
        iid = await fake.push_interaction(
            "lang", [{"name": "language", "type": 3, "value": "ar"}], guild_id=GUILD,
            channel_id=CHANNEL, locale=locale, user_id=OWNER, permissions=MANAGE_CHANNELS)
        assert t("lang.set", "ar") in embed_text(await fake.wait_for_final(iid))
    replies: list[Reply] = []
    handle = app.handle

    async def recording(request: Request) -> Reply:
        replies.append(await handle(request))
        return replies[-1]

    monkeypatch.setattr(app, "handle", recording)
    texts: dict[str, str] = {}
    for command in app.registry:
        iid = await fake.push_interaction(
            command.name, option_values(command), guild_id=GUILD, channel_id=CHANNEL,
            locale=locale, user_id=OWNER, permissions=MANAGE_CHANNELS,
        )
        final = await fake.wait_for_final(iid)
        reply = replies[-1]
        assert bool(int(final.get("flags") or 0) & EPHEMERAL) == reply.is_error, command.name
        if final.get("embeds"):
            assert final["embeds"] == as_stored(reply), command.name
        else:
            assert final["content"] == render(reply)[0].content, command.name
        texts[command.name] = embed_text(final)
        if command.name in CORE_COMMANDS:
            assert not reply.is_error, (command.name, texts[command.name])
    assert CORE_COMMANDS <= set(texts)
    assert t("help.title", lang) in texts["help"]
    assert t("agenda.title", lang) in texts["agenda"]


async def test_sync_registers_every_command_with_french_and_english_descriptions(
    discord_bot: DiscordBot,
) -> None:
    fake, app = discord_bot.fake, discord_bot.app
    synced = {c["name"]: c for c in fake.guild_commands[GUILD]}
    assert set(synced) == {c.name for c in app.registry}
    item = synced["item"]
    assert item["description_localizations"]["fr"] == "Lire une nouvelle en entier"
    assert item["description"] == "Read one news item in full"
    (opt,) = item["options"]
    assert (opt["name"], opt["type"], opt["required"], opt["autocomplete"]) == ("id", 4, True, True)
    lang = synced["lang"]["options"][0]
    assert [c["value"] for c in lang["choices"]] == ["fr", "en", "es", "ar"]
    for c in synced.values():
        assert 1 <= len(c["description"]) <= 100
        assert all(1 <= len(d) <= 100 for d in c["description_localizations"].values())
    assert fake.violations == []


async def test_long_descriptions_are_cut_to_discord_limits(
    fake_discord: Any, sqlite_url: str
) -> None:
    from bot.platforms.discord.frontend import DiscordPlatform
    from tests.discord_bot import guild_app

    async with guild_app(fake_discord, sqlite_url) as app:
        long = {"fr": "é" * 150, "en": "word " * 40}

        async def nothing(req: Request, deps: Deps) -> Reply:
            return ReplyBuilder().para("ok").build()

        texts = command_texts("verbose", long, long, what=long)
        app.registry.add(Command("verbose", nothing, "/verbose", catalog=texts,
                                 options=(Option("what", "option.verbose.what", catalog=texts),)))
        platform = DiscordPlatform(app, guild_ready_timeout=0.05)
        await platform.start()
        await platform.stop()
    verbose = next(c for c in fake_discord.guild_commands[GUILD] if c["name"] == "verbose")
    assert len(verbose["description"]) == 100 and verbose["description"].endswith("…")
    assert len(verbose["description_localizations"]["fr"]) == 100
    assert len(verbose["options"][0]["description"]) <= 100
    assert fake_discord.violations == []


async def test_autocomplete_offers_days_topics_items_and_commands(discord_bot: DiscordBot) -> None:
    fake = discord_bot.fake

    async def choices(name: str, option: str, typed: str, kind: int = 3,
                      locale: str = "fr") -> list[dict[str, Any]]:
        iid = await fake.push_autocomplete(
            name, [{"name": option, "type": kind, "value": typed, "focused": True}],
            guild_id=GUILD, channel_id=CHANNEL, locale=locale,
        )
        response = await fake.wait_for_response(iid)
        assert response.type == 8
        return response.data["choices"]

    agenda = await choices("agenda", "filter", "cyber")
    assert any("Cybercriminalité" in c["name"] for c in agenda)
    days = await choices("agenda", "filter", "", locale="en-US")
    assert any(c["value"] == "2025-11-24" for c in days)
    items = await choices("item", "id", "1", kind=4)
    assert items and all(isinstance(c["value"], int) for c in items)
    assert items[0]["name"].startswith("#1 ")
    helps = await choices("help", "command", "se")
    assert "search" in [c["value"] for c in helps]
    assert all(c["value"].startswith("se") for c in helps)
    people = await choices("participants", "filter", "maroc")
    assert people and len(people) <= 25
    assert fake.violations == []


async def test_user_error_is_ephemeral(discord_bot: DiscordBot) -> None:
    fake = discord_bot.fake
    iid = await fake.push_interaction("news", [{"name": "count", "type": 4, "value": 99}],
                                      guild_id=GUILD, channel_id=CHANNEL, locale="en-US")
    final = await fake.wait_for_final(iid)
    assert int(final["flags"]) & EPHEMERAL
    assert "99" in final["content"] and "/news" in final["content"]
    assert fake.channel_messages(CHANNEL) == []


async def test_admin_command_refused_for_a_member_but_not_for_an_owner(
    discord_bot: DiscordBot,
) -> None:
    fake = discord_bot.fake

    async def secret(req: Request, deps: Deps) -> Reply:
        return ReplyBuilder().para("secret").build()

    await add_command(discord_bot, Command("secret", secret, "/secret", admin=True, catalog=command_texts(
        "secret", {"fr": "s", "en": "s"}, {"fr": "s", "en": "s"})))
    iid = await fake.push_interaction("secret", guild_id=GUILD, channel_id=CHANNEL,
                                      user_id=ALICE, locale="en-US")
    final = await fake.wait_for_final(iid)
    assert int(final["flags"]) & EPHEMERAL and "administrators" in final["content"]
    iid = await fake.push_interaction("secret", guild_id=GUILD, channel_id=CHANNEL,
                                      user_id=OWNER, locale="en-US")
    final = await fake.wait_for_final(iid)
    assert final["content"] == "secret" and not int(final.get("flags") or 0) & EPHEMERAL


async def test_chat_admin_check_needs_manage_channels(discord_bot: DiscordBot) -> None:
    """What /subscribe relies on: only members who manage the channel pass the check."""
    fake = discord_bot.fake

    async def manage(req: Request, deps: Deps) -> Reply:
        assert req.check_chat_admin is not None
        if not await req.check_chat_admin():
            raise NotAllowed("error.admin_only", command="manage")
        return ReplyBuilder().para("managed").build()

    await add_command(discord_bot, Command("manage", manage, "/manage", catalog=command_texts(
        "manage", {"fr": "m", "en": "m"}, {"fr": "m", "en": "m"})))
    refused = await fake.wait_for_final(await fake.push_interaction(
        "manage", guild_id=GUILD, channel_id=CHANNEL, permissions="0"))
    assert int(refused["flags"]) & EPHEMERAL and "manage" in refused["content"]
    allowed = await fake.wait_for_final(await fake.push_interaction(
        "manage", guild_id=GUILD, channel_id=CHANNEL, permissions=MANAGE_CHANNELS))
    assert allowed["content"] == "managed"


async def test_slow_handler_is_deferred_then_edited(discord_bot: DiscordBot) -> None:
    fake = discord_bot.fake
    gate = asyncio.Event()

    async def slow(req: Request, deps: Deps) -> Reply:
        await gate.wait()
        return ReplyBuilder().heading("Slow digest").para("all done").build()

    client = discord_bot.platform.client
    client.defer_after = 0.05
    await add_command(discord_bot, Command("slow", slow, "/slow", catalog=command_texts(
        "slow", {"fr": "lent", "en": "slow"}, {"fr": "lent", "en": "slow"})))
    iid = await fake.push_interaction("slow", guild_id=GUILD, channel_id=CHANNEL)
    response = await fake.wait_for_response(iid)
    assert response.type == DEFERRED
    gate.set()
    final = await fake.wait_for_final(iid)
    assert final["embeds"][0]["title"] == "Slow digest"
    assert "all done" in final["embeds"][0]["description"]


async def test_paging_button_updates_the_message(discord_bot: DiscordBot) -> None:
    fake = discord_bot.fake
    iid = await fake.push_interaction("news", guild_id=GUILD, channel_id=CHANNEL, locale="en-US")
    first = await fake.wait_for_final(iid)
    message = fake.interactions[iid].response.message  # type: ignore[union-attr]
    assert message is not None
    assert "Page 1/2" in embed_text(first)
    press = await push_button(fake, message, custom_ids(first)["Next ▶"], locale="en-US")
    response = await fake.wait_for_response(press)
    assert response.type == 7  # UPDATE_MESSAGE: the same message shows page 2
    assert "Page 2/2" in embed_text(response.data)
    assert "◀ Previous" in custom_ids(response.data)


async def test_stale_or_forged_button_is_answered_politely(discord_bot: DiscordBot) -> None:
    fake = discord_bot.fake
    iid = await fake.push_interaction("news", guild_id=GUILD, channel_id=CHANNEL)
    await fake.wait_for_final(iid)
    message = fake.interactions[iid].response.message  # type: ignore[union-attr]
    assert message is not None
    for custom_id in ("nb:news:2:~forgottenkey", "something-else", "nb:nosuchcommand:1:="):
        press = await push_button(fake, message, custom_id, locale="en-US")
        response = await fake.wait_for_response(press)
        assert response.type == 4 and int(response.data["flags"]) & EPHEMERAL
        assert "no longer valid" in response.data["content"]


async def test_direct_message_after_global_sync(discord_bot: DiscordBot) -> None:
    from bot.platforms.discord.commands import sync

    fake = discord_bot.fake
    assert await sync(discord_bot.platform.client.tree, []) == len(discord_bot.app.registry)
    assert {c["name"] for c in fake.commands} >= {"agenda", "search"}
    iid = await fake.push_interaction("search", [{"name": "words", "type": 3, "value": "femmes"}],
                                      locale="fr")
    final = await fake.wait_for_final(iid)
    assert "Recherche" in embed_text(final) or "femmes" in embed_text(final)


async def test_text_from_content_cannot_ping_or_format(discord_bot: DiscordBot) -> None:
    fake = discord_bot.fake
    query = "@everyone **gras** [lien](https://evil.example)"
    iid = await fake.push_interaction("search", [{"name": "words", "type": 3, "value": query}],
                                      guild_id=GUILD, channel_id=OTHER_CHANNEL, locale="fr")
    final = await fake.wait_for_final(iid)
    text = embed_text(final)
    assert "@everyone" not in text and "@\u200beveryone" in text
    assert "\\*\\*gras\\*\\*" in text  # shown as typed, not bold
    assert "\\[lien](https://evil.example)" in text  # not a masked link
    assert final["allowed_mentions"] == {"parse": []}


async def test_slow_handler_error_replaces_the_public_placeholder_with_a_private_note(
    discord_bot: DiscordBot,
) -> None:
    fake = discord_bot.fake
    gate = asyncio.Event()

    async def slow_fail(req: Request, deps: Deps) -> Reply:
        await gate.wait()
        raise NotAllowed("error.admin_only", command="slowfail")

    discord_bot.platform.client.defer_after = 0.05
    await add_command(discord_bot, Command("slowfail", slow_fail, "/slowfail", catalog=command_texts(
        "slowfail", {"fr": "x", "en": "x"}, {"fr": "x", "en": "x"})))
    iid = await fake.push_interaction("slowfail", guild_id=GUILD, channel_id=CHANNEL)
    response = await fake.wait_for_response(iid)
    assert response.type == DEFERRED
    gate.set()
    final = await fake.wait_for_final(iid)
    assert int(final["flags"]) & EPHEMERAL and "/slowfail" in final["content"]
    assert response.deleted  # the public "thinking…" message is gone


async def test_paging_a_query_too_long_for_a_custom_id(discord_bot: DiscordBot) -> None:
    fake = discord_bot.fake
    query = " ".join(["interpol"] * 12)  # 107 characters: kept server-side, referenced by key
    iid = await fake.push_interaction("search", [{"name": "words", "type": 3, "value": query}],
                                      guild_id=GUILD, channel_id=CHANNEL, locale="fr")
    first = await fake.wait_for_final(iid)
    message = fake.interactions[iid].response.message  # type: ignore[union-attr]
    assert message is not None
    (custom_id,) = custom_ids(first).values()
    assert custom_id.startswith("nb:search:2:~") and len(custom_id) <= 100
    response = await fake.wait_for_response(await push_button(fake, message, custom_id))
    assert response.type == 7 and "Page 2/" in embed_text(response.data)
