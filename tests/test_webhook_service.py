"""Webhook mode under attack: the real ``python -m bot run`` (config file, webhook mode) against
the fake Bot API, with a local aiohttp client doing what anybody who finds the URL can do.

What an operator and a user see: the bot refuses to start without a usable secret; a forged
update (no secret, wrong secret) gets 403 and changes nothing; a huge body is refused before
it is read (the bot's memory stays flat); an update that is too large gets 413; a flood of
idle and half-sent connections neither stops Telegram's updates nor fills the log.
"""

from __future__ import annotations

import asyncio
import io
import json
import resource
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_fixtures import fake_telegram
from tests.service_process import (
    Service,
    start_service,
    telegram_config,
    webhook_registered,
    write_config,
)

__all__ = ["fake_telegram"]

pytestmark = pytest.mark.slow

SECRET = "webhook_Secret-0123456789"
OWNER = 1001
MALLORY = 666
MB = 1024 * 1024


def db(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"


async def started(tg: FakeTelegram, tmp_path: Path, **telegram: Any) -> tuple[Service, str]:
    tg.limits.enabled = False
    config = write_config(tmp_path / "bot.toml", telegram_config(
        tg, db(tmp_path), secret_token=SECRET, owners=[str(OWNER)], **telegram))
    service = await start_service(config, tmp_path)
    try:
        return service, await webhook_registered(tg, service)
    except BaseException:
        await service.stop()
        raise


async def say(tg: FakeTelegram, chat_id: int, text: str) -> str:
    """A user writes; Telegram posts it with the right secret; the bot's new reply."""
    before = len(tg.messages(chat_id))
    update = tg.push_message(chat_id, text, language_code="en")
    async with asyncio.timeout(30):
        assert await tg.deliver_webhook(update) == [200]
    return (await tg.wait_for_messages(chat_id, before + 1, timeout=30))[before].text


# ------------------------------------------------------------------ secret required
@pytest.mark.parametrize(
    "secret",
    [None, "", "has spaces", "ünïcödé", "x" * 257, "semi;colon"],
    ids=["missing", "empty", "space", "non-ascii", "too-long", "punctuation"],
)
async def test_webhook_mode_refuses_to_start_without_a_usable_secret(
    fake_telegram: FakeTelegram, tmp_path: Path, secret: str | None
) -> None:
    config = write_config(tmp_path / "bot.toml", telegram_config(
        fake_telegram, db(tmp_path), secret_token=secret))
    service = await start_service(config, tmp_path)
    try:
        code = await service.wait(timeout=30)
    finally:
        await service.stop()
    log = service.log()
    assert code == 2, log
    assert log.count("\n") == 1 and "telegram.secret_token" in log, log
    if secret:
        assert secret not in log
    assert fake_telegram.webhook is None  # nothing was registered


# ------------------------------------------------------------------ forged updates
def forged_update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": "Owner", "language_code": "en"}
    return {"update_id": update_id, "message": {
        "message_id": 77, "date": 1_764_000_000, "from": user,
        "chat": {"id": user_id, "type": "private", "first_name": "Owner"}, "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]}}


async def test_a_forged_update_is_refused_and_makes_nobody_an_admin(
    fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    service, url = await started(fake_telegram, tmp_path)
    try:
        forged = forged_update(900_001, OWNER, f"/admin add {MALLORY}")
        async with aiohttp.ClientSession() as attacker:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"},
                            {"X-Telegram-Bot-Api-Secret-Token": SECRET[:-1]},
                            {"X-Telegram-Bot-Api-Secret-Token": SECRET + "x"}):
                async with attacker.post(url, json=forged, headers=headers) as resp:
                    assert resp.status == 403, headers
        assert fake_telegram.messages(OWNER) == []  # the forged command was not run
        admins = await say(fake_telegram, OWNER, "/admins")
        assert str(MALLORY) not in admins
        refused = await say(fake_telegram, MALLORY, "/drafts")
        assert "admin" in refused.lower() and "Draft" not in refused
    finally:
        assert await service.stop() == 0, service.log()[-3000:]


# ------------------------------------------------------------------ body limits
async def chunks(total: int, size: int = MB) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        n = min(size, total - sent)
        yield b" " * n
        sent += n
        await asyncio.sleep(0)


async def post_status(session: aiohttp.ClientSession, url: str, body: Any,
                      headers: dict[str, str]) -> int | str:
    """The status the bot answered, or how the connection ended when it sent none."""
    try:
        async with session.post(url, data=body, headers=headers) as resp:
            return resp.status
    except aiohttp.ClientError as exc:
        return type(exc).__name__


async def test_a_huge_body_without_the_secret_is_refused_before_it_is_read(
    fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    service, url = await started(fake_telegram, tmp_path)
    try:
        await say(fake_telegram, 4242, "/start")  # warmed up: what a running bot holds
        rss_before = service.memory_kb("VmRSS")
        headers = {"Content-Type": "application/json", "Content-Length": str(50 * MB)}
        async with aiohttp.ClientSession() as attacker:
            statuses = await asyncio.gather(*(
                post_status(attacker, url, chunks(50 * MB), headers) for _ in range(4)))
        peak = service.memory_kb("VmHWM")
        assert statuses == [403] * 4
        # four 50 MB bodies read into memory would add 200 MB; refusing them unread adds ~0
        assert peak - rss_before < 50 * 1024, (rss_before, peak)
        assert "Agenda" in await say(fake_telegram, 4242, "/agenda")  # still serving
    finally:
        assert await service.stop() == 0, service.log()[-3000:]


async def test_an_update_too_large_gets_413_and_the_bot_carries_on(
    fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    service, url = await started(fake_telegram, tmp_path)
    try:
        big = json.dumps({"update_id": 5, "message": {"text": "x" * (3 * MB)}}).encode()
        secret = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
        async with aiohttp.ClientSession() as client:
            declared = await post_status(client, url, io.BytesIO(big), secret)  # Content-Length
            chunked = await post_status(client, url, chunks(3 * MB, 64 * 1024), secret)
            not_json = await post_status(client, url, b"{not json", secret)
        assert (declared, chunked, not_json) == (413, 413, 400)
        assert "Agenda" in await say(fake_telegram, 4242, "/agenda")
    finally:
        assert await service.stop() == 0, service.log()[-3000:]


# ------------------------------------------------------------------ connection flood
def default_linux_file_limit() -> None:
    """The bot runs as on a stock Linux host: 1,024 open files."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))


async def open_idle(host: str, port: int, partial: bytes) -> asyncio.StreamWriter | None:
    try:
        _, writer = await asyncio.open_connection(host, port)
    except OSError:
        return None
    if partial:
        writer.write(partial)
    return writer


async def test_idle_and_half_open_connections_neither_stop_updates_nor_fill_the_log(
    fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if max(soft, hard) < 2500:
        pytest.skip("the test process needs 2,500 open files to play the attacker")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
    fake_telegram.limits.enabled = False
    config = write_config(tmp_path / "bot.toml", telegram_config(
        fake_telegram, db(tmp_path), secret_token=SECRET))
    service = await start_service(config, tmp_path, preexec=default_linux_file_limit)
    writers: list[asyncio.StreamWriter] = []
    try:
        url = await webhook_registered(fake_telegram, service)
        await say(fake_telegram, 4242, "/start")
        log_before = service.log_bytes()
        target = aiohttp.client.URL(url)
        assert target.host is not None and target.port is not None
        half_sent = (f"POST {target.path} HTTP/1.1\r\nHost: {target.host}\r\n"
                     "X-Telegram-Bot-Api-Secret-Token: ").encode()
        for _ in range(11):  # 1,100 connections, half of them mid-header
            opened = await asyncio.gather(*(
                open_idle(target.host, target.port, half_sent if i % 2 else b"")
                for i in range(100)))
            writers += [w for w in opened if w is not None]
        # and requests that are refused: forged, malformed, not HTTP at all
        forged = (f"POST {target.path} HTTP/1.1\r\nHost: {target.host}\r\n"
                  "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}").encode()
        junk = [forged, b"GET /telegram HTTP/1.1\r\nHost: x\r\n\r\n",
                b"POST /telegram HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
                b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 TLS hello\r\n\r\n"]
        for _ in range(3):
            opened = await asyncio.gather(*(
                open_idle(target.host, target.port, junk[i % len(junk)]) for i in range(100)))
            writers += [w for w in opened if w is not None]
        # Telegram's next update still gets through and is answered
        assert "Agenda" in await say(fake_telegram, 4242, "/agenda")
        assert "Agenda" in await say(fake_telegram, 4343, "/agenda")
        assert service.proc.returncode is None
        # the flood leaves a summary at most, not a line (or a traceback) per connection
        assert service.log_bytes() - log_before < 16 * 1024, service.log()[-3000:]
    finally:
        for w in writers:
            w.close()
        assert await service.stop() == 0, service.log()[-3000:]


async def closed_by_the_bot(reader: asyncio.StreamReader) -> bytes:
    """What the bot sent before closing the connection (it must close it by itself)."""
    try:
        async with asyncio.timeout(30):  # a bound for the test, far above the 1 s configured
            return await reader.read()
    except ConnectionResetError:
        return b""


async def test_a_connection_that_does_not_send_its_request_in_time_is_closed(
    fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    service, url = await started(fake_telegram, tmp_path, webhook_timeout_seconds=1)
    try:
        target = aiohttp.client.URL(url)
        assert target.host is not None and target.port is not None
        head = f"POST {target.path} HTTP/1.1\r\nHost: {target.host}\r\n"
        silent, silent_writer = await asyncio.open_connection(target.host, target.port)
        half, half_writer = await asyncio.open_connection(target.host, target.port)
        half_writer.write(head.encode())  # and never the end of the headers
        slow, slow_writer = await asyncio.open_connection(target.host, target.port)
        slow_writer.write((head + f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\n"
                           "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
                          .encode())  # the right secret, then a body that never comes
        assert await closed_by_the_bot(silent) == b""
        assert await closed_by_the_bot(half) == b""
        assert (await closed_by_the_bot(slow)).startswith(b"HTTP/1.1 408")
        for writer in (silent_writer, half_writer, slow_writer):
            writer.close()
        assert "Agenda" in await say(fake_telegram, 4242, "/agenda")
    finally:
        assert await service.stop() == 0, service.log()[-3000:]
