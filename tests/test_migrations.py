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



async def test_programme_migration_keeps_search_and_the_content(db_url: str) -> None:
    """0008p rebuilds news_items on SQLite (a batch copy drops its triggers): the search
    index must still follow new items after it, also after going down to 0007f and up."""
    from sqlalchemy import select

    from bot.app import App
    from storage.models import AgendaSession, Event, NewsItem
    from storage.text import search_doc
    from tests.conftest import make_settings
    from tests.helpers import text_of

    async def counts(app: App) -> dict[str, int]:
        async with app.engine.connect() as conn:
            return {t: (await conn.exec_driver_sql(f"SELECT count(*) FROM {t}")).scalar_one()
                    for t in ("agenda_session_citations", "news_item_citations", "participant_citations",
                              "facts", "agenda_sessions", "news_items")}

    async with App(make_settings(db_url)) as app:
        before = await counts(app)
        await downgrade(app.engine, "0007f")
        # rebuilt tables' DROP cascaded to nothing: every citation is still there
        assert await counts(app) == before
        await upgrade(app.engine)
        assert await counts(app) == before and before["agenda_session_citations"] > 0
        async with app.uow() as uow:
            event = (await uow.session.scalars(select(Event))).one()
            sessions = (await uow.session.scalars(select(AgendaSession))).all()
            items = (await uow.session.scalars(select(NewsItem))).all()
        assert sessions and all(s.event_id == event.id and s.starts_at is None
                                and s.status == "scheduled" for s in sessions)
        assert items and all(i.event_id == event.id for i in items)
        assert "#" in await text_of(app, "/search convention")
        title, body = {"fr": "Le mot zanzibarique"}, {"fr": "Un corps."}
        async with app.uow() as uow:
            new = NewsItem(title=title, body=body, search_doc=search_doc(title, body),
                           status="published", topics=[], event_id=event.id)
            uow.session.add(new)
            await uow.session.flush()
            new_id = new.id
        assert f"#{new_id}" in await text_of(app, "/search zanzibarique")
