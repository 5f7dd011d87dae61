"""The feed poller: a Component with its own asyncio loop that polls each ``[[feeds]]`` source.

A tick every few seconds asks which feeds are due (``feed_states.next_poll_at``, kept in the
database so restarts do not re-poll or forget backoff). A due feed is fetched with its ETag and
Last-Modified and parsed in a thread (a large document takes seconds of CPU: the event loop
keeps answering). Of the entries not taken before, at most ``max_entries_per_poll`` are taken,
newest first, in short transactions of ``BATCH_SIZE`` entries each, so other chats' commands
and the outbox worker write between them; the rest wait for the next polls (the document's
ETag is stored only once every entry is taken, so the next poll reads it again). New entries
become news items: drafts, or published through the desk's own path (a revision, then alerts).
A failing feed is retried with exponential backoff (1 min, 2, 4 … up to 6 h) and stays
visible in /stats; it is never disabled.

With several replicas on one database, only the holder of the "feeds" lease polls (the lease
table of the delivery layer); another replica takes over when the holder stops renewing it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import uuid
from dataclasses import dataclass

import aiohttp
from sqlalchemy import select

from bot.app import App
from bot.config import FeedSection
from bot.feed_fetch import Entry, FeedError, fetch, read_feed
from bot.platforms.base import cancel_and_wait
from handlers.fanout.publish import Actor, publish_item, record_change
from storage.db import is_sqlite
from storage.editorial import item_snapshot, refresh_search_doc, source_for
from storage.models import NewsItem
from storage.text import fold
from storage.uow import UnitOfWork

log = logging.getLogger("newsbot.feeds")

RETRY_BASE = dt.timedelta(minutes=1)
RETRY_MAX = dt.timedelta(hours=6)
LEASE_NAME = "feeds"
TITLE_MAX = 200
BODY_MAX = 8000
#: entries per transaction: each is short, so nothing waits long for the database
BATCH_SIZE = 25
#: on SQLite (one writer at a time), the pause after a batch is as long as the batch took, at
#: least this: a command waiting for the write lock retries every 100 ms at most (SQLite's busy
#: handler), so it always finds a free moment instead of starving behind back-to-back batches
MIN_BATCH_PAUSE = 0.1


@dataclass
class PollOutcome:
    feed: str
    created: int = 0
    skipped: int = 0
    not_modified: bool = False
    error: str | None = None
    #: the feed publishes (else its items wait as drafts)
    published: bool = False
    #: alerts enqueued for the items published (None: this process queues no alerts)
    alerts: int | None = None
    #: new entries beyond this poll's cap, taken by the next polls
    left: int = 0

    def report(self) -> str:
        """One line for the operator (``poll-feeds``)."""
        if self.error:
            return f"{self.feed}: error: {self.error}"
        if self.not_modified:
            return f"{self.feed}: not modified"
        kind = "drafts"
        if self.published:
            kind = "published" if self.alerts is None else f"published, {self.alerts} alerts queued"
        line = f"{self.feed}: {self.created} new ({kind}), {self.skipped} skipped"
        return line + (f", {self.left} left for the next polls" if self.left else "")


def backoff(failures: int) -> dt.timedelta:
    return min(RETRY_BASE * 2 ** max(failures - 1, 0), RETRY_MAX)


def keep(entry: Entry, feed: FeedSection) -> bool:
    """The feed's keyword rules: one include word (when any) and no exclude word."""
    text = fold(f"{entry.title} {entry.body}")
    if feed.keywords.include and not any(fold(w) in text for w in feed.keywords.include):
        return False
    return not any(fold(w) in text for w in feed.keywords.exclude)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def actor(feed: FeedSection) -> Actor:
    """A feed as the author of its items' revisions (``/history`` shows ``feed`` and its name)."""
    return Actor("feed", feed.name[:64], origin="feed")


