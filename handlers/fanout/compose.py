"""Digest and alert composition: what a subscriber receives, built once and sent to many.

A digest lists the items published in its window (since the chat's previous digest),
filtered by the chat's topics and grouped by topic, in the chat's language, with sources;
with several events, a digest covers its chat's event (items of that event and items of no
event) and names it under its heading, as an alert names its item's event.
Composition depends only on (language, time zone, topics, window), so one tick builds each
distinct digest once (:class:`Composer` memoizes) however many chats share it. A digest or
an alert says its language (``Reply.language``), so it renders in that language's direction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from handlers.common import add_sources, sources_of
from handlers.i18n import format_day, format_moment, t
from handlers.news import full_item, item_line
from handlers.reply import Reply, ReplyBuilder, Span
from storage.models import Chat, Event, NewsItem, Topic
from storage.text import pick
from storage.uow import UnitOfWork

MAX_DIGEST_ITEMS = 12


WindowKey = tuple[str, str, tuple[str, ...], dt.datetime, dt.datetime, bool, int | None]


def group_by_topic(items: Sequence[NewsItem], topics: Sequence[Topic],
                   wanted: Sequence[str]) -> list[tuple[str | None, list[NewsItem]]]:
    """Items under the first of their topics the chat follows (topic table order), once each."""
    order = [tp.key for tp in topics if not wanted or tp.key in wanted]
    groups: dict[str | None, list[NewsItem]] = {k: [] for k in order}
    groups[None] = []
    for item in items:
        key = next((k for k in order if k in (item.topics or [])), None)
        groups[key].append(item)
    return [(k, v) for k, v in groups.items() if v]


def digest_reply(items: Sequence[NewsItem], topics: Sequence[Topic], *, lang: str, tz: str,
                 wanted: Sequence[str], start: dt.datetime, end: dt.datetime,
                 notify_empty: bool, event: Event | None = None) -> Reply | None:
    """The digest for one window, or None when it is empty and the chat wants no empty digest;
    ``event``: the event it covers, named under the heading."""
    since = format_moment(start, lang, tz)
    day = format_day(end.astimezone(_zone(tz)).date(), lang)
    if not items and not notify_empty:
        return None
    b = ReplyBuilder().heading(t("digest.title", lang, day=day))
    _name_event(b, event, lang)
    if not items:
        b.para(t("digest.empty", lang, since=since))
        return b.build(language=lang)
    b.para(Span(t("digest.count", lang, n=len(items), since=since), italic=True))
    names = {tp.key: pick(tp.name, lang) for tp in topics}
    shown = 0
    kept: list[NewsItem] = []
    for key, group in group_by_topic(items, topics, wanted):
        room = MAX_DIGEST_ITEMS - shown
        if room <= 0:
            break
        part = group[:room]
        b.para(Span(names[key], bold=True, foreign=True) if key in names
               else Span(key or t("digest.other", lang), bold=True))
        b.bullets([item_line(i, lang, tz) for i in part])
        shown += len(part)
        kept.extend(part)
    if len(items) > shown:
        b.para(Span(t("digest.more", lang, n=len(items) - shown), italic=True))
    add_sources(b, sources_of(kept), lang)
    b.para(Span(t("digest.footer", lang), italic=True))
    return b.build(language=lang)


def alert_reply(item: NewsItem, topics: Sequence[Topic], *, lang: str, tz: str,
                event: Event | None = None) -> Reply:
    """An item as an alert; ``event``: the item's event, named under its title."""
    names = {tp.key: pick(tp.name, lang) for tp in topics}
    b = full_item(item, lang, tz, names)
    if event is not None:
        header = ReplyBuilder()
        _name_event(header, event, lang)
        b.blocks[1:1] = header.blocks  # right under the item's title
    b.para(Span(t("alert.footer", lang), italic=True))
    return b.build(language=lang)


def _name_event(b: ReplyBuilder, event: Event | None, lang: str) -> None:
    if event is not None:
        b.para(Span(pick(event.name, lang) or event.key, bold=True, foreign=True))


def _zone(tz: str) -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo(tz)


class Composer:
    """Builds each distinct digest once per tick; chats with the same settings share it."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._topics: Sequence[Topic] | None = None
        self._items: dict[tuple[dt.datetime, dt.datetime, int | None], list[NewsItem]] = {}
        self._events: Sequence[Event] | None = None
        self._digests: dict[WindowKey, Reply | None] = {}
        self.built = 0

    async def topics(self) -> Sequence[Topic]:
        if self._topics is None:
            self._topics = await self.uow.content.topics()
        return self._topics

    async def event_of(self, chat: Chat, now: dt.datetime) -> Event | None:
        """The event a chat's digest covers: its choice, else the current or next one."""
        from handlers.events import default_event

        if self._events is None:
            self._events = await self.uow.content.events()
        if chat.event_id is not None:
            chosen = next((e for e in self._events if e.id == chat.event_id), None)
            if chosen is not None:
                return chosen
        return default_event(self._events, now)

    async def digest(self, *, lang: str, tz: str, topics: Sequence[str], start: dt.datetime,
                     end: dt.datetime, notify_empty: bool,
                     event: Event | None = None) -> Reply | None:
        event_id = event.id if event is not None else None
        key: WindowKey = (lang, tz, tuple(sorted(topics)), start, end, notify_empty, event_id)
        if key not in self._digests:
            window = (start, end, event_id)
            if window not in self._items:
                self._items[window] = await self.uow.items.published_between(
                    start, end, event_id=event_id)
            wanted = set(topics)
            items = [i for i in self._items[window]
                     if not wanted or wanted.intersection(i.topics or [])]
            self._digests[key] = digest_reply(
                items, await self.topics(), lang=lang, tz=tz, wanted=list(topics), start=start,
                end=end, notify_empty=notify_empty, event=event)
            self.built += 1
        return self._digests[key]
