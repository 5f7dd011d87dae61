"""Repositories: query and change rows, flush, never commit (the unit of work commits)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import revisions
from storage.models import (
    Admin,
    AgendaSession,
    AuditEntry,
    Chat,
    Event,
    Fact,
    NewsItem,
    Participant,
    Resolution,
    Source,
    Topic,
    utcnow,
)
from storage.search import search_items

PUBLISHED = "published"


class ContentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def event(self) -> Event | None:
        """The first event stored (by id): the one event of a single-event bot."""
        return (await self.session.scalars(select(Event).order_by(Event.id).limit(1))).first()

    async def events(self) -> Sequence[Event]:
        """Every event, the earliest first."""
        stmt = select(Event).order_by(Event.starts_on, Event.id)
        return (await self.session.scalars(stmt)).all()

    async def event_by_key(self, key: str) -> Event | None:
        return (await self.session.scalars(select(Event).where(Event.key == key))).first()

    async def event_by_id(self, event_id: int) -> Event | None:
        return await self.session.get(Event, event_id)

    async def facts(self, event_id: int | None = None) -> Sequence[Fact]:
        """The facts of ``event_id`` (and those of no event); None: every fact."""
        stmt = select(Fact).where(*_of_event(Fact, event_id)).order_by(Fact.position, Fact.id)
        return (await self.session.scalars(stmt)).all()

    async def topics(self) -> Sequence[Topic]:
        return (await self.session.scalars(select(Topic).order_by(Topic.id))).all()

    async def sources(self) -> Sequence[Source]:
        return (await self.session.scalars(select(Source).order_by(Source.id))).all()

    async def source_by_key(self, key: str) -> Source | None:
        return (await self.session.scalars(select(Source).where(Source.key == key))).first()

    async def agenda(self, event_id: int | None = None) -> Sequence[AgendaSession]:
        """The sessions of ``event_id`` (and those of no event); None: every session. Dated
        first, by day, start, then position; undated last."""
        stmt = select(AgendaSession).where(*_of_event(AgendaSession, event_id)).order_by(
            AgendaSession.day.is_(None), AgendaSession.day, AgendaSession.starts_at.is_(None),
            AgendaSession.starts_at, AgendaSession.position, AgendaSession.id
        )
        return (await self.session.scalars(stmt)).all()

    async def participants(self, event_id: int | None = None) -> Sequence[Participant]:
        stmt = (select(Participant).where(*_of_event(Participant, event_id))
                .order_by(Participant.position, Participant.id))
        return (await self.session.scalars(stmt)).all()

    async def resolution(self, event_id: int | None = None) -> Resolution | None:
        stmt = (select(Resolution).where(*_of_event(Resolution, event_id))
                .order_by(Resolution.id))
        return (await self.session.scalars(stmt)).first()


def _of_event(model: Any, event_id: int | None) -> tuple[Any, ...]:
    """The WHERE clause of "rows of this event": its own rows and those of no event (they
    belong to every event); nothing when ``event_id`` is None (every row)."""
    if event_id is None:
        return ()
    return (or_(model.event_id == event_id, model.event_id.is_(None)),)


class ItemRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, item_id: int) -> NewsItem | None:
        return await self.session.get(NewsItem, item_id)

    async def get_published(self, item_id: int) -> NewsItem | None:
        item = await self.get(item_id)
        if item is None or item.status != PUBLISHED or item.deleted_at is not None:
            return None
        return item

    async def latest(self, limit: int, offset: int = 0, *,
                     event_id: int | None = None) -> Sequence[NewsItem]:
        """The latest published items (of ``event_id`` and of no event, when given)."""
        stmt = (
            select(NewsItem)
            .where(NewsItem.status == PUBLISHED, NewsItem.deleted_at.is_(None),
                   *_of_event(NewsItem, event_id))
            .order_by(NewsItem.published_at.desc(), NewsItem.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return (await self.session.scalars(stmt)).all()

    async def count_published(self, at_most: int | None = None, *,
                              event_id: int | None = None) -> int:
        """How many items are published; with ``at_most``, counting stops there (a bounded
        count reads a few index entries instead of every row: /news on 100,000 items); with
        ``event_id``, the items of that event and of no event."""
        where = (NewsItem.status == PUBLISHED, NewsItem.deleted_at.is_(None),
                 *_of_event(NewsItem, event_id))
        if at_most is None:
            return int(await self.session.scalar(select(func.count()).where(*where)) or 0)
        first = (
            select(NewsItem.id).where(*where)
            .order_by(NewsItem.published_at.desc()).limit(at_most).subquery()
        )
        return int(await self.session.scalar(select(func.count()).select_from(first)) or 0)

    async def published_between(
        self, start: dt.datetime, end: dt.datetime, topics: Sequence[str] = (), *,
        event_id: int | None = None,
    ) -> list[NewsItem]:
        stmt = (
            select(NewsItem)
            .where(
                *_of_event(NewsItem, event_id),
                NewsItem.status == PUBLISHED,
                NewsItem.deleted_at.is_(None),
                NewsItem.published_at > start,
                NewsItem.published_at <= end,
            )
            .order_by(NewsItem.published_at, NewsItem.id)
        )
        items = list((await self.session.scalars(stmt)).all())
        if topics:
            wanted = set(topics)
            items = [i for i in items if wanted.intersection(i.topics or [])]
        return items

    async def search(
        self, query: str, limit: int, offset: int = 0, *, lang: str | None = None,
        event_id: int | None = None,
    ) -> tuple[list[NewsItem], int]:
        """Matching published items, best first (``lang``: the reader's, for ranking; with
        ``event_id``, the items of that event and of no event)."""
        ids, total = await search_items(self.session, query, limit, offset, lang=lang,
                                        event_id=event_id)
        if not ids:
            return [], total
        rows = (await self.session.scalars(select(NewsItem).where(NewsItem.id.in_(ids)))).all()
        by_id = {r.id: r for r in rows}
        return [by_id[i] for i in ids if i in by_id], total

    async def add(self, item: NewsItem) -> NewsItem:
        self.session.add(item)
        await self.session.flush()
        return item


class ChatRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def find(self, platform: str, platform_chat_id: str) -> Chat | None:
        stmt = select(Chat).where(
            Chat.platform == platform, Chat.platform_chat_id == platform_chat_id
        )
        return (await self.session.scalars(stmt)).first()

    async def get(self, chat_id: int) -> Chat | None:
        return await self.session.get(Chat, chat_id)

    async def of_platform(self, platform: str) -> Sequence[Chat]:
        """Every chat of one platform, active or not (configured targets are few)."""
        stmt = select(Chat).where(Chat.platform == platform).order_by(Chat.id)
        return (await self.session.scalars(stmt)).all()

    async def touch(
        self,
        platform: str,
        platform_chat_id: str,
        *,
        kind: str,
        title: str | None,
        now: dt.datetime | None = None,
    ) -> Chat:
        """The chat, created on first contact; a chat that talks to us again is active again."""
        now = now or utcnow()
        chat = await self.find(platform, platform_chat_id)
        if chat is None:
            chat = Chat(
                platform=platform,
                platform_chat_id=platform_chat_id,
                kind=kind,
                title=title,
                last_seen_at=now,
            )
            self.session.add(chat)
            await self.session.flush()
            return chat
        if not chat.active:
            chat.active = True
            chat.inactive_reason = None
        if chat.kind != kind:
            chat.kind = kind
        if title and chat.title != title:
            chat.title = title
        if chat.last_seen_at is None or now - chat.last_seen_at > dt.timedelta(minutes=10):
            chat.last_seen_at = now
        await self.session.flush()
        return chat

    async def deactivate(self, chat: Chat, reason: str) -> None:
        chat.active = False
        chat.inactive_reason = reason
        await self.session.flush()

    async def migrate(self, chat: Chat, new_platform_chat_id: str) -> Chat:
        """A Telegram group became a supergroup: keep the chat (and its settings) under its new id."""
        existing = await self.find(chat.platform, new_platform_chat_id)
        if existing is not None and existing.id != chat.id:
            await self.session.delete(existing)
            await self.session.flush()
        chat.platform_chat_id = new_platform_chat_id
        chat.kind = "supergroup" if chat.platform == "telegram" else chat.kind
        await self.session.flush()
        return chat


class AdminRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def is_admin(self, platform: str, user_id: str) -> bool:
        stmt = select(Admin.id).where(Admin.platform == platform, Admin.user_id == user_id)
        return (await self.session.scalar(stmt)) is not None

    async def list(self) -> Sequence[Admin]:
        return (await self.session.scalars(select(Admin).order_by(Admin.id))).all()


class AuditRepository:
    """Revisions of one unit of work share a batch: /undo takes a command back whole."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.batch: int | None = None

    async def record(
        self,
        *,
        platform: str,
        user_id: str,
        action: str,
        target: str | None = None,
        before: dict[str, object] | None = None,
        after: dict[str, object] | None = None,
        **revision: Any,
    ) -> AuditEntry:
        """One revision (see storage.revisions): only the fields that changed are kept."""
        entry = await revisions.record(self.session, platform=platform, user_id=user_id,
                                       action=action, target=target, before=before, after=after,
                                       batch=self.batch, **revision)
        self.batch = entry.batch
        return entry

    async def latest(self, limit: int) -> Sequence[AuditEntry]:
        stmt = (select(AuditEntry).where(AuditEntry.action != "item.preview")
                .order_by(AuditEntry.id.desc()).limit(limit))
        return (await self.session.scalars(stmt)).all()