async def ingest(uow: UnitOfWork, app: App, feed: FeedSection, entries: list[Entry],
                 now: dt.datetime) -> tuple[int, int, int | None]:
    """New entries -> items; (created, skipped, alerts enqueued or None when this process
    queues no alerts).
    Flushes; the caller's unit of work commits.

    An item is added as a draft and, for a ``publish`` feed, published through the same path
    as the desk's /publish (``handlers.fanout.publish.publish_item``): a revision, then alerts."""
    known_topics = {tp.key for tp in await uow.content.topics()}
    topics = [tp for tp in feed.topics if tp in known_topics]
    author = actor(feed)
    created = skipped = 0
    alerts = 0 if feed.publish and app.deps.alerts else None
    for entry in entries:
        digest = entry.content_hash
        key = f"feed-{digest[:40]}"
        if await uow.feeds.seen(feed.name, entry.guid, digest):
            skipped += 1
            continue
        existing = await uow.session.scalar(select(NewsItem.id).where(NewsItem.key == key))
        if existing is not None:  # imported from another database: known item, new memory
            await uow.feeds.remember(feed.name, entry.guid, digest, existing)
            skipped += 1
            continue
        if not keep(entry, feed):
            await uow.feeds.remember(feed.name, entry.guid, digest, None)
            skipped += 1
            continue
        uow.audit.batch = None  # each entry is a change of its own, like one desk command
        lang = feed.language
        item = NewsItem(
            key=key, status="draft", topics=topics, origin="feed",
            title={lang: _cut(entry.title, TITLE_MAX)}, body={lang: _cut(entry.body, BODY_MAX)},
            created_by=f"feed:{feed.name}"[:100],
        )
        item.source_id = (await source_for(uow.session, feed.name, entry.link)).id
        refresh_search_doc(item)
        await uow.items.add(item)
        await uow.feeds.remember(feed.name, entry.guid, digest, item.id)
        await record_change(uow, author, "item.add", f"item:{item.id}", after=item_snapshot(item),
                            language=lang, at=now)
        if feed.publish:
            sent = await publish_item(uow, app.deps.fanout, item, author, at=now)
            if alerts is not None and sent is not None:
                alerts += sent.queued
        created += 1
    return created, skipped, alerts


