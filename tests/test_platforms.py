"""The PLATFORMS table is the one list of platforms: service, CLI, configuration, handlers'
platform names and delivery's rate limits all read it (a platform added to it is started,
owned, redacted and known without another edit)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest
from pydantic import SecretStr

import bot.platforms as platforms
from bot.cli import secrets_of
from bot.config import Settings, check_platform_sections
from bot.health import Health
from bot.platforms import PLATFORMS, PlatformSpec, RateLimits, rate_limits
from bot.platforms.base import offer_sender, withdraw_sender
from bot.platforms.spec import Capabilities
from bot.platforms.telegram.config import TelegramSection
from bot.service import build_components, platform_factories
from bot.supervisor import Supervisor
from handlers.admins import parse_user
from handlers.base import UserError

ROOT = Path(__file__).resolve().parent.parent


class Dummy:
    """A platform's component that only records what happened to it."""

    def __init__(self, app: object, kind: str) -> None:
        self.app = app
        self.name = f"dummy-{kind}"
        self.kind = kind


def _dummy_spec(**changes: object) -> PlatformSpec:
    """A fourth platform that reuses the [telegram] section (so Settings needs no field)."""
    spec = PlatformSpec(
        name="dummy", label="Dummy", config_section="telegram", config_model=TelegramSection,
        capabilities=Capabilities(edit=False, threads=False, buttons=False, embeds=False,
                                  max_text=100),
        build_front_end=lambda app: Dummy(app, "front"),  # type: ignore[arg-type,return-value]
        build_sender_only=lambda app: Dummy(app, "sender"),  # type: ignore[arg-type,return-value]
        limits=RateLimits(global_per_second=7, private_per_second=2, group_per_minute=3),
        is_enabled=lambda settings: True,
        owners_of=lambda settings: frozenset({"d1", "d2"}),
        secrets_of=lambda settings: ["dummy-secret"],
    )
    return replace(spec, **changes)  # type: ignore[arg-type]


@pytest.fixture
def dummy(monkeypatch: pytest.MonkeyPatch) -> PlatformSpec:
    spec = _dummy_spec()
    monkeypatch.setitem(PLATFORMS, "dummy", spec)
    return spec


def _fake_app(settings: Settings) -> SimpleNamespace:
    return SimpleNamespace(settings=settings, health=Health(), senders={})


def _quiet_settings(**sections: dict[str, object]) -> Settings:
    return Settings(http={"enabled": False}, delivery={"enabled": False}, **sections)


def test_the_table_holds_the_four_platforms_in_start_order() -> None:
    assert list(PLATFORMS) == ["telegram", "discord", "webhook", "console"]
    for name, spec in PLATFORMS.items():
        assert spec.name == name
        annotation = Settings.model_fields[spec.config_section].annotation
        assert annotation in (spec.config_model, list[spec.config_model])  # [[webhooks]]


def test_a_platform_added_to_the_table_is_started_by_the_service(dummy: PlatformSpec) -> None:
    app = _fake_app(_quiet_settings())
    supervisors = [c for c in build_components(app) if isinstance(c, Supervisor)]  # type: ignore[arg-type]
    assert [s.part for s in supervisors] == ["dummy"]  # no token: no Telegram, no Discord
    built = supervisors[0].make()
    assert isinstance(built, Dummy) and built.kind == "front" and built.app is app
    assert "dummy-secret" in supervisors[0].secrets

    (only,) = platform_factories(app, deliver_only=True)  # type: ignore[arg-type]
    assert only[0] == "dummy" and only[1]().kind == "sender"  # type: ignore[attr-defined]


