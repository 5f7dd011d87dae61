"""/agenda, /participants and /resolution.

Content texts go through handlers.common.shown: a text missing in the reader's language is
shown in another one and marked "(in French)", never silently."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

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
from handlers.i18n import format_day, format_days, t
from handlers.reply import Reply, ReplyBuilder, Span
from handlers.sessions import session_spans
from handlers.words import RELATIVE_DAYS, WEEKDAYS
from storage.localtime import zone
from storage.models import AgendaSession, Event, Topic
from storage.text import fold, pick, words

PER_PAGE = 6


def parse_day(text: str, event: Event | None, today: dt.date | None = None) -> dt.date | None:
    """'2025-11-25', '25/11', '25', a weekday in any of the bot's languages ('mardi',
    'tuesday', 'martes', 'الثلاثاء': that day within the event's dates), or, given ``today``,
    a relative day ('demain', 'tomorrow', 'mañana', 'غدا'; handlers.words)."""
    s = fold(text.strip())
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
    weekday = WEEKDAYS.get(s)
    if event and weekday is not None:
        day = event.starts_on
        while day <= event.ends_on:
            if day.weekday() == weekday:
                return day
            day += dt.timedelta(days=1)
    return None


def _session_row(s: AgendaSession, topics: dict[str, Topic], lang: str, tz: str) -> tuple[Span, ...]:
    return session_spans(s, topics, lang, tz)


def _topic_for(query: str, topics: Sequence[Topic]) -> Topic | None:
    q = fold(query.strip())
    for tp in topics:
        if q == tp.key or any(q and fold(v).startswith(q) for v in tp.name.values()):
            return tp
    return None


async def agenda(req: Request, deps: Deps) -> Reply:
    lang = req.language
    query = req.args.strip()
    async with deps.uow() as uow:
        event = await uow.content.event()
        sessions = list(await uow.content.agenda())
        topics = {tp.key: tp for tp in await uow.content.topics()}
    title = t("agenda.title", lang)
    note = None
    if query:
        today = deps.clock().astimezone(zone(event.timezone) or dt.UTC).date() if event else None
        day = parse_day(query, event, today)
        topic = None if day else _topic_for(query, list(topics.values()))
        if day is not None:
            title = t("agenda.title_for", lang, what=format_day(day, lang))
            dated = [s for s in sessions if s.day == day]
            if not dated:
                note = t("agenda.day_none", lang, day=format_day(day, lang))
                dated = [s for s in sessions if s.day is None]
            sessions = dated
        elif topic is not None:
            title = t("agenda.title_for", lang, what=shown(topic.name, lang))
            sessions = [s for s in sessions if s.topic == topic.key]
        else:
            title = t("agenda.title_for", lang, what=query[:80])
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
    current: object = object()
    group: list[tuple[Span, ...]] = []
    for s in on_page:
        if s.day != current:
            b.bullets(group)
            group = []
            current = s.day
            b.para(Span(format_day(s.day, lang) if s.day else t("agenda.no_day", lang), bold=True))
        group.append(_session_row(s, topics, lang, event.timezone if event else deps.timezone))
    b.bullets(group)
    add_pager(b, req, page, pages)
    add_sources(b, sources_of(on_page), lang)
    return b.build()


async def participants(req: Request, deps: Deps) -> Reply:
    lang = req.language
    query = req.args.strip()
    async with deps.uow() as uow:
        people = list(await uow.content.participants())
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
        res = await uow.content.resolution()
    if res is None:
        return ReplyBuilder().para(t("resolution.none", lang)).build()
    b = ReplyBuilder().heading(shown(res.title, lang))
    status = t(f"resolution.{res.status}", lang) if res.status in ("adopted", "draft") else res.status
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
