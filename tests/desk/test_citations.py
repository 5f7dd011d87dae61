"""Rows citing several sources and the news desk: the desk's ``source`` is the first source.

Setting it replaces the first citation and keeps the others; undo puts the list back exactly;
seed and import keep the desk's first source and still write the others. SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.app import App
from storage.models import AgendaSession, NewsItem, Source
from storage.seed import DEFAULT_SEED, load_seed, read_seed
from tests.helpers import send, text_of

OWNER = {"user_id": "local"}
OPENING, CYBER = "marrakech-opening-article", "cyber-resolution-article"


async def cite(app: App, model: type[Any], row_id: int, keys: list[str]) -> None:
    async with app.uow() as uow:
        row = await uow.session.get(model, row_id)
        by_key = {s.key: s for s in (await uow.session.scalars(select(Source))).all()}
        row.sources = [by_key[k] for k in keys]


async def cited(app: App, model: type[Any], row_id: int) -> list[str]:
    async with app.uow() as uow:
        row = await uow.session.get(model, row_id)
        return [s.key for s in row.sources]


async def test_the_desk_changes_the_first_source_and_undo_puts_the_list_back(desk: App) -> None:
    await cite(desk, NewsItem, 2, [OPENING, CYBER])
    reply = await send(desk, "/edititem 2 source Le Matin", **OWNER)
    assert not reply.is_error
    keys = await cited(desk, NewsItem, 2)
    assert keys[0].startswith("admin-") and keys[1:] == [CYBER]
    shown = await text_of(desk, "/item 2")
    assert "Le Matin" in shown and "Cybercriminalité : INTERPOL appelle à ratifier" in shown
    assert "Marrakech : 93ème session" not in shown
    await send(desk, "/undo", **OWNER)
    assert await cited(desk, NewsItem, 2) == [OPENING, CYBER]


async def test_a_session_keeps_its_other_sources_when_the_desk_sets_one(desk: App) -> None:
    async with desk.uow() as uow:
        row = (await uow.session.scalars(select(AgendaSession).order_by(AgendaSession.id))).first()
        assert row is not None
        session_id = row.id
    await cite(desk, AgendaSession, session_id, [OPENING, CYBER])
    await send(desk, f"/editsession {session_id} url https://example.org/programme", **OWNER)
    keys = await cited(desk, AgendaSession, session_id)
    assert keys[0].startswith("admin-") and keys[1:] == [CYBER]
    await send(desk, "/undo", **OWNER)
    assert await cited(desk, AgendaSession, session_id) == [OPENING, CYBER]


async def test_setting_a_source_cited_further_down_first_trades_places(desk: App) -> None:
    """Nothing is cited twice, and setting the old first source back restores the list."""
    await cite(desk, NewsItem, 3, [OPENING, CYBER])
    async with desk.uow() as uow:
        item = await uow.session.get(NewsItem, 3)
        cyber = (await uow.session.scalars(select(Source).where(Source.key == CYBER))).one()
        item.source_id = cyber.id
    assert await cited(desk, NewsItem, 3) == [CYBER, OPENING]
    async with desk.uow() as uow:
        item = await uow.session.get(NewsItem, 3)
        opening = (await uow.session.scalars(select(Source).where(Source.key == OPENING))).one()
        item.source = opening
    assert await cited(desk, NewsItem, 3) == [OPENING, CYBER]


async def test_seed_keeps_the_desks_first_source_and_writes_the_others(desk: App) -> None:
    data = read_seed(DEFAULT_SEED)
    data["items"][1].pop("source", None)
    data["items"][1]["sources"] = [OPENING, CYBER]
    async with desk.uow() as uow:
        await load_seed(uow.session, data)
    assert await cited(desk, NewsItem, 2) == [OPENING, CYBER]
    await send(desk, "/edititem 2 source Le Matin", **OWNER)
    async with desk.uow() as uow:
        report = await load_seed(uow.session, data)
    assert not report.changed and any("source_id (desk revision #" in line for line in report.skipped)
    keys = await cited(desk, NewsItem, 2)
    assert keys[0].startswith("admin-") and keys[1:] == [CYBER]
    data["items"][1]["sources"] = [OPENING]  # the bundled file drops the second source
    async with desk.uow() as uow:
        report = await load_seed(uow.session, data)
    assert report.updated == {"news_items": 1}
    assert await cited(desk, NewsItem, 2) == keys[:1]
