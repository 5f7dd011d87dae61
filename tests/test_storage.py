"""Storage as an operator relies on it: migrations both ways, idempotent seed, atomic units of work."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, inspect, select, text

from bot.app import App
from storage.db import make_engine
from storage.migrate import current_revision, downgrade, head_revision, is_current, upgrade
from storage.models import Chat, NewsItem, OutboxMessage
from storage.seed import load_seed, read_seed
from storage.text import fold, pick, search_doc
from storage.uow import UnitOfWork


async def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def test_migrations_run_down_and_up_again(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert await is_current(engine)
        await downgrade(engine, "base")
        assert await current_revision(engine) is None
        assert "news_items" not in await _tables(db_url)
        await upgrade(engine)
        assert await current_revision(engine) == head_revision()
        assert {"news_items", "chats", "subscriptions", "outbox", "audit_log", "admins"} <= await _tables(db_url)
    finally:
        await engine.dispose()


async def _columns(url: str, table: str) -> set[str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return {c["name"] for c in await conn.run_sync(lambda c: inspect(c).get_columns(table))}
    finally:
        await engine.dispose()


async def test_the_delivery_migration_goes_down_and_up_keeping_the_outbox(app: App, db_url: str) -> None:
    """0006d on a database with messages: down to 0004 and up again, rows kept."""
    chat_id = await _chat(app)
    async with app.uow() as uow:
        uow.session.add(OutboxMessage(dedupe_key="m:1", chat_id=chat_id, kind="digest", payload={},
                                      uncertain=1))
    engine = make_engine(db_url)
    try:
        await downgrade(engine, "0004")
        assert "uncertain" not in await _columns(db_url, "outbox")
        assert not {"delivery_pauses", "delivery_marks"} & await _tables(db_url)
        await upgrade(engine)
        assert await current_revision(engine) == head_revision()
    finally:
        await engine.dispose()
    assert "uncertain" in await _columns(db_url, "outbox")
    assert {"delivery_pauses", "delivery_marks"} <= await _tables(db_url)
    now = dt.datetime.now(dt.UTC)
    async with app.uow() as uow:
        [row] = (await uow.session.scalars(select(OutboxMessage))).all()
        await uow.outbox.pause("telegram", chat_id, now + dt.timedelta(seconds=40), now)
        await uow.outbox.pause("telegram", chat_id, now + dt.timedelta(seconds=10), now)
        await uow.outbox.pause("telegram", None, now + dt.timedelta(seconds=5), now)
    assert row.dedupe_key == "m:1" and row.uncertain == 0
    async with app.uow() as uow:  # a later pause of a scope wins; a shorter one changes nothing
        assert await uow.outbox.pauses(now) == [
            ("telegram", chat_id, now + dt.timedelta(seconds=40)),
            ("telegram", None, now + dt.timedelta(seconds=5))]


async def test_postgresql_ends_a_transaction_a_frozen_process_left_open(app: App, db_url: str) -> None:
    """A process frozen inside a transaction (GC, VM freeze, SIGSTOP) would hold its locks
    (the delivery lease, outbox rows) for as long as it sleeps: the server ends it."""
    if not db_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL server setting")
    async with app.engine.connect() as conn:
        setting = await conn.scalar(text("SHOW idle_in_transaction_session_timeout"))
    assert setting == "1min"


async def _chat(app: App) -> int:
    async with app.uow() as uow:
        return (await uow.chats.touch("telegram", "1", kind="private", title=None)).id


async def test_seeding_twice_changes_nothing(app: App) -> None:
    async with app.uow() as uow:
        before = await uow.session.scalar(select(func.count()).select_from(NewsItem))
        report = await load_seed(uow.session, read_seed())
    assert not report.changed, (report.inserted, report.updated)
    async with app.uow() as uow:
        after = await uow.session.scalar(select(func.count()).select_from(NewsItem))
    assert before == after and before and before >= 6


async def test_seed_cli_is_idempotent_and_says_so(app: App) -> None:
    report = await app.seed()
    assert report is not None and not report.changed


async def test_a_failing_unit_of_work_writes_nothing(app: App) -> None:
    with pytest.raises(RuntimeError):
        async with app.uow() as uow:
            await uow.chats.touch("console", "half", kind="private", title=None)
            raise RuntimeError("boom after the first write")
    async with app.uow() as uow:
        assert await uow.chats.find("console", "half") is None


async def test_chat_migration_keeps_settings(app: App) -> None:
    async with app.uow() as uow:
        chat = await uow.chats.touch("telegram", "-100", kind="group", title="Desk")
        chat.language = "en"
    async with app.uow() as uow:
        chat = await uow.chats.find("telegram", "-100")
        assert chat is not None
        await uow.chats.migrate(chat, "-1001234")
    async with app.uow() as uow:
        moved = await uow.chats.find("telegram", "-1001234")
        assert moved is not None and moved.language == "en" and moved.kind == "supergroup"
        assert await uow.chats.find("telegram", "-100") is None


async def test_inactive_chat_is_reactivated_when_it_talks_again(app: App) -> None:
    async with app.uow() as uow:
        chat = await uow.chats.touch("telegram", "42", kind="private", title=None)
        await uow.chats.deactivate(chat, "Forbidden: bot was blocked by the user")
    async with app.uow() as uow:
        chat = await uow.chats.touch("telegram", "42", kind="private", title=None)
        assert chat.active and chat.inactive_reason is None


async def test_timestamps_come_back_timezone_aware(app: App) -> None:
    async with app.uow() as uow:
        item = (await uow.items.latest(1))[0]
        assert item.published_at is not None and item.published_at.tzinfo is not None
        assert item.published_at.utcoffset() == dt.timedelta(0)


async def test_search_index_follows_edits_and_deletes(app: App) -> None:
    async with app.uow() as uow:
        item = NewsItem(status="published", topics=[], title={"fr": "Xylothèque spéciale"},
                        body={"fr": "Le quorum est atteint."},
                        search_doc=search_doc({"fr": "Xylothèque spéciale"}, {"fr": "Le quorum est atteint."}),
                        published_at=dt.datetime.now(dt.UTC))
        await uow.items.add(item)
        item_id = item.id
    async with app.uow() as uow:
        found, total = await uow.items.search("xylotheque QUORUM", 10)
        assert [i.id for i in found] == [item_id] and total == 1
        row = await uow.items.get(item_id)
        assert row is not None
        row.title = {"fr": "Zéphyrine plénière"}
        row.search_doc = search_doc(row.title, row.body)
    async with app.uow() as uow:
        assert (await uow.items.search("xylotheque", 10))[1] == 0
        assert (await uow.items.search("zephyrine", 10))[1] == 1
        row = await uow.items.get(item_id)
        assert row is not None
        row.deleted_at = dt.datetime.now(dt.UTC)
    async with app.uow() as uow:
        assert (await uow.items.search("zephyrine", 10))[1] == 0


async def test_unit_of_work_exposes_repositories(app: App) -> None:
    async with app.uow() as uow:
        assert isinstance(uow, UnitOfWork)
        assert (await uow.content.event()) is not None
        assert len(await uow.content.participants()) == 13
        assert (await uow.session.scalar(select(func.count()).select_from(Chat))) == 0


def test_text_helpers() -> None:
    assert fold("Cybercriminalité ŒUVRE") == "cybercriminalite oeuvre"
    assert pick({"fr": "bonjour", "en": ""}, "en") == "bonjour"
    assert pick({}, "fr") == ""
    assert search_doc({"fr": "L’Assemblée <b>générale</b>"}) == "l assemblee b generale b"