class FeedPoller:
    """Polls the configured feeds on their intervals until stopped."""

    name = "feeds"

    def __init__(self, app: App, feeds: list[FeedSection] | None = None, *, tick: float = 15.0) -> None:
        self.app = app
        self.feeds = list(app.settings.feeds if feeds is None else feeds)
        self.tick = tick
        self._http: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None
        self.owner = f"feeds-{uuid.uuid4().hex[:12]}"
        #: the lease outlives a few missed ticks, so a slow poll does not hand it over
        self.lease_seconds = max(60.0, tick * 4)
        self._sqlite = is_sqlite(app.settings.database.url)

    async def __aenter__(self) -> FeedPoller:
        self._http = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def start(self) -> None:
        await self.__aenter__()
        self._task = asyncio.create_task(self._run(), name="feed-poller")

    async def stop(self) -> None:
        if self._task is not None:
            await cancel_and_wait(self._task)
            self._task = None
            async with self.app.uow() as uow:
                await uow.leases.release(LEASE_NAME, self.owner)
        await self.__aexit__()

    async def _run(self) -> None:
        while True:
            try:
                await self.poll_due()
            except Exception:  # one bad tick must not end polling
                log.exception("feed tick failed")
            await asyncio.sleep(self.tick)

    async def poll_due(self) -> list[PollOutcome]:
        """Poll the feeds whose time has come, if this process holds the feeds lease."""
        now = self.app.deps.clock()
        due = []
        async with self.app.uow() as uow:
            if not await uow.leases.acquire(LEASE_NAME, self.owner, now, self.lease_seconds):
                return []
            for feed in self.feeds:
                state = await uow.feeds.state(feed.name, feed.url)
                if state.next_poll_at is None or state.next_poll_at <= now:
                    due.append(feed)
        return [await self.poll(feed) for feed in due]

    async def _failed(self, feed: FeedSection, outcome: PollOutcome, error: str) -> PollOutcome:
        outcome.error = error
        async with self.app.uow() as uow:
            state = await uow.feeds.state(feed.name, feed.url)
            delay = backoff(state.consecutive_failures + 1)
            await uow.feeds.record_failure(state, self.app.deps.clock(), error, delay)
        log.warning("feed failed", extra={"feed": feed.name, "error": error})
        return outcome

    async def poll(self, feed: FeedSection) -> PollOutcome:
        """Fetch, parse and ingest one feed, recording success or failure in its state row.

        Never raises (cancellation aside): whatever goes wrong is this feed's outcome, recorded
        with its backoff, so one failing feed never stops the others of the same tick."""
        assert self._http is not None, "use the poller as a context manager or start() it"
        outcome = await self._poll_safely(feed)
        result = ("failed" if outcome.error else "not_modified" if outcome.not_modified
                  else "ok")
        self.app.metrics.feed_polls.labels(feed.name, result).inc()
        return outcome

    async def _poll_safely(self, feed: FeedSection) -> PollOutcome:
        assert self._http is not None
        try:
            return await self._poll(feed)
        except Exception as exc:
            log.exception("feed poll failed", extra={"feed": feed.name})
            outcome, error = PollOutcome(feed.name), f"internal error: {type(exc).__name__}"
            try:
                return await self._failed(feed, outcome, error)
            except Exception:
                log.exception("feed failure not recorded", extra={"feed": feed.name})
                outcome.error = error
                return outcome

    async def _poll(self, feed: FeedSection) -> PollOutcome:
        assert self._http is not None
        cfg = self.app.settings.editorial
        outcome = PollOutcome(feed.name, published=feed.publish)
        async with self.app.uow() as uow:
            state = await uow.feeds.state(feed.name, feed.url)
            etag, modified = state.etag, state.last_modified
        try:
            fetched = await fetch(self._http, feed.url, etag=etag, last_modified=modified,
                                  time_limit=cfg.feed_timeout_seconds, max_bytes=cfg.feed_max_bytes)
            entries, repeats = (await asyncio.to_thread(read_feed, fetched)
                                if fetched.status == 200 else ([], 0))
        except FeedError as exc:
            return await self._failed(feed, outcome, str(exc))
        outcome.not_modified = fetched.status == 304
        now = self.app.deps.clock()
        try:
            async with self.app.uow() as uow:  # one read: which entries were taken before
                guids, hashes = await uow.feeds.known(
                    feed.name, [e.guid for e in entries], [e.content_hash for e in entries])
            new = [e for e in entries if e.guid not in guids and e.content_hash not in hashes]
            take = new[:feed.max_entries_per_poll]
            outcome.skipped = repeats + len(entries) - len(new)
            outcome.left = len(new) - len(take)
            took = 0.0
            for i in range(0, len(take), BATCH_SIZE):
                if i and self._sqlite:
                    await asyncio.sleep(max(MIN_BATCH_PAUSE, took))
                started = time.monotonic()
                async with self.app.uow() as uow:
                    created, skipped, alerts = await ingest(uow, self.app, feed,
                                                            take[i:i + BATCH_SIZE], now)
                    state = await uow.feeds.state(feed.name, feed.url)
                    state.items_created = (state.items_created or 0) + created
                took = time.monotonic() - started
                outcome.created += created
                outcome.skipped += skipped
                if alerts is not None:
                    outcome.alerts = (outcome.alerts or 0) + alerts
            if outcome.alerts is None and feed.publish and self.app.deps.alerts:
                outcome.alerts = 0
            async with self.app.uow() as uow:
                state = await uow.feeds.state(feed.name, feed.url)
                # entries left: keep the validators of the last document read whole, so the
                # next poll fetches this one again instead of a 304
                done = outcome.left == 0
                await uow.feeds.record_success(
                    state, now, dt.timedelta(minutes=feed.interval_minutes),
                    fetched.etag if done else None, fetched.last_modified if done else None)
        except Exception as exc:  # this batch wrote nothing (those before it stand); back off
            log.exception("feed ingestion failed", extra={"feed": feed.name})
            return await self._failed(feed, outcome, f"ingestion error: {type(exc).__name__}")
        log.info("feed polled", extra={"feed": feed.name, "new": outcome.created,
                                       "skipped": outcome.skipped, "left": outcome.left,
                                       "not_modified": outcome.not_modified})
        return outcome


async def poll_once(app: App) -> list[PollOutcome]:
    """Every configured feed, now, whatever its schedule (``python -m bot poll-feeds``)."""
    async with FeedPoller(app) as poller:
        return [await poller.poll(feed) for feed in poller.feeds]
