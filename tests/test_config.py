"""Configuration as an operator meets it: defaults, file, environment, and one clear line on error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import DEFAULT_DB_URL, ConfigError, load_settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("NEWSBOT_"):
            monkeypatch.delenv(key)


def test_defaults_without_a_file() -> None:
    s = load_settings(None)
    assert s.database.url == DEFAULT_DB_URL
    assert s.telegram.token is None and s.discord.token is None
    assert s.bot.default_language == "fr"


def test_example_file_is_valid_and_matches_the_defaults() -> None:
    s = load_settings(ROOT / "config.example.toml")
    assert s.model_dump() == load_settings(None).model_dump()


def test_the_example_webhook_endpoint_is_valid_once_uncommented(tmp_path: Path) -> None:
    """The commented [[webhooks]] table of config.example.toml, as an operator would enable
    it (with a secret made by the command it shows), loads; a bad one names its key."""
    import base64

    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    block = text[text.index("# [[webhooks]]"):text.index("[http]")]
    lines = [line[2:] for line in block.splitlines() if line.startswith("# ")]
    secret = "whsec_" + base64.b64encode(bytes(32)).decode()
    table = "\n".join(line.split("  #")[0].replace("whsec_…", secret) for line in lines
                      if not line.startswith(" "))
    cfg = tmp_path / "c.toml"
    cfg.write_text(table + "\n", encoding="utf-8")
    [endpoint] = load_settings(cfg).webhooks
    assert endpoint.name == "newsroom" and endpoint.topics == ["cybercrime"]
    cfg.write_text(table.replace(secret, "hunter2") + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"webhooks\.0\.secret") as caught:
        load_settings(cfg)
    assert "hunter2" not in str(caught.value)


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[bot]\ndefault_language = "en"\n[telegram]\ntoken = "from-file"\n', encoding="utf-8")
    monkeypatch.setenv("NEWSBOT_TELEGRAM__TOKEN", "123:from-env")
    monkeypatch.setenv("NEWSBOT_TELEGRAM__OWNERS", '["7", "8"]')
    s = load_settings(cfg)
    assert s.bot.default_language == "en"
    assert s.telegram.token is not None and s.telegram.token.get_secret_value() == "123:from-env"
    assert s.owners()["telegram"] == frozenset({"7", "8"})
    assert "from-env" not in repr(s)


def test_config_file_from_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[bot]\ndefault_language = "en"\n', encoding="utf-8")
    monkeypatch.setenv("NEWSBOT_CONFIG", str(cfg))
    assert load_settings(None).bot.default_language == "en"


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('[telegram]\nmode = "carrier-pigeon"\n', "telegram.mode"),
        ('[bot]\ntimezone = "Mars/Olympus"\n', "bot.timezone"),
        ('[database]\nurl = "mysql://x"\n', "database.url"),
        ('[telegram]\nwebhook_port = 70000\n', "telegram.webhook_port"),
        ('[telegram]\nmode = "webhook"\n', "telegram.secret_token: Value error, required"),
        ('[telegram]\nmode = "webhook"\nsecret_token = ""\n', "telegram.secret_token"),
        ('[telegram]\nsecret_token = "with space"\n', "telegram.secret_token"),
        (f'[telegram]\nsecret_token = "{"s" * 257}"\n', "telegram.secret_token"),
        ('[telegram]\nwebhook_max_body_bytes = 1000\n', "telegram.webhook_max_body_bytes"),
        ('[telegarm]\ntoken = "x"\n', "telegarm: unknown key"),
        ("[bot\n", "not valid TOML"),
    ],
)
def test_a_wrong_value_names_the_key(tmp_path: Path, toml: str, expected: str) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(cfg)
    assert expected in str(err.value)
    assert "\n" not in str(err.value)


def test_a_secret_telegram_accepts_is_accepted(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    secret = "Ab0_-" * 51 + "z"  # 256 characters
    cfg.write_text(f'[telegram]\nmode = "webhook"\nsecret_token = "{secret}"\n', encoding="utf-8")
    s = load_settings(cfg)
    assert s.telegram.secret_token is not None
    assert s.telegram.secret_token.get_secret_value() == secret


def test_cli_exits_2_with_one_line_and_hides_tokens(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[telegram]\ntoken = 12345\n', encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "/start", "--config", str(cfg)],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "telegram.token" in out.stderr
    assert "12345" not in out.stderr


def test_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml")
