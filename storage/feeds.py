"""Feed state and seen entries: what the poller remembers between polls (and restarts).

``feed_states`` keeps, per configured feed name, the HTTP validators (ETag, Last-Modified) and
its health (last success, last error, consecutive failures, next poll) that /stats shows.
``feed_entries`` remembers every entry taken, by guid (per feed) and by a content hash of its
normalised title and link, so a re-posted entry or one whose guid changed is not a duplicate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, utcnow


class FeedState(Base):
    __tablename__ = "feed_states"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    url: Mapped[str] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    last_polled_at: Mapped[dt.datetime | None]
    last_success_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[dt.datetime | None]
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    next_poll_at: Mapped[dt.datetime | None]
    items_created: Mapped[int] = mapped_column(Integer, default=0)


class FeedEntry(Base):
    __tablename__ = "feed_entries"
    __table_args__ = (UniqueConstraint("feed_name", "guid"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    feed_name: Mapped[str] = mapped_column(String(100))
    guid: Mapped[str] = mapped_column(String(500))
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("news_items.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class FeedRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def state(self, name: str, url: str) -> FeedState:
        """The feed's state row, created on first poll; a changed URL drops the old validators."""
        row = (await self.session.scalars(select(FeedState).where(FeedState.name == name))).first()
        if row is None:
            row = FeedState(name=name, url=url, consecutive_failures=0, items_created=0)
            self.session.add(row)
            await self.session.flush()
        elif row.url != url:
            row.url, row.etag, row.last_modified = url, None, None
        return row

    async def states(self) -> Sequence[FeedState]:
        return (await self.session.scalars(select(FeedState).order_by(FeedState.name))).all()

    async def seen(self, feed_name: str, guid: str, content_hash: str) -> bool:
        stmt = select(FeedEntry.id).where(or_(
            (FeedEntry.feed_name == feed_name) & (FeedEntry.guid == guid),
            FeedEntry.content_hash == content_hash,
        )).limit(1)
        return (await self.session.scalar(stmt)) is not None

    async def known(self, feed_name: str, guids: Sequence[str], hashes: Sequence[str],
                    chunk: int = 500) -> tuple[set[str], set[str]]:
        """Of these guids (this feed's) and content hashes (any feed's), those already taken;
        a few bounded queries instead of one per entry."""
        known_guids: set[str] = set()
        known_hashes: set[str] = set()
        for i in range(0, len(guids), chunk):
            part = [g[:500] for g in guids[i:i + chunk]]
            known_guids.update((await self.session.scalars(select(FeedEntry.guid).where(
                FeedEntry.feed_name == feed_name, FeedEntry.guid.in_(part)))).all())
        for i in range(0, len(hashes), chunk):
            part = list(hashes[i:i + chunk])
            known_hashes.update((await self.session.scalars(select(FeedEntry.content_hash).where(
                FeedEntry.content_hash.in_(part)))).all())
        return known_guids, known_hashes

    async def remember(self, feed_name: str, guid: str, content_hash: str, item_id: int | None) -> None:
        self.session.add(FeedEntry(feed_name=feed_name, guid=guid[:500], content_hash=content_hash,
                                   item_id=item_id))
        await self.session.flush()

    async def record_success(self, state: FeedState, now: dt.datetime, interval: dt.timedelta,
                             etag: str | None, last_modified: str | None) -> None:
        state.last_polled_at = state.last_success_at = now
        state.consecutive_failures = 0
        state.next_poll_at = now + interval
        if etag is not None:
            state.etag = etag
        if last_modified is not None:
            state.last_modified = last_modified
        await self.session.flush()

    async def record_failure(self, state: FeedState, now: dt.datetime, error: str,
                             delay: dt.timedelta) -> None:
        state.last_polled_at = state.last_error_at = now
        state.last_error = error[:500]
        state.consecutive_failures = (state.consecutive_failures or 0) + 1
        state.next_poll_at = now + delay
        await self.session.flush()
