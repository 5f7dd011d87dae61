"""Hypothesis: whatever an admin types, every admin command answers (an error or a valid action),
never crashes, and an error leaves no row behind."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import App
from handlers.reply import plain_text
from tests.desk.conftest import counts, desk_settings
from tests.desk.test_authorization import ADMIN_COMMANDS
from tests.helpers import send

TOKENS = [
    "1", "2", "#3", "0", "-1", "99999999999999", "x", "title", "title.en", "body.de", "body", "topics",
    "cybercrime", "governance,nope", "-", "source", "url", "https://ex.org/a", "ftp://x", "http://",
    "at", "10:00", "25:99", "2025-11-25T10:00", "2025-11-25T10:00+01:00", "2025-02-30", "lang=en",
    "lang=de", "topics=cybercrime", "url=javascript:alert(1)", "at=demain", "source=“Le Matin”",
    "en", "fr", "zz", "confirm", "add", "remove", "telegram:1", "day", "2025-11-26", "cc", "MA",
    "XYZ", "spoke", "oui", "maybe", "status", "adopted", "date", "role=Chief", "\n", "\n\n",
    "<b>", "&amp;", "' OR 1=1 --", "x" * 250, "é" * 9000,
]
ARGS = st.one_of(
    st.lists(st.sampled_from(TOKENS) | st.text(max_size=12), max_size=6).map(" ".join),
    st.text(max_size=200),
)


@pytest.fixture(scope="module")
def desk_runner(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    import shutil

    db = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    shutil.copyfile(sqlite_template, db)
    runner = asyncio.Runner()
    app = App(desk_settings(f"sqlite+aiosqlite:///{db}"))
    runner.run(app.__aenter__())
    yield runner, app
    runner.run(app.__aexit__(None, None, None))
    runner.close()


@pytest.mark.parametrize("command", ADMIN_COMMANDS)
def test_admin_commands_survive_any_input(desk_runner, command: str) -> None:  # type: ignore[no-untyped-def]
    runner, app = desk_runner

    @settings(max_examples=25, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(args=ARGS)
    def check(args: str) -> None:
        async def one() -> None:
            before = await counts(app)
            reply = await send(app, f"/{command} {args}", user_id="local", lang="en")
            text = plain_text(reply)
            assert "Sorry, something went wrong" not in text, (command, args, text)
            assert text.strip()
            if reply.is_error:
                assert await counts(app) == before, (command, args, text)

        runner.run(one())

    check()
