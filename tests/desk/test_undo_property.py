"""Property: any sequence of desk commands by two admins, then as many /undo (the latest
change first, by its author), gives back exactly the content we started from (an export)."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.app import App
from handlers.reply import plain_text
from storage.models import AuditEntry
from storage.revisions import CONTENT_ACTIONS
from storage.transfer import export_content
from tests.conftest import PG_URL, _pg_admin, pg_database_url
from tests.desk.conftest import desk_settings
from tests.helpers import send

USERS = ("local", "42")
ITEM = st.integers(1, 9)
WORDS = st.sampled_from(["Nouveau titre", "Révision urgente", "Texte corrigé.", "Marrakech 2025"])
COMMANDS = st.one_of(
    st.builds(lambda i, f, v: f"/edititem {i} {f} {v}", ITEM,
              st.sampled_from(["title", "title.en", "body", "body.en"]), WORDS),
    st.builds(lambda i, v: f"/edititem {i} topics {v}", ITEM,
              st.sampled_from(["cybercrime", "governance,cybercrime", "-"])),
    st.builds(lambda i, v: f"/edititem {i} url https://example.org/{v}", ITEM, st.integers(1, 3)),
    st.builds(lambda i, v: f"/edititem {i} source {v}", ITEM, st.sampled_from(["Le Matin", "MAP"])),
    st.builds(lambda i, lang, v: f"/translate {i} {lang}\n{v}\nCorps {v}.", ITEM,
              st.sampled_from(["fr", "en"]), WORDS),
    st.builds(lambda v: f"/additem {v} topics=cybercrime\nUn texte.", WORDS),
    st.builds(lambda i: f"/publish {i}\n/publish {i} confirm", ITEM),
    st.builds(lambda i: f"/delitem {i}", ITEM),
    st.builds(lambda v: f"/addparticipant Jane {v} role=Chief", st.sampled_from(["Doe", "Roe"])),
    st.builds(lambda i, f, v: f"/editparticipant {i} {f} {v}", st.integers(1, 13),
              st.sampled_from(["role", "role.en", "spoke", "cc"]),
              st.sampled_from(["Directrice", "oui", "non", "KE"])),
    st.builds(lambda v: f"/editsession opening-ceremony day {v}",
              st.sampled_from(["2025-11-25", "2025-11-26", "-"])),
    st.builds(lambda f, v: f"/setresolution {f} {v}", st.sampled_from(["status", "date", "date.en"]),
              st.sampled_from(["draft", "adopted", "27 novembre"])),
)
STEPS = st.lists(st.tuples(st.sampled_from(USERS), COMMANDS), min_size=1, max_size=8)


async def _content_changes(app: App) -> int:
    async with app.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action.in_(CONTENT_ACTIONS))) or 0)


async def _export(app: App) -> dict[str, Any]:
    async with app.uow() as uow:
        return await export_content(uow.session)


async def _scenario(url: str, steps: list[tuple[str, str]]) -> None:
    async with App(desk_settings(url)) as app:
        await send(app, "/admin add 42", user_id="local")
        await send(app, "/subscribe alerts", chat_id="reader", user_id="r")
        start = await _export(app)
        authors: list[str] = []
        for user, text in steps:
            for line in text.split("\n/"):
                before = await _content_changes(app)
                reply = await send(app, line if line.startswith("/") else "/" + line, user_id=user)
                assert "Sorry" not in plain_text(reply) and "Désolé" not in plain_text(reply)
                if await _content_changes(app) > before:  # one /undo takes a command back whole
                    authors.append(user)
        for user in reversed(authors):
            reply = await send(app, "/undo", user_id=user)
            assert not reply.is_error, (steps, plain_text(reply))
        assert await _export(app) == start, steps


PROFILE = settings(max_examples=int(os.environ.get("UNDO_EXAMPLES", "30")), deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture,
                                          HealthCheck.too_slow])


@PROFILE
@given(steps=STEPS)
def test_undo_restores_the_content_exactly_sqlite(sqlite_template: Path,
                                                  tmp_path_factory: pytest.TempPathFactory,
                                                  steps: list[tuple[str, str]]) -> None:
    db = tmp_path_factory.mktemp("undo") / "undo.db"
    shutil.copyfile(sqlite_template, db)
    asyncio.run(_scenario(f"sqlite+aiosqlite:///{db}", steps))


@pytest.mark.postgres
@settings(PROFILE, max_examples=10)
@given(steps=STEPS)
def test_undo_restores_the_content_exactly_postgres(pg_template: str,
                                                    steps: list[tuple[str, str]]) -> None:
    assert PG_URL
    name = f"newsbot_u_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    try:
        asyncio.run(_scenario(pg_database_url(name), steps))
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
