"""How one programme session reads, wherever it is shown (/agenda, /now, /next, /following,
reminders and change notices): its time in the reader's zone, its room, its status, its
title, topic and description, as neutral spans.

A session may have a start and an end (UTC instants), only a day, or nothing (the 93rd
Assembly's sessions: the sources give no times); what is not known is not shown, and a
session with a day but no time says so where a time is expected (``time_not_given``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from handlers.common import shown
from handlers.i18n import format_time, t
from handlers.reply import Span
from storage.models import AgendaSession, Topic


def time_range(s: AgendaSession, lang: str, tz: str) -> str | None:
    """'14:30–15:15' (or '14:30') in ``tz``; None when the session has no start."""
    if s.starts_at is None:
        return None
    start = format_time(s.starts_at, lang, tz)
    if s.ends_at is None or s.ends_at <= s.starts_at:
        return start
    return f"{start}–{format_time(s.ends_at, lang, tz)}"


def local_day(s: AgendaSession, tz: str) -> dt.date | None:
    """The session's day in ``tz`` (its start's, else its ``day``)."""
    if s.starts_at is not None:
        from zoneinfo import ZoneInfo

        return s.starts_at.astimezone(ZoneInfo(tz)).date()
    return s.day


def status_word(s: AgendaSession, lang: str) -> str | None:
    """'cancelled' / 'moved' in ``lang``; None for a session as scheduled."""
    if s.status in ("cancelled", "moved"):
        return t(f"session.{s.status}", lang)
    return None


def session_spans(s: AgendaSession, topics: Mapping[str, Topic], lang: str, tz: str, *,
                  with_time: bool = True, with_description: bool = True,
                  with_id: bool = False) -> tuple[Span, ...]:
    """'#12 · 14:30–15:15 · Salle A — Title [Topic] (cancelled) — description'."""
    parts: list[Span] = []
    if with_id:
        parts.append(Span(f"#{s.id} ", code=True))
    when = time_range(s, lang, tz) if with_time else None
    if when:
        parts.append(Span(when + " ", bold=True))
    if s.room:
        parts.append(Span(s.room, foreign=True))
        parts.append(Span(" — "))
    parts.append(Span(shown(s.title, lang), bold=True, foreign=True))
    if s.topic and s.topic in topics:
        parts.append(Span(f" [{shown(topics[s.topic].name, lang)}]", italic=True))
    word = status_word(s, lang)
    if word:
        parts.append(Span(f" ({word})", bold=True))
    desc = shown(s.description, lang) if with_description else ""
    if desc:
        parts.append(Span(" — " + desc))
    return tuple(parts)


def shown_zone(chat_tz: str | None, event_tz: str | None, default_tz: str) -> str:
    """The zone a chat reads an event's programme in: the chat's own, when it chose one other
    than the bot's default (``/settings tz``); else the event's (the times at the venue, as the
    programme gives them); else the bot's default. Every programme view uses it (/agenda, /now,
    /next, /following, reminders, change notices), so they all show the same times."""
    if chat_tz and chat_tz != default_tz:
        return chat_tz
    return event_tz or chat_tz or default_tz


def in_order(sessions: Iterable[AgendaSession], tz: str) -> list[AgendaSession]:
    """As a programme reads: by local day in ``tz`` (undated last), then start (untimed last
    in their day), then position."""
    def key(s: AgendaSession) -> tuple[object, ...]:
        day = local_day(s, tz)
        return (day is None, day or dt.date.min, s.starts_at is None,
                s.starts_at or dt.datetime.min.replace(tzinfo=dt.UTC), s.position, s.id)
    return sorted(sessions, key=key)
