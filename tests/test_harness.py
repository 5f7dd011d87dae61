"""The test harness itself: what lets the suite run on several workers (and beside other runs)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from tests import service_child, service_process


def test_a_service_config_listens_on_a_port_the_os_picks_unless_one_is_named(tmp_path: Path) -> None:
    """A child gets none of NEWSBOT_*: its operators' HTTP server must not default to 8080."""
    for write in (service_child.write_config, service_process.write_config):
        plain = tomllib.loads(write(tmp_path / "a.toml", {"bot": {"log_level": "INFO"}}).read_text())
        assert plain["http"] == {"port": 0}
        named = tomllib.loads(write(tmp_path / "b.toml", {"http": {"port": 8123}}).read_text())
        assert named["http"] == {"port": 8123}
        off = tomllib.loads(write(tmp_path / "c.toml", {"http": {"enabled": False}}).read_text())
        assert off["http"] == {"enabled": False, "port": 0}
