"""The real PTB Application against the fake Bot API: commands, paging, menus, languages.

Each scenario runs in polling and in webhook mode; the fake fails the test on any call that
breaks the Bot API spec (the ``fake_telegram`` fixture checks it at teardown).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot.platforms.telegram.render import utf16_len
from handlers import Request
from handlers.reply import Reply, Sources, plain_text
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_fixtures import fake_telegram
from tests.telegram_harness import Harness, running_bot

__all__ = ["fake_telegram"]

PRIVATE = 1001
GROUP = -2002
BOT = "assembly_news_bot"
SAMPLE_ARGS = {"item": "1", "search": "interpol", "lang": "fr", "agenda": "", "news": "3"}


@pytest_asyncio.fixture(params=["polling", "webhook"])
async def bot(request: pytest.FixtureRequest, fake_telegram: FakeTelegram,
              db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(fake_telegram, db_url, request.param) as harness:
        yield harness


def expected_pieces(reply: Reply) -> list[str]:
    """Texts a user must find in the message (formatting aside; sources are shown with dates)."""
    sources = [b for b in reply.blocks if isinstance(b, Sources)]
    rest = Reply(tuple(b for b in reply.blocks if not isinstance(b, Sources)))
    lines = plain_text(rest).split("\n") + [r.name for b in sources for r in b.refs]
    return [" ".join(p.split()) for p in lines if p.strip()]


async def check_command(bot: Harness, chat_id: int, text: str, chat_kind: str) -> None:
    name, _, args = text.lstrip("/").partition(" ")
    name = name.split("@")[0]
    sent = await bot.say(chat_id, text, chat_type=chat_kind)
    shown = " ".join(" ".join(m.text for m in sent).split())
    user_id = int(sent[0].chat_id) if chat_kind == "private" else None
    expected = await bot.app.handle(Request(
        platform="telegram", chat_id=str(chat_id), user_id=str(user_id or 0), command=name,
        args=args, chat_kind=chat_kind, user_language="fr"))
    command = bot.app.registry.get(name)
    assert command is not None
    # admin commands refuse non-admins; in groups, subscription and language changes are for
    # the group's admins
    refusable = command.admin or (
        chat_kind != "private" and (command.group == "subscriptions" or name == "lang"))
    assert not expected.is_error or refusable, shown
    for piece in expected_pieces(expected):
        assert piece in shown, f"/{name}: {piece!r} missing from {shown[:500]!r}"
    assert all(utf16_len(m.text) <= 4096 for m in sent)


async def test_every_command_in_a_private_chat(bot: Harness) -> None:
    for command in bot.app.registry:
        await check_command(bot, PRIVATE, f"/{command.name} {SAMPLE_ARGS.get(command.name, '')}".strip(),
                            "private")


async def test_every_command_in_a_group_with_the_bot_suffix(bot: Harness) -> None:
    for command in bot.app.registry:
        args = SAMPLE_ARGS.get(command.name, "")
        await check_command(bot, GROUP, f"/{command.name}@{BOT} {args}".strip(), "group")
    # replies went to the group itself, and never to a private chat
    assert {m.chat_id for m in bot.tg.messages(GROUP)} == {GROUP}


async def test_paging_edits_the_message_in_place(bot: Harness) -> None:
    [first] = await bot.say(PRIVATE, "/agenda")
    assert "Page 1/2" in first.text
    await bot.press(PRIVATE, first)
    await bot.until_text(PRIVATE, "Page 2/2")
    answered = bot.calls("answerCallbackQuery")
    [message] = bot.tg.messages(PRIVATE)  # no new message: the same one, edited
    assert message.edited and "Page 2/2" in message.text and "Comité exécutif" in message.text
    assert answered and answered[0].status == 200
    buttons = message.reply_markup["inline_keyboard"]  # type: ignore[index]
    assert [b["callback_data"] for row in buttons for b in row] == ["agenda|1|"]
    await bot.press(PRIVATE, message)
    await bot.until_text(PRIVATE, "Page 1/2")
    assert len(bot.tg.messages(PRIVATE)) == 1


async def test_language_switch(bot: Harness) -> None:
    [fr] = await bot.say(PRIVATE, "/start", language_code="fr")
    [switched] = await bot.say(PRIVATE, "/lang en", language_code="fr")
    [en] = await bot.say(PRIVATE, "/start", language_code="fr")
    assert fr.text != en.text
    assert "English" in switched.text or "language" in switched.text.lower()
    [help_en] = await bot.say(PRIVATE, "/help")
    assert "/agenda" in help_en.text and "The agenda" in help_en.text


async def test_a_new_english_user_is_answered_in_english(bot: Harness) -> None:
    [en] = await bot.say(PRIVATE + 1, "/help", language_code="en")
    assert "The agenda, by day or topic" in en.text


async def test_command_menus_in_each_language(bot: Harness) -> None:
    public = [c for c in bot.app.registry if c.listed and not c.admin]
    menus = bot.tg.commands
    assert [c["command"] for c in menus[("default", "")]] == [c.name for c in public]
    assert [c["description"] for c in menus[("default", "fr")]] == [c.summary["fr"] for c in public]
    assert [c["description"] for c in menus[("default", "en")]] == [c.summary["en"] for c in public]
    assert menus[("default", "")] == menus[("default", "fr")]  # French is the default language


async def test_forum_topic_is_answered_in_its_topic(bot: Harness) -> None:
    sent = await bot.say(-3003, f"/about@{BOT}", chat_type="supergroup",
                         message_thread_id=77, is_topic_message=True)
    assert {m.message_thread_id for m in sent} == {77}


async def test_quick_commands_in_one_chat_are_answered_in_order(bot: Harness) -> None:
    for text in ("/news", "/start", "/about", "/help"):
        bot.tg.push_message(PRIVATE, text)
    await bot.deliver()
    sent = await bot.tg.wait_for_messages(PRIVATE, 4)
    firsts = [m.text.split("\n")[0] for m in sent]
    expected = []
    for text in ("/news", "/start", "/about", "/help"):
        reply = await bot.app.handle(Request(platform="telegram", chat_id=str(PRIVATE),
                                             user_id=str(PRIVATE), command=text[1:]))
        expected.append(plain_text(reply).split("\n")[0])
    assert firsts == expected


async def test_paging_a_long_query_goes_through_a_short_token(bot: Harness) -> None:
    query = " ".join(["INTERPOL"] * 12)  # 107 characters: too long for callback_data
    [first] = await bot.say(PRIVATE, f"/search {query}")
    assert "Page 1/" in first.text
    data = first.reply_markup["inline_keyboard"][0][-1]["callback_data"]  # type: ignore[index]
    assert data.startswith("~") and len(data.encode()) <= 64
    await bot.press(PRIVATE, first)
    await bot.until_text(PRIVATE, "Page 2/")
    assert len(bot.tg.messages(PRIVATE)) == 1
