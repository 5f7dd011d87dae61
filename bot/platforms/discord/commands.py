"""Slash commands built from the handler registry: one CommandTree, typed and localized.

Each registered :class:`handlers.base.Command` becomes an ``app_commands.Command`` whose
callback signature is generated from its ``Option``s (``str``/``int``, required or not), so
Discord shows typed, described options. Descriptions are ``locale_str`` carrying the text in
every language of the catalog; :class:`RegistryTranslator` hands them to Discord as
localizations, for each Discord locale of that language (:data:`DISCORD_LOCALES`; English is
the base, Discord's default locale). Everything is cut to Discord's limits (names 1–32,
descriptions 1–100 characters). Autocomplete is answered by ``handlers.complete``.
"""

from __future__ import annotations

import inspect
import logging
import warnings
from collections.abc import Awaitable, Callable
from typing import Any, cast

from handlers.base import Command, Deps, Option, Registry
from handlers.complete import complete
from handlers.i18n import normalize_language

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # discord.py imports audioop (voice)
    import discord
    from discord import app_commands

log = logging.getLogger("newsbot.discord")

DESCRIPTION_MAX = 100

#: the Discord locales each of the bot's languages is shown in (a language the catalog has
#: but this table does not, or maps to nothing, gets no localization: its users see the
#: English base text). Discord's locales: ``AvailableLocalesEnum`` of its API spec
#: (tests/data/discord-api.json) that discord.py knows (``discord.Locale``; the tree asks
#: the translator for those only). Arabic has none there (the spec lists "ar" as a user's
#: locale since 2026, but discord.py 2.7 cannot localize commands for it): Arabic readers
#: pick the bot's language with ``/lang ar``, and an interaction whose locale is "ar" is
#: answered in Arabic (handlers.i18n.normalize_language).
DISCORD_LOCALES: dict[str, tuple[discord.Locale, ...]] = {
    "fr": (discord.Locale.french,),
    "en": (discord.Locale.american_english, discord.Locale.british_english),
    "es": (discord.Locale.spain_spanish, discord.Locale.latin_american_spanish),
    "ar": (),
}
_LANGUAGE_OF = {locale: lang for lang, locales in DISCORD_LOCALES.items() for locale in locales}

#: runs one command: (interaction, command name, joined argument text)
Runner = Callable[[discord.Interaction[Any], str, str], Awaitable[None]]


def fit(text: str, limit: int = DESCRIPTION_MAX) -> str:
    """One line, at most ``limit`` characters, never empty (Discord refuses empty ones)."""
    text = " ".join(text.split()) or "…"
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def localized(texts: dict[str, str]) -> app_commands.locale_str:
    """A description: English base text, with every language's text ({language: text}, the
    catalog's) kept as extras for the translator."""
    base = fit(texts.get("en") or texts.get("fr") or "")
    return app_commands.locale_str(base, **{k: fit(v) for k, v in texts.items() if v})


class RegistryTranslator(app_commands.Translator):
    """Gives Discord the descriptions carried by our ``locale_str``s, in each locale of
    :data:`DISCORD_LOCALES` whose language they have."""

    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        if context.location not in (
            app_commands.TranslationContextLocation.command_description,
            app_commands.TranslationContextLocation.parameter_description,
        ):
            return None
        lang = _LANGUAGE_OF.get(locale)
        text = string.extras.get(lang) if lang else None
        return fit(text) if text else None


def _autocompleter(option: Option, deps: Deps, registry: Registry) -> Callable[..., Any]:
    source = option.autocomplete or ""

    async def autocomplete(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[Any]]:
        lang = normalize_language(interaction.locale.value) or deps.default_language
        pairs = await complete(source, str(current or ""), lang, deps, registry)
        if option.type == "int":
            return [app_commands.Choice(name=label, value=int(value))
                    for label, value in pairs if value.isdigit()]
        return [app_commands.Choice(name=label, value=value) for label, value in pairs]

    return autocomplete


def _callback(command: Command, runner: Runner) -> Callable[..., Awaitable[None]]:
    """A coroutine whose signature declares the command's options (read by discord.py)."""
    names = [o.name for o in command.options]

    async def callback(interaction: discord.Interaction[Any], **values: Any) -> None:
        args = " ".join(str(values[n]) for n in names if values.get(n) not in (None, ""))
        await runner(interaction, command.name, args)

    params = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                annotation=discord.Interaction)]
    for o in sorted(command.options, key=lambda o: not o.required):
        params.append(inspect.Parameter(
            o.name, inspect.Parameter.KEYWORD_ONLY,
            annotation=int if o.type == "int" else str,
            default=inspect.Parameter.empty if o.required else None,
        ))
    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    callback.__name__ = callback.__qualname__ = f"slash_{command.name}"
    callback.__discord_app_commands_param_description__ = {  # type: ignore[attr-defined]
        o.name: localized(o.description) for o in command.options
    }
    choices = {
        o.name: [app_commands.Choice(name=c, value=c) for c in o.choices[:25]]
        for o in command.options if o.choices and o.type == "str"
    }
    if choices:
        callback.__discord_app_commands_param_choices__ = choices  # type: ignore[attr-defined]
    return callback


#: who sees the bot's admin slash commands by default: members who can manage the server
ADMIN_COMMAND_PERMISSIONS = discord.Permissions(manage_guild=True)


def slash_command(
    command: Command, registry: Registry, deps: Deps, runner: Runner
) -> app_commands.Command[Any, ..., None]:
    """The slash command for one registered command (typed, described, autocompleted)."""
    slash: app_commands.Command[Any, ..., None] = app_commands.Command(
        name=command.name,
        description=localized(command.summary),
        callback=cast(Any, _callback(command, runner)),
    )
    if command.admin:
        # hidden from ordinary members (server admins can grant them to a role in Server
        # Settings > Integrations); the dispatcher still checks the bot's own admins
        slash.default_permissions = ADMIN_COMMAND_PERMISSIONS
    for option in command.options:
        if option.autocomplete and not option.choices:
            slash.autocomplete(option.name)(_autocompleter(option, deps, registry))
    return slash


def build_tree(
    client: discord.Client, registry: Registry, deps: Deps, runner: Runner
) -> app_commands.CommandTree[Any]:
    """The command tree for ``client``: every registered command, once."""
    tree: app_commands.CommandTree[Any] = app_commands.CommandTree(client)
    for command in registry:
        tree.add_command(slash_command(command, registry, deps, runner))
    return tree


async def sync(tree: app_commands.CommandTree[Any], guild_ids: list[int]) -> int:
    """Register the commands on Discord: per guild when given (instant), else globally."""
    await tree.set_translator(RegistryTranslator())
    if not guild_ids:
        return len(await tree.sync())
    synced = 0
    for gid in guild_ids:
        guild = discord.Object(id=gid)
        tree.copy_global_to(guild=guild)
        synced = len(await tree.sync(guild=guild))
        log.info("commands synced", extra={"guild": gid, "commands": synced})
    return synced
