"""The Dockerfile, compose.yaml and the systemd unit name only things the project has.

No container registry is reachable here, so the image is not built in tests; instead every
command, path, port, variable and health URL these files name is checked against the CLI,
the config, the HTTP routes and the repository.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from bot.app import App
from bot.cli import _parser
from bot.config import Settings
from bot.http import OperatorHTTP

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
UNIT = (ROOT / "deploy" / "newsbot.service").read_text(encoding="utf-8")
ENV_RE = re.compile(r"\bNEWSBOT_[A-Z_]+\b")


def subcommands() -> set[str]:
    sub = next(a for a in _parser()._actions if a.dest == "cmd")
    return set(sub.choices)  # type: ignore[arg-type]


def check_env(name: str) -> None:
    """NEWSBOT_<SECTION>__<KEY> must be a real setting (NEWSBOT_CONFIG is the file)."""
    if name == "NEWSBOT_CONFIG":
        return
    section, _, key = name.removeprefix("NEWSBOT_").lower().partition("__")
    field = Settings.model_fields.get(section)
    assert field is not None, f"{name}: no [{section}] section"
    model = field.annotation
    assert isinstance(model, type) and issubclass(model, BaseModel), name
    assert key in model.model_fields, f"{name}: no key {key!r} in [{section}]"


def default(section: str, key: str) -> Any:
    """A key's embedded default (the test environment overrides some)."""
    model = Settings.model_fields[section].annotation
    assert isinstance(model, type) and issubclass(model, BaseModel)
    return model.model_fields[key].default


def routes() -> set[str]:
    """The operators' routes (the public part off, as by default)."""
    server = OperatorHTTP.__new__(OperatorHTTP)
    server.settings = Settings().http
    return {r.resource.canonical for r in server.web_app().router.routes()
            if r.resource is not None}


def test_the_entry_point_is_installed_as_newsbot() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["newsbot"] == "bot.cli:main"


def test_dockerfile_names_what_exists() -> None:
    for src in re.findall(r"^COPY (.+) \S+$", DOCKERFILE, re.M):
        for path in src.split():
            assert (ROOT / path).exists(), path
    assert re.search(r"^USER (?!root)\w+", DOCKERFILE, re.M), "runs as a non-root user"
    entry = re.search(r'^ENTRYPOINT \["(\w+)"\]', DOCKERFILE, re.M)
    assert entry and entry.group(1) == "newsbot"
    cmd = re.search(r'^CMD \["(\w+)"\]', DOCKERFILE, re.M)
    assert cmd and cmd.group(1) in subcommands()
    for name in ENV_RE.findall(DOCKERFILE):
        check_env(name)
    assert "/healthz" in DOCKERFILE and "/healthz" in routes()
    exposed = {int(p) for p in re.findall(r"^EXPOSE (.+)$", DOCKERFILE, re.M)[0].split()}
    assert exposed == {default("http", "port"), default("telegram", "webhook_port")}
    assert f"NEWSBOT_HTTP__PORT={default('http', 'port')}" in DOCKERFILE


def test_compose_names_what_exists() -> None:
    services = COMPOSE["services"]
    assert {"bot", "deliver", "db"} <= set(services)
    assert services["db"]["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    for name in ("bot", "deliver"):
        svc = services[name]
        assert svc["command"][0] in subcommands(), name
        for var in svc["environment"]:
            check_env(var)
        assert svc["depends_on"]["db"]["condition"] == "service_healthy"
        url = svc["environment"]["NEWSBOT_DATABASE__URL"]
        assert url.startswith("postgresql+asyncpg://") and "@db:5432/" in url
    health = " ".join(services["bot"]["healthcheck"]["test"])
    path = re.search(r"http://127\.0\.0\.1:(\d+)(/\w+)", health)
    assert path and path.group(2) in routes()
    assert int(path.group(1)) == int(services["bot"]["environment"]["NEWSBOT_HTTP__PORT"])


@pytest.mark.parametrize("key", ["ExecStart", "ExecStartPre"])
def test_systemd_unit_names_what_exists(key: str) -> None:
    line = re.search(rf"^{key}=(.+)$", UNIT, re.M)
    assert line, key
    program, command = shlex.split(line.group(1))[:2]
    assert program.endswith("/newsbot") and command in subcommands()
    for name in ENV_RE.findall(UNIT):
        check_env(name)
    assert "RestartPreventExitStatus=2" in UNIT  # config errors exit 2 (bot/cli.py)


async def test_the_routes_the_files_probe_answer(db_url: str) -> None:
    """/healthz as the HEALTHCHECK calls it, on a real App."""
    from aiohttp.test_utils import TestClient, TestServer

    from tests.conftest import make_settings

    async with App(make_settings(db_url)) as app:
        server = OperatorHTTP(app)
        async with TestClient(TestServer(server.web_app())) as client:
            response = await client.get("/healthz")
            assert response.status == 200 and await response.text() == "ok\n"
            response = await client.get("/metrics")
            assert response.status == 200 and "newsbot_outbox_depth" in await response.text()


def test_the_going_live_commands_run_as_written(tmp_path: Path) -> None:
    """README "Going live": the installed `newsbot` command, a config file, migrate, ask."""
    import os
    import subprocess
    import sys

    newsbot = Path(sys.executable).with_name("newsbot")
    assert newsbot.exists(), "make install puts newsbot in the virtualenv"
    config = tmp_path / "config.toml"
    config.write_text(
        (ROOT / "config.example.toml").read_text(encoding="utf-8").replace(
            'url = "sqlite+aiosqlite:///data/newsbot.db"',
            f'url = "sqlite+aiosqlite:///{tmp_path / "newsbot.db"}"'), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env["NEWSBOT_CONFIG"] = str(config)
    for args, expected in ((["migrate"], "database at revision"),
                           (["ask", "/start", "--lang", "en"], "INTERPOL")):
        out = subprocess.run([str(newsbot), *args], capture_output=True, text=True, env=env,
                             cwd=tmp_path, timeout=90)
        assert out.returncode == 0 and expected in out.stdout, out.stderr
    bad = subprocess.run([str(newsbot), "run"], capture_output=True, text=True, cwd=tmp_path,
                         env={**env, "NEWSBOT_HTTP__PORT": "99999"}, timeout=90)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "http.port" in bad.stderr
