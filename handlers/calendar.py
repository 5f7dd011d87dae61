"""Calendar files (iCalendar, RFC 5545): the whole programme and a chat's private calendar.

- :func:`build_ics` writes sessions as VEVENTs with the ``icalendar`` library: a session
  with a start has DTSTART/DTEND in UTC; one with only a day is an all-day event (the 93rd
  Assembly's sessions: their times are not given by the sources, and the description says
  so); one with neither is left out. The UID is stable (``session-<id>@<host>``), SEQUENCE
  is the session's counter of schedule changes (``AgendaSession.sequence``, raised by the
  import, the desk and /undo), a cancelled session is ``STATUS:CANCELLED``.
- ``/calendar``: the address of the chat's private calendar (the sessions it follows,
  ``<public_url>/calendar/<token>.ics``, the token made on first use) and of the whole
  programme's; ``/calendar reset`` makes a new token (the old address then answers 404).
  Groups: their admins only. The HTTP side is bot/web/calendar.py.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from urllib.parse import urlsplit

from icalendar import Calendar
from icalendar import Event as VEvent
from sqlalchemy import Select, or_, select

from handlers.base import Command, Deps, Option, Request, UserError
from handlers.common import shown
from handlers.events import default_event, event_name
from handlers.i18n import t
from handlers.reply import Reply, ReplyBuilder, Span
from handlers.subscriptions import may_change
from storage.models import AgendaSession, Chat, Event, Follow
from storage.text import LANGUAGES, pick
from storage.uow import UnitOfWork

#: ``/calendar reset`` (the word in every language)
RESET_WORDS = frozenset({"reset", "reinitialiser", "réinitialiser", "nouveau", "new",
                         "restablecer", "nuevo", "إعادة"})
#: the name of the file /calendar sends (the followed sessions)
FILENAME = "calendar.ics"
PRODID = "-//assembly-newsbot//calendar//EN"


def _utc(moment: dt.datetime) -> dt.datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def host_of(public_url: str | None) -> str:
    """The UIDs' domain: the public address's host, else "newsbot"."""
    return (urlsplit(public_url).hostname if public_url else None) or "newsbot"


def calendar_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/calendar/{token}.ics"


def programme_url(public_url: str) -> str:
    return f"{public_url.rstrip('/')}/agenda.ics"


def _description(s: AgendaSession, lang: str) -> str:
    parts = [shown(s.description, lang)]
    if s.starts_at is None:
        parts.append(t("session.time_not_given", lang))
    for source in s.sources:
        name = pick(source.name, lang) or source.title
        parts.append(t("calendar.source", lang, source=f"{name} {source.url}" if source.url
                       else name))
    return "\n".join(p for p in parts if p)


def build_ics(sessions: Sequence[AgendaSession], *, name: str, timezone: str, lang: str,
              host: str, default_minutes: int = 30) -> bytes:
    """The calendar of ``sessions`` (the ones with neither a start nor a day left out)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", timezone)
    for s in sessions:
        if s.starts_at is None and s.day is None:
            continue
        ev = VEvent()
        ev.add("uid", f"session-{s.id}@{host}")
        # the row's last change (RFC 5545 without METHOD): the file stays the same, and so
        # its ETag, while nothing changed
        ev.add("dtstamp", _utc(s.updated_at))
        if s.starts_at is not None:
            start = _utc(s.starts_at)
            end = _utc(s.ends_at) if s.ends_at is not None and s.ends_at > s.starts_at \
                else start + dt.timedelta(minutes=default_minutes)
            ev.add("dtstart", start)
            ev.add("dtend", end)
        else:
            assert s.day is not None
            ev.add("dtstart", s.day)
            ev.add("dtend", s.day + dt.timedelta(days=1))
        ev.add("summary", shown(s.title, lang) or f"#{s.id}")
        if s.room:
            ev.add("location", s.room)
        description = _description(s, lang)
        if description:
            ev.add("description", description)
        ev.add("sequence", s.sequence or 0)
        ev.add("status", "CANCELLED" if s.status == "cancelled" else "CONFIRMED")
        cal.add_component(ev)
    return cal.to_ical()


def _order(stmt: Select[AgendaSession]) -> Select[AgendaSession]:
    """Timed sessions in time order, then the ones with only a day, then the rest."""
    return stmt.order_by(AgendaSession.starts_at.is_(None), AgendaSession.starts_at,
                         AgendaSession.day.is_(None), AgendaSession.day,
                         AgendaSession.position, AgendaSession.id)