def test_a_platform_without_a_sender_only_mode_is_left_out_of_deliver(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(PLATFORMS, "dummy", _dummy_spec(build_sender_only=None))
    app = _fake_app(_quiet_settings())
    assert [p for p, _ in platform_factories(app, deliver_only=True)] == []  # type: ignore[arg-type]
    assert [p for p, _ in platform_factories(app)] == ["dummy"]  # type: ignore[arg-type]


def test_the_service_starts_exactly_the_platforms_with_a_token() -> None:
    app = _fake_app(_quiet_settings(discord={"token": "d"}))
    assert [p for p, _ in platform_factories(app)] == ["discord"]  # type: ignore[arg-type]
    app = _fake_app(_quiet_settings(telegram={"token": "1:t"}, discord={"token": "d"}))
    assert [p for p, _ in platform_factories(app)] == ["telegram", "discord"]  # type: ignore[arg-type]
    assert [p for p, _ in platform_factories(_fake_app(_quiet_settings()))] == []  # type: ignore[arg-type]


def test_owners_and_log_secrets_come_from_every_spec(dummy: PlatformSpec) -> None:
    settings = Settings(telegram={"token": "1:tok", "owners": ["7"], "mode": "webhook",
                                  "secret_token": "hook"},
                        discord={"token": "disc", "owners": ["9"]})
    owners = settings.owners()
    assert owners["dummy"] == {"d1", "d2"}
    assert owners["telegram"] == {"7"} and owners["discord"] == {"9"}
    assert owners["console"] == {"local"}
    shown = secrets_of(settings)
    for secret in ("1:tok", "hook", "disc", "dummy-secret"):
        assert secret in shown


def test_the_cli_runs_the_service_when_any_platform_of_the_table_is_enabled(
        dummy: PlatformSpec) -> None:
    assert [s.name for s in platforms.enabled(Settings())] == ["dummy"]


def test_settings_refuse_a_spec_without_its_section(monkeypatch: pytest.MonkeyPatch) -> None:
    check_platform_sections()  # the real table is complete
    monkeypatch.setitem(PLATFORMS, "matrix", _dummy_spec(name="matrix", config_section="matrix"))
    with pytest.raises(TypeError, match=r"Settings\.matrix must be a TelegramSection"):
        check_platform_sections()


def test_telegram_limits_come_from_the_delivery_keys() -> None:
    limits = rate_limits(Settings(delivery={"global_per_second": 25, "private_per_second": 0.5,
                                            "group_per_minute": 10, "reserve_per_second": 5}))
    t = limits["telegram"]
    assert (t.global_per_second, t.private_per_second, t.group_per_minute) == (25, 0.5, 10)
    assert t.overall_per_second == 20
    paid = rate_limits(Settings(delivery={"paid_broadcast": True,
                                          "paid_global_per_second": 900}))["telegram"]
    assert paid.overall_per_second == 900 - 3  # the default reserve kept for replies


def test_discord_limits_are_discords_not_telegrams() -> None:
    settings = Settings(delivery={"global_per_second": 25, "group_per_minute": 10})
    d = rate_limits(settings)["discord"]
    # 50 requests/s overall; 5 messages per 5 s in one channel, DMs too
    assert d.global_per_second == 50 and d.overall_per_second == 50
    assert d.private_per_second == 1 and d.group_per_minute == 60
    assert d.paid_global_per_second is None
    assert PLATFORMS["discord"].limits == d
    tuned = rate_limits(Settings(discord={"global_per_second": 20, "channel_per_second": 0.5}))
    assert tuned["discord"].global_per_second == 20
    assert tuned["discord"].group_per_minute == 30


def test_the_console_has_no_limits_and_a_new_platform_its_own(dummy: PlatformSpec) -> None:
    limits = rate_limits(Settings())
    assert "console" not in limits
    assert limits["dummy"] == dummy.limits


def test_handlers_know_the_platforms_from_deps() -> None:
    names = ("telegram", "discord", "console", "matrix")
    assert parse_user("matrix:alice", "telegram", names) == ("matrix", "alice")
    assert parse_user("discord:42", "telegram", names) == ("discord", "42")
    assert parse_user("42", "console", names) == ("console", "42")
    with pytest.raises(UserError):  # not a platform here: "slack:" is not an id either
        parse_user("slack:42", "telegram", names)


async def test_the_app_hands_the_table_to_the_handlers(db_url: str) -> None:
    from bot.app import App
    from tests.conftest import make_settings

    async with App(make_settings(db_url)) as app:
        assert app.deps.platforms == tuple(PLATFORMS)


def test_senders_are_offered_and_withdrawn_one_way() -> None:
    app = SimpleNamespace(senders={})
    first = SimpleNamespace(platform="telegram")
    second = SimpleNamespace(platform="telegram")
    offer_sender(app, first)  # type: ignore[arg-type]
    assert app.senders == {"telegram": first}
    offer_sender(app, second)  # type: ignore[arg-type]
    withdraw_sender(app, first)  # type: ignore[arg-type]  # not the registered one: kept
    assert app.senders == {"telegram": second}
    withdraw_sender(app, second)  # type: ignore[arg-type]
    assert app.senders == {}
    offer_sender(SimpleNamespace(), first)  # type: ignore[arg-type]  # an App double without senders


async def test_the_console_component_offers_its_sender() -> None:
    from bot.platforms.console.frontend import ConsoleChat, ConsoleSender

    app = SimpleNamespace(senders={})
    chat = PLATFORMS["console"].front_end(app)  # type: ignore[arg-type]
    assert isinstance(chat, ConsoleChat)
    await chat.start()
    assert isinstance(app.senders["console"], ConsoleSender)
    await chat.stop()
    assert app.senders == {}


def test_secrets_are_every_secret_of_the_section() -> None:
    spec = PLATFORMS["telegram"]
    settings = Settings(telegram={"token": "1:a", "mode": "webhook", "secret_token": "s_1"})
    assert spec.secrets(settings) == ["1:a", "s_1"]
    assert PLATFORMS["discord"].secrets(Settings(discord={"token": SecretStr("x")})) == ["x"]
    assert PLATFORMS["console"].secrets(settings) == []


def test_importing_the_table_and_the_config_loads_no_platform_library() -> None:
    code = ("import sys, bot.platforms, bot.config, bot.service, bot.cli; "
            "loaded = [m for m in ('telegram', 'discord') if m in sys.modules]; "
            "assert not loaded, loaded")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_the_capabilities_agree_with_the_renderers() -> None:
    from bot.platforms.discord.render import CONTENT_MAX
    from bot.platforms.telegram.render import MAX_MESSAGE

    assert PLATFORMS["telegram"].capabilities.max_text == MAX_MESSAGE
    assert PLATFORMS["discord"].capabilities.max_text == CONTENT_MAX
    assert PLATFORMS["console"].capabilities.max_text is None
    assert not PLATFORMS["console"].capabilities.edit  # printed text cannot be changed


async def test_the_service_worker_paces_each_platform_at_its_own_limits(tmp_path) -> None:
    """The worker the service builds takes its windows from the PLATFORMS table: Discord at
    Discord's 50/s, Telegram at [delivery]'s 30/s less the reserve."""
    from bot.app import App
    from bot.service import delivery_components
    from tests.conftest import make_settings

    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path}/t.db",
                             bot={"data_dir": str(tmp_path)})
    async with App(settings) as app:
        [_scheduler, worker] = delivery_components(app)
        d = app.settings.delivery
        assert worker.limits("discord").overall.limit == 50
        assert worker.limits("telegram").overall.limit == int(max(
            1.0, d.global_per_second - d.reserve_per_second))
