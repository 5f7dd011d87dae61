"""/agenda, /participants and /resolution.

Content texts go through handlers.common.shown: a text missing in the reader's language is
shown in another one and marked "(in French)", never silently."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence

from handlers.base import Command, Deps, Option, Request
from handlers.common import (
    add_pager,
    add_sources,
    matches,
    page_slice,
    shown,
    shown_stale,
    sources_of,
)
from handlers.events import as_planned, event_for, local_today, phase
from handlers.i18n import format_day, format_days, t
from handlers.reply import Reply, ReplyBuilder, Span
from handlers.sessions import in_order, local_day, session_spans, shown_zone
from handlers.words import MONTHS, RELATIVE_DAYS, WEEKDAYS
from storage.models import AgendaSession, Event, Topic
from storage.text import fold, pick, words
from storage.uow import UnitOfWork

PER_PAGE = 6


#: '26', '26 novembre', '26 de noviembre', '1er', '26th November', 'le 26 novembre 2025'
_DAY_MONTH = re.compile(r"(?:le |el |the )?(\d{1,2})(?:er|st|nd|rd|th)?\.?(?: de| of)? ([^\d\s]+)\.?"
                        r"(?:,?(?: de)? (\d{4}))?")
#: 'November 26', 'Nov 26', 'nov. 26th, 2025'
_MONTH_DAY = re.compile(r"([^\d\s]+)\.? (\d{1,2})(?:st|nd|rd|th)?(?:,? (\d{4}))?")


def _year_for(month: int, event: Event | None, today: dt.date | None) -> int:
    """The year of a day typed without one: the event's (its last year for a month before
    its first, when it spans a new year), else today's."""
    if event is None:
        return (today or dt.date.today()).year
    if event.ends_on.year != event.starts_on.year and month < event.starts_on.month:
        return event.ends_on.year
    return event.starts_on.year


def _month_day(s: str, event: Event | None, today: dt.date | None) -> dt.date | None:
    """'26 novembre', '26 nov.', '26 November', 'November 26', 'Nov 26', '26 de noviembre',
    '26 نوفمبر' (month names: handlers.words.MONTHS, from Babel), with an optional year."""
    for pattern, day_group, month_group in ((_DAY_MONTH, 1, 2), (_MONTH_DAY, 2, 1)):
        m = pattern.fullmatch(s)
        if not m:
            continue
        month = MONTHS.get(m.group(month_group).rstrip("."))
        if month is None:
            continue
        year = int(m.group(3)) if m.group(3) else _year_for(month, event, today)
        try:
            return dt.date(year, month, int(m.group(day_group)))
        except (ValueError, OverflowError):
            return None
    return None


def parse_day(text: str, event: Event | None, today: dt.date | None = None) -> dt.date | None:
    """'2025-11-25', '25/11', '25', a day and month named in any of the bot's languages
    ('26 novembre', '26 nov.', 'November 26', '26 de noviembre', '26 نوفمبر', Arabic-Indic
    digits too), a weekday ('mardi', 'tuesday', 'martes', 'الثلاثاء': that day within the
    event's dates), or, given ``today``, a relative day ('aujourd'hui', 'demain', 'hier',
    'tomorrow', 'mañana', 'غدا'; handlers.words)."""
    s = " ".join(fold(text.strip()).replace("’", "'").split())  # fold: ٢٦ -> 26
    if not s:
        return None
    shift = RELATIVE_DAYS.get(s)
    if shift is not None:
        return today + dt.timedelta(days=shift) if today else None
    try:
        return dt.date.fromisoformat(s)
    except (ValueError, OverflowError):
        pass
    year = event.starts_on.year if event else dt.date.today().year
    m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}))?", s)
    try:
        if m:
            return dt.date(int(m.group(3) or year), int(m.group(2)), int(m.group(1)))
        if event and s.isascii() and s.isdigit() and len(s) <= 2:
            return dt.date(year, event.starts_on.month, int(s))
    except (ValueError, OverflowError):
        return None
    named = _month_day(s, event, today)
    if named is not None:
        return named
    weekday = WEEKDAYS.get(s)
    if event and weekday is not None:
        day = event.starts_on
        while day <= event.ends_on:
            if day.weekday() == weekday:
                return day
            day += dt.timedelta(days=1)
    return None


