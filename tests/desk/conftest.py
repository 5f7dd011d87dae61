"""Shared set-up for the news-desk tests: an App with owners on every platform, row counts."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.app import App
from storage.models import (
    Admin,
    AgendaSession,
    AuditEntry,
    NewsItem,
    OutboxMessage,
    Participant,
    Source,
)
from tests.conftest import make_settings

OWNERS = {"console": "local", "telegram": "1001", "discord": "2001"}


def desk_settings(db_url: str, **sections: dict[str, object]):  # type: ignore[no-untyped-def]
    return make_settings(
        db_url, telegram={"owners": [OWNERS["telegram"]]}, discord={"owners": [OWNERS["discord"]]},
        **sections,
    )


@pytest.fixture
async def desk(db_url: str) -> AsyncIterator[App]:
    async with App(desk_settings(db_url)) as a:
        yield a


async def item_of(app: App, item_id: int) -> NewsItem:
    async with app.uow() as uow:
        item = await uow.items.get(item_id)
        assert item is not None
        return item


COUNTED = (NewsItem, AuditEntry, OutboxMessage, Admin, Source, AgendaSession, Participant)


async def counts(app: App) -> dict[str, int]:
    async with app.uow() as uow:
        return {m.__tablename__: int(await uow.session.scalar(select(func.count()).select_from(m)) or 0)
                for m in COUNTED}
