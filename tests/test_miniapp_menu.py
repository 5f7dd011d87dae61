# ruff: noqa: F811  (pytest fixtures are imported, then requested by name)
"""The Telegram front end sets the bot's menu button to open the Mini App when the public part
is on and its address known (setChatMenuButton, checked by the strict fake against the spec)."""

from __future__ import annotations

import logging

import pytest

from bot.app import App
from bot.config import HttpSection
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_fixtures import fake_telegram  # noqa: F401
from tests.telegram_harness import running_bot


def public(url: str | None, on: bool = True):  # type: ignore[no-untyped-def]
    def prepare(app: App) -> None:
        app.settings.http = HttpSection(public=on, public_url=url)
    return prepare


async def test_the_menu_button_opens_the_mini_app(fake_telegram: FakeTelegram,
                                                  db_url: str) -> None:
    async with running_bot(fake_telegram, db_url, prepare=public("https://news.example.org/")):
        pass
    assert fake_telegram.menu_buttons[None] == {
        "type": "web_app", "text": "Programme et nouvelles",
        "web_app": {"url": "https://news.example.org/app"},
    }
    assert [c.method for c in fake_telegram.calls].count("setChatMenuButton") == 1


@pytest.mark.parametrize("prepare", [public(None), public("https://news.example.org", on=False)],
                         ids=["no public_url", "public off"])
async def test_no_menu_button_without_the_public_part(fake_telegram: FakeTelegram, db_url: str,
                                                      prepare) -> None:  # type: ignore[no-untyped-def]
    async with running_bot(fake_telegram, db_url, prepare=prepare):
        pass
    assert "setChatMenuButton" not in [c.method for c in fake_telegram.calls]


async def test_a_refused_menu_button_is_logged_and_the_bot_runs_on(
        fake_telegram: FakeTelegram, db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "newsbot.telegram")
    async with running_bot(fake_telegram, db_url, prepare=public("http://news.example.org")) as bot:
        assert bot.platform.application.running
    assert None not in fake_telegram.menu_buttons  # Telegram takes HTTPS addresses only
    assert "mini app menu button not set" in caplog.text