def _session_row(s: AgendaSession, topics: dict[str, Topic], lang: str, tz: str) -> tuple[Span, ...]:
    return session_spans(s, topics, lang, tz, with_id=True)




def _outside(day: dt.date, event: Event, lang: str) -> str | None:
    """'28 November 2025 is after the …, which ended on Thursday 27 November 2025.' (or
    before, 'which opens on …'); None for a day of the event."""
    name = pick(event.name, lang) or event.key
    if day > event.ends_on:
        return t("agenda.after_event", lang, day=format_day(day, lang), event=name,
                 end=format_day(event.ends_on, lang))
    if day < event.starts_on:
        return t("agenda.before_event", lang, day=format_day(day, lang), event=name,
                 start=format_day(event.starts_on, lang))
    return None


def _topic_for(query: str, topics: Sequence[Topic]) -> Topic | None:
    q = fold(query.strip())
    for tp in topics:
        if q == tp.key or any(q and fold(v).startswith(q) for v in tp.name.values()):
            return tp
    return None


async def chat_programme(
        uow: UnitOfWork, req: Request, deps: Deps,
) -> tuple[Event | None, list[AgendaSession], dict[str, Topic], str]:
    """The chat's event, its sessions in programme order, the topics, and the zone the chat
    reads them in (handlers.sessions.shown_zone): what every view of the agenda starts from."""
    event = await event_for(uow, req, deps)
    sessions = list(await uow.content.agenda(event.id if event else None))
    topics = {tp.key: tp for tp in await uow.content.topics()}
    chat = await uow.chats.find(req.platform, req.chat_id)
    tz = shown_zone(chat.timezone if chat else None, event.timezone if event else None,
                    deps.timezone)
    return event, in_order(sessions, tz), topics, tz


def add_sessions_by_day(b: ReplyBuilder, sessions: Sequence[AgendaSession], lang: str, tz: str,
                        row: Callable[[AgendaSession], tuple[Span, ...]]) -> None:
    """Sessions (in order) as bullet lists under their local day ("Day not given" last)."""
    current: object = object()
    group: list[tuple[Span, ...]] = []
    for s in sessions:
        its_day = local_day(s, tz)
        if its_day != current:
            b.bullets(group)
            group, current = [], its_day
            b.para(Span(format_day(its_day, lang) if its_day else t("agenda.no_day", lang),
                        bold=True))
        group.append(row(s))
    b.bullets(group)


async def agenda(req: Request, deps: Deps) -> Reply:
    lang = req.language
    query = req.args.strip()
    async with deps.uow() as uow:
        event, sessions, topics, tz = await chat_programme(uow, req, deps)
    over = event is not None and phase(event, deps.clock()) == "after"
    title = t("agenda.title_planned" if over else "agenda.title", lang)
    title_for = "agenda.title_for_planned" if over else "agenda.title_for"
    note = None
    if query:
        today = local_today(event, deps.clock()) if event else None
        day = parse_day(query, event, today)
        topic = None if day else _topic_for(query, list(topics.values()))
        outside = _outside(day, event, lang) if day is not None and event is not None else None
        if day is not None and outside is not None:  # not the undated sessions instead
            b = ReplyBuilder().heading(t(title_for, lang, what=format_day(day, lang)))
            return b.para(outside).build()
        if day is not None:
            title = t(title_for, lang, what=format_day(day, lang))
            dated = [s for s in sessions if local_day(s, tz) == day]
            if not dated:
                note = t("agenda.day_none", lang, day=format_day(day, lang))
                dated = [s for s in sessions if s.day is None]
            sessions = dated
        elif topic is not None:
            title = t(title_for, lang, what=shown(topic.name, lang))
            sessions = [s for s in sessions if s.topic == topic.key]
        else:
            title = t(title_for, lang, what=query[:80])
            sessions = [s for s in sessions if matches(query, s.title, s.description,
                        topics[s.topic].name if s.topic in topics else None)]
        if not sessions:
            days = _days(event, lang)
            return ReplyBuilder().para(t(
                "agenda.none", lang, query=query[:80],
                topics=", ".join(shown(tp.name, lang) for tp in topics.values()), days=days,
            )).build(is_error=True)
    page, pages, offset = page_slice(len(sessions), req, PER_PAGE)
    on_page = sessions[offset: offset + PER_PAGE]
    b = ReplyBuilder().heading(title)
    if note:
        b.para(Span(note, italic=True))
    add_sessions_by_day(b, on_page, lang, tz, lambda s: _session_row(s, topics, lang, tz))
    add_pager(b, req, page, pages)
    add_sources(b, sources_of(on_page), lang)
    return b.build()


