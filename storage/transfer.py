"""Export and import of all content, for backups and moving a news desk between databases.

The format is the seed file's (schema 1) extended with what the desk adds: every item with its
``status``, ``deleted_at`` and ``created_by`` (and its database ``id``, informative only).
Every row is exported with ``"sources": [keys]``, all it cites in order; import also reads a
single ``"source"`` (older exports, hand-written files).
Import is idempotent by ``key`` (rows with the same key are updated, others inserted; nothing
is deleted) and validates the whole file first: a bad entry stops it with a message naming
the entry (``items[3].published_at: …``) before anything is written. Import never announces
items: it restores content, it does not publish news.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import SESSION_STATUSES, AgendaSession, Cited, NewsItem, Source
from storage.repositories import ContentRepository
from storage.seed import Provenance, SeedError, SeedReport, _upsert, cited, load_seed
from storage.text import search_doc

FORMAT = "newsbot-content"
STATUSES = ("draft", "published")
LOCALIZED = dict


class TransferError(SeedError):
    """The file is not importable; the message names the entry and the problem."""


def _d(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _src(row: Cited) -> list[str]:
    return [s.key for s in row.sources]


async def export_content(session: AsyncSession, event_key: str | None = None) -> dict[str, Any]:
    """One event's content (``event_key``; default: the first event stored, the bundled one):
    its facts, sessions, participants, resolution and items, and those of no event. Another
    event's rows stay out: importing the file puts every row under its event."""
    content = ContentRepository(session)
    event = await (content.event_by_key(event_key) if event_key else content.event())
    if event is None:
        raise TransferError(f"no event {event_key!r}" if event_key
                            else "nothing to export: the database has no event")
    resolution = await content.resolution(event.id)
    if resolution is None:
        raise TransferError(f"nothing to export: the event {event.key!r} has no resolution "
                            "(export its programme with export-programme)")
    items = (await session.scalars(
        select(NewsItem).where(or_(NewsItem.event_id == event.id, NewsItem.event_id.is_(None)))
        .order_by(NewsItem.id))).all()
    return {
        "schema": 1, "format": FORMAT,
        "event": {"key": event.key, "name": event.name, "place": event.place, "summary": event.summary,
                  "summary_past": event.summary_past, "timezone": event.timezone, "starts_on": _d(event.starts_on),
                  "alt_starts_on": _d(event.alt_starts_on), "ends_on": _d(event.ends_on),
                  "sources": _src(event)},
        "sources": [{"key": s.key, "title": s.title, "name": s.name, "language": s.language, "url": s.url,
                     "published_on": _d(s.published_on)} for s in await content.sources()],
        "topics": [{"key": t.key, "name": t.name} for t in await content.topics()],
        "facts": [{"key": f.key, "label": f.label, "value": f.value, "sources": _src(f)}
                  for f in await content.facts(event.id)],
        "agenda": [{"key": a.key, "day": _d(a.day), "topic": a.topic, "title": a.title,
                    "description": a.description, "sources": _src(a), **_programme_fields(a)}
                   for a in await content.agenda(event.id)],
        "participants": [{"key": p.key, "name": p.name, "role": p.role, "organisation": p.organisation,
                          "country": p.country, "country_code": p.country_code, "spoke": p.spoke,
                          "sources": _src(p)} for p in await content.participants(event.id)],
        "resolution": {"key": resolution.key, "title": resolution.title, "summary": resolution.summary,
                       "status": resolution.status, "adopted": resolution.adopted,
                       "points": resolution.points, "sources": _src(resolution)},
        "items": [{"key": i.key or f"item-id-{i.id}", "id": i.id, "status": i.status,
                   "published_at": i.published_at.isoformat() if i.published_at else None,
                   "deleted_at": i.deleted_at.isoformat() if i.deleted_at else None,
                   "created_by": i.created_by, "topics": list(i.topics or []), "title": i.title,
                   "body": i.body, "sources": _src(i)} for i in items],
    }


