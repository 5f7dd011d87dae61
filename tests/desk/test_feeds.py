"""Feed ingestion from a local HTTP server: RSS, Atom, bad encodings, duplicates, failures, 304."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.app import App
from bot.config import FeedSection
from bot.feeds import FeedPoller
from handlers.reply import Reply, plain_text
from storage.feeds import FeedState
from storage.models import NewsItem, OutboxMessage
from tests.desk.conftest import desk_settings
from tests.desk.feed_server import FeedServer, feed_server
from tests.helpers import text_of

__all__ = ["feed_server"]


@pytest.fixture
def server(feed_server: FeedServer) -> FeedServer:
    return feed_server


def feed(server: FeedServer, path: str, **kw: object) -> FeedSection:
    return FeedSection(name=kw.pop("name", path), url=f"{server.base}/{path}", **kw)  # type: ignore[arg-type]


@pytest.fixture
async def feed_app(db_url: str) -> AsyncIterator[App]:
    settings = desk_settings(db_url, editorial={"feed_timeout_seconds": 0.5, "feed_max_bytes": 2_000_000})
    async with App(settings) as a:
        yield a


async def items_from(app: App, name: str) -> list[NewsItem]:
    async with app.uow() as uow:
        rows = await uow.session.scalars(select(NewsItem).where(NewsItem.created_by == f"feed:{name}")
                                         .order_by(NewsItem.id))
        return list(rows.all())


async def test_rss_entries_become_items_once(feed_app: App, server: FeedServer) -> None:
    # no publisher to attach: alerts are queued because [delivery] is enabled
    subscribed = await text_of(feed_app, "/subscribe alerts", chat_id="reader", lang="en")
    assert "Alerts: on" in subscribed
    rss = feed(server, "rss", name="Le Matin", topics=["governance", "unknown"], publish=True,
               keywords={"exclude": ["football"]})
    async with FeedPoller(feed_app, [rss]) as poller:
        first = await poller.poll(rss)
        # a duplicate guid, a sport story; an alert per item for the subscribed chat
        assert (first.created, first.skipped, first.error, first.alerts) == (2, 2, None, 2)
        items = await items_from(feed_app, "Le Matin")
        assert [i.title["fr"] for i in items] == ["Interpol : l’Assemblée générale s’ouvre à Marrakech",
                                                  "Cybercriminalité : appel à ratifier la Convention"]
        assert items[0].body["fr"] == "Les délégations de 196 pays sont réunies.\n\nDeuxième paragraphe & fin."
        assert items[1].body["fr"] == "INTERPOL appelle ses membres à ratifier."
        assert all(i.status == "published" and i.topics == ["governance"] for i in items)
        async with feed_app.uow() as uow:
            queued = (await uow.session.scalars(select(OutboxMessage).where(
                OutboxMessage.kind == "alert").order_by(OutboxMessage.id))).all()
        assert [m.item_id for m in queued] == [i.id for i in items]
        alert = plain_text(Reply.from_dict(queued[0].payload))
        assert "Interpol : l’Assemblée générale s’ouvre à Marrakech" in alert and "Le Matin" in alert
        text = await text_of(feed_app, f"/item {items[0].id}")
        assert "Le Matin" in text and "alert(" not in text
        assert f"#{items[1].id}" in await text_of(feed_app, "/search ratifier convention")

        # polled again (304 via ETag), then the same story re-posted under a new guid: no duplicates
        again = await poller.poll(rss)
        assert again.not_modified and again.created == 0 and server.conditional["rss"]
        reposted = feed(server, "reposted", name="Le Matin", publish=True, keywords={"exclude": ["football"]})
        third = await poller.poll(reposted)
        assert third.created == 0 and third.error is None
    assert len(await items_from(feed_app, "Le Matin")) == 2


async def test_atom_and_wrong_encoding_make_drafts(feed_app: App, server: FeedServer) -> None:
    atom = feed(server, "atom", language="en", keywords={"include": ["resolution", "committee"]})
    latin = feed(server, "latin1")
    async with FeedPoller(feed_app, [atom, latin]) as poller:
        outcomes = await poller.poll_due()
    assert [(o.feed, o.created, o.error) for o in outcomes] == [("atom", 2, None), ("latin1", 1, None)]
    atom_items = await items_from(feed_app, "atom")
    assert atom_items[0].title == {"en": "Resolution adopted on the UN Cybercrime Convention"}
    assert atom_items[0].status == "draft" and atom_items[0].published_at is None
    latin_items = await items_from(feed_app, "latin1")
    assert latin_items[0].title["fr"] == "Sécurité : la coopération policière renforcée à Marrakech"
    assert "Aucune nouvelle publiée" in await text_of(feed_app, f"/item {latin_items[0].id}")


@pytest.mark.parametrize(("path", "error"), [
    ("error", "HTTP 500"), ("hang", "timeout after 0.5 s"), ("huge", "larger than 2000000 bytes"),
    ("malformed", "malformed feed"),
])
async def test_failing_feeds_back_off_and_show_in_stats(feed_app: App, server: FeedServer,
                                                        path: str, error: str) -> None:
    bad = feed(server, path, name=f"Broken {path}")
    async with FeedPoller(feed_app, [bad]) as poller:
        first = await poller.poll(bad)
        second = await poller.poll(bad)
        assert await poller.poll_due() == []  # backing off: not due yet
    assert first.error and error in first.error and second.error
    async with feed_app.uow() as uow:
        state = (await uow.session.scalars(select(FeedState))).one()
    assert state.consecutive_failures == 2 and state.last_success_at is None
    polls = feed_app.metrics.registry.get_sample_value(
        "newsbot_feed_polls_total", {"feed": f"Broken {path}", "outcome": "failed"})
    assert polls == 2  # /metrics counts the polls and how they ended
    assert state.next_poll_at and state.last_error_at
    assert (state.next_poll_at - state.last_error_at).total_seconds() == 120  # 1 min, then 2 min
    stats = await text_of(feed_app, "/stats", user_id="local", lang="en")
    assert f"Broken {path}" in stats and "2 failures in a row" in stats and error in stats
    assert await items_from(feed_app, f"Broken {path}") == []


async def test_a_recovered_feed_resets_its_failures(feed_app: App, server: FeedServer) -> None:
    f = feed(server, "atom", name="flaky")
    flaky_down = FeedSection(name="flaky", url=f"{server.base}/error")
    async with FeedPoller(feed_app, [f]) as poller:
        await poller.poll(flaky_down)
        ok = await poller.poll(f)
    assert ok.created == 2
    stats = await text_of(feed_app, "/stats", user_id="local", lang="en")
    assert "flaky" in stats and "in a row" not in stats


async def test_only_one_replica_polls(feed_app: App, server: FeedServer) -> None:
    atom = feed(server, "atom")
    async with FeedPoller(feed_app, [atom]) as first, FeedPoller(feed_app, [atom]) as second:
        assert [o.created for o in await first.poll_due()] == [2]
        assert await second.poll_due() == []  # the first holds the feeds lease
    assert server.hits["atom"] == 1


async def test_the_component_polls_on_its_own_and_stops_cleanly(feed_app: App, server: FeedServer) -> None:
    from tests.telegram_harness import eventually

    poller = FeedPoller(feed_app, [feed(server, "atom")], tick=0.05)
    await poller.start()
    try:
        async def ingested() -> bool:
            return len(await items_from(feed_app, "atom")) == 2

        await eventually(ingested)
    finally:
        await poller.stop()
    async with feed_app.uow() as uow:
        assert await uow.leases.holder("feeds", dt.datetime.now(dt.UTC)) is None  # handed back
    assert server.hits["atom"] == 1  # not due again for interval_minutes


async def test_poll_feeds_command_reports_each_feed(db_url: str, server: FeedServer,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import _poll_feeds

    settings = desk_settings(db_url, editorial={"feed_timeout_seconds": 0.5})
    settings.feeds = [feed(server, "atom", name="INTERPOL"), feed(server, "error", name="Down")]
    assert await _poll_feeds(settings) == 1
    assert capsys.readouterr().out.splitlines() == ["INTERPOL: 2 new (drafts), 0 skipped",
                                                    "Down: error: HTTP 500"]


async def test_items_imported_from_another_database_are_not_ingested_twice(
        feed_app: App, server: FeedServer, tmp_path: object) -> None:
    from storage.transfer import export_content, import_content

    atom = feed(server, "atom", name="INTERPOL")
    async with FeedPoller(feed_app, [atom]) as poller:
        assert (await poller.poll(atom)).created == 2
    async with feed_app.uow() as uow:
        data = await export_content(uow.session)
    async with App(desk_settings(f"sqlite+aiosqlite:///{tmp_path}/other.db")) as other:
        async with other.uow() as uow:
            await import_content(uow.session, data)
        async with FeedPoller(other, [atom]) as poller:
            again = await poller.poll(atom)
        assert (again.created, again.skipped, again.error) == (0, 2, None)
        assert len(await items_from(other, "INTERPOL")) == 2


async def test_an_ingestion_failure_writes_nothing_and_backs_off(
        feed_app: App, server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.feeds

    real = bot.feeds.ingest

    async def half_then_fail(uow, app, feed_cfg, entries, now):  # type: ignore[no-untyped-def]
        await real(uow, app, feed_cfg, entries[:1], now)  # one item written in the transaction...
        raise RuntimeError("disk full")  # ...then a failure: the whole poll must roll back

    monkeypatch.setattr(bot.feeds, "ingest", half_then_fail)
    atom = feed(server, "atom")
    async with FeedPoller(feed_app, [atom]) as poller:
        outcome = await poller.poll(atom)
    assert outcome.error == "ingestion error: RuntimeError"
    assert await items_from(feed_app, "atom") == []
    assert "1 failure in a row" in await text_of(feed_app, "/stats", user_id="local", lang="en")


async def test_an_unexpected_error_in_one_feed_does_not_stop_the_others(
        feed_app: App, server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.feeds

    real = bot.feeds.fetch

    async def broken_for_rss(http, url, **kw):  # type: ignore[no-untyped-def]
        if url.endswith("/rss"):
            raise RuntimeError("a bug while reading this feed")
        return await real(http, url, **kw)

    monkeypatch.setattr(bot.feeds, "fetch", broken_for_rss)
    broken, atom = feed(server, "rss", name="Broken"), feed(server, "atom")
    async with FeedPoller(feed_app, [broken, atom]) as poller:
        outcomes = await poller.poll_due()  # one tick: both feeds are due
    assert [(o.feed, o.created, o.error) for o in outcomes] == [
        ("Broken", 0, "internal error: RuntimeError"), ("atom", 2, None)]
    assert len(await items_from(feed_app, "atom")) == 2
    stats = await text_of(feed_app, "/stats", user_id="local", lang="en")
    assert "Broken" in stats and "1 failure in a row" in stats
