# ruff: noqa: F811  (pytest fixtures are imported, then requested by name)
"""The real ``python -m bot run`` with Telegram and Discord against the fakes, under faults:
one platform failing does not stop the other, a slow API at start is waited for, a rejected
token is one line and exit code 2, the owners hear of a failure once (not once per retry)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.discord_bot import CHANNEL, GUILD
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_fixtures import fake_discord  # noqa: F401
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_fixtures import fake_telegram  # noqa: F401
from tests.service_child import Service, start_service, write_config
from tests.telegram_harness import eventually

USER = 31337
OWNER = 777000111

pytestmark = pytest.mark.slow


def service_config(tmp_path: Path, db_url: str, tg: FakeTelegram | None = None,
                   dc: FakeDiscord | None = None, **sections: dict[str, Any]) -> Path:
    config: dict[str, dict[str, Any]] = {
        "bot": {"retry_initial_seconds": 0.2, "retry_max_seconds": 1,
                "data_dir": str(tmp_path / "state"), **sections.pop("bot", {})},
        "database": {"url": db_url},
    }
    if tg is not None:
        config["telegram"] = {"token": tg.token, "base_url": tg.base_url, "owners": [str(OWNER)]}
    if dc is not None:
        config["discord"] = {"token": dc.token, "guild_ids": [int(GUILD)],
                             "api_base": dc.rest_base, "gateway_url": dc.gateway_url}
    config.update(sections)
    return write_config(tmp_path / "bot.toml", config)


def guild(dc: FakeDiscord) -> None:
    dc.add_guild(GUILD, "INTERPOL fans")
    dc.add_channel(CHANNEL, GUILD, "news")


async def answers_start(tg: FakeTelegram, user: int = USER) -> str:
    before = len(tg.messages(user))
    tg.push_message(user, "/start", language_code="en")
    return (await tg.wait_for_messages(user, before + 1, timeout=30))[before].text


def assert_quiet(service: Service, *secrets: str) -> None:
    """No token, no traceback, no aiohttp session left open, in the whole log."""
    log = service.log
    for secret in secrets:
        assert secret not in log
    assert "Traceback" not in log
    assert "Unclosed" not in log


async def test_discord_refusing_the_command_sync_does_not_stop_telegram(
    fake_telegram: FakeTelegram, fake_discord: FakeDiscord, sqlite_url: str, tmp_path: Path
) -> None:
    tg, dc = fake_telegram, fake_discord
    guild(dc)
    dc.fail_next("PUT", r"/applications/\d+/guilds/\d+/commands", status=403, times=3)
    service = await start_service(service_config(tmp_path, sqlite_url, tg, dc))
    try:
        welcome = await answers_start(tg)
        assert "INTERPOL" in welcome or "Assembly" in welcome
        [refused] = (await service.wait_log("discord commands not synced", count=1))[:1]
        assert GUILD in refused and "403 Forbidden" in refused
        await service.wait_log("discord commands synced")  # the fault ends: the retry works
        assert {c["name"] for c in dc.guild_commands[GUILD]} >= {"agenda", "search"}

        async def owner_told_twice() -> bool:
            return len(tg.messages(OWNER)) >= 2

        await eventually(owner_told_twice, timeout=30)
    finally:
        assert await service.stop() == 0, service.log
    assert len(service.lines) and len([ln for ln in service.lines
                                       if "discord commands not synced" in ln]) == 3
    # three refusals, one alert (rate-limited), then one note that it works again
    alerts = [m.text for m in tg.messages(OWNER)]
    assert len(alerts) == 2, alerts
    assert "Discord" in alerts[0] and "403" in alerts[0] and GUILD in alerts[0]
    assert "Discord" in alerts[1] and "✅" in alerts[1]
    assert_quiet(service, tg.token, dc.token)


async def test_discord_down_at_start_telegram_answers_and_discord_comes_back(
    fake_telegram: FakeTelegram, fake_discord: FakeDiscord, sqlite_url: str, tmp_path: Path
) -> None:
    tg, dc = fake_telegram, fake_discord
    guild(dc)
    dc.fail_next("GET", r"^/users/@me$", status=403, times=2)  # login refused twice
    service = await start_service(service_config(tmp_path, sqlite_url, tg, dc))
    try:
        welcome = await answers_start(tg)  # while Discord is refused
        assert "INTERPOL" in welcome or "Assembly" in welcome
        lines = await service.wait_log("discord did not start", count=2)
        assert "(attempt 1)" in lines[0] and "(attempt 2)" in lines[1]
        assert "403 Forbidden" in lines[0] and "retrying in" in lines[0]
        await service.wait_log("discord connected")
        iid = await dc.push_interaction("start", guild_id=GUILD, channel_id=CHANNEL)
        assert await dc.wait_for_final(iid, timeout=10)

        async def owner_told_twice() -> bool:  # told once Telegram was up to carry it
            return len(tg.messages(OWNER)) >= 2

        await eventually(owner_told_twice, timeout=30)
    finally:
        assert await service.stop() == 0, service.log
    failing, back = (m.text for m in tg.messages(OWNER))
    assert "Discord" in failing and "403" in failing and "✅" in back
    assert_quiet(service, tg.token, dc.token)


async def test_telegram_slow_at_start_is_waited_for(
    fake_telegram: FakeTelegram, fake_discord: FakeDiscord, sqlite_url: str, tmp_path: Path
) -> None:
    tg, dc = fake_telegram, fake_discord
    guild(dc)
    tg.hang_next("getMe", 7)  # longer than the client's 5 s read timeout
    config = service_config(tmp_path, sqlite_url, tg, dc)
    config.write_text(config.read_text().replace(
        "[discord]\n", f'[discord]\nowners = ["{dc.owner_id}"]\n'))
    service = await start_service(config)
    try:
        [timed_out] = await service.wait_log("telegram did not start (attempt 1)")
        assert "TimedOut" in timed_out and "retrying in" in timed_out
        welcome = await answers_start(tg)
        assert "INTERPOL" in welcome or "Assembly" in welcome

        async def owner_heard_both() -> bool:  # by private message on Discord
            return len(dc.direct_messages(dc.owner_id)) >= 2

        await eventually(owner_heard_both, timeout=30)
    finally:
        assert await service.stop() == 0, service.log
    assert len([c for c in tg.calls if c.method == "getMe"]) >= 2
    failing, back = (m["content"] for m in dc.direct_messages(dc.owner_id))
    assert "Telegram" in failing and "TimedOut" in failing
    assert "Telegram" in back and "✅" in back
    assert_quiet(service, tg.token, dc.token)


@pytest.mark.parametrize("platform", ["telegram", "discord"])
async def test_a_rejected_token_is_one_line_and_exit_code_2(
    fake_telegram: FakeTelegram, fake_discord: FakeDiscord, sqlite_url: str, tmp_path: Path,
    platform: str,
) -> None:
    tg, dc = fake_telegram, fake_discord
    guild(dc)
    config = service_config(tmp_path, sqlite_url, tg, dc)
    text = config.read_text()
    wrong = {"telegram": "123456:WRONG-token-for-this-test-only-xyz",
             "discord": "WRONG.discord.token-for-this-test"}[platform]
    right = tg.token if platform == "telegram" else dc.token
    config.write_text(text.replace(f'token = "{right}"', f'token = "{wrong}"'))
    service = await start_service(config)
    code = await service.wait(timeout=60)
    errors = [ln for ln in service.lines if re.search(r"\b(ERROR|CRITICAL)\b", ln)]
    assert code == 2, service.log
    assert len(errors) == 1, service.log
    assert f"{platform}: the token was rejected (401 Unauthorized)" in errors[0]
    assert f"[{platform}] token" in errors[0]
    assert_quiet(service, wrong, wrong.split(":")[-1], wrong.split(".")[-1])
    assert f"{platform} did not start" not in service.log  # not retried
    if platform == "discord":
        dc.take_violations()  # the wrong Authorization header is the point
