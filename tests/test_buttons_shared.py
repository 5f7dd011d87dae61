# ruff: noqa: F811  (pytest fixtures are imported, then requested by name)
"""Long button payloads (a query too long for Telegram's 64 bytes of callback data or
Discord's 100-character custom_id) keep working after a restart and on another replica:
their tokens live in the database (``button_tokens``), not in one process's memory."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.app import App
from bot.platforms.discord.frontend import DiscordPlatform
from bot.platforms.telegram.frontend import TelegramPlatform
from tests.conftest import make_settings
from tests.discord_bot import CHANNEL, GUILD, custom_ids, discord_settings, embed_text, push_button
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_fixtures import fake_discord  # noqa: F401
from tests.fakes.telegram_api import FakeTelegram, SentMessage
from tests.fakes.telegram_fixtures import fake_telegram  # noqa: F401
from tests.service_child import start_service, write_config
from tests.telegram_harness import eventually

USER = 4242
LONG_QUERY = " ".join(["INTERPOL"] * 12)  # 107 characters: too long for the platforms' fields


def telegram_config(tg: FakeTelegram) -> dict[str, object]:
    return {"token": tg.token, "base_url": tg.base_url}


async def search_page_one(tg: FakeTelegram) -> SentMessage:
    before = len(tg.messages(USER))
    tg.push_message(USER, f"/search {LONG_QUERY}", language_code="en")
    first = (await tg.wait_for_messages(USER, before + 1, timeout=30))[before]
    assert "Page 1/" in first.text
    data = first.reply_markup["inline_keyboard"][0][-1]["callback_data"]  # type: ignore[index]
    assert data.startswith("~")  # a token, not the query itself
    return first


async def press_and_see_page_two(tg: FakeTelegram, message: SentMessage) -> None:
    data = message.reply_markup["inline_keyboard"][0][-1]["callback_data"]  # type: ignore[index]
    tg.push_callback_query(USER, message.message_id, data, language_code="en")

    async def paged() -> bool:
        return any("Page 2/" in m.text for m in tg.messages(USER))

    await eventually(paged, timeout=30)
    answers = [c for c in tg.calls if c.method == "answerCallbackQuery"]
    assert answers and "expired" not in str(answers[-1].params.get("text", ""))


@pytest.mark.slow
async def test_a_button_minted_before_a_restart_works_after_it(
    fake_telegram: FakeTelegram, sqlite_url: str, tmp_path: Path
) -> None:
    tg = fake_telegram
    tg.limits.enabled = False
    config = write_config(tmp_path / "bot.toml", {
        "database": {"url": sqlite_url},
        "telegram": telegram_config(tg),
    })
    first = await start_service(config)
    try:
        message = await search_page_one(tg)
    finally:
        assert await first.stop() == 0, first.log
    second = await start_service(config)
    try:
        await press_and_see_page_two(tg, message)
    finally:
        assert await second.stop() == 0, second.log
    assert len(tg.messages(USER)) == 1  # edited in place, not answered anew


async def test_a_telegram_button_minted_by_one_app_is_answered_by_another(
    fake_telegram: FakeTelegram, db_url: str
) -> None:
    tg = fake_telegram
    tg.limits.enabled = False
    settings = make_settings(db_url, telegram=telegram_config(tg))
    async with App(settings) as one:
        platform = TelegramPlatform(one)
        await platform.start()
        try:
            message = await search_page_one(tg)
        finally:
            await platform.stop()
        async with App(settings) as other:  # a second replica on the same database
            platform = TelegramPlatform(other)
            await platform.start()
            try:
                await press_and_see_page_two(tg, message)
            finally:
                await platform.stop()


async def test_a_discord_button_minted_by_one_app_is_answered_by_another(
    fake_discord: FakeDiscord, db_url: str
) -> None:
    fake = fake_discord
    fake.add_guild(GUILD, "INTERPOL fans")
    fake.add_channel(CHANNEL, GUILD, "news")
    settings = discord_settings(db_url, fake)
    async with App(settings) as one:  # type: ignore[arg-type]
        platform = DiscordPlatform(one, guild_ready_timeout=0.05)
        await platform.start()
        try:
            iid = await fake.push_interaction(
                "search", [{"name": "words", "type": 3, "value": LONG_QUERY.lower()}],
                guild_id=GUILD, channel_id=CHANNEL, locale="en-US")
            first = await fake.wait_for_final(iid)
            message = fake.interactions[iid].response.message  # type: ignore[union-attr]
            assert message is not None
        finally:
            await platform.stop()
    (custom_id,) = custom_ids(first).values()
    assert "~" in custom_id
    async with App(settings) as other:  # type: ignore[arg-type]
        platform = DiscordPlatform(other, guild_ready_timeout=0.05)
        await platform.start()
        try:
            press = await push_button(fake, message, custom_id, locale="en-US")
            response = await fake.wait_for_response(press)
        finally:
            await platform.stop()
    assert response.type == 7 and "Page 2/" in embed_text(response.data)


async def test_tokens_expire_and_each_use_extends_them(sqlite_url: str) -> None:
    from bot.button_store import ButtonStore

    now = [dt.datetime(2025, 11, 25, 8, 0, tzinfo=dt.UTC)]
    async with App(make_settings(sqlite_url)) as app:
        def store() -> ButtonStore:  # a fresh process: nothing cached
            return ButtonStore(app.uow, clock=lambda: now[0], ttl=dt.timedelta(days=30))

        payload = ("search", 2, LONG_QUERY)
        await store().keep([("t" * 32, payload)])
        now[0] += dt.timedelta(days=20)
        assert await store().find("t" * 32) == payload
        await store().keep([("t" * 32, payload)])  # used again: 30 more days
        now[0] += dt.timedelta(days=20)
        assert await store().find("t" * 32) == payload
        now[0] += dt.timedelta(days=11)
        assert await store().find("t" * 32) is None
