"""Several events: which one a chat's commands answer for, each event's phase, /events and
/event.

A chat follows the event it chose (``Chat.event_id``, set by ``/event <key>``); otherwise
(``/event auto``, the default) the event in progress now, else the next to start, else the
last that ended. Every content command asks :func:`event_for`; with one event stored,
everything answers for it, as before there were several.

An event's phase (:func:`phase`) comes from its dates in its own time zone: before its
first day, during its days, after its last one. After the event, /start and /about say it
took place, and what was written before it is shown as what was planned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

from handlers.base import Command, Deps, Option, Request, UserError
from handlers.i18n import format_day, format_days, t
from handlers.reply import Reply, ReplyBuilder, Span
from storage.localtime import zone
from storage.models import Event
from storage.text import pick
from storage.uow import UnitOfWork

Phase = Literal["before", "during", "after"]
#: ``/event auto``: back to the default event (the words in every language)
AUTO_WORDS = frozenset({"auto", "automatique", "automatico", "automático", "تلقائي"})


def local_today(event: Event, now: dt.datetime) -> dt.date:
    """Today in the event's time zone (UTC when its zone is unknown)."""
    return now.astimezone(zone(event.timezone) or dt.UTC).date()


def phase(event: Event, now: dt.datetime) -> Phase:
    """'before' its first day, 'during' its days, 'after' its last day (in its zone)."""
    today = local_today(event, now)
    if today < event.starts_on:
        return "before"
    if today > event.ends_on:
        return "after"
    return "during"


def default_event(events: Sequence[Event], now: dt.datetime) -> Event | None:
    """The event in progress at ``now``, else the next to start, else the last that ended."""
    during = [e for e in events if phase(e, now) == "during"]
    if during:
        return during[0]
    upcoming = sorted((e for e in events if phase(e, now) == "before"),
                      key=lambda e: (e.starts_on, e.id))
    if upcoming:
        return upcoming[0]
    ended = sorted(events, key=lambda e: (e.ends_on, e.starts_on, e.id))
    return ended[-1] if ended else None


async def event_for(uow: UnitOfWork, req: Request, deps: Deps) -> Event | None:
    """The event the chat of ``req`` follows: its choice, else :func:`default_event`."""
    chat = await uow.chats.find(req.platform, req.chat_id)
    if chat is not None and chat.event_id is not None:
        chosen = await uow.content.event_by_id(chat.event_id)
        if chosen is not None:
            return chosen
    return default_event(await uow.content.events(), deps.clock())


def event_name(event: Event, lang: str) -> str:
    return pick(event.name, lang) or event.key


def took_place(event: Event, lang: str) -> str:
    """'The 93rd INTERPOL General Assembly took place in Marrakesh, Morocco from Monday 24
    November 2025 to Thursday 27 November 2025.'"""
    return t("phase.took_place", lang, event=event_name(event, lang),
             place=pick(event.place, lang), start=format_day(event.starts_on, lang),
             end=format_day(event.ends_on, lang))


def opens_in(event: Event, now: dt.datetime, lang: str) -> str:
    """'Opens on Monday 24 November 2025, in 3 days.'"""
    days = (event.starts_on - local_today(event, now)).days
    return t("phase.opens", lang, n=days, day=format_day(event.starts_on, lang))


def as_planned(text: str, lang: str) -> str:
    """What was written before the event, shown after it: 'As announced before the event: …'."""
    return t("phase.as_planned", lang, text=text)


def phase_word(event: Event, now: dt.datetime, lang: str) -> str:
    """'upcoming' / 'under way' / 'over'."""
    return t(f"phase.word.{phase(event, now)}", lang)


async def events(req: Request, deps: Deps) -> Reply:
    lang = req.language
    now = deps.clock()
    async with deps.uow() as uow:
        found = list(await uow.content.events())
        current = await event_for(uow, req, deps)
        chat = await uow.chats.find(req.platform, req.chat_id)
        chosen = chat is not None and chat.event_id is not None
    if not found:
        return ReplyBuilder().para(t("events.none", lang)).build()
    b = ReplyBuilder().heading(t("events.title", lang))
    rows = []
    for n, ev in enumerate(found, start=1):
        mark = "✓ " if current is not None and ev.id == current.id else ""
        rows.append((
            Span(f"{n}. ", code=True),
            Span(mark + event_name(ev, lang), bold=True, foreign=True),
            Span(f" ({ev.key})", code=True),
            Span(" — " + format_days(ev.starts_on, ev.ends_on, lang) + " · "),
            Span(pick(ev.place, lang), foreign=True),
            Span(" · " + phase_word(ev, now, lang), italic=True),
        ))
        b.button(f"{mark}{n}. {event_name(ev, lang)}"[:60], "event", ev.key)
    b.bullets(rows)
    b.para(Span(t("events.chosen" if chosen else "events.auto", lang), italic=True))
    return b.build()


def _pick_event(value: str, found: Sequence[Event]) -> Event | None:
    if value.isascii() and value.isdigit() and len(value) <= 4:
        n = int(value)
        return found[n - 1] if 1 <= n <= len(found) else None
    wanted = value.casefold()
    return next((e for e in found if e.key.casefold() == wanted), None)


async def event(req: Request, deps: Deps) -> Reply:
    from handlers.subscriptions import may_change  # subscriptions asks this module too

    lang = req.language
    value = req.args.strip().split()[0] if req.args.strip() else ""
    async with deps.uow() as uow:
        found = list(await uow.content.events())
        if not value:
            current = await event_for(uow, req, deps)
            if current is None:
                return ReplyBuilder().para(t("events.none", lang)).build()
            return ReplyBuilder().para(t("event.current", lang, event=event_name(current, lang),
                                         code=current.key)).build()
        auto = value.casefold() in AUTO_WORDS
        chosen = None if auto else _pick_event(value, found)
        if not auto and chosen is None:
            raise UserError("event.unknown", value=value[:64],
                            keys=", ".join(e.key for e in found) or "—")
        await may_change(req)  # in a group, the group admins' choice, like /settings
        chat = await uow.chats.touch(req.platform, req.chat_id, kind=req.chat_kind,
                                     title=req.chat_title, now=deps.clock())
        chat.event_id = None if chosen is None else chosen.id
        await uow.session.flush()
        now_following = chosen or default_event(found, deps.clock())
    if now_following is None:
        return ReplyBuilder().para(t("events.none", lang)).build()
    key = "event.auto" if auto else "event.set"
    return ReplyBuilder().para(t(key, lang, event=event_name(now_following, lang))).build()


COMMANDS: tuple[Command, ...] = (
    Command(
        "events", events,
        usage="/events",
    ),
    Command(
        "event", event,
        usage="/event <key | number | auto>",
        options=(Option("event", "option.event.event"),),
    ),
)


async def digest_refusal(uow: UnitOfWork, req: Request, deps: Deps) -> Reply | None:
    """``/subscribe digest`` for a chat whose event is over: the answer that digests are no
    longer offered (alerts for late news still are); None while digests are offered. A chat
    that already has a digest keeps it (nothing is changed here). An answer, not an error:
    the reader asked nothing wrong, the offer is over."""
    current = await event_for(uow, req, deps)
    if current is None or phase(current, deps.clock()) != "after":
        return None
    lang = req.language
    return ReplyBuilder().para(t("event.digest_over", lang, event=event_name(current, lang),
                                 day=format_day(current.ends_on, lang))).build()
