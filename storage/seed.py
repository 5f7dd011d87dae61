"""Load the event's content from a JSON data file into the database, idempotently.

Rows are matched by their stable ``key``; a second run finds nothing to change and writes
nothing. Newly inserted published items are returned so the caller can announce them.

The desk's revisions win: a field (in one language) whose standing change came from the
desk (storage/revisions.desk_fields) is kept and reported as skipped, unless ``force``.
The other languages of that field are still written (a re-seed adds the languages the file
has and the row lacks, e.g. Spanish and Arabic), and marked as needing translation, since
they translate the bundled text rather than the desk's. Texts may be in any of
storage.text.CONTENT_LANGUAGES, whichever languages the bot speaks.
Every update of an existing row is itself a revision, with the loader as its origin.

Sources: an entry cites ``"sources": ["key-a", "key-b"]`` (in order) or one ``"source"``.
The desk edits only the first source (``source_id``); when it did, the loader keeps that
first source and still writes the others (storage/models.with_first).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import revisions
from storage.models import (
    AgendaSession,
    Base,
    Event,
    Fact,
    NewsItem,
    Participant,
    Resolution,
    Source,
    Topic,
    with_first,
)
from storage.text import search_doc

DEFAULT_SEED = Path(__file__).with_name("seed") / "assembly-2025.json"


class SeedError(ValueError):
    """The data file is unreadable or inconsistent; the message says where."""


@dataclass
class SeedReport:
    inserted: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    new_item_ids: list[int] = field(default_factory=list)
    #: fields kept because the desk changed them: "participants #3 role.fr (desk revision #12)"
    skipped: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(self.inserted.values()) or any(self.updated.values())

    def summary(self, verb: str) -> list[str]:
        """What an operator reads after ``seed`` or ``import``: changes, then what was kept."""
        lines = [f"{verb}: inserted {self.inserted or 'nothing'}, updated {self.updated or 'nothing'}"
                 if self.changed else "content already up to date: nothing changed"]
        if self.skipped:
            lines.append(f"kept {len(self.skipped)} row(s) the desk changed "
                         "(--force overwrites them):")
            lines.extend(f"  {line}" for line in self.skipped)
        return lines


def read_seed(path: Path = DEFAULT_SEED) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SeedError(f"cannot read seed file {path}: {exc}") from exc
    if not isinstance(data, dict) or data.get("schema") != 1:
        raise SeedError(f"{path}: expected a JSON object with \"schema\": 1")
    return data


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _datetime(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise SeedError(f"timestamp without a time zone: {value}")
    return parsed


#: the revision kind of each table the desk edits
REVISION_KINDS = {"news_items": "item", "agenda_sessions": "session",
                  "participants": "participant", "resolutions": "resolution"}


@dataclass
class Provenance:
    """Who the loader is (``seed`` or ``import``), whether it may overwrite the desk, and the
    desk-owned fields per kind (read once per kind)."""

    origin: str = "seed"
    force: bool = False
    owned: dict[str, dict[int, dict[str, int]]] = field(default_factory=dict)

    async def desk_owned(self, session: AsyncSession, kind: str, row_id: int) -> dict[str, int]:
        if kind not in self.owned:
            self.owned[kind] = await revisions.desk_fields(session, kind)
        return self.owned[kind].get(row_id, {})


def _plain(value: Any) -> Any:
    """A value as a revision stores it: dates in ISO form, a list of sources as their keys."""
    if isinstance(value, list) and value and all(isinstance(v, Source) for v in value):
        return [v.key for v in value]
    return value.isoformat() if isinstance(value, dt.date) else value


def cited(entry: dict[str, Any], by_key: dict[str, Source], where: str) -> list[Source]:
    """The sources an entry cites, in order: ``"sources": [keys]`` or ``"source": key``."""
    if "sources" in entry and entry.get("source") is not None:
        raise SeedError(f"{where}: give \"source\" or \"sources\", not both")
    keys = entry.get("sources")
    if keys is None:
        keys = [] if entry.get("source") is None else [entry["source"]]
    if not isinstance(keys, list):
        raise SeedError(f"{where}.sources: expected a list of source keys")
    unknown = [k for k in keys if k not in by_key]
    if unknown:
        raise SeedError(f"{where}.sources: unknown source key {unknown[0]!r}")
    if len(set(keys)) != len(keys):
        raise SeedError(f"{where}.sources: a source is cited twice")
    return [by_key[k] for k in keys]


def _first_source_kept(row: Any, values: dict[str, Any]) -> dict[str, Any]:
    """When ``source_id`` was kept for the desk, the list of sources starts with it."""
    if "sources" not in values or "source_id" not in values:
        return values
    wanted = values["sources"]
    if (wanted[0].id if wanted else None) == values["source_id"]:
        return values
    return {**values, "sources": with_first(wanted, row.source)}


async def _keep_desk_fields(session: AsyncSession, row: Any, values: dict[str, Any],
                            name: str, report: SeedReport, prov: Provenance) -> dict[str, Any]:
    """``values`` with every desk-owned field (language by language) left as the row has it."""
    kind = REVISION_KINDS.get(name)
    if kind is None or prov.force:
        return values
    owned = await prov.desk_owned(session, kind, row.id)
    if not owned:
        return values
    current = revisions.flatten({a: getattr(row, a) for a in values})
    wanted = revisions.flatten(values)
    kept = []
    for key, rev in owned.items():
        if key in wanted and _plain(wanted.get(key)) != _plain(current.get(key)):
            if key in current:
                wanted[key] = current[key]
            else:
                wanted.pop(key)
            kept.append(f"{key} (desk revision #{rev})")
    if not kept:
        return values
    report.skipped.append(f"{name} #{row.id} {row.key}: kept " + ", ".join(kept))
    merged = revisions.unflatten(wanted)
    out = {a: merged.get(a, {} if isinstance(values[a], dict) else None) for a in values}
    stale = _stale_beside_the_desk(row, {k.partition(" ")[0] for k in kept}, wanted, current)
    if stale is not None:
        out["stale"] = stale
    return out


def _stale_beside_the_desk(row: Any, kept: set[str], wanted: dict[str, Any],
                           current: dict[str, Any]) -> list[str] | None:
    """The row's ``stale`` list after the loader writes texts beside a kept desk text.

    A bundled translation (``title.es``, new or changed) of a field whose other language the
    desk rewrote (``title.fr``, kept) translates the bundled text, not the desk's: it needs
    translation, like any text beside a desk edit (storage/revisions.mark_stale). ``None``
    when nothing changes (or the row has no ``stale`` list)."""
    if not hasattr(row, "stale"):
        return None
    fields = {k.partition(".")[0] for k in kept if "." in k}
    stale = set(row.stale or ())
    for key, value in wanted.items():
        field, _, lang = key.partition(".")
        if lang and field in fields and key not in kept and value != current.get(key):
            stale.add(key)
    return sorted(stale) if stale != set(row.stale or ()) else None


async def _upsert(
    session: AsyncSession, model: type[Base], key: str, values: dict[str, Any], report: SeedReport,
    prov: Provenance | None = None,
) -> Any:
    prov = prov or Provenance()
    name = model.__tablename__
    row: Any = (await session.scalars(select(model).where(model.key == key))).first()  # type: ignore[attr-defined]
    if row is None:
        row = model(key=key, **values)
        if hasattr(model, "origin"):
            row.origin = "bundled" if prov.origin == "seed" else prov.origin
        session.add(row)
        report.inserted[name] = report.inserted.get(name, 0) + 1
        return row
    values = _first_source_kept(row, await _keep_desk_fields(session, row, values, name, report, prov))
    if "search_doc" in values:  # follows the texts actually kept
        values["search_doc"] = search_doc(values["title"], values["body"])
    before = {a: _plain(getattr(row, a)) for a in values if a != "search_doc"}
    if _apply(row, values):
        report.updated[name] = report.updated.get(name, 0) + 1
        kind = REVISION_KINDS.get(name)
        if kind is not None:
            after = {a: _plain(getattr(row, a)) for a in before}
            await revisions.record(session, platform="cli", user_id=prov.origin,
                                   action=f"{kind}.{prov.origin}", target=f"{kind}:{row.id}",
                                   before=before, after=after, origin=prov.origin)
    return row


def _apply(row: Any, values: dict[str, Any]) -> bool:
    """Set the values that differ; True when anything changed (so an unchanged row is not written)."""
    changed = False
    for attr, value in values.items():
        if getattr(row, attr) != value:
            setattr(row, attr, value)
            changed = True
    return changed


async def load_seed(session: AsyncSession, data: dict[str, Any], *, force: bool = False,
                    origin: str = "seed") -> SeedReport:
    """Insert or update every row of ``data``; flushes, the caller commits.

    Fields the desk changed are kept (and listed in the report) unless ``force``."""
    report = SeedReport()
    prov = Provenance(origin=origin, force=force)
    sources: dict[str, Source] = {}
    try:
        for s in data["sources"]:
            sources[s["key"]] = await _upsert(session, Source, s["key"], {
                "title": s["title"], "name": s["name"], "language": s.get("language", "fr"),
                "url": s.get("url"), "published_on": _date(s.get("published_on")),
            }, report)
        await session.flush()

        def src(entry: dict[str, Any], where: str) -> dict[str, Any]:
            """The values that cite: the whole list, and its first source apart (the desk's)."""
            listed = cited(entry, sources, where)
            return {"source_id": listed[0].id if listed else None, "sources": listed}

        ev = data["event"]
        event = await _upsert(session, Event, ev["key"], {
            "name": ev["name"], "place": ev["place"], "summary": ev["summary"],
            "timezone": ev["timezone"], "starts_on": _date(ev["starts_on"]),
            "alt_starts_on": _date(ev.get("alt_starts_on")),
            "ends_on": _date(ev["ends_on"]), **src(ev, "event"),
            "summary_past": ev.get("summary_past") or {},
        }, report)
        await session.flush()
        of_event = {"event_id": event.id}
        for t in data["topics"]:
            await _upsert(session, Topic, t["key"], {"name": t["name"]}, report)
        await _load_facts(session, data["facts"], sources, report, event.id)
        for pos, a in enumerate(data["agenda"]):
            await _upsert(session, AgendaSession, a["key"], {
                "position": pos, "day": _date(a.get("day")), "topic": a.get("topic"),
                "title": a["title"], "description": a["description"],
                **src(a, f"agenda[{pos}]"), **of_event,
            }, report, prov)
        for pos, p in enumerate(data["participants"]):
            await _upsert(session, Participant, p["key"], {
                "position": pos, "name": p["name"], "role": p["role"],
                "organisation": p.get("organisation") or {}, "country": p.get("country"),
                "country_code": p.get("country_code"), "spoke": bool(p.get("spoke")),
                **src(p, f"participants[{pos}]"), **of_event,
            }, report, prov)
        r = data["resolution"]
        await _upsert(session, Resolution, r["key"], {
            "title": r["title"], "summary": r["summary"], "status": r["status"],
            "adopted": r["adopted"], "points": r["points"], **src(r, "resolution"), **of_event,
        }, report, prov)
        new_items: list[NewsItem] = []
        for n, it in enumerate(data["items"]):
            before = report.inserted.get("news_items", 0)
            row = await _upsert(session, NewsItem, it["key"], {
                "status": "published", "topics": it.get("topics", []), "title": it["title"],
                "body": it["body"], "search_doc": search_doc(it["title"], it["body"]),
                **src(it, f"items[{n}]"), **of_event,
                "published_at": _datetime(it.get("published_at")),
            }, report, prov)
            if report.inserted.get("news_items", 0) > before:
                new_items.append(row)
        await session.flush()
        report.new_item_ids = [i.id for i in new_items]
    except (KeyError, TypeError) as exc:
        raise SeedError(f"seed data is missing or has a malformed field: {exc!r}") from exc
    return report


async def _load_facts(session: AsyncSession, facts: list[dict[str, Any]],
                      by_key: dict[str, Source], report: SeedReport, event_id: int) -> None:
    """Facts are known by (key, first source): several rows with one key are sources that
    disagree; the further sources of a row are the ones that say the same."""
    existing = {(f.key, f.source_id): f for f in (await session.scalars(select(Fact))).all()}
    for pos, f in enumerate(facts):
        listed = cited(f, by_key, f"facts[{pos}]")
        if not listed:
            raise SeedError(f"facts[{pos}]: a fact needs a source")
        values = {"position": pos, "label": f["label"], "value": f["value"], "sources": listed,
                  "event_id": event_id}
        row = existing.get((f["key"], listed[0].id))
        if row is None:
            session.add(Fact(key=f["key"], **values))
            report.inserted["facts"] = report.inserted.get("facts", 0) + 1
            continue
        if _apply(row, values):
            report.updated["facts"] = report.updated.get("facts", 0) + 1


async def is_empty(session: AsyncSession) -> bool:
    return (await session.scalar(select(Event.id).limit(1))) is None