async def participants(req: Request, deps: Deps) -> Reply:
    lang = req.language
    query = req.args.strip()
    async with deps.uow() as uow:
        event = await event_for(uow, req, deps)
        people = list(await uow.content.participants(event.id if event else None))
    title = t("participants.title", lang)
    if query:
        title = t("participants.title_for", lang, what=query[:80])
        people = [p for p in people
                  if matches(query, p.name, p.role, p.organisation, p.country, p.country_code)]
        if not people:
            return ReplyBuilder().para(
                t("participants.none", lang, query=query[:80])).build(is_error=True)
    page, pages, offset = page_slice(len(people), req, PER_PAGE * 2)
    on_page = people[offset: offset + PER_PAGE * 2]
    b = ReplyBuilder().heading(title)
    rows = []
    for p in on_page:
        row = [Span(p.name, bold=True, foreign=True), Span(" — "),
               Span(shown(p.role, lang), foreign=True)]
        org = pick(p.organisation, lang)
        if org and not _says_the_same(org, pick(p.role, lang)):
            row.append(Span(f", {shown(p.organisation, lang)}"))
        if p.country:
            row.append(Span(f" ({shown(p.country, lang)})"))
        if p.spoke:
            row.append(Span(" · " + t("participants.spoke", lang), italic=True))
        rows.append(tuple(row))
    b.bullets(rows)
    add_pager(b, req, page, pages)
    add_sources(b, sources_of(on_page), lang)
    return b.build()


async def resolution(req: Request, deps: Deps) -> Reply:
    lang = req.language
    async with deps.uow() as uow:
        event = await event_for(uow, req, deps)
        res = await uow.content.resolution(event.id if event else None)
    if res is None:
        return ReplyBuilder().para(t("resolution.none", lang)).build()
    b = ReplyBuilder().heading(shown(res.title, lang))
    status = t(f"resolution.{res.status}", lang) if res.status in ("adopted", "draft") else res.status
    if event is not None and res.status != "adopted" and phase(event, deps.clock()) == "after":
        status = as_planned(status, lang)  # a draft's status spoke of what was to come
    b.para(Span(t("resolution.status", lang), bold=True), status,
           (" — " + t("resolution.when", lang) + shown(res.adopted, lang)) if res.adopted else "")
    b.para(shown(res.summary, lang))
    if shown_stale(res, lang, ("title", "summary", "adopted")):
        b.para(Span(t("stale.reader", lang), italic=True))
    b.para(Span(t("resolution.points", lang), bold=True))
    b.bullets([(Span(shown(p, lang)),) for p in res.points], numbered=True)
    add_sources(b, res.sources, lang)
    return b.build()


COMMANDS: tuple[Command, ...] = (
    Command(
        "agenda", agenda,
        usage="/agenda [day | topic]",
        options=(Option("filter", "option.agenda.filter",
                        autocomplete="agenda", rest=True),),
    ),
    Command(
        "participants", participants,
        usage="/participants [name | role | country]",
        options=(Option("filter", "option.participants.filter",
                        autocomplete="participants", rest=True),),
    ),
    Command(
        "resolution", resolution,
        usage="/resolution",
    ),
)


def _stems(text: str) -> set[str]:
    return {w[:5] for w in words(text) if len(w) > 3}


def _says_the_same(organisation: str, role: str) -> bool:
    """'Ministère de l’Intérieur' adds nothing to 'Ministre de l’Intérieur' (nor 'Direction
    générale des études' to 'Directeur général des études'): compare word stems."""
    return fold(organisation) in fold(role) or _stems(organisation) <= _stems(role)


def _days(event: Event | None, lang: str) -> str:
    if event is None:
        return "—"
    return format_days(event.starts_on, event.ends_on, lang, event.alt_starts_on)
