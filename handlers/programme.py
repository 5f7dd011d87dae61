"""/now, /next, /follow, /unfollow, /following: what is on, what comes next, the sessions a
chat follows (reminded before each: handlers.fanout.reminders).

Times are shown in the chat's zone (``Chat.timezone``); "now" is ``Deps.clock`` (the rehearsal
clock when ``[bot] simulated_now`` is set). An event whose sessions have no times (the 93rd
Assembly: the sources give none) says so instead of an empty or wrong list. In a group,
following and unfollowing are for the group's admins, as subscriptions are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, or_, select

from handlers.base import Command, Deps, Option, Request, UserError
from handlers.common import matches, shown
from handlers.events import default_event
from handlers.fanout.reminders import drop_pending, effective_minutes, in_words
from handlers.i18n import format_day, format_time, quoted, t
from handlers.reply import Reply, ReplyBuilder, Span
from handlers.sessions import local_day, session_spans, shown_zone
from handlers.subscriptions import may_change
from handlers.words import Words
from storage.localtime import zone
from storage.models import AgendaSession, Chat, Event, Follow, Subscription, Topic
from storage.uow import UnitOfWork

#: /next without a number, and the most it shows
NEXT_DEFAULT, NEXT_MAX = 5, 20
#: buttons offered when a search for /follow matches several sessions
PICK_MAX = 8
#: "every followed session" (``/unfollow all``)
ALL: Words[bool] = Words({True: ("all", "tous", "toutes", "tout", "todos", "todas", "todo",
                                 "الكل", "كل")})


async def _chat(uow: UnitOfWork, req: Request, deps: Deps) -> Chat:
    return await uow.chats.touch(req.platform, req.chat_id, kind=req.chat_kind,
                                 title=req.chat_title, now=deps.clock())


async def programme_event(uow: UnitOfWork, chat: Chat, now: dt.datetime) -> Event | None:
    """The event this chat's programme commands answer for: the one it chose, else the one
    under way, else the next, else the last (``handlers.events.default_event``)."""
    if chat.event_id is not None:
        chosen = await uow.content.event_by_id(chat.event_id)
        if chosen is not None:
            return chosen
    return default_event(await uow.content.events(), now)


async def _sessions(uow: UnitOfWork, event: Event | None) -> list[AgendaSession]:
    if event is None:
        return []
    stmt = (select(AgendaSession).where(or_(AgendaSession.event_id == event.id,
                                            AgendaSession.event_id.is_(None)))
            .order_by(AgendaSession.starts_at, AgendaSession.room, AgendaSession.id))
    return list((await uow.session.scalars(stmt)).all())


async def _topics(uow: UnitOfWork) -> dict[str, Topic]:
    return {tp.key: tp for tp in await uow.content.topics()}


def end_of(s: AgendaSession, deps: Deps) -> dt.datetime | None:
    """When a session ends: its end, else its start plus ``[programme] default_minutes``."""
    if s.starts_at is None:
        return None
    if s.ends_at is not None and s.ends_at > s.starts_at:
        return s.ends_at
    return s.starts_at + dt.timedelta(minutes=deps.session_minutes)


def when_words(start: dt.datetime, now: dt.datetime, lang: str, tz: str) -> str:
    """'in 25 minutes' (today), 'tomorrow at 10:00', 'Thursday 11 June 2026 at 09:00'."""
    where = zone(tz) or dt.UTC
    day, today = start.astimezone(where).date(), now.astimezone(where).date()
    if day == today or start - now < dt.timedelta(hours=1):
        return in_words(start - now, lang)
    at = format_time(start, lang, tz)
    if day == today + dt.timedelta(days=1):
        return t("next.tomorrow_at", lang, time=at)
    return t("next.day_at", lang, day=format_day(day, lang), time=at)


def _event_name(event: Event | None, lang: str) -> str:
    return shown(event.name, lang) if event is not None else "—"


def _no_times(event: Event | None, lang: str) -> Reply:
    return ReplyBuilder().para(t("now.no_times", lang, event=_event_name(event, lang))).build()


def _line(s: AgendaSession, topics: dict[str, Topic], lang: str, tz: str) -> tuple[Span, ...]:
    return session_spans(s, topics, lang, tz, with_description=False, with_id=True)


def _follow_button(b: ReplyBuilder, s: AgendaSession, lang: str) -> None:
    b.button(t("follow.button", lang, id=s.id), "follow", str(s.id))


async def _timed_programme(
        req: Request, deps: Deps, moment: dt.datetime,
) -> Reply | tuple[Event | None, list[AgendaSession], dict[str, Topic], str]:
    """The chat's event, its sessions that have a start, the topics and the zone they are
    read in — or the answer that the sources give no times."""
    async with deps.uow() as uow:
        chat = await _chat(uow, req, deps)
        event = await programme_event(uow, chat, moment)
        sessions = await _sessions(uow, event)
        topics = await _topics(uow)
    timed = [s for s in sessions if s.starts_at is not None]
    if not timed:
        return _no_times(event, req.language)
    return event, timed, topics, shown_zone(chat.timezone, event.timezone if event else None,
                                            deps.timezone)


async def now(req: Request, deps: Deps) -> Reply:
    lang, moment = req.language, deps.clock()
    view = await _timed_programme(req, deps, moment)
    if isinstance(view, Reply):
        return view
    event, timed, topics, tz = view
    live = [s for s in timed if s.status != "cancelled" and s.starts_at is not None
            and s.starts_at <= moment < (end_of(s, deps) or moment)]
    b = ReplyBuilder().heading(t("now.title", lang, event=_event_name(event, lang)))
    if live:
        rows = []
        for s in live:
            end = end_of(s, deps)
            assert end is not None
            rows.append((Span(t("now.until", lang, time=format_time(end, lang, tz)), bold=True),
                         Span(" · "),
                         *session_spans(s, topics, lang, tz, with_time=False,
                                        with_description=False, with_id=True)))
        b.bullets(rows)
        return b.build()
    upcoming = [s for s in timed if s.status != "cancelled" and s.starts_at is not None
                and s.starts_at > moment]
    if not upcoming:
        b.para(t("now.over", lang, event=_event_name(event, lang)))
        return b.build()
    start = upcoming[0].starts_at
    assert start is not None
    b.para(t("now.none_next", lang, when=when_words(start, moment, lang, tz)))
    together = [s for s in upcoming if s.starts_at == start]  # parallel rooms start together
    b.bullets([_line(s, topics, lang, tz) for s in together])
    for s in together:
        _follow_button(b, s, lang)
    return b.build()


def _count(args: str) -> int:
    word = args.strip()
    if not word:
        return NEXT_DEFAULT
    if not (word.isascii() and word.isdigit()) or not 1 <= int(word) <= NEXT_MAX:
        raise UserError("next.bad_count", value=word[:32], most=NEXT_MAX)
    return int(word)


async def next_sessions(req: Request, deps: Deps) -> Reply:
    lang, moment = req.language, deps.clock()
    n = _count(req.args)
    view = await _timed_programme(req, deps, moment)
    if isinstance(view, Reply):
        return view
    event, timed, topics, tz = view
    upcoming = [s for s in timed if s.status != "cancelled" and s.starts_at is not None
                and s.starts_at > moment][:n]
    if not upcoming:
        return ReplyBuilder().para(t("next.none", lang, event=_event_name(event, lang))).build()
    b = ReplyBuilder().heading(t("next.title", lang, event=_event_name(event, lang)))
    rows = []
    for s in upcoming:
        assert s.starts_at is not None
        rows.append((Span(when_words(s.starts_at, moment, lang, tz), bold=True), Span(" — "),
                     *_line(s, topics, lang, tz)))
        _follow_button(b, s, lang)
    b.bullets(rows)
    return b.build()


def remind_words(chat: Chat, sub: Subscription | None, lang: str) -> str:
    """'Reminder 10 minutes before' / 'Reminders off: /settings remind 10'."""
    minutes = effective_minutes(chat.kind, sub)
    return t("remind.on", lang, n=minutes) if minutes > 0 else t("remind.off", lang)


def _session_number(word: str) -> int | None:
    word = word.strip().lstrip("#")
    return int(word) if word.isascii() and word.isdigit() and len(word) <= 9 else None


async def follow(req: Request, deps: Deps) -> Reply:
    lang, moment = req.language, deps.clock()
    query = req.args.strip()
    if not query:
        return ReplyBuilder().para(t("follow.how", lang)).build()
    await may_change(req)
    async with deps.uow() as uow:
        chat = await _chat(uow, req, deps)
        topics = await _topics(uow)
        number = _session_number(query)
        if number is not None:
            session = await uow.session.get(AgendaSession, number)
            if session is None:
                raise UserError("follow.not_found", id=number, show_usage=False)
        else:
            event = await programme_event(uow, chat, moment)
            found = [s for s in await _sessions(uow, event) if matches(query, s.title)]
            # a session that can still be followed before one cancelled or over
            open_ = [s for s in found if s.status != "cancelled"
                     and not ((end := end_of(s, deps)) is not None and end <= moment)]
            found = open_ or found
            if not found:
                raise UserError("follow.none", query=quoted(query[:80], lang))
            if len(found) > 1:
                b = ReplyBuilder().para(t("follow.pick", lang, n=len(found),
                                          query=quoted(query[:80], lang)))
                tz = shown_zone(chat.timezone, event.timezone if event else None, deps.timezone)
                b.bullets([_line(s, topics, lang, tz) for s in found[:PICK_MAX]])
                for s in found[:PICK_MAX]:
                    _follow_button(b, s, lang)
                return b.build()
            session = found[0]
        return await _follow(uow, chat, session, topics, lang, moment, deps)


async def _follow(uow: UnitOfWork, chat: Chat, s: AgendaSession, topics: dict[str, Topic],
                  lang: str, moment: dt.datetime, deps: Deps) -> Reply:
    event = await uow.content.event_by_id(s.event_id) if s.event_id is not None else None
    line = _line(s, topics, lang, shown_zone(chat.timezone, event.timezone if event else None,
                                             deps.timezone))
    if s.status == "cancelled":
        return ReplyBuilder().para(Span(t("follow.cancelled", lang, id=s.id), bold=True)) \
            .bullets([line]).build(is_error=True)
    end = end_of(s, deps)
    if end is not None and end <= moment:
        return ReplyBuilder().para(Span(t("follow.over", lang, id=s.id), bold=True)) \
            .bullets([line]).build(is_error=True)
    if chat.language is None:  # reminders come in the follower's language
        chat.language = lang
    existing = await uow.session.scalar(select(Follow.id).where(
        Follow.chat_id == chat.id, Follow.session_id == s.id))
    if existing is None:
        uow.session.add(Follow(chat_id=chat.id, session_id=s.id, created_at=moment))
        await uow.session.flush()
    sub = await uow.subscriptions.for_chat(chat.id)
    b = ReplyBuilder().para(Span(t("follow.already" if existing else "follow.done", lang,
                                   id=s.id), bold=True))
    b.bullets([line])
    if s.starts_at is None:
        b.para(Span(t("follow.no_time", lang), italic=True))
    else:
        b.para(Span(remind_words(chat, sub, lang), italic=True))
    b.button(t("unfollow.button", lang, id=s.id), "unfollow", str(s.id))
    return b.build()


async def unfollow(req: Request, deps: Deps) -> Reply:
    lang, moment = req.language, deps.clock()
    word = req.args.strip()
    if not word:
        return await following(req, deps)
    await may_change(req)
    number = _session_number(word)
    if number is None and word not in ALL:
        raise UserError("unfollow.bad", value=word[:32])
    async with deps.uow() as uow:
        chat = await _chat(uow, req, deps)
        stmt = delete(Follow).where(Follow.chat_id == chat.id)
        if number is not None:
            stmt = stmt.where(Follow.session_id == number)
        removed = (await uow.session.execute(
            stmt.returning(Follow.session_id).execution_options(synchronize_session=False)
        )).scalars().all()
        await drop_pending(uow, chat.id, None if number is None else [number], moment)
    if number is None:
        return ReplyBuilder().para(t("unfollow.all", lang, n=len(removed))).build()
    key = "unfollow.done" if removed else "unfollow.not_followed"
    return ReplyBuilder().para(t(key, lang, id=number)).build()


async def _followed(uow: UnitOfWork, chat: Chat) -> Sequence[AgendaSession]:
    stmt = (select(AgendaSession).join(Follow, Follow.session_id == AgendaSession.id)
            .where(Follow.chat_id == chat.id)
            .order_by(AgendaSession.starts_at.is_(None), AgendaSession.starts_at,
                      AgendaSession.day.is_(None), AgendaSession.day, AgendaSession.id))
    return (await uow.session.scalars(stmt)).all()


async def following(req: Request, deps: Deps) -> Reply:
    lang = req.language
    async with deps.uow() as uow:
        chat = await _chat(uow, req, deps)
        sessions = await _followed(uow, chat)
        sub = await uow.subscriptions.for_chat(chat.id)
        topics = await _topics(uow)
        first = sessions[0] if sessions else None
        event = (await uow.content.event_by_id(first.event_id)
                 if first is not None and first.event_id is not None else None)
    if not sessions:
        return ReplyBuilder().para(t("following.none", lang)).build()
    tz = shown_zone(chat.timezone, event.timezone if event else None, deps.timezone)
    b = ReplyBuilder().heading(t("following.title", lang))
    current: object = object()
    group: list[tuple[Span, ...]] = []
    for s in sessions:
        day = local_day(s, tz)
        if day != current:
            b.bullets(group)
            group = []
            b.para(Span(format_day(day, lang) if day else t("session.time_not_given", lang),
                        bold=True))
            current = day
        group.append(_line(s, topics, lang, tz))
    b.bullets(group)
    b.para(Span(remind_words(chat, sub, lang), italic=True))
    for s in sessions[:PICK_MAX]:
        b.button(t("unfollow.button", lang, id=s.id), "unfollow", str(s.id))
    return b.build()


COMMANDS: tuple[Command, ...] = (
    Command("now", now, usage="/now", group="programme"),
    Command("next", next_sessions, usage="/next [number]",
            options=(Option("number", "option.next.number", type="int"),), group="programme"),
    Command("follow", follow, usage="/follow <number|words>",
            options=(Option("session", "option.follow.session", rest=True,
                            required=True),), group="subscriptions"),
    Command("unfollow", unfollow, usage="/unfollow <number|all>",
            options=(Option("session", "option.unfollow.session", rest=True),),
            group="subscriptions"),
    Command("following", following, usage="/following", group="programme"),
)
