"""The migrations build exactly the schema the models describe, and go down and up again."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage.db import make_engine
from storage.migrate import downgrade, upgrade
from storage.models import Base

#: search objects the migrations create by hand (FTS5 tables, a GIN index), not in the models
SEARCH_OBJECTS = ("news_fts", "ix_news_items_search")


def _modelled(obj: Any, name: str | None, kind: str, reflected: bool, compare_to: Any) -> bool:
    return not (name or "").startswith(SEARCH_OBJECTS)


def _drift(connection: Any) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": _modelled})
    return list(compare_metadata(context, Base.metadata))


async def test_migrated_schema_matches_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            drift = await conn.run_sync(_drift)
        assert drift == []
    finally:
        await engine.dispose()


async def test_downgrade_to_0003_and_back(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        await downgrade(engine, "0003")
        await upgrade(engine)
        async with engine.connect() as conn:
            assert await conn.run_sync(_drift) == []
    finally:
        await engine.dispose()


async def test_button_tokens_go_down_to_0004_and_back(db_url: str) -> None:
    from sqlalchemy import inspect

    engine = make_engine(db_url)
    try:
        await downgrade(engine, "0004")
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
        assert "button_tokens" not in tables
        await upgrade(engine)
        async with engine.connect() as conn:
            assert await conn.run_sync(_drift) == []
    finally:
        await engine.dispose()