#: a session's programme fields (migration 0008p), optional in a file: older exports lack them
PROGRAMME_FIELDS = ("starts_at", "ends_at", "room", "status", "language", "external_id")


def _programme_fields(a: AgendaSession) -> dict[str, Any]:
    return {"starts_at": a.starts_at.isoformat() if a.starts_at else None,
            "ends_at": a.ends_at.isoformat() if a.ends_at else None, "room": a.room,
            "status": a.status, "language": a.language, "external_id": a.external_id}


# ------------------------------------------------------------------ validation
Check = Callable[[Any], bool]
_STR: Check = lambda v: isinstance(v, str)  # noqa: E731
_OPT_STR: Check = lambda v: v is None or isinstance(v, str)  # noqa: E731
_LOC: Check = lambda v: isinstance(v, dict) and all(  # noqa: E731
    isinstance(k, str) and isinstance(x, str) for k, x in v.items())
_OPT_LOC: Check = lambda v: v is None or _LOC(v)  # noqa: E731
_KEY: Check = lambda v: isinstance(v, str) and 0 < len(v) <= 100  # noqa: E731


def _date_ok(v: Any) -> bool:
    if v is None:
        return True
    try:
        dt.date.fromisoformat(v)
        return True
    except (TypeError, ValueError):
        return False


def _moment_ok(v: Any) -> bool:
    if v is None:
        return True
    try:
        return dt.datetime.fromisoformat(v).tzinfo is not None
    except (TypeError, ValueError):
        return False


SHAPES: dict[str, dict[str, tuple[Check, str]]] = {
    "sources": {"key": (_KEY, "a key"), "title": (_STR, "text"), "name": (_LOC, "{lang: text}"),
                "url": (_OPT_STR, "a URL or null"), "published_on": (_date_ok, "YYYY-MM-DD or null")},
    "topics": {"key": (_KEY, "a key"), "name": (_LOC, "{lang: text}")},
    "facts": {"key": (_KEY, "a key"), "label": (_LOC, "{lang: text}"), "value": (_LOC, "{lang: text}")},
    "agenda": {"key": (_KEY, "a key"), "day": (_date_ok, "YYYY-MM-DD or null"), "title": (_LOC, "{lang: text}"),
               "description": (_LOC, "{lang: text}"), "topic": (_OPT_STR, "a topic key or null"),
               "starts_at": (_moment_ok, "an ISO 8601 time with a zone, or null"),
               "ends_at": (_moment_ok, "an ISO 8601 time with a zone, or null"),
               "room": (_OPT_STR, "text or null"), "language": (_OPT_STR, "a language or null"),
               "external_id": (_OPT_STR, "text or null"),
               "status": (lambda v: v in SESSION_STATUSES, " or ".join(SESSION_STATUSES))},
    "participants": {"key": (_KEY, "a key"), "name": (_STR, "text"), "role": (_LOC, "{lang: text}"),
                     "country": (_OPT_LOC, "{lang: text} or null")},
    "items": {"key": (_KEY, "a key"), "status": (lambda v: v in STATUSES, "draft or published"),
              "title": (_LOC, "{lang: text}"), "body": (_LOC, "{lang: text}"),
              "topics": (lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v), "a list of keys"),
              "published_at": (_moment_ok, "an ISO 8601 time with a zone, or null"),
              "deleted_at": (_moment_ok, "an ISO 8601 time with a zone, or null")},
}


