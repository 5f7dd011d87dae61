"""Programme change notices: a session moved, changed room, was cancelled or is back.

``queue_changes`` queues ONE notice per chat for each changed session, to (a) every chat that
follows the session and (b) every chat with alerts on whose alert topics include the
session's topic (none = every topic) and that follows the session's event (``chat.event_id``
None or that event) — a chat both following and subscribed gets it once. Each notice is in the
chat's language, with times in the chat's zone; quiet hours hold it like an alert. The key
``change:<session>:<revision or import batch>:<chat>`` makes a replay (the same import run
again, a retried command) queue nothing. Moving or cancelling a session also drops its
reminders still pending: the reminder planner schedules them again from the new start.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select

from handlers.common import shown
from handlers.fanout import Fanout
from handlers.fanout.reminders import drop_pending
from handlers.i18n import format_day, format_time, quoted, t
from handlers.reply import Reply, ReplyBuilder, Span
from handlers.sessions import local_day, shown_zone
from storage.localtime import quiet_until
from storage.models import AgendaSession, Chat, Event, Follow, Subscription
from storage.outbox import NewMessage
from storage.programme import SessionChange
from storage.uow import UnitOfWork

KIND = "change"
_TITLE = "\x00"


def change_key(session_id: int, ref: int, chat_id: int) -> str:
    return f"change:{session_id}:{ref}:{chat_id}"


def _when(session: AgendaSession, start: dt.datetime | None, room: str | None, lang: str,
          tz: str) -> str:
    """'Tuesday 25 November 2025 14:30 (Room A)', or the day and 'time not given…'."""
    if start is not None:
        from zoneinfo import ZoneInfo

        text = f"{format_day(start.astimezone(ZoneInfo(tz)).date(), lang)} " \
               f"{format_time(start, lang, tz)}"
    else:
        day = local_day(session, tz)
        text = (f"{format_day(day, lang)}, " if day else "") + t("session.time_not_given", lang)
    return f"{text} ({room})" if room else text


def notice(session: AgendaSession, event: Event | None, change: SessionChange, lang: str,
           tz: str) -> Reply:
    """The notice one chat reads."""
    before = _when(session, change.before_start, change.before_room, lang, tz)
    after = _when(session, change.after_start, change.after_room, lang, tz)
    if change.kind in ("moved", "room"):
        line = t("change.moved", lang, title=_TITLE, before=before, after=after)
    elif change.kind == "cancelled":
        line = t("change.cancelled", lang, title=_TITLE, when=before)
    else:
        line = t("change.restored", lang, title=_TITLE, when=after)
    head, _, tail = line.partition(_TITLE)
    title = quoted(shown(session.title, lang), lang)
    spans = [Span(head), Span(title, bold=True, foreign=True), Span(tail)]
    b = ReplyBuilder().heading(t("change.heading", lang,
                                 event=shown(event.name, lang) if event else ""))
    return b.para(*(s for s in spans if s.text)).build()


async def _recipients(uow: UnitOfWork, session: AgendaSession
                      ) -> list[tuple[Chat, Subscription | None]]:
    """The chats told about ``session``: followers, then topic subscribers; each once."""
    chats: dict[int, tuple[Chat, Subscription | None]] = {}
    followers = (await uow.session.scalars(
        select(Chat).join(Follow, Follow.chat_id == Chat.id)
        .where(Follow.session_id == session.id, Chat.active.is_(True))
        .order_by(Chat.id))).all()
    subs = {s.chat_id: s for s in await uow.subscriptions.alert_targets(
        [session.topic] if session.topic else [])}
    for chat in followers:
        chats[chat.id] = (chat, subs.get(chat.id))
    for sub in subs.values():
        chat = sub.chat
        if chat.id in chats:
            continue
        if chat.event_id is not None and chat.event_id != session.event_id:
            continue
        chats[chat.id] = (chat, sub)
    if followers:  # followers' own quiet hours, when they also have a subscription
        missing = [c.id for c, s in chats.values() if s is None]
        if missing:
            for sub in (await uow.session.scalars(
                    select(Subscription).where(Subscription.chat_id.in_(missing)))).all():
                chat, _ = chats[sub.chat_id]
                chats[sub.chat_id] = (chat, sub)
    return list(chats.values())


async def queue_changes(uow: UnitOfWork, fanout: Fanout, changes: Iterable[SessionChange],
                        at: dt.datetime) -> int:
    """Queue the notices of ``changes`` (inside the caller's unit of work); returns how many
    rows were new. Rings ``fanout.wake`` once committed."""
    messages: list[NewMessage] = []
    events: dict[int | None, Event | None] = {}
    for change in changes:
        session = await uow.session.get(AgendaSession, change.session_id)
        if session is None:
            continue
        if change.kind in ("moved", "cancelled"):
            await drop_pending(uow, None, [session.id], at)
        if session.event_id not in events:
            events[session.event_id] = (await uow.session.get(Event, session.event_id)
                                        if session.event_id is not None else None)
        event = events[session.event_id]
        payloads: dict[tuple[str, str], dict[str, object]] = {}
        for chat, sub in await _recipients(uow, session):
            key = (chat.language or fanout.default_language,
                   shown_zone(chat.timezone, event.timezone if event else None, fanout.timezone))
            if key not in payloads:
                payloads[key] = notice(session, event, change, *key).to_dict()
            held = quiet_until(sub.quiet_start, sub.quiet_end, chat.timezone, at) if sub else None
            messages.append(NewMessage(
                change_key(session.id, change.ref, chat.id), chat.id, KIND, payloads[key],
                next_attempt_at=held or at, session_id=session.id,
                thread_id=sub.alerts_thread_id if sub is not None and sub.alerts else None))
    if not messages:
        return 0
    inserted = await uow.outbox.enqueue_many(messages, at)
    if inserted:
        fanout.wake_after_commit(uow.session)
    return len(inserted)


