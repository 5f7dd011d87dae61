"""Alembic migrations, run programmatically on the caller's event loop.

Alembic's command API is synchronous; we hand it a connection from ``AsyncConnection.run_sync``
(the Alembic cookbook's "connection sharing" recipe), so migrating works inside a running loop.
``is_current`` answers "is the database at head?" without importing Alembic, which keeps the
cold start of ``python -m bot ask`` short.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_REVISION = re.compile(r"^revision(?:: str)? = ['\"]([0-9a-z_]+)['\"]", re.M)
_DOWN = re.compile(r"^down_revision(?:: [^=]+)? = ['\"]([0-9a-z_]+)['\"]", re.M)


def head_revision() -> str:
    """The head revision read from the migration files' text (a linear history is enforced)."""
    revs: dict[str, str | None] = {}
    for f in (MIGRATIONS_DIR / "versions").glob("*.py"):
        src = f.read_text(encoding="utf-8")
        rev = _REVISION.search(src)
        if rev:
            down = _DOWN.search(src)
            revs[rev.group(1)] = down.group(1) if down else None
    parents = {d for d in revs.values() if d}
    heads = [r for r in revs if r not in parents]
    if len(heads) != 1:
        raise RuntimeError(f"migrations must have exactly one head, found {sorted(heads)}")
    return heads[0]


async def current_revision(engine: AsyncEngine) -> str | None:
    try:
        async with engine.connect() as conn:
            row = (await conn.execute(text("SELECT version_num FROM alembic_version"))).first()
    except DBAPIError:
        return None
    return row[0] if row else None


async def is_current(engine: AsyncEngine) -> bool:
    return await current_revision(engine) == head_revision()


def _config(connection: Any) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


async def _migrate(engine: AsyncEngine, step: Callable[[Any], None]) -> None:
    """Run ``step`` (an Alembic command on a connection) in one transaction.

    On SQLite, foreign keys are off meanwhile (the pragma is a no-op inside a transaction, so
    it is set before): a migration that rebuilds a table others reference (Alembic's batch
    mode: copy, DROP, rename) would otherwise cascade the DROP to their rows. Before the
    commit, ``PRAGMA foreign_key_check`` must find nothing, or everything is rolled back."""
    async with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await conn.commit()
        try:
            async with conn.begin():
                await conn.run_sync(step)
                if sqlite:
                    broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
                    if broken:
                        raise RuntimeError(f"a migration left rows without their parent: {broken[:5]}")
        finally:
            if sqlite:
                await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                await conn.commit()


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (idempotent)."""
    from alembic import command

    await _migrate(engine, lambda c: command.upgrade(_config(c), revision))


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    from alembic import command

    await _migrate(engine, lambda c: command.downgrade(_config(c), revision))


async def ensure_schema(engine: AsyncEngine) -> bool:
    """Migrate when behind; returns True when a migration ran."""
    if await is_current(engine):
        return False
    await upgrade(engine)
    return True
