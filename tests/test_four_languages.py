"""INTERPOL's four languages through the real front ends: every command on the console, the
public commands on Telegram (strict fake), an Arabic reply's bidi structure as sent, and the
same facts in /about and /agenda whatever the language."""

from __future__ import annotations

import re
import unicodedata

import pytest

from bot.app import App
from handlers import build_registry
from handlers.i18n import t
from storage.text import LANGUAGES
from tests.conftest import make_settings
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_fixtures import fake_telegram
from tests.helpers import text_of
from tests.telegram_harness import running_bot

__all__ = ["fake_telegram"]

OWNER = "local"  # the console's owner: no command is refused for rights
#: sample arguments, so each command does its work rather than ask for them
ARGS = {"item": "1", "search": "interpol", "participants": "Hammouchi", "news": "3",
        "history": "item 1"}
#: commands whose sample use changes state the others read (left out of the sweep)
SKIP = {"lang", "broadcast", "admin", "delitem", "undo", "revert", "publish", "additem",
        "append", "edititem", "translate", "editsession", "editparticipant", "stillvalid",
        "subscribe", "unsubscribe", "settings", "addsession", "addparticipant", "delsession",
        "delparticipant", "editresolution", "addfact", "editfact", "delfact"}


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_every_command_answers_in_each_language_on_the_console(db_url: str,
                                                                     lang: str) -> None:
    async with App(make_settings(db_url)) as app:
        chat = f"chat-{lang}"
        chosen = await text_of(app, f"/lang {lang}", chat_id=chat, user_id=OWNER)
        assert chosen == t("lang.set", lang), chosen
        for command in build_registry():
            if command.name in SKIP:
                continue
            reply = await text_of(app, f"/{command.name} {ARGS.get(command.name, '')}".strip(),
                                  chat_id=chat, user_id=OWNER)
            assert t("error.generic", lang) not in reply, (lang, command.name, reply)
        assert t("help.title", lang) in await text_of(app, "/help", chat_id=chat, user_id=OWNER)
        assert t("agenda.title", lang) in await text_of(app, "/agenda", chat_id=chat)


def _numbers(text: str) -> list[str]:
    digits = text.translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789"))
    return sorted(re.findall(r"\d+", digits))


async def test_about_and_agenda_carry_the_same_figures_in_every_language(db_url: str) -> None:
    async with App(make_settings(db_url)) as app:
        seen = {}
        for lang in LANGUAGES:
            about = await text_of(app, "/about", lang=lang, chat_id=f"a-{lang}")
            seen[lang] = [n for n in _numbers(about) if len(n) >= 2]  # years, counts, days
        assert all(seen[lang] for lang in LANGUAGES)
        assert all(set(seen[lang]) == set(seen["fr"]) for lang in LANGUAGES), seen


def _isolated(text: str) -> bool:
    """Every left-to-right letter of an Arabic line sits inside an isolate (LRI/FSI…PDI)."""
    for line in text.split("\n"):
        depth = 0
        for ch in line:
            if ch in "\u2066\u2067\u2068":
                depth += 1
            elif ch == "\u2069":
                depth -= 1
            elif unicodedata.bidirectional(ch) == "L" and depth == 0:
                return False
        if depth != 0:
            return False
    return True


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_public_commands_answer_in_each_language_on_telegram(
        fake_telegram: FakeTelegram, db_url: str, lang: str) -> None:
    chat = 515151
    async with running_bot(fake_telegram, db_url) as bot:
        [chosen] = await bot.say(chat, f"/lang {lang}")
        assert t("lang.set", lang) in chosen.text  # Arabic: laid out right to left (RLM)
        for command, needle in (("/help", t("help.title", lang)),
                                ("/agenda", t("agenda.title", lang)),
                                ("/about", None), ("/participants", None), ("/resolution", None),
                                ("/news", None), ("/search interpol", None)):
            messages = await bot.say(chat, command)
            text = "\n".join(m.text for m in messages)
            assert t("error.generic", lang) not in text, (command, text)
            if needle is not None:
                assert needle in text, (command, text)
            if lang == "ar":
                assert _isolated(text), (command, text)
    assert fake_telegram.violations == []


@pytest.mark.parametrize(("lang", "shown"), [
    ("fr", "/item <numéro>"), ("en", "/item <number>"), ("es", "/item <número>"),
    ("ar", "/item <الرقم>")])
async def test_the_usage_shown_speaks_the_readers_language(db_url: str, lang: str,
                                                          shown: str) -> None:
    """The descriptive words of a usage line are translated; what is typed stays as typed."""
    async with App(make_settings(db_url)) as app:
        await text_of(app, f"/lang {lang}", chat_id=f"u-{lang}")
        reply = await text_of(app, "/item", chat_id=f"u-{lang}")
        assert shown in reply, reply
        edit = build_registry().get("edititem")
        assert edit is not None and "<title|body|topics" in edit.usage_in(lang)
