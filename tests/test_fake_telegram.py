"""The fake Bot API, driven by the real python-telegram-bot client.

Each refusal is checked twice: the exact Telegram description the fake answered with,
and the PTB exception a bot author would catch.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.fakes.telegram_api import FakeTelegram, TelegramLimits
from tests.fakes.telegram_fixtures import assert_no_violations, fake_telegram
from tests.fakes.telegram_html import parse_html, utf16_len
from tests.fakes.telegram_spec import default_spec_path

__all__ = ["fake_telegram"]

USER = 4242
GROUP = -4001
SUPERGROUP = -1001234567890


@pytest_asyncio.fixture
async def bot(fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(fake_telegram.token, base_url=fake_telegram.base_url) as client:
        yield client


@pytest.fixture
def tg(fake_telegram: FakeTelegram) -> FakeTelegram:
    """Limits off: most tests send several messages to one chat in well under a second."""
    fake_telegram.limits.enabled = False
    return fake_telegram


def ptb_message(description: str) -> str:
    """What PTB shows for a Telegram description (it strips "Bad Request: ", capitalizes)."""
    stripped = description.removeprefix("Bad Request: ")
    return stripped.capitalize() if stripped != description else description


async def refused(tg: FakeTelegram, exc_type: type[Exception], call: Any) -> str:
    """Run a PTB call expected to fail; return the description Telegram sent."""
    with pytest.raises(exc_type) as info:
        await call
    description = tg.calls[-1].error
    assert description is not None
    if exc_type in (BadRequest, Forbidden):
        assert info.value.message == ptb_message(description)  # type: ignore[attr-defined]
    return description


# ---------------------------------------------------------------- application


async def test_application_answers_start_and_buttons_over_long_polling(tg: FakeTelegram) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_user is not None
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Agenda", callback_data="agenda")]])
        name = update.effective_user.first_name
        await update.effective_message.reply_html(f"Bonjour <b>{name}</b> !", reply_markup=keyboard)

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"Choix : {query.data}")

    app = ApplicationBuilder().token(tg.token).base_url(tg.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(button))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)  # type: ignore[union-attr]
        tg.push_message(USER, "/start")
        tg.push_message(GROUP, "/start@assembly_news_bot", chat_type="group", user_id=USER)
        tg.push_message(GROUP, "/start@other_bot", chat_type="group")
        [greeting] = await tg.wait_for_messages(USER)
        await tg.wait_for_messages(GROUP)
        tg.push_callback_query(USER, greeting.message_id, "agenda")
        for _ in range(100):
            if tg.messages(USER)[0].edited:
                break
            await asyncio.sleep(0.02)
        await app.updater.stop()  # type: ignore[union-attr]
        await app.stop()
    assert greeting.text == "Choix : agenda" and greeting.edited and greeting.reply_markup is None
    assert [m.text for m in tg.messages(GROUP)] == ["Bonjour Ana !"]
    assert tg.messages(GROUP)[0].entities == [{"type": "bold", "offset": 8, "length": 3}]
    methods = [c.method for c in tg.calls]
    assert {"getMe", "deleteWebhook", "getUpdates", "answerCallbackQuery"} <= set(methods)
    # 499: the long poll PTB abandoned on stop (its last getUpdates terminated it).
    assert {c.status for c in tg.calls} <= {200, 499}


# ------------------------------------------------------------------------ HTML


async def test_valid_html_is_stored_as_plain_text_with_utf16_entities(
    tg: FakeTelegram, bot: Bot
) -> None:
    html = (
        '😀 <b>gras <i>et</i></b> <a href="https://ex.org/?a=1&amp;b=2">lien</a> &lt;x&gt; '
        '&#233;&#xE9; <pre><code class="language-python">x = 1</code></pre>'
        "<blockquote expandable>cité</blockquote> <tg-spoiler>s</tg-spoiler>"
    )
    message = await bot.send_message(USER, html, parse_mode="HTML")
    [stored] = tg.messages(USER)
    assert stored.text == message.text == "😀 gras et lien <x> éé x = 1cité s"
    assert stored.html == html
    assert stored.entities == [
        {"offset": 3, "length": 7, "type": "bold"},
        {"offset": 8, "length": 2, "type": "italic"},
        {"offset": 11, "length": 4, "type": "text_link", "url": "https://ex.org/?a=1&b=2"},
        {"offset": 23, "length": 5, "type": "pre", "language": "python"},
        {"offset": 28, "length": 4, "type": "expandable_blockquote"},
        {"offset": 33, "length": 1, "type": "spoiler"},
    ]


_TEXT = st.text(st.characters(exclude_categories=["Cs"]))


@given(_TEXT)
def test_escaped_text_round_trips_without_entities(text: str) -> None:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert parse_html(escaped) == (text, [])


@given(_TEXT, _TEXT)
def test_bold_entity_offsets_are_utf16(before: str, inner: str) -> None:
    def esc(value: str) -> str:
        return value.replace("&", "&#38;").replace("<", "&#60;")

    text, entities = parse_html(f"{esc(before)}<b>{esc(inner)}</b>")
    assert text == before + inner
    expected = [{"offset": utf16_len(before), "length": utf16_len(inner), "type": "bold"}]
    assert entities == (expected if inner else [])


@pytest.mark.parametrize(
    ("html", "detail"),
    [
        ("a <foo>b</foo>", 'Unsupported start tag "foo" at byte offset 2'),
        ("é <b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("AT&T", "Character entity expected at byte offset 2"),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<br/>", 'Unsupported start tag "br/" at byte offset 0'),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ],
)
async def test_invalid_html_is_refused_with_telegrams_detail(
    tg: FakeTelegram, bot: Bot, html: str, detail: str
) -> None:
    description = await refused(tg, BadRequest, bot.send_message(USER, html, parse_mode="HTML"))
    assert description == f"Bad Request: can't parse entities: {detail}"
    assert tg.messages(USER) == []


async def test_plain_text_is_literal_and_length_counts_utf16_units(
    tg: FakeTelegram, bot: Bot
) -> None:
    await bot.send_message(USER, "1 < 2 & <b>")
    await bot.send_message(USER, "😀" * 2048)  # 4096 UTF-16 code units: the maximum
    assert tg.messages(USER)[0].text == "1 < 2 & <b>" and tg.messages(USER)[0].entities == []
    too_long = bot.send_message(USER, "😀" * 2048 + "a")
    assert await refused(tg, BadRequest, too_long) == "Bad Request: message is too long"
    empty = bot.send_message(USER, "<b> \n </b>", parse_mode="HTML")
    assert await refused(tg, BadRequest, empty) == "Bad Request: message text is empty"


# -------------------------------------------------------------------- refusals


async def test_inline_keyboard_rules(tg: FakeTelegram, bot: Bot) -> None:
    def keyboard(text: str, data: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data)]])

    await bot.send_message(USER, "ok", reply_markup=keyboard("x", "é" * 32))  # 64 bytes
    too_long = bot.send_message(USER, "x", reply_markup=keyboard("x", "é" * 33))
    assert await refused(tg, BadRequest, too_long) == "Bad Request: BUTTON_DATA_INVALID"
    no_text = bot.send_message(USER, "x", reply_markup=keyboard(" ", "d"))
    assert await refused(tg, BadRequest, no_text) == "Bad Request: BUTTON_TEXT_INVALID"
    assert len(tg.messages(USER)) == 1


async def test_set_my_commands_rules_and_storage(tg: FakeTelegram, bot: Bot) -> None:
    await bot.set_my_commands([("agenda", "Programme du jour")], language_code="fr")
    await bot.set_my_commands([("start", "Start")], scope={"type": "all_private_chats"})  # type: ignore[arg-type]
    assert tg.commands == {
        ("default", "fr"): [{"command": "agenda", "description": "Programme du jour"}],
        ("all_private_chats", ""): [{"command": "start", "description": "Start"}],
    }
    assert [c.command for c in await bot.get_my_commands(language_code="fr")] == ["agenda"]
    upper = bot.set_my_commands([("Agenda", "x")])
    assert await refused(tg, BadRequest, upper) == "Bad Request: BOT_COMMAND_INVALID"
    long_text = bot.set_my_commands([("agenda", "x" * 257)])
    description = await refused(tg, BadRequest, long_text)
    assert description == "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"
    await bot.delete_my_commands(language_code="fr")
    assert ("default", "fr") not in tg.commands


async def test_edit_and_delete_rules(tg: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(USER, "<b>v1</b>", parse_mode="HTML")
    same = bot.edit_message_text("<b>v1</b>", USER, sent.message_id, parse_mode="HTML")
    description = await refused(tg, BadRequest, same)
    assert description.startswith("Bad Request: message is not modified: specified new message")
    await bot.edit_message_text("v2", USER, sent.message_id)
    assert tg.messages(USER)[0].text == "v2" and tg.messages(USER)[0].edited
    missing = bot.edit_message_text("v3", USER, 999)
    assert await refused(tg, BadRequest, missing) == "Bad Request: message to edit not found"
    assert await bot.delete_message(USER, sent.message_id)
    assert tg.messages(USER)[0].deleted
    again = bot.delete_message(USER, sent.message_id)
    assert await refused(tg, BadRequest, again) == "Bad Request: message to delete not found"


async def test_callback_queries_can_be_answered_once(tg: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(USER, "menu")
    update = tg.push_callback_query(USER, sent.message_id, "agenda")
    assert await bot.answer_callback_query(update["callback_query"]["id"], text="ok")
    twice = bot.answer_callback_query(update["callback_query"]["id"])
    expected = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    assert await refused(tg, BadRequest, twice) == expected
    assert await refused(tg, BadRequest, bot.answer_callback_query("123")) == expected


async def test_message_threads_exist_only_in_forums(tg: FakeTelegram, bot: Bot) -> None:
    tg.push_message(SUPERGROUP, "hello", chat_type="supergroup", user_id=USER,
                    message_thread_id=7, is_topic_message=True)  # fmt: skip
    await bot.send_message(SUPERGROUP, "in topic", message_thread_id=7)
    assert tg.messages(SUPERGROUP)[0].message_thread_id == 7
    unknown = bot.send_message(SUPERGROUP, "x", message_thread_id=8)
    assert await refused(tg, BadRequest, unknown) == "Bad Request: message thread not found"
    not_forum = bot.send_message(GROUP, "x", message_thread_id=7)
    assert await refused(tg, BadRequest, not_forum) == "Bad Request: message thread not found"


@pytest.mark.parametrize(
    ("arrange", "chat_id", "exc_type", "description"),
    [
        ("block_chat", USER, Forbidden, "Forbidden: bot was blocked by the user"),
        ("kick_from_chat", GROUP, Forbidden, "Forbidden: bot was kicked from the group chat"),
        ("kick_from_chat", SUPERGROUP, Forbidden,
         "Forbidden: bot was kicked from the supergroup chat"),
        ("deactivate_user", USER, Forbidden, "Forbidden: user is deactivated"),
        ("forget_chat", USER, BadRequest, "Bad Request: chat not found"),
    ],
)  # fmt: skip
async def test_chat_states_refuse_sends(
    tg: FakeTelegram, bot: Bot, arrange: str, chat_id: int, exc_type: type, description: str
) -> None:
    getattr(tg, arrange)(chat_id)
    assert await refused(tg, exc_type, bot.send_message(chat_id, "x")) == description
    assert tg.calls[-1].status == (403 if exc_type is Forbidden else 400)


async def test_migrated_group_answers_with_the_new_chat_id(tg: FakeTelegram, bot: Bot) -> None:
    update = tg.push_migration(GROUP, SUPERGROUP)
    assert Update.de_json(update, bot).effective_message.migrate_to_chat_id == SUPERGROUP  # type: ignore[union-attr]
    with pytest.raises(ChatMigrated) as info:
        await bot.send_message(GROUP, "x")
    assert info.value.new_chat_id == SUPERGROUP
    assert tg.calls[-1].error == "Bad Request: group chat was upgraded to a supergroup chat"
    await bot.send_message(SUPERGROUP, "x")


async def test_my_chat_member_kicked_blocks_later_sends(tg: FakeTelegram, bot: Bot) -> None:
    update = Update.de_json(tg.push_my_chat_member(USER, "kicked"), bot)
    assert update.my_chat_member.new_chat_member.status == "kicked"  # type: ignore[union-attr]
    await refused(tg, Forbidden, bot.send_message(USER, "x"))
    tg.push_my_chat_member(USER, "member")
    await bot.send_message(USER, "back")


async def test_chat_members_and_administrators(tg: FakeTelegram, bot: Bot) -> None:
    tg.set_chat_admins(GROUP, [11], creator=10)
    admins = await bot.get_chat_administrators(GROUP)
    assert [(a.user.id, a.status) for a in admins] == [(10, "creator"), (11, "administrator")]
    assert (await bot.get_chat_member(GROUP, 12)).status == "member"
    assert (await bot.get_chat(GROUP)).type == "group"


# ------------------------------------------------------------------ rate limits


async def test_second_private_message_within_a_second_gets_retry_after(
    tg: FakeTelegram, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    tg.limits = TelegramLimits()
    await bot.send_message(USER, "one")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(USER, "two")
    assert info.value.retry_after == dtm.timedelta(seconds=1)
    assert tg.calls[-1].error == "Too Many Requests: retry after 1" and tg.count_429 == 1
    await bot.send_message(USER + 1, "another chat is not limited")
    tg.limits = TelegramLimits(enabled=False)
    await bot.send_message(USER, "two")
    assert [m.text for m in tg.messages(USER)] == ["one", "two"]


async def test_group_and_global_limits(
    tg: FakeTelegram, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    tg.limits = TelegramLimits(global_per_second=1000, group_per_minute=3)
    for i in range(3):
        await bot.send_message(GROUP, f"m{i}")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(GROUP, "m3")
    assert dtm.timedelta(seconds=1) <= info.value.retry_after <= dtm.timedelta(seconds=60)  # type: ignore[operator]
    assert tg.count_429 == 1


async def test_global_limit_spans_chats(
    tg: FakeTelegram, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    tg.limits = TelegramLimits(global_per_second=2)
    await bot.send_message(USER + 10, "a")
    await bot.send_message(USER + 11, "b")
    with pytest.raises(RetryAfter):
        await bot.send_message(USER + 12, "c")
    assert tg.count_429 == 1 and tg.messages(USER + 12) == []
    assert tg.count_429_by == {"global": 1}


async def test_a_per_chat_429_and_a_bot_wide_flood_look_alike_to_the_bot(
    tg: FakeTelegram, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram's 429 says only ``retry_after``, whatever was limited; the fake counts
    which kind it produced so tests can tell them apart."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    tg.retry_after_next("sendMessage", 4, chat_id=USER)
    await bot.send_message(USER + 1, "another chat is not limited")
    with pytest.raises(RetryAfter) as one_chat:
        await bot.send_message(USER, "limited")
    await bot.send_message(USER, "limited once")
    tg.flood(2.5)
    answers = []
    for chat in (USER, USER + 1, GROUP):
        with pytest.raises(RetryAfter) as flood:
            await bot.send_message(chat, "flood")
        answers.append(flood.value.retry_after)
    assert one_chat.value.retry_after == dtm.timedelta(seconds=4)
    assert answers == [dtm.timedelta(seconds=3)] * 3
    assert tg.calls[-1].error == "Too Many Requests: retry after 3"
    assert tg.count_429_by == {"injected": 1, "flood": 3} and tg.count_429 == 4
    assert [m.text for m in tg.messages(USER)] == ["limited once"]


async def test_late_answers_deliver_the_message_after_the_client_gave_up(
    tg: FakeTelegram, bot: Bot
) -> None:
    tg.answer_late(0.4)
    with pytest.raises(TimedOut):
        await bot.send_message(USER, "slow", read_timeout=0.1)
    assert [m.text for m in tg.messages(USER)] == ["slow"]  # delivered at once, answered late
    assert (await bot.send_message(USER, "patient", read_timeout=2)).text == "patient"
    tg.answer_on_time()
    assert (await bot.send_message(USER, "fast", read_timeout=0.1)).text == "fast"


# ------------------------------------------------------------- spec validation


async def test_unknown_parameter_is_a_violation_but_still_answered(
    tg: FakeTelegram, bot: Bot
) -> None:
    await bot.send_message(USER, "x", api_kwargs={"colour": "red"})
    assert len(tg.messages(USER)) == 1
    assert tg.violations == ["sendMessage: unknown parameter 'colour'='red'"]
    tg.violations.clear()


async def test_badly_typed_or_missing_values_are_refused(tg: FakeTelegram) -> None:
    url = f"{tg.base_url}{tg.token}/sendMessage"
    async with aiohttp.ClientSession() as session:
        form = {"chat_id": str(USER), "text": "x", "disable_notification": "maybe"}
        async with session.post(url, data=form) as resp:
            bad_type = (resp.status, await resp.json())
        async with session.post(url, data={"chat_id": str(USER)}) as resp:
            missing = (resp.status, await resp.json())
        markup = '{"inline_keyboard": [[{"text": "x"}]], "colour": 1}'
        async with session.post(
            url, data={"chat_id": "1", "text": "x", "reply_markup": markup}
        ) as resp:
            nested = (resp.status, await resp.json())
        commands = {"commands": '[{"command": "start"}]'}
        async with session.post(f"{tg.base_url}{tg.token}/setMyCommands", data=commands) as resp:
            nested_missing = (resp.status, await resp.json())
        async with session.post(f"{tg.base_url}{tg.token}/sendTelepathy") as resp:
            unknown = (resp.status, await resp.json())
    assert bad_type[0] == 400 and bad_type[1]["description"].startswith("Bad Request: ")
    assert missing == (
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: text is empty"},
    )
    assert nested[0] == 400 and "Text buttons are unallowed" in nested[1]["description"]
    assert nested_missing[1]["description"] == (
        "Bad Request: can't parse BotCommand: Can't find field \"description\""
    )
    assert unknown == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    assert any("disable_notification" in v for v in tg.violations)
    assert any("'text' is missing" in v for v in tg.violations)
    assert any("unknown field 'colour'" in v for v in tg.violations)
    assert "unknown method 'sendTelepathy'" in tg.violations
    tg.violations.clear()


async def test_wrong_token_is_unauthorized(tg: FakeTelegram) -> None:
    other = Bot("654321:WRONG-token-abcdefghijklmnopqrstuvwx", base_url=tg.base_url)
    with pytest.raises(InvalidToken, match="was rejected by the server"):
        await other.initialize()  # calls getMe
    await other.shutdown()
    assert tg.calls == []  # refused before any method ran


async def test_violations_fail_the_test_at_teardown(tg: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(USER, "x", api_kwargs={"colour": "red"})
    with pytest.raises(pytest.fail.Exception, match="unknown parameter 'colour'"):
        assert_no_violations(tg)
    tg.violations.clear()
    assert_no_violations(tg)


def test_spec_is_carried_by_the_repository() -> None:
    """The fake needs nothing beside the clone: its Bot API description is in tests/data."""
    root = Path(__file__).resolve().parents[1]
    assert default_spec_path().is_relative_to(root) and default_spec_path().is_file()


# ------------------------------------------------------------ polling & webhook


async def test_get_updates_offset_limit_timeout_and_allowed_updates(
    tg: FakeTelegram, bot: Bot
) -> None:
    for text in ("a", "b", "c"):
        tg.push_message(USER, text)
    first = await bot.get_updates(limit=2)
    assert [u.message.text for u in first] == ["a", "b"]  # type: ignore[union-attr]
    rest = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in rest] == ["c"]  # type: ignore[union-attr]
    waiting = asyncio.create_task(bot.get_updates(offset=rest[-1].update_id + 1, timeout=10))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    tg.push_message(USER, "d")
    assert [u.message.text for u in await waiting] == ["d"]  # type: ignore[union-attr]
    tg.push_update({"edited_message": tg.push_message(USER, "e")["message"] | {"edit_date": 1}})
    only_edits = await bot.get_updates(offset=-2, allowed_updates=["edited_message"])
    assert [u.edited_message is not None for u in only_edits] == [True]


async def test_fault_injection(tg: FakeTelegram, bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    tg.fail_next("sendMessage", status=502, description="Bad Gateway")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(USER, "x")
    tg.retry_after_next("sendMessage", 7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(USER, "x")
    assert info.value.retry_after == dtm.timedelta(seconds=7) and tg.count_429 == 1
    tg.hang_next("getMe", 1.0)
    with pytest.raises(TimedOut):
        await bot.get_me(read_timeout=0.2)
    assert tg.messages(USER) == []
    tg.hang_next("sendMessage", 0.5)
    with pytest.raises(TimedOut):
        await bot.send_message(USER, "slow", read_timeout=0.1)
    [delivered] = await tg.wait_for_messages(USER)  # Telegram may deliver despite the timeout
    assert delivered.text == "slow"


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """A tiny webhook endpoint that checks the secret like our bot's must."""
    received: list[dict[str, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != "s3cret":
            return web.Response(status=403)
        received.append(await request.json())
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/hook", received
    await runner.cleanup()


async def test_webhook_delivery_with_right_and_wrong_secret(
    tg: FakeTelegram, bot: Bot, receiver: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = receiver
    tg.push_message(USER, "before")
    assert await bot.set_webhook(url, secret_token="s3cret", drop_pending_updates=True)
    assert (await bot.get_webhook_info()).url == url
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates()
    update = tg.push_message(USER, "/start")
    assert await tg.deliver_webhook() == [200]
    assert received == [update]
    assert await tg.post_webhook_raw(update, secret="wrong") == 403
    assert await tg.deliver_webhook() == []
    assert await bot.delete_webhook()
    assert await bot.get_updates() == ()


async def test_a_second_poller_terminates_the_first(tg: FakeTelegram, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.05)
    async with Bot(tg.token, base_url=tg.base_url) as other:  # another process, same token
        second = asyncio.create_task(other.get_updates(timeout=10))
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await first
        tg.push_message(USER, "hi")
        assert [u.message.text for u in await second] == ["hi"]  # type: ignore[union-attr]
