"""The outbox: messages to deliver, claimed under a lease, each enqueued once by its key.

Exactly-once enqueue (``enqueue_many``, the one way in): ``dedupe_key`` is unique and inserts
are insert-or-ignore, so a restart, a second scheduler or a replayed publish cannot create a
second row. Claims set a lease (owner, until); a row whose lease has expired (its worker died)
is claimable again. On PostgreSQL the claim locks candidate rows with SKIP LOCKED so concurrent
workers never take the same row; on SQLite the single conditional UPDATE is atomic (one writer
at a time).

Row states: pending (to send, maybe leased) -> sent | dead (with ``last_error``).
``uncertain`` counts a row's sends that got no answer after the request had left: they may
have been delivered (the worker retries such a row a bounded number of times).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, Text, and_, bindparam, cast, delete, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from storage.models import Chat, DeliveryMark, DeliveryPause, Lease, NewsItem, OutboxMessage

PENDING, SENT, DEAD = "pending", "sent", "dead"
#: last_error of a message not sent because its news item was deleted (undo sends it after all)
WITHDRAWN = "withdrawn: item deleted"
#: how last_error starts for a send that got no answer after the request left
UNCERTAIN = "uncertain"
#: rows per INSERT of ``OutboxRepository.enqueue_many``
ENQUEUE_BATCH = 1000


def is_postgres(session: AsyncSession) -> bool:
    bind = session.bind
    return bind is not None and bind.dialect.name == "postgresql"


@dataclass(frozen=True)
class NewMessage:
    dedupe_key: str
    chat_id: int
    kind: str
    payload: dict[str, Any]
    item_id: int | None = None
    next_attempt_at: dt.datetime | None = None
    #: the forum topic to post in (Telegram message_thread_id), None for the chat itself
    thread_id: str | None = None
    #: the programme session a reminder or change notice is about
    session_id: int | None = None


@dataclass(frozen=True)
class Claimed:
    """A claimed row with what the worker needs about its chat.

    The payload comes as its JSON text: a digest is the same text for thousands of rows, so
    the worker decodes it once per distinct text (see ``bot/delivery.py``), not once per row.
    """

    id: int
    dedupe_key: str
    chat_id: int
    kind: str
    payload_json: str
    attempts: int
    last_error: str | None
    platform: str
    platform_chat_id: str
    chat_kind: str
    platform_message_ids: list[str]
    #: the news item this message carries (alerts, corrections), None for digests and others
    item_id: int | None = None
    #: the forum topic it goes into, None for the chat itself
    thread_id: str | None = None
    #: earlier sends that got no answer after the request left: they may have been delivered
    uncertain: int = 0

    @property
    def payload(self) -> dict[str, Any]:
        decoded: dict[str, Any] = json.loads(self.payload_json)
        return decoded


class OutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enqueue_many(self, messages: Iterable[NewMessage], now: dt.datetime, *,
                           batch_size: int = ENQUEUE_BATCH) -> set[str]:
        """Insert the rows whose key is new, ``batch_size`` at a time; returns the keys inserted.

        The one way rows enter the outbox (alerts, digests, corrections, broadcasts, owner
        reports): insert-or-ignore on ``dedupe_key``, so a replay inserts nothing and says so.
        ``next_attempt_at`` defaults to ``now``."""
        insert = pg_insert if is_postgres(self.session) else sqlite_insert
        # one cached statement, many parameter sets ("insertmanyvalues" batches them further)
        stmt = insert(OutboxMessage).on_conflict_do_nothing(
            index_elements=["dedupe_key"]).returning(OutboxMessage.dedupe_key)
        inserted: set[str] = set()
        batch: list[dict[str, Any]] = []
        for m in messages:
            batch.append(
                {"dedupe_key": m.dedupe_key, "chat_id": m.chat_id, "kind": m.kind,
                 "item_id": m.item_id, "payload": m.payload, "status": PENDING, "attempts": 0,
                 "next_attempt_at": m.next_attempt_at or now, "platform_message_ids": [],
                 "thread_id": m.thread_id, "session_id": m.session_id, "created_at": now})
            if len(batch) >= batch_size:
                inserted |= {r[0] for r in (await self.session.execute(stmt, batch)).all()}
                batch = []
        if batch:
            inserted |= {r[0] for r in (await self.session.execute(stmt, batch)).all()}
        return inserted

    async def claim(self, owner: str, now: dt.datetime, lease_seconds: float, limit: int,
                    platforms: Sequence[str]) -> list[Claimed]:
        """Lease up to ``limit`` due rows for chats on ``platforms``, oldest due first;
        none of a chat or platform paused by a 429 (``pause``)."""
        due = (
            select(OutboxMessage.id)
            .join(Chat, Chat.id == OutboxMessage.chat_id)
            .where(
                OutboxMessage.status == PENDING,
                OutboxMessage.next_attempt_at <= now,
                or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
                Chat.platform.in_(list(platforms)),
                Chat.active.is_(True),
                ~exists().where(  # a 429 paused the chat, or the whole platform
                    DeliveryPause.until > now,
                    or_(DeliveryPause.chat_id == OutboxMessage.chat_id,
                        and_(DeliveryPause.chat_id.is_(None),
                             DeliveryPause.platform == Chat.platform))),
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
        if is_postgres(self.session):
            due = due.with_for_update(of=OutboxMessage, skip_locked=True)
        stmt = (
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(due.scalar_subquery()))
            .values(lease_owner=owner, lease_until=now + dt.timedelta(seconds=lease_seconds))
            .returning(OutboxMessage.id)
        )
        ids = [r[0] for r in (await self.session.execute(stmt)).all()]
        if not ids:
            return []
        m, c = OutboxMessage, Chat
        # plain columns, not ORM objects: this runs for every message the bot sends
        rows = (await self.session.execute(
            select(m.id, m.dedupe_key, m.chat_id, m.kind, cast(m.payload, Text), m.attempts,
                   m.last_error, c.platform, c.platform_chat_id, c.kind, m.platform_message_ids,
                   m.item_id, m.thread_id, m.uncertain)
            .join(c, c.id == m.chat_id)
            .where(m.id.in_(ids))
            .order_by(m.next_attempt_at, m.id)
        )).all()
        return [Claimed(*row[:10], list(row[10] or []), row[11], row[12], row[13]) for row in rows]

    async def _set(self, row_id: int, owner: str | None, **values: Any) -> bool:
        """Change a row the caller still leases (a lost lease means another worker owns it)."""
        cond = [OutboxMessage.id == row_id]
        if owner is not None:
            cond.append(OutboxMessage.lease_owner == owner)
        result = await self.session.execute(
            update(OutboxMessage).where(and_(*cond)).values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    async def mark_sent(self, row_id: int, owner: str | None, message_ids: list[str],
                        now: dt.datetime) -> bool:
        return await self._set(row_id, owner, status=SENT, sent_at=now, lease_until=None,
                               platform_message_ids=message_ids, last_error=None)

    async def mark_sent_many(self, owner: str | None, sent: Sequence[tuple[int, list[str]]],
                             now: dt.datetime) -> None:
        """Many sends in one executemany (the worker's hot path). A message the platform
        accepted is recorded whoever leases its row now (a sender deposed while its send
        was in flight records it, so nobody sends it again), unless it is recorded already;
        ``lease_owner`` says who sent it."""
        if not sent:
            return
        t: Table = OutboxMessage.__table__  # type: ignore[assignment]
        values: dict[str, Any] = {"status": SENT, "sent_at": now, "lease_until": None,
                                  "last_error": None, "platform_message_ids": bindparam(
                                      "b_ids", type_=t.c.platform_message_ids.type)}
        if owner is not None:
            values["lease_owner"] = owner
        stmt = update(t).where(t.c.id == bindparam("b_id"), t.c.status == PENDING).values(**values)
        await self.session.execute(stmt, [{"b_id": rid, "b_ids": ids} for rid, ids in sent])

    async def save_progress(self, row_id: int, owner: str | None, message_ids: list[str]) -> bool:
        """Parts already delivered of a split message, so a retry resumes after them."""
        return await self._set(row_id, owner, platform_message_ids=message_ids)

    async def retry(self, row_id: int, owner: str | None, *, at: dt.datetime, error: str,
                    count_attempt: bool = True, uncertain: bool = False) -> bool:
        """Send again at ``at``; ``uncertain``: this send may have been delivered."""
        values: dict[str, Any] = {"next_attempt_at": at, "lease_until": None,
                                  "lease_owner": None, "last_error": error[:500]}
        if count_attempt:
            values["attempts"] = OutboxMessage.attempts + 1
        if uncertain:
            values["uncertain"] = OutboxMessage.uncertain + 1
        return await self._set(row_id, owner, **values)

    async def dead(self, row_id: int, owner: str | None, error: str, *, attempted: bool = True,
                   uncertain: bool = False) -> bool:
        values: dict[str, Any] = {"status": DEAD, "lease_until": None, "last_error": error[:500]}
        if attempted:
            values["attempts"] = OutboxMessage.attempts + 1
        if uncertain:
            values["uncertain"] = OutboxMessage.uncertain + 1
        return await self._set(row_id, owner, **values)

    async def retime_held_alerts(self, chat_id: int, now: dt.datetime,
                                 until: dt.datetime | None) -> int:
        """The chat's alerts held by quiet hours become due at ``until`` (``now`` when None:
        quiet hours are off, or no longer cover this moment); returns how many.

        Held means: an alert never tried (no attempt, no error) that is due later and that
        no worker holds; the only thing that schedules such an alert later than its enqueue
        is quiet hours (retries and rate limits leave an error on the row).
        """
        m = OutboxMessage
        result = await self.session.execute(
            update(m)
            .where(m.chat_id == chat_id, m.kind == "alert", m.status == PENDING,
                   m.next_attempt_at > now, m.attempts == 0, m.last_error.is_(None),
                   or_(m.lease_owner.is_(None), m.lease_until < now))
            .values(next_attempt_at=until or now)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def drop_for_chat(self, chat_id: int, reason: str, now: dt.datetime | None = None) -> None:
        """Dead-letter a chat's pending rows nobody holds (it became unreachable): unleased,
        or, given ``now``, whose lease has expired."""
        free: ColumnElement[bool] = OutboxMessage.lease_owner.is_(None)
        if now is not None:
            free = or_(free, OutboxMessage.lease_until < now)
        await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.chat_id == chat_id, OutboxMessage.status == PENDING, free)
            .values(status=DEAD, last_error=reason[:500])
            .execution_options(synchronize_session=False)
        )

    async def release_others(self, owner: str, until: dt.datetime, *, dead: str | None = None,
                             now: dt.datetime | None = None) -> None:
        """The sender lease changed hands: rows another worker leases become claimable at
        ``until`` at the latest. They stay that worker's until then, so if it is alive
        (paused, slow) it records the sends it had in flight and gives back the others.
        Rows of owners known dead (``dead``: this process's own earlier run, bot/instance.py)
        are claimable at ``now``: nobody will record them."""
        if dead and now is not None:
            await self.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status == PENDING, OutboxMessage.lease_owner != owner,
                       OutboxMessage.lease_owner.startswith(dead, autoescape=True))
                .values(lease_until=now)
                .execution_options(synchronize_session=False))
        await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == PENDING, OutboxMessage.lease_owner.is_not(None),
                   OutboxMessage.lease_owner != owner,
                   or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until > until))
            .values(lease_until=until)
            .execution_options(synchronize_session=False)
        )

    async def not_held(self, ids: Sequence[int], owner: str) -> set[int]:
        """Which of these rows are no longer this worker's to send (recorded by another
        sender, withdrawn, or leased to another)."""
        if not ids:
            return set()
        still = await self.session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.id.in_(list(ids)),
                                           OutboxMessage.status == PENDING,
                                           OutboxMessage.lease_owner == owner))
        return set(ids) - set(still.all())

    async def deleted_items(self, item_ids: Sequence[int]) -> set[int]:
        """Which of these news items were deleted (their messages must not go out)."""
        if not item_ids:
            return set()
        found = await self.session.scalars(
            select(NewsItem.id).where(NewsItem.id.in_(list(item_ids)),
                                      NewsItem.deleted_at.is_not(None)))
        return set(found.all())

    async def withdraw(self, ids: Sequence[int], owner: str) -> None:
        """Leased rows whose item was deleted after the claim: dead, not sent (see
        ``storage.editorial.withdraw_pending`` for the rows nobody held)."""
        if ids:
            await self.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(list(ids)), OutboxMessage.lease_owner == owner,
                       OutboxMessage.status == PENDING)
                .values(status=DEAD, last_error=WITHDRAWN, lease_owner=None, lease_until=None)
                .execution_options(synchronize_session=False)
            )

    async def release(self, ids: Sequence[int], owner: str) -> None:
        """Give back leased rows that were not started (clean stop)."""
        if ids:
            await self.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(list(ids)), OutboxMessage.lease_owner == owner,
                       OutboxMessage.status == PENDING)
                .values(lease_until=None, lease_owner=None)
                .execution_options(synchronize_session=False)
            )

    async def pause(self, platform: str, chat_id: int | None, until: dt.datetime,
                    now: dt.datetime) -> None:
        """Nothing is claimed for this chat (``chat_id``) or this whole platform (None)
        before ``until`` (a later pause of the same scope wins). Expired pauses go."""
        scope = f"chat:{chat_id}" if chat_id is not None else f"platform:{platform}"
        await self.session.execute(delete(DeliveryPause).where(DeliveryPause.until <= now))
        postgres = is_postgres(self.session)
        stmt = (pg_insert if postgres else sqlite_insert)(DeliveryPause).values(
            scope=scope, platform=platform, chat_id=chat_id, until=until)
        later = func.greatest if postgres else func.max  # SQLite's max(a, b) is scalar
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=["scope"],
            set_={"until": later(DeliveryPause.until, stmt.excluded.until)}))

    async def pauses(self, now: dt.datetime) -> list[tuple[str, int | None, dt.datetime]]:
        """Pauses in force: (platform, chat id or None for the whole platform, until)."""
        rows = (await self.session.execute(
            select(DeliveryPause.platform, DeliveryPause.chat_id, DeliveryPause.until)
            .where(DeliveryPause.until > now).order_by(DeliveryPause.scope))).all()
        return [(p, c, u) for p, c, u in rows]

    async def recent_sends(self, since: dt.datetime, groups_since: dt.datetime
                           ) -> list[tuple[str, str, str, dt.datetime, int]]:
        """Messages sent since ``since`` (any chat) or ``groups_since`` (chats that are not
        private, whose window is a minute): (platform, platform chat id, chat kind, sent_at,
        parts). A new sender counts them in its rate windows."""
        m, c = OutboxMessage, Chat
        rows = (await self.session.execute(
            select(c.platform, c.platform_chat_id, c.kind, m.sent_at, m.platform_message_ids)
            .join(c, c.id == m.chat_id)
            .where(m.sent_at > groups_since, or_(m.sent_at > since, c.kind != "private"))
        )).all()
        return [(p, pid, kind, at, max(1, len(ids or []))) for p, pid, kind, at, ids in rows
                if at is not None]

    async def items_sent_since(self, since: dt.datetime, kinds_excluded: Sequence[str]) -> set[int]:
        """Deleted news items of which a copy was recorded as sent after ``since``: copies
        whose send had started before the delete
        (``handlers.fanout.corrections.withdraw_late_copies``)."""
        found = await self.session.scalars(
            select(OutboxMessage.item_id).distinct()
            .join(NewsItem, NewsItem.id == OutboxMessage.item_id)
            .where(OutboxMessage.sent_at > since, OutboxMessage.kind.not_in(list(kinds_excluded)),
                   NewsItem.deleted_at.is_not(None)))
        return {i for i in found.all() if i is not None}

    async def mark(self, name: str) -> dt.datetime | None:
        return await self.session.scalar(select(DeliveryMark.at).where(DeliveryMark.name == name))

    async def set_mark(self, name: str, at: dt.datetime) -> None:
        insert = pg_insert if is_postgres(self.session) else sqlite_insert
        stmt = insert(DeliveryMark).values(name=name, at=at)
        await self.session.execute(stmt.on_conflict_do_update(index_elements=["name"],
                                                              set_={"at": at}))

    async def get(self, key: str) -> OutboxMessage | None:
        stmt = select(OutboxMessage).where(OutboxMessage.dedupe_key == key)
        return (await self.session.scalars(stmt)).first()

    async def stats(self, now: dt.datetime) -> dict[str, int]:
        """Queue depth by state; ``due`` is what a worker could send right now."""
        rows = (await self.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        )).all()
        out = {PENDING: 0, SENT: 0, DEAD: 0, **{s: int(n) for s, n in rows}}
        out["due"] = int(await self.session.scalar(
            select(func.count()).where(OutboxMessage.status == PENDING,
                                       OutboxMessage.next_attempt_at <= now)
        ) or 0)
        return out


class LeaseRepository:
    """Named leases: one holder at a time; a holder that stops renewing loses it at expiry."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def acquire(self, name: str, owner: str, now: dt.datetime, ttl: float,
                      takeover: str | None = None) -> bool:
        """Take or renew the lease; True when ``owner`` holds it until now + ttl.

        ``takeover``: an owner prefix whose holders are known to be dead (this process's
        own earlier run, see bot/instance.py): their lease is taken at once, unexpired.
        """
        until = now + dt.timedelta(seconds=ttl)
        insert = pg_insert if is_postgres(self.session) else sqlite_insert
        created = await self.session.execute(
            insert(Lease).values(name=name, owner=owner, until=until)
            .on_conflict_do_nothing(index_elements=["name"]).returning(Lease.name)
        )
        if created.first() is not None:
            return True
        result = await self.session.execute(
            update(Lease)
            .where(Lease.name == name, or_(
                Lease.owner == owner, Lease.until < now,
                *([Lease.owner.startswith(takeover, autoescape=True)] if takeover else [])))
            .values(owner=owner, until=until)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    async def release(self, name: str, owner: str) -> None:
        await self.session.execute(
            update(Lease).where(Lease.name == name, Lease.owner == owner)
            .values(until=dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
            .execution_options(synchronize_session=False)
        )

    async def holder(self, name: str, now: dt.datetime) -> str | None:
        lease = await self.session.get(Lease, name, populate_existing=True)
        return lease.owner if lease is not None and lease.until > now else None
