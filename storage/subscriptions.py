"""Subscriptions: who wants digests and alerts, when, on which topics."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager

from storage.localtime import next_occurrence
from storage.models import Chat, Subscription
from storage.outbox import is_postgres


class SubscriptionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def for_chat(self, chat_id: int) -> Subscription | None:
        stmt = select(Subscription).where(Subscription.chat_id == chat_id)
        return (await self.session.scalars(stmt)).first()

    async def get_or_create(self, chat: Chat, now: dt.datetime) -> Subscription:
        sub = await self.for_chat(chat.id)
        if sub is None:
            sub = Subscription(chat_id=chat.id, chat=chat, digest=False, alerts=False,
                               digest_time="08:00", digest_topics=[], alerts_topics=[],
                               created_at=now, updated_at=now)
            self.session.add(sub)
            await self.session.flush()
        return sub

    async def reschedule(self, sub: Subscription, tz: str, now: dt.datetime) -> None:
        """Recompute the next digest instant after a change of time, zone or subscription."""
        sub.next_digest_at = next_occurrence(sub.digest_time, tz, now) if sub.digest else None
        await self.session.flush()

    async def due_digests(self, now: dt.datetime, limit: int) -> Sequence[Subscription]:
        """Digest subscriptions of active chats whose next digest instant has passed.

        On PostgreSQL the rows are locked with SKIP LOCKED, so two schedulers ticking at
        once split the work instead of waiting on each other (the outbox's unique key
        would stop a double anyway).
        """
        stmt = (
            select(Subscription)
            .join(Subscription.chat)
            .options(contains_eager(Subscription.chat))
            .where(Subscription.digest.is_(True), Subscription.next_digest_at <= now,
                   Chat.active.is_(True))
            .order_by(Subscription.next_digest_at, Subscription.id)
            .limit(limit)
        )
        if is_postgres(self.session):
            stmt = stmt.with_for_update(of=Subscription, skip_locked=True)
        return (await self.session.scalars(stmt)).unique().all()

    async def alert_targets(self, topics: Sequence[str]) -> list[Subscription]:
        """Active chats with alerts on whose alert topics (none = all) meet the item's topics
        (the digest's topics play no part)."""
        stmt = (
            select(Subscription)
            .join(Subscription.chat)
            .options(contains_eager(Subscription.chat))
            .where(Subscription.alerts.is_(True), Chat.active.is_(True))
            .order_by(Subscription.id)
        )
        subs = (await self.session.scalars(stmt)).unique().all()
        wanted = set(topics)
        return [s for s in subs if not s.alerts_topics or wanted.intersection(s.alerts_topics)]

    async def counts(self) -> dict[str, int]:
        subs = (await self.session.execute(
            select(Subscription.digest, Subscription.alerts)
        )).all()
        return {"digest": sum(1 for d, _ in subs if d), "alerts": sum(1 for _, a in subs if a)}