async def event_sessions(uow: UnitOfWork, event: Event) -> Sequence[AgendaSession]:
    return (await uow.session.scalars(_order(select(AgendaSession).where(
        or_(AgendaSession.event_id == event.id, AgendaSession.event_id.is_(None)))))).all()


async def followed_sessions(uow: UnitOfWork, chat: Chat) -> Sequence[AgendaSession]:
    return (await uow.session.scalars(_order(
        select(AgendaSession).join(Follow, Follow.session_id == AgendaSession.id)
        .where(Follow.chat_id == chat.id)))).all()


async def chat_event(uow: UnitOfWork, chat: Chat | None, now: dt.datetime) -> Event | None:
    """The chat's chosen event, else the current or next one."""
    if chat is not None and chat.event_id is not None:
        chosen = await uow.content.event_by_id(chat.event_id)
        if chosen is not None:
            return chosen
    return default_event(await uow.content.events(), now)


def language_of(wanted: str | None, fallback: str) -> str:
    return wanted if wanted in LANGUAGES else fallback


async def programme_ics(uow: UnitOfWork, deps: Deps, event_key: str | None, lang: str | None,
                        public_url: str | None) -> bytes | None:
    """``/agenda.ics``: the programme of the event ``event_key`` (None: the current or next
    one); None when there is no such event."""
    events = await uow.content.events()
    event = (next((e for e in events if e.key == event_key), None) if event_key
             else default_event(events, deps.clock()))
    if event is None:
        return None
    language = language_of(lang, deps.default_language)
    return build_ics(await event_sessions(uow, event), name=event_name(event, language),
                     timezone=event.timezone or deps.timezone, lang=language,
                     host=host_of(public_url), default_minutes=deps.session_minutes)


async def private_ics(uow: UnitOfWork, deps: Deps, token: str, lang: str | None,
                      public_url: str | None) -> bytes | None:
    """``/calendar/<token>.ics``: the sessions the chat with this token follows; None for a
    token no chat has."""
    if not token:
        return None
    chat = await uow.session.scalar(select(Chat).where(Chat.calendar_token == token))
    if chat is None:
        return None
    language = language_of(lang, chat.language or deps.default_language)
    event = await chat_event(uow, chat, deps.clock())
    name = t("calendar.name", language, event=event_name(event, language) if event else "")
    return build_ics(await followed_sessions(uow, chat), name=name,
                     timezone=(event.timezone if event else None) or deps.timezone,
                     lang=language, host=host_of(public_url),
                     default_minutes=deps.session_minutes)


async def calendar(req: Request, deps: Deps) -> Reply:
    lang = req.language
    word = req.args.strip().lower()
    if word and word not in RESET_WORDS:
        raise UserError("calendar.bad_word", word=req.args.strip())
    if not deps.public_url:
        return ReplyBuilder().para(t("calendar.unpublished", lang)).build()
    reset = bool(word)
    if reset:
        await may_change(req)
    async with deps.uow() as uow:
        chat = await uow.chats.touch(req.platform, req.chat_id, kind=req.chat_kind,
                                     title=req.chat_title, now=deps.clock())
        if reset or chat.calendar_token is None:
            chat.calendar_token = secrets.token_urlsafe(24)
        token = chat.calendar_token
        count = len(await followed_sessions(uow, chat))
        body = await private_ics(uow, deps, token, req.language, deps.public_url) \
            if count else None
    mine, whole = calendar_url(deps.public_url, token), programme_url(deps.public_url)
    b = ReplyBuilder().heading(t("calendar.title", lang))
    if reset:
        b.para(t("calendar.reset_done", lang))
    b.para(t("calendar.followed", lang, n=count))
    b.para(Span(mine, url=mine))
    b.para(t("calendar.programme", lang))
    b.para(Span(whole, url=whole))
    b.para(Span(t("calendar.how", lang), italic=True))
    if body is not None:  # the same calendar as a file, where the platform sends one
        b.attach(FILENAME, "text/calendar", body)
    return b.build()


COMMANDS: tuple[Command, ...] = (
    Command("calendar", calendar, usage="/calendar [reset]",
            options=(Option("action", "option.calendar.action", choices=("reset",)),),
            group="programme"),
)
