"""Small helpers for tests: send a command as a user would and read the reply's text."""

from __future__ import annotations

from bot.app import App
from handlers import Reply, Request
from handlers.catalog import Catalog
from handlers.parse import parse_command
from handlers.reply import plain_text


async def send(app: App, text: str, *, lang: str | None = None, chat_id: str = "c1",
               user_id: str = "u1", platform: str = "console", chat_kind: str = "private",
               page: int = 1) -> Reply:
    command, args = parse_command(text)
    return await app.handle(Request(
        platform=platform, chat_id=chat_id, user_id=user_id, command=command, args=args,
        chat_kind=chat_kind, user_language=lang, page=page,
    ))


async def text_of(app: App, text: str, **kwargs: object) -> str:
    return plain_text(await send(app, text, **kwargs))  # type: ignore[arg-type]


def command_texts(name: str, summary: dict[str, str], help: dict[str, str] | None = None,
                  **options: dict[str, str]) -> Catalog:
    """The words of a test's own command (not in the bot's catalog), for ``Command(...,
    catalog=…)`` and its ``Option(name, "option.<command>.<name>", catalog=…)``."""
    texts = {f"command.{name}.summary": summary}
    if help is not None:
        texts[f"command.{name}.help"] = help
    texts.update({f"option.{name}.{option}": words for option, words in options.items()})
    return Catalog(texts, languages=tuple(summary))


FOUR_LANGUAGES = ("fr", "en", "es", "ar")


def four_language_catalog(catalog: Catalog | None = None) -> Catalog:
    """``catalog`` (the bot's) with Spanish and Arabic stand-ins for every key (the English
    text, marked), for tests of what must follow the catalog's languages before the real
    translations are in."""
    from handlers.catalog import CATALOG

    base = catalog or CATALOG
    marks = {"es": "[es] ", "ar": "[ع] "}
    texts = {key: {**texts, **{lang: mark + (texts.get("en") or texts["fr"])
                               for lang, mark in marks.items() if not texts.get(lang)}}
             for key, texts in base.items()}
    return Catalog(texts, languages=FOUR_LANGUAGES)


def with_catalog(app: App, catalog: Catalog) -> None:
    """Give every registered command (and its options) of ``app`` the words of ``catalog``."""
    from dataclasses import replace

    from handlers.base import Registry

    app.registry = Registry(
        replace(c, catalog=catalog,
                options=tuple(replace(o, catalog=catalog) for o in c.options))
        for c in app.registry
    )
