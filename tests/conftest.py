"""Shared fixtures: a migrated and seeded database per test, on SQLite and on PostgreSQL.

Migrate once: a template database is migrated and seeded once per session, then each test
gets its own copy (a file copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL),
so tests are isolated and may commit like the real bot does.

PostgreSQL tests run when NEWSBOT_TEST_PG_URL names a server (``.ci/run`` sets it); they are
skipped with that reason otherwise.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy.engine import make_url

from bot.app import App
from bot.config import Settings
from storage.db import make_engine
from storage.migrate import upgrade
from storage.seed import load_seed, read_seed
from storage.uow import UnitOfWork

# CI replays a fixed set of generated examples (derandomized), so a landing never depends on
# what a random draw happens to find; developers' runs keep exploring new inputs.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# Services started by tests (and their subprocesses) let the OS pick the operators' HTTP port:
# several test runs may share a machine.
os.environ.setdefault("NEWSBOT_HTTP__PORT", "0")
# A text missing in one language raises (handlers.catalog.MissingText) instead of falling back to
# French: a gap in the catalog fails the test that meets it (and its services' subprocesses).
os.environ.setdefault("NEWSBOT_CATALOG_STRICT", "1")

PG_URL = os.environ.get("NEWSBOT_TEST_PG_URL")
PG_SKIP = "PostgreSQL tests need NEWSBOT_TEST_PG_URL (e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test)"
ROOT = Path(__file__).resolve().parent.parent


async def _migrate_and_seed(url: str) -> None:
    engine = make_engine(url)
    try:
        await upgrade(engine)
        async with engine.begin() as conn:
            from sqlalchemy.ext.asyncio import AsyncSession

            async with AsyncSession(bind=conn) as session:
                await load_seed(session, read_seed())
                await session.flush()
    finally:
        await engine.dispose()


async def _pg_admin(sql: str) -> None:
    import asyncpg

    assert PG_URL
    u = make_url(PG_URL)
    conn = await asyncpg.connect(
        host=u.host, port=u.port or 5432, user=u.username, password=u.password,
        database=u.database or "postgres",
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def pg_database_url(name: str) -> str:
    assert PG_URL
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(_migrate_and_seed(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    if not PG_URL:
        pytest.skip(PG_SKIP)
    name = f"newsbot_tmpl_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        asyncio.run(_migrate_and_seed(pg_database_url(name)))
        yield name
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    copy = tmp_path / "newsbot.db"
    shutil.copyfile(sqlite_template, copy)
    return f"sqlite+aiosqlite:///{copy}"


@pytest.fixture
def pg_url(pg_template: str) -> Iterator[str]:
    name = f"newsbot_t_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    try:
        yield pg_database_url(name)
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """A migrated, seeded, private database: each test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))


def make_settings(db_url: str, **sections: dict[str, object]) -> Settings:
    return Settings(database={"url": db_url}, **sections)  # type: ignore[arg-type]


@pytest.fixture
async def app(db_url: str) -> AsyncIterator[App]:
    async with App(make_settings(db_url)) as a:
        yield a


@pytest.fixture
def uow(app: App) -> UnitOfWork:
    return app.uow()


