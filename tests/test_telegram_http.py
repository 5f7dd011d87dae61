"""Our PTB transport on aiohttp (bot/platforms/telegram/http.py): the same answers and the
same PTB errors as PTB's own httpx transport, against the strict fake Bot API."""

from __future__ import annotations

import datetime as dtm
import socket
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.platforms.telegram.http import AiohttpRequest
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_fixtures import fake_telegram

__all__ = ["fake_telegram"]

USER = 4242


@pytest_asyncio.fixture
async def bot(fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:
    fake_telegram.limits.enabled = False
    fake_telegram.push_message(USER, "hello")
    async with Bot(fake_telegram.token, base_url=fake_telegram.base_url,
                   request=AiohttpRequest(4)) as client:
        yield client


async def test_a_message_with_markup_arrives_as_sent(fake_telegram: FakeTelegram, bot: Bot) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Suivant ›", callback_data="p:2")]])
    message = await bot.send_message(USER, "<b>Ordre du jour</b> &amp; «séances»",
                                     parse_mode="HTML", reply_markup=markup)
    [sent] = fake_telegram.messages(USER)
    assert sent.text == "Ordre du jour & «séances»" == message.text
    assert sent.reply_markup == {"inline_keyboard": [[{"text": "Suivant ›",
                                                       "callback_data": "p:2"}]]}


async def test_telegram_refusals_become_ptb_errors(fake_telegram: FakeTelegram, bot: Bot,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(USER, "<b>open", parse_mode="HTML")
    fake_telegram.block_chat(USER)
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(USER, "x")
    fake_telegram.restore_chat(USER)
    fake_telegram.retry_after_next("sendMessage", 3)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(USER, "x")
    assert info.value.retry_after == dtm.timedelta(seconds=3)
    fake_telegram.fail_next("sendMessage", status=502, description="Bad Gateway")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(USER, "x")
    assert fake_telegram.messages(USER) == []


async def test_a_slow_answer_is_a_timeout(fake_telegram: FakeTelegram, bot: Bot) -> None:
    fake_telegram.hang_next("sendMessage", 0.5)
    with pytest.raises(TimedOut):
        await bot.send_message(USER, "slow", read_timeout=0.1)
    # Telegram may still deliver it: that is why the outbox counts it as in flight
    [delivered] = await fake_telegram.wait_for_messages(USER)
    assert delivered.text == "slow"


async def test_nobody_listening_is_a_network_error() -> None:
    with socket.socket() as s:  # a port that was free a moment ago
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with AiohttpRequest(1) as request:
        bot = Bot("1:x", base_url=f"http://127.0.0.1:{port}/bot", request=request)
        with pytest.raises(NetworkError, match=r"aiohttp\.ClientConnectorError"):
            await bot.get_me()


async def test_not_initialized_is_refused() -> None:
    bot = Bot("1:x", request=AiohttpRequest(1))
    with pytest.raises(NetworkError, match="not initialized"):
        await bot.get_me()


async def test_files_go_as_multipart() -> None:
    """Uploads are multipart/form-data with the file's name, type and bytes."""
    seen: dict[str, object] = {}

    async def upload(request: web.Request) -> web.Response:
        seen["type"] = request.content_type
        form = await request.post()
        doc = form["document"]
        assert isinstance(doc, web.FileField)
        seen.update(chat_id=form["chat_id"], name=doc.filename, body=doc.file.read(),
                    mime=doc.content_type)
        return web.json_response({"ok": True, "result": {
            "message_id": 7, "date": 1, "chat": {"id": 5, "type": "private"},
            "document": {"file_id": "f", "file_unique_id": "u", "file_name": doc.filename}}})

    app = web.Application()
    app.router.add_post("/bot1:x/sendDocument", upload)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with AiohttpRequest(1) as request:
            bot = Bot("1:x", base_url=f"http://127.0.0.1:{port}/bot", request=request)
            message = await bot.send_document(5, b"ordre du jour", filename="agenda.txt")
    finally:
        await runner.cleanup()
    assert message.message_id == 7
    assert seen == {"type": "multipart/form-data", "chat_id": "5", "name": "agenda.txt",
                    "body": b"ordre du jour", "mime": "text/plain"}
