"""Load the event's content from a JSON data file into the database, idempotently.

Rows are matched by their stable ``key``; a second run finds nothing to change and writes
nothing. Newly inserted published items are returned so the caller can announce them.

The desk's revisions win: a field (in one language) whose standing change came from the
desk (storage/revisions.desk_fields) is kept and reported as skipped, unless ``force``.
Every update of an existing row is itself a revision, with the loader as its origin.
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
    return value.isoformat() if isinstance(value, dt.date) else value


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
    return {a: merged.get(a, {} if isinstance(values[a], dict) else None) for a in values}


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
    values = await _keep_desk_fields(session, row, values, name, report, prov)
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

        def src(key: str | None) -> int | None:
            if key is None:
                return None
            if key not in sources:
                raise SeedError(f"unknown source key {key!r}")
            return sources[key].id

        ev = data["event"]
        await _upsert(session, Event, ev["key"], {
            "name": ev["name"], "place": ev["place"], "summary": ev["summary"],
            "timezone": ev["timezone"], "starts_on": _date(ev["starts_on"]),
            "ends_on": _date(ev["ends_on"]), "source_id": src(ev.get("source")),
        }, report)
        for t in data["topics"]:
            await _upsert(session, Topic, t["key"], {"name": t["name"]}, report)
        await _load_facts(session, data["facts"], src, report)
        for pos, a in enumerate(data["agenda"]):
            await _upsert(session, AgendaSession, a["key"], {
                "position": pos, "day": _date(a.get("day")), "topic": a.get("topic"),
                "title": a["title"], "description": a["description"],
                "source_id": src(a.get("source")),
            }, report, prov)
        for pos, p in enumerate(data["participants"]):
            await _upsert(session, Participant, p["key"], {
                "position": pos, "name": p["name"], "role": p["role"],
                "organisation": p.get("organisation") or {}, "country": p.get("country"),
                "country_code": p.get("country_code"), "spoke": bool(p.get("spoke")),
                "source_id": src(p.get("source")),
            }, report, prov)
        r = data["resolution"]
        await _upsert(session, Resolution, r["key"], {
            "title": r["title"], "summary": r["summary"], "status": r["status"],
            "adopted": r["adopted"], "points": r["points"], "source_id": src(r.get("source")),
        }, report, prov)
        new_items: list[NewsItem] = []
        for it in data["items"]:
            before = report.inserted.get("news_items", 0)
            row = await _upsert(session, NewsItem, it["key"], {
                "status": "published", "topics": it.get("topics", []), "title": it["title"],
                "body": it["body"], "search_doc": search_doc(it["title"], it["body"]),
                "source_id": src(it.get("source")),
                "published_at": _datetime(it.get("published_at")),
            }, report, prov)
            if report.inserted.get("news_items", 0) > before:
                new_items.append(row)
        await session.flush()
        report.new_item_ids = [i.id for i in new_items]
    except (KeyError, TypeError) as exc:
        raise SeedError(f"seed data is missing or has a malformed field: {exc!r}") from exc
    return report


async def _load_facts(session: AsyncSession, facts: list[dict[str, Any]], src: Any, report: SeedReport) -> None:
    existing = {(f.key, f.source_id): f for f in (await session.scalars(select(Fact))).all()}
    for pos, f in enumerate(facts):
        source_id = src(f["source"])
        values = {"position": pos, "label": f["label"], "value": f["value"]}
        row = existing.get((f["key"], source_id))
        if row is None:
            session.add(Fact(key=f["key"], source_id=source_id, **values))
            report.inserted["facts"] = report.inserted.get("facts", 0) + 1
            continue
        if _apply(row, values):
            report.updated["facts"] = report.updated.get("facts", 0) + 1


async def is_empty(session: AsyncSession) -> bool:
    return (await session.scalar(select(Event.id).limit(1))) is None
