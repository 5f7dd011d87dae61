"""Reminders: one outbox row per chat and followed session, N minutes before it starts.

The body of the scheduler's ``reminders`` tick (bot/scheduler.py gives only the timing). For
each follow whose session has a start, is not cancelled, and whose chat is active and has
reminders on (its ``remind_minutes``, else ``storage.models.REMIND_DEFAULT`` for its kind),
the reminder is due at ``starts_at - minutes``; from then until the start one row is queued,
kind ``reminder``, keyed ``reminder:<chat id>:<session id>:<start as UTC ISO>``: a re-run, a
restart or a second replica inserts nothing more (the outbox's unique key), and a moved
session has a new start, hence a new key.

Before queuing, pending reminders nobody is sending that no longer hold are deleted: their
session moved (their key names the old start), was cancelled or has started, the chat no
longer follows it, or turned reminders off. Reminders are sent in quiet hours too: a
reminder was asked for explicitly, for a given minute.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, or_, select
from sqlalchemy.sql.elements import ColumnElement

from handlers.fanout import Fanout
from handlers.i18n import t
from handlers.reply import Reply, ReplyBuilder, Span
from handlers.sessions import session_spans, shown_zone
from storage.models import (
    REMIND_DEFAULT,
    AgendaSession,
    Chat,
    Follow,
    OutboxMessage,
    Subscription,
    Topic,
)
from storage.outbox import PENDING, NewMessage
from storage.uow import UnitOfWork

KIND = "reminder"
#: the most minutes a chat may ask (``/settings remind``): a day
MAX_MINUTES = 1440


@dataclass
class RemindReport:
    queued: int = 0
    #: pending reminders deleted because they no longer hold
    dropped: int = 0


def reminder_key(chat_id: int, session_id: int, starts_at: dt.datetime) -> str:
    return f"{KIND}:{chat_id}:{session_id}:{starts_at.astimezone(dt.UTC).isoformat()}"


def effective_minutes(chat_kind: str, sub: Subscription | None) -> int:
    """The chat's reminder minutes: its own choice, else its kind's default (0: off)."""
    if sub is not None and sub.remind_minutes is not None:
        return sub.remind_minutes
    return REMIND_DEFAULT.get(chat_kind, 0)


def in_words(delta: dt.timedelta, lang: str) -> str:
    """'in 25 minutes' / 'dans 25 minutes' / 'dentro de 25 minutos' (Babel), to the minute."""
    from babel.dates import format_timedelta

    minutes = max(1, round(delta.total_seconds() / 60))
    return format_timedelta(dt.timedelta(minutes=minutes), add_direction=True, locale=lang)


def reminder_reply(s: AgendaSession, topics: dict[str, Topic], lang: str, tz: str,
                   now: dt.datetime) -> Reply:
    """'Reminder, in 10 minutes: 14:30–15:15 Room A — Title' (minutes counted from now)."""
    assert s.starts_at is not None
    b = ReplyBuilder()
    b.para(Span(t("remind.title", lang, when=in_words(s.starts_at - now, lang)), bold=True),
           Span(" "), *session_spans(s, topics, lang, tz, with_description=False, with_id=True))
    return b.build(language=lang)


def _free(now: dt.datetime) -> ColumnElement[bool]:
    """A row no worker holds: never leased, given back, or its lease expired."""
    return or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now)


async def _drop_stale(uow: UnitOfWork, now: dt.datetime) -> int:
    """Delete pending reminders nobody holds that no longer hold (see the module's doc)."""
    rows = (await uow.session.execute(
        select(OutboxMessage.id, OutboxMessage.dedupe_key, OutboxMessage.chat_id,
               OutboxMessage.session_id, AgendaSession.starts_at, AgendaSession.status,
               Chat.kind, Chat.active, Subscription.remind_minutes, Follow.id)
        .outerjoin(AgendaSession, AgendaSession.id == OutboxMessage.session_id)
        .join(Chat, Chat.id == OutboxMessage.chat_id)
        .outerjoin(Subscription, Subscription.chat_id == OutboxMessage.chat_id)
        .outerjoin(Follow, (Follow.chat_id == OutboxMessage.chat_id)
                   & (Follow.session_id == OutboxMessage.session_id))
        .where(OutboxMessage.kind == KIND, OutboxMessage.status == PENDING,
               _free(now))
    )).all()
    stale = []
    for (row_id, key, chat_id, session_id, starts_at, status, kind, active, minutes,
         follow) in rows:
        chosen = minutes if minutes is not None else REMIND_DEFAULT.get(kind, 0)
        if (session_id is None or starts_at is None or status == "cancelled" or follow is None
                or not active or chosen <= 0 or starts_at <= now
                or key != reminder_key(chat_id, session_id, starts_at)):
            stale.append(row_id)
    if stale:  # still nobody's (a worker may have claimed one since it was read)
        await uow.session.execute(
            delete(OutboxMessage).where(OutboxMessage.id.in_(stale),
                                        OutboxMessage.status == PENDING, _free(now))
            .execution_options(synchronize_session=False))
    return len(stale)


async def plan_reminders(uow: UnitOfWork, fanout: Fanout, now: dt.datetime) -> RemindReport:
    """Queue the reminders due at ``now`` (see the module's doc), in ``uow``'s transaction;
    rings ``fanout.wake`` once committed when it queued any."""
    dropped = await _drop_stale(uow, now)
    rows = (await uow.session.execute(
        select(AgendaSession, Chat, Subscription)
        .join(Follow, Follow.session_id == AgendaSession.id)
        .join(Chat, Chat.id == Follow.chat_id)
        .outerjoin(Subscription, Subscription.chat_id == Chat.id)
        .where(AgendaSession.starts_at.is_not(None), AgendaSession.starts_at > now,
               AgendaSession.starts_at <= now + dt.timedelta(minutes=MAX_MINUTES),
               AgendaSession.status != "cancelled", Chat.active.is_(True))
        .order_by(AgendaSession.starts_at, Chat.id)
    )).all()
    if not rows:
        return RemindReport(dropped=dropped)
    topics = {tp.key: tp for tp in await uow.content.topics()}
    zones = {e.id: e.timezone for e in await uow.content.events()}
    payloads: dict[tuple[int, str, str], dict[str, object]] = {}
    messages = []
    for s, chat, sub in rows:
        minutes = effective_minutes(chat.kind, sub)
        assert s.starts_at is not None
        if minutes <= 0 or s.starts_at - dt.timedelta(minutes=minutes) > now:
            continue
        lang = chat.language or fanout.default_language
        tz = shown_zone(chat.timezone, zones.get(s.event_id) if s.event_id is not None else None,
                        fanout.timezone)
        shape = (s.id, lang, tz)
        if shape not in payloads:
            payloads[shape] = reminder_reply(s, topics, lang, tz, now).to_dict()
        messages.append(NewMessage(reminder_key(chat.id, s.id, s.starts_at), chat.id, KIND,
                                   payloads[shape], session_id=s.id))
    inserted = await uow.outbox.enqueue_many(messages, now) if messages else set()
    if inserted:
        fanout.wake_after_commit(uow.session)
    return RemindReport(queued=len(inserted), dropped=dropped)


async def drop_pending(uow: UnitOfWork, chat_id: int | None, session_ids: list[int] | None,
                       now: dt.datetime) -> None:
    """Delete the pending reminders nobody holds, of a chat (None: every chat) and of
    ``session_ids`` (None: all of them): a chat unfollowed, or a session moved or was
    cancelled (the planner queues the new one from the new start)."""
    stmt = delete(OutboxMessage).where(
        OutboxMessage.kind == KIND, OutboxMessage.status == PENDING, _free(now))
    if chat_id is not None:
        stmt = stmt.where(OutboxMessage.chat_id == chat_id)
    if session_ids is not None:
        stmt = stmt.where(OutboxMessage.session_id.in_(session_ids))
    await uow.session.execute(stmt.execution_options(synchronize_session=False))
