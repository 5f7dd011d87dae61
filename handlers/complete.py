"""Completions for typed command options (Discord autocomplete), platform-neutral.

A handler option names a completion *source* (``Option(autocomplete="agenda")``); a platform
asks :func:`complete` for up to 25 ``(label, value)`` pairs matching what the user typed so
far. Labels are what the user sees, values what the command receives as its argument, so a
completion always produces input the command itself accepts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers.base import Deps, Registry
from handlers.i18n import format_day
from handlers.news import summary
from storage.text import fold, pick

MAX_CHOICES = 25
#: Discord's limit for a choice's name and value; kept here so every platform stays under it
MAX_CHARS = 100

Choice = tuple[str, str]
Source = Callable[[str, str, Deps, Registry | None], Awaitable[list[Choice]]]


def _cut(text: str, limit: int = MAX_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _hit(prefix: str, *texts: str | None) -> bool:
    """Every folded word of the prefix starts some word of the texts (or the texts contain it)."""
    wanted = fold(prefix).split()
    if not wanted:
        return True
    hay = fold(" ".join(t for t in texts if t))
    return all(w in hay for w in wanted)


async def _agenda(prefix: str, lang: str, deps: Deps, registry: Registry | None) -> list[Choice]:
    """The event's days (as ISO dates, which /agenda parses) then its topics."""
    async with deps.uow() as uow:
        sessions = await uow.content.agenda()
        topics = await uow.content.topics()
    out: list[Choice] = []
    for day in sorted({s.day for s in sessions if s.day is not None}):
        label = format_day(day, lang)
        if _hit(prefix, label, day.isoformat(), day.strftime("%d/%m")):
            out.append((label, day.isoformat()))
    for tp in topics:
        name = pick(tp.name, lang)
        if _hit(prefix, name, tp.key, *tp.name.values()):
            out.append((name, name))
    return out


async def _participants(
    prefix: str, lang: str, deps: Deps, registry: Registry | None
) -> list[Choice]:
    async with deps.uow() as uow:
        people = await uow.content.participants()
    out: list[Choice] = []
    countries: dict[str, None] = {}
    for p in people:
        if _hit(prefix, p.name):
            role = pick(p.role, lang)
            out.append((f"{p.name} — {role}" if role else p.name, p.name))
        country = pick(p.country, lang)
        if country and _hit(prefix, country):
            countries.setdefault(country)
    out.extend((c, c) for c in countries)
    return out


async def _items(prefix: str, lang: str, deps: Deps, registry: Registry | None) -> list[Choice]:
    """Published items: by number when digits are typed, else by search, else the latest."""
    raw = prefix.strip().lstrip("#")
    async with deps.uow() as uow:
        if raw.isdigit() and len(raw) <= 12:
            found = await uow.items.get_published(int(raw))
            items = [found] if found is not None else []
            items += [i for i in await uow.items.latest(MAX_CHOICES) if str(i.id).startswith(raw)]
        elif raw:
            items, _ = await uow.items.search(raw, MAX_CHOICES, lang=lang)
        else:
            items = list(await uow.items.latest(MAX_CHOICES))
    seen: set[int] = set()
    out: list[Choice] = []
    for i in items:
        if i.id not in seen:
            seen.add(i.id)
            out.append((f"#{i.id} {summary(pick(i.title, lang), 80)}", str(i.id)))
    return out


async def _commands(prefix: str, lang: str, deps: Deps, registry: Registry | None) -> list[Choice]:
    """Public command names, for /help."""
    if registry is None:
        return []
    want = fold(prefix.strip().lstrip("/"))
    return [
        (f"/{c.name} — {pick(c.summary, lang)}", c.name)
        for c in registry
        if c.listed and not c.admin and c.name.startswith(want)
    ]


SOURCES: dict[str, Source] = {
    "agenda": _agenda,
    "participants": _participants,
    "items": _items,
    "commands": _commands,
}


async def complete(
    source: str, prefix: str, lang: str, deps: Deps, registry: Registry | None = None
) -> list[Choice]:
    """Up to 25 (label, value) pairs for ``prefix``; [] for an unknown source."""
    fn = SOURCES.get(source)
    if fn is None:
        return []
    choices = await fn(prefix[:MAX_CHARS], lang, deps, registry)
    return [(_cut(label), _cut(value)) for label, value in choices[:MAX_CHOICES]]
