"""TelegramSender against the fake Bot API: parts in order, buttons last, errors classified."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from telegram import Bot
from telegram.error import NetworkError

from bot.platforms.base import (
    ChatMoved,
    ChatUnavailable,
    DeliveryUncertain,
    PermanentError,
    RateLimited,
    TransientError,
)
from bot.platforms.telegram.http import AiohttpRequest
from bot.platforms.telegram.send import TelegramSender, translate_error
from handlers.reply import Button, Paragraph, Reply, Span
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_fixtures import fake_telegram

__all__ = ["fake_telegram"]

CHAT = 4242


@pytest_asyncio.fixture
async def sender(fake_telegram: FakeTelegram) -> AsyncIterator[TelegramSender]:
    fake_telegram.limits.enabled = False
    fake_telegram.push_message(CHAT, "hello")  # the fake learns the private chat
    async with Bot(fake_telegram.token, base_url=fake_telegram.base_url,
                   request=AiohttpRequest(8)) as bot:  # the transport the bot runs with
        yield TelegramSender(bot)


def long_reply(buttons: tuple[Button, ...] = ()) -> Reply:
    blocks = tuple(Paragraph((Span(f"<{n}> & " + "é" * 1500, bold=True),)) for n in range(5))
    return Reply(blocks, buttons)


async def test_parts_are_sent_in_order_with_buttons_on_the_last(
    fake_telegram: FakeTelegram, sender: TelegramSender
) -> None:
    ids = await sender.send(str(CHAT), long_reply((Button("Suivant", "news", "", 2),)), nonce="n")
    sent = fake_telegram.messages(CHAT)
    assert [str(m.message_id) for m in sent] == ids
    assert len(ids) == 3
    assert [m.text[:5] for m in sent] == ["<0> &", "<2> &", "<4> &"]
    assert [m.reply_markup is not None for m in sent] == [False, False, True]
    assert sent[-1].reply_markup == {
        "inline_keyboard": [[{"text": "Suivant", "callback_data": "news|2|"}]]
    }
    send_calls = [c for c in fake_telegram.calls if c.method == "sendMessage"]
    assert all(c.params["link_preview_options"] == {"is_disabled": True} for c in send_calls)


async def test_edit_in_place_and_not_modified_is_harmless(
    fake_telegram: FakeTelegram, sender: TelegramSender
) -> None:
    ids = await sender.send(str(CHAT), Reply((Paragraph((Span("v1"),)),)), nonce="n")
    assert await sender.edit(str(CHAT), ids, Reply((Paragraph((Span("v2 <ok>"),)),)))
    assert await sender.edit(str(CHAT), ids, Reply((Paragraph((Span("v2 <ok>"),)),)))
    [message] = fake_telegram.messages(CHAT)
    assert message.text == "v2 <ok>" and message.edited
    assert not await sender.edit(str(CHAT), ids, long_reply())  # 3 parts cannot replace 1


@pytest.mark.parametrize(
    ("arrange", "error", "detail"),
    [
        (lambda tg: tg.block_chat(CHAT), ChatUnavailable, "blocked"),
        (lambda tg: tg.deactivate_user(CHAT), ChatUnavailable, "deactivated"),
        (lambda tg: tg.forget_chat(CHAT), ChatUnavailable, "chat not found"),
        (lambda tg: tg.migrate_chat(CHAT, -1009999), ChatMoved, "-1009999"),
        (lambda tg: tg.retry_after_next("sendMessage", 7), RateLimited, "7"),
        (lambda tg: tg.fail_next("sendMessage", 502, "Bad Gateway"), TransientError, "Bad Gateway"),
        (lambda tg: tg.fail_next("sendMessage", 400, "Bad Request: wrong"), PermanentError, "wrong"),
    ],
)
async def test_errors_are_classified(
    fake_telegram: FakeTelegram, sender: TelegramSender, arrange, error, detail  # type: ignore[no-untyped-def]
) -> None:
    arrange(fake_telegram)
    with pytest.raises(error) as caught:
        await sender.send(str(CHAT), Reply((Paragraph((Span("hi"),)),)), nonce="n")
    assert detail.lower() in str(caught.value).lower()
    if isinstance(caught.value, RateLimited):
        assert caught.value.retry_after == 7
    assert fake_telegram.messages(CHAT) == []


async def test_a_late_answer_is_uncertain_a_refused_connection_is_not(
    fake_telegram: FakeTelegram, sender: TelegramSender, unused_tcp_port: int
) -> None:
    """A read timeout comes after the request left (the message may be delivered: here it
    is); a connection that could not be made sent nothing. Only the first is uncertain."""
    hello = Reply((Paragraph((Span("hi"),)),))
    fake_telegram.answer_late(0.5)
    with pytest.raises(DeliveryUncertain):
        await sender.send(str(CHAT), hello, nonce="n", read_timeout=0.1)
    assert [m.text for m in fake_telegram.messages(CHAT)] == ["hi"]
    assert await sender.send(str(CHAT), hello, nonce="n", read_timeout=2)  # waits long enough
    nowhere = AiohttpRequest(2)
    await nowhere.initialize()
    try:
        with pytest.raises(NetworkError) as refused:
            await nowhere.post(f"http://127.0.0.1:{unused_tcp_port}/bot{fake_telegram.token}/getMe")
    finally:
        await nowhere.shutdown()
    error = translate_error(refused.value)
    assert isinstance(error, TransientError) and not isinstance(error, DeliveryUncertain)


async def test_failure_mid_reply_reports_what_was_sent(
    fake_telegram: FakeTelegram, sender: TelegramSender
) -> None:
    await sender.send(str(CHAT), Reply((Paragraph((Span("warm-up"),)),)), nonce="n")
    fake_telegram.calls.clear()
    ok = iter([True, False])
    original = fake_telegram.m_sendMessage

    async def flaky(p):  # type: ignore[no-untyped-def]
        if not next(ok, False):
            fake_telegram.block_chat(CHAT)
        return await original(p)

    fake_telegram.m_sendMessage = flaky  # type: ignore[method-assign]
    with pytest.raises(ChatUnavailable) as caught:
        await sender.send(str(CHAT), long_reply(), nonce="n")
    assert len(caught.value.sent_message_ids) == 1


async def test_paid_broadcast_applies_to_outbox_sends_only(
    fake_telegram: FakeTelegram, sender: TelegramSender
) -> None:
    short = Reply((Paragraph((Span("digest"),)),))
    sender.paid_broadcast = True
    await sender.send(str(CHAT), short, nonce="digest:1:2025-11-25")  # from the outbox
    await sender.send(str(CHAT), short, nonce="")  # an interactive reply
    sender.paid_broadcast = False
    await sender.send(str(CHAT), short, nonce="digest:1:2025-11-26")
    sent = [c.params.get("allow_paid_broadcast") for c in fake_telegram.calls
            if c.method == "sendMessage"]
    assert sent == [True, None, None]
