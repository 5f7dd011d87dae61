"""Storage as an operator relies on it: migrations both ways, idempotent seed, atomic units of work."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import func, insert, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.config import Settings
from storage.db import make_engine
from storage.migrate import current_revision, downgrade, head_revision, is_current, upgrade
from storage.models import (
    AgendaSession,
    Chat,
    Event,
    Fact,
    NewsItem,
    OutboxMessage,
    Participant,
    Resolution,
    Source,
)
from storage.seed import load_seed, read_seed
from storage.text import fold, pick, search_doc
from storage.uow import UnitOfWork
from tests.conftest import _pg_admin, make_settings, pg_database_url
from tests.helpers import text_of


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


async def test_migration_0005s_gives_each_kind_the_topics_subscribers_had(db_url: str) -> None:
    """Subscribers from before 0005s keep what they had: their one topic list now filters
    both the digest and the alerts; going back down merges the two lists again."""
    import sqlalchemy as sa

    subs = sa.table("subscriptions", sa.column("id", sa.Integer), sa.column("chat_id", sa.Integer),
                    sa.column("digest", sa.Boolean), sa.column("alerts", sa.Boolean),
                    sa.column("digest_time", sa.String), sa.column("notify_empty", sa.Boolean),
                    sa.column("created_at", sa.DateTime(timezone=True)),
                    sa.column("updated_at", sa.DateTime(timezone=True)),
                    sa.column("topics", sa.JSON))
    chats = sa.table("chats", sa.column("id", sa.Integer), sa.column("platform", sa.String),
                     sa.column("platform_chat_id", sa.String), sa.column("kind", sa.String),
                     sa.column("timezone", sa.String), sa.column("active", sa.Boolean),
                     sa.column("created_at", sa.DateTime(timezone=True)))
    now = dt.datetime(2025, 11, 20, tzinfo=dt.UTC)
    engine = make_engine(db_url)
    try:
        await downgrade(engine, "0004")
        async with engine.begin() as conn:
            for n, topics in enumerate((["cybercrime"], [], ["governance", "women-in-policing"])):
                await conn.execute(chats.insert().values(
                    id=900 + n, platform="telegram", platform_chat_id=str(900 + n), kind="private",
                    timezone="Africa/Casablanca", active=True, created_at=now))
                await conn.execute(subs.insert().values(
                    id=900 + n, chat_id=900 + n, digest=True, alerts=True, digest_time="08:00",
                    notify_empty=False, created_at=now, updated_at=now, topics=topics))
        await upgrade(engine)
        assert await current_revision(engine) == head_revision()
        async with App(Settings(database={"url": db_url})) as app:  # type: ignore[arg-type]
            async with app.uow() as uow:
                old = [await uow.subscriptions.for_chat(900 + n) for n in range(3)]
                got = {s.chat_id: (s.digest_topics, s.alerts_topics) for s in old if s}
                assert got == {900: (["cybercrime"], ["cybercrime"]), 901: ([], []),
                               902: (["governance", "women-in-policing"],) * 2}
                # made outside any forum topic: delivered to the chat itself, as before
                assert {(s.digest_thread_id, s.alerts_thread_id) for s in old if s} == {(None, None)}
                sub = await uow.subscriptions.for_chat(900)
                assert sub is not None
                sub.digest_topics = ["governance"]  # the two kinds differ now
                sub2 = await uow.subscriptions.for_chat(901)
                assert sub2 is not None
                sub2.alerts_topics = ["cybercrime"]
        await downgrade(engine, "0004")
        async with engine.connect() as conn:
            back = dict((await conn.execute(
                sa.select(subs.c.chat_id, subs.c.topics).where(subs.c.chat_id >= 900))).all())
        # one list again: nobody loses news they asked for (every topic of either kind;
        # "all" when either kind followed all)
        assert back == {900: ["governance", "cybercrime"], 901: [],
                        902: ["governance", "women-in-policing"]}
        await upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def blank_url(db_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """A database with no tables yet, on the same engine as ``db_url``."""
    if db_url.startswith("sqlite"):
        yield f"sqlite+aiosqlite:///{tmp_path / 'blank.db'}"
        return
    name = f"newsbot_blank_{uuid.uuid4().hex[:10]}"
    await _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield pg_database_url(name)
    finally:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_upgrade_from_0004_makes_each_rows_source_its_first_citation(blank_url: str) -> None:
    """Rows written before several sources existed keep their one source (0005c copies it)."""
    engine = make_engine(blank_url)
    now = dt.datetime(2025, 11, 24, 9, tzinfo=dt.UTC)
    loc = {"fr": "texte", "en": "text"}
    try:
        await upgrade(engine, "0004")
        async with engine.begin() as conn:
            # the tables as 0004 made them (the models have columns added since)
            names = ("sources", "events", "facts", "agenda_sessions", "participants",
                     "resolutions", "news_items")
            present = await conn.run_sync(lambda c: {
                n: {col["name"] for col in inspect(c).get_columns(n)} for n in names})
            models = {m.__tablename__: m.__table__ for m in (
                Source, Event, Fact, AgendaSession, Participant, Resolution, NewsItem)}
            at_0004 = {n: sa.Table(n, sa.MetaData(), *[  # the models' columns, defaults too
                c._copy() for c in models[n].columns if c.name in present[n]]) for n in names}
            for n in (1, 2):
                await conn.execute(insert(at_0004["sources"]).values(
                    id=n, key=f"src-{n}", title=f"Source {n}", name={"fr": f"Source {n}"}))
            await conn.execute(insert(at_0004["events"]).values(
                id=1, key="ev", name=loc, place=loc, summary=loc, timezone="UTC",
                starts_on=dt.date(2025, 11, 24), ends_on=dt.date(2025, 11, 27), source_id=1))
            await conn.execute(insert(at_0004["facts"]).values(
                [{"id": 1, "key": "k", "label": loc, "value": loc, "source_id": 2},
                 {"id": 2, "key": "k", "label": loc, "value": loc, "source_id": 1}]))
            await conn.execute(insert(at_0004["agenda_sessions"]).values(
                [{"id": 1, "key": "s1", "title": loc, "description": loc, "source_id": 2},
                 {"id": 2, "key": "s2", "title": loc, "description": loc, "source_id": None}]))
            await conn.execute(insert(at_0004["participants"]).values(
                id=1, key="p", name="P", role=loc, organisation=loc, source_id=1))
            await conn.execute(insert(at_0004["resolutions"]).values(
                id=1, key="r", title=loc, summary=loc, status="adopted", adopted=loc, points=[],
                source_id=2))
            await conn.execute(insert(at_0004["news_items"]).values(
                [{"id": 1, "key": "i1", "title": loc, "body": loc, "source_id": 2, "published_at": now},
                 {"id": 2, "key": "i2", "title": loc, "body": loc, "source_id": None,
                  "published_at": now}]))
        await upgrade(engine)
        assert await current_revision(engine) == head_revision()
        expected = {(Event, 1): ["src-1"], (Fact, 1): ["src-2"], (Fact, 2): ["src-1"],
                    (AgendaSession, 1): ["src-2"], (AgendaSession, 2): [],
                    (Participant, 1): ["src-1"], (Resolution, 1): ["src-2"],
                    (NewsItem, 1): ["src-2"], (NewsItem, 2): []}
        async with AsyncSession(engine) as session:
            for (model, row_id), keys in expected.items():
                row = await session.get(model, row_id)
                assert row is not None
                assert [s.key for s in row.sources] == keys, (model.__name__, row_id)
    finally:
        await engine.dispose()
    async with App(make_settings(blank_url, bot={"seed_on_start": False})) as app:
        assert "Source 2" in await text_of(app, "/item 1")
