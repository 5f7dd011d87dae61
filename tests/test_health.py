# ruff: noqa: F811  (pytest fixtures are imported, then requested by name)
"""``app.health``: each part's state and last error, as the service's real components report
it; and the owners' alerts, at most one per platform per interval (an injected clock)."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from bot.app import App
from bot.health import Health
from bot.owner_alerts import OwnerAlerts
from bot.platforms.telegram.frontend import TelegramPlatform
from bot.service import build_components, run_components, wait_for_database
from tests.conftest import make_settings
from tests.discord_bot import CHANNEL, GUILD
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_fixtures import fake_discord  # noqa: F401
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_fixtures import fake_telegram  # noqa: F401
from tests.telegram_harness import eventually

OWNER = 5550001


async def test_health_names_each_part_while_discord_sync_is_refused(
    fake_telegram: FakeTelegram, fake_discord: FakeDiscord, db_url: str, tmp_path: Path
) -> None:
    tg, dc = fake_telegram, fake_discord
    dc.add_guild(GUILD)
    dc.add_channel(CHANNEL, GUILD)
    dc.fail_next("PUT", r"/guilds/\d+/commands", status=403, times=10_000)
    settings = make_settings(
        db_url, bot={"retry_initial_seconds": 0.05, "retry_max_seconds": 0.1,
                     "data_dir": str(tmp_path)},
        telegram={"token": tg.token, "base_url": tg.base_url, "owners": [str(OWNER)]},
        discord={"token": dc.token, "guild_ids": [int(GUILD)]})
    health, stop = Health(), asyncio.Event()
    assert await wait_for_database(settings, health, stop)
    async with App(settings, health=health) as app:
        assert app.health is health
        task = asyncio.create_task(run_components(build_components(app), stop))

        async def degraded() -> bool:
            return health.state("discord") == "degraded" and health.state("telegram") == "ok"

        try:
            await eventually(degraded, timeout=30)
            state = health.as_dict()
            assert state["database"]["state"] == "ok"
            assert "403 Forbidden" in (state["discord"]["error"] or "")
            assert GUILD in (state["discord"]["error"] or "")
            assert health.ready  # degraded still serves
            # Telegram serves meanwhile
            tg.push_message(42, "/start", language_code="en")
            await tg.wait_for_messages(42, 1, timeout=10)
        finally:
            stop.set()
            await task
        assert health.state("telegram") == "stopped" and not health.ready


async def test_owner_alerts_are_rate_limited(fake_telegram: FakeTelegram, sqlite_url: str) -> None:
    tg = fake_telegram
    now = [dt.datetime(2025, 11, 25, 9, 0, tzinfo=dt.UTC)]
    settings = make_settings(sqlite_url, telegram={
        "token": tg.token, "base_url": tg.base_url, "owners": [str(OWNER)]})
    async with App(settings) as app:
        app.deps.clock = lambda: now[0]
        alerts = OwnerAlerts(app, every=dt.timedelta(minutes=30))
        app.health.listen(alerts)
        platform = TelegramPlatform(app)
        await platform.start()
        try:
            async def messages(n: int) -> list[str]:
                await tg.wait_for_messages(OWNER, n, timeout=10)
                await asyncio.sleep(0)
                return [m.text for m in tg.messages(OWNER)]

            app.health.set("discord", "failing", "ConnectionError: gateway closed")
            first = await messages(1)
            app.health.set("discord", "ok")
            second = await messages(2)
            now[0] += dt.timedelta(minutes=5)  # flapping: no second alert within 30 minutes
            app.health.set("discord", "failing", "Forbidden: 403")
            app.health.set("discord", "failing", "Forbidden: 403 again")
            app.health.set("discord", "ok")
            await alerts.close()
            assert len(tg.messages(OWNER)) == 2 and alerts.suppressed == 2
            now[0] += dt.timedelta(minutes=31)
            app.health.set("discord", "degraded", "commands not synced to guild 1")
            third = await messages(3)
            await alerts.close()
        finally:
            await platform.stop()
    assert "Discord" in first[0] and "gateway closed" in first[0]
    assert "✅" in second[1]
    assert "guild 1" in third[2]

    async def no_more() -> bool:
        return len(tg.messages(OWNER)) == 3

    await eventually(no_more)
