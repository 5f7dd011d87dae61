"""Text from outside is cleaned once, at the dispatcher: control, bidi and zero-width
characters never reach storage or other users; odd chat metadata never breaks a chat."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.app import App
from handlers.parse import clean_input
from storage.models import Chat
from tests.desk.conftest import desk_settings, item_of
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_fixtures import fake_telegram
from tests.helpers import send
from tests.telegram_harness import Harness, running_bot

__all__ = ["fake_telegram"]
GROUP = -4004


@pytest_asyncio.fixture
async def bot(fake_telegram: FakeTelegram, db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(fake_telegram, db_url, "polling") as harness:
        yield harness


@pytest.mark.parametrize("title", [
    "Rédaction\x00 Marrakech", "Groupe \ud800 cassé", "Très long " + "x" * 400,
    "\u202eevil\u202c group",
])
async def test_a_group_with_odd_metadata_still_gets_answers(bot: Harness, title: str) -> None:
    sent = await bot.say(GROUP, "/start@assembly_news_bot", chat_type="supergroup",
                         chat_title=title, user_id=77)
    assert "INTERPOL" in sent[0].text
    async with bot.app.uow() as uow:
        chat = (await uow.session.scalars(select(Chat).where(
            Chat.platform_chat_id == str(GROUP)))).one()
    assert chat.title is not None and len(chat.title) <= 256
    assert not any(c in chat.title for c in "\x00\ud800\u202e\u202c")


async def test_admin_text_loses_hidden_characters_not_words(db_url: str) -> None:
    async with App(desk_settings(db_url)) as app:
        added = await send(app, "/additem Titre\u202e piégé\u200b\nTexte \x1b[31mrouge\x07 fin.",
                           user_id="local")
        item = await item_of(app, int(added.buttons[0].args))
    assert item.title == {"fr": "Titre piégé"}
    assert item.body == {"fr": "Texte [31mrouge fin."}


def test_clean_input_keeps_what_languages_need() -> None:
    arabic = "الأمن\u200cالسيبراني \u200f(نص)"  # ZWNJ and RLM are part of the text
    assert clean_input(arabic) == arabic
    assert clean_input("👩\u200d💻 e\u0301") == "👩\u200d💻 é"  # ZWJ kept, NFC applied
    assert clean_input("a\tb\nc\x0bd", multiline=False) == "a b cd"


def test_the_terminal_never_gets_control_sequences() -> None:
    from bot.platforms.console.render import render
    from handlers.reply import ReplyBuilder

    reply = ReplyBuilder().heading("Titre\x1b]0;pwned\x07").para("Texte \x1b[2J\u202efin").build()
    shown = render(reply)
    assert "\x1b" not in shown and "\u202e" not in shown and "Texte [2Jfin" in shown


def test_feed_text_is_cleaned_like_every_input() -> None:
    from bot.feed_fetch import html_to_text

    text = html_to_text("<p>Alerte\x00 \x1b[31mrouge\u202e inversé\u200b</p><p>Suite</p>")
    assert text == "Alerte [31mrouge inversé\n\nSuite"
