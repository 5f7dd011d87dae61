"""Storage as an operator relies on it: migrations both ways, idempotent seed, atomic units of work."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, inspect, select

from bot.app import App
from bot.config import Settings
from storage.db import make_engine
from storage.migrate import current_revision, downgrade, head_revision, is_current, upgrade
from storage.models import Chat, NewsItem
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
        assert await current_revision(engine) == "0005s" == head_revision()
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