def validate(data: Any) -> None:
    """Raise TransferError naming the first bad entry; checks shapes and cross references."""
    if not isinstance(data, dict) or data.get("schema") != 1:
        raise TransferError('expected a JSON object with "schema": 1')
    for section in ("event", "resolution"):
        if not isinstance(data.get(section), dict) or not _KEY(data[section].get("key")):
            raise TransferError(f"{section}: missing, or without a key")
    sources = set()
    for section, fields in SHAPES.items():
        rows = data.get(section, [] if section == "items" else None)
        if not isinstance(rows, list):
            raise TransferError(f"{section}: expected a list")
        seen: set[str] = set()
        for n, row in enumerate(rows):
            where = f"{section}[{n}]"
            if not isinstance(row, dict):
                raise TransferError(f"{where}: expected an object")
            for name, (ok, expected) in fields.items():
                if name not in row and section != "items" and name in (
                        "day", "topic", "country", "url", "published_on", *PROGRAMME_FIELDS):
                    continue
                if not ok(row.get(name)):
                    raise TransferError(f"{where}.{name}: expected {expected}, got {row.get(name)!r:.60}")
            if section != "facts":
                if row["key"] in seen:
                    raise TransferError(f"{where}.key: {row['key']!r} appears twice")
                seen.add(row["key"])
        if section == "sources":
            sources = seen
    topics = {t["key"] for t in data["topics"]}
    for section in ("facts", "agenda", "participants", "items"):
        for n, row in enumerate(data.get(section, [])):
            cited = _cited_keys(row, f"{section}[{n}]", sources)
            if section == "facts" and not cited:
                raise TransferError(f"facts[{n}].sources: a fact needs a source")
    for n, row in enumerate(data.get("items", [])):
        unknown = [t for t in row["topics"] if t not in topics]
        if unknown:
            raise TransferError(f"items[{n}].topics: unknown topic {unknown[0]!r}")
    for section in ("event", "resolution"):
        _cited_keys(data[section], section, sources)
    if not _date_ok(data["event"].get("alt_starts_on")):
        raise TransferError("event.alt_starts_on: expected YYYY-MM-DD or null")


def _cited_keys(row: dict[str, Any], where: str, known: set[str]) -> list[str]:
    """The source keys a row cites (``sources``, or one ``source``), each known and once."""
    if "sources" in row:
        if row.get("source") is not None:
            raise TransferError(f'{where}: give "source" or "sources", not both')
        keys = row["sources"]
        if not isinstance(keys, list) or not all(_KEY(k) for k in keys):
            raise TransferError(f"{where}.sources: expected a list of source keys, got {keys!r:.60}")
        field = "sources"
    else:
        keys = [] if row.get("source") is None else [row["source"]]
        field = "source"
    for k in keys:
        if k not in known:
            raise TransferError(f"{where}.{field}: unknown source key {k!r}")
    if len(set(keys)) != len(keys):
        raise TransferError(f"{where}.sources: a source is cited twice")
    return keys


async def import_content(session: AsyncSession, data: dict[str, Any], *,
                         force: bool = False) -> SeedReport:
    """Validate, then upsert everything by key in the caller's transaction (flushes, no commit).

    Fields the desk changed are kept and reported (``force`` overwrites them)."""
    validate(data)
    prov = Provenance(origin="import", force=force)
    try:
        report = await load_seed(session, {**data, "items": []}, force=force, origin="import")
        for a in data.get("agenda", []):  # the programme fields a newer file has
            extra = {k: a[k] for k in PROGRAMME_FIELDS if k in a}
            if extra:
                for k in ("starts_at", "ends_at"):
                    if k in extra:
                        extra[k] = dt.datetime.fromisoformat(extra[k]) if extra[k] else None
                await _upsert(session, AgendaSession, a["key"], extra, report, prov)
        by_key = {s.key: s for s in (await session.scalars(select(Source))).all()}
        for n, it in enumerate(data.get("items", [])):
            listed = cited(it, by_key, f"items[{n}]")
            await _upsert(session, NewsItem, it["key"], {
                "status": it["status"], "topics": list(it["topics"]), "title": it["title"],
                "body": it["body"], "search_doc": search_doc(it["title"], it["body"]),
                "source_id": listed[0].id if listed else None, "sources": listed,
                "published_at": dt.datetime.fromisoformat(it["published_at"]) if it.get("published_at") else None,
                "deleted_at": dt.datetime.fromisoformat(it["deleted_at"]) if it.get("deleted_at") else None,
                "created_by": it.get("created_by"),
            }, report, prov)
        await session.flush()
    except (KeyError, TypeError) as exc:
        raise TransferError(f"malformed entry: {exc!r}") from exc
    return report
