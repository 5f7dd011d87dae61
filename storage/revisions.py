"""Revisions: every change to content, field by field and language by language.

A revision is an :class:`~storage.models.AuditEntry` with an object (``item`` 5), the fields it
changed, as flat keys (``title.fr``, ``status``, ``day``), and only those fields' values before
and after. A key absent from ``before`` (or ``after``) means the field did not exist then: a
translation added, a language removed. That makes an undo exact: it puts back the changed
keys and nothing else, and only if nobody changed them since (``conflicts``).

Snapshots are the JSON-ready dicts the desk already builds (``item_snapshot``,
``program_admin.snapshot``); a multilingual field is a dict keyed by language and becomes one
key per language here.

Everything flushes, nothing commits: the command's unit of work decides.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry

Snapshot = dict[str, Any]

#: actions that change content (and so are revisions /undo and /revert can take back)
CONTENT_ACTIONS = (
    "item.add", "item.edit", "item.translate", "item.publish", "item.delete",
    "session.add", "session.edit", "participant.add", "participant.edit", "resolution.edit",
    "source.add",
)
UNDO, REVERT = "undo", "revert"
#: the snapshot key listing texts that need translation ("title.en"), one flat key each
STALE = "stale"


def _localized(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and all(
        isinstance(k, str) and len(k) == 2 for k in value
    )


def flatten(snapshot: Snapshot | None) -> dict[str, Any]:
    """``{"title": {"fr": "a"}, "status": "draft"}`` -> ``{"title.fr": "a", "status": "draft"}``."""
    out: dict[str, Any] = {}
    for key, value in (snapshot or {}).items():
        if key == STALE and isinstance(value, list):  # one key per text: edits do not collide
            out.update({f"{STALE}/{k}": True for k in value})
        elif _localized(value):
            out.update({f"{key}.{lang}": text for lang, text in value.items()})
        else:
            out[key] = value
    return out


def unflatten(flat: dict[str, Any]) -> Snapshot:
    out: Snapshot = {}
    for key, value in flat.items():
        if key.startswith(f"{STALE}/"):
            out[STALE] = sorted({*out.get(STALE, []), key.partition("/")[2]})
            continue
        field, _, lang = key.partition(".")
        if lang:
            current = out.get(field)
            out[field] = {**(current if isinstance(current, dict) else {}), lang: value}
        else:
            out.setdefault(field, value)
    return out


@dataclass(frozen=True)
class Change:
    """The fields that differ between two snapshots, with their values on each side."""

    fields: list[str]
    before: dict[str, Any]
    after: dict[str, Any]

    def __bool__(self) -> bool:
        return bool(self.fields)

    @property
    def languages(self) -> list[str]:
        return sorted({k.partition(".")[2] for k in self.fields
                       if "." in k and not k.startswith(f"{STALE}/")})


def diff(before: Snapshot | None, after: Snapshot | None) -> Change:
    old, new = flatten(before), flatten(after)
    fields = [k for k in dict.fromkeys([*old, *new]) if old.get(k, _ABSENT) != new.get(k, _ABSENT)]
    return Change(fields, {k: old[k] for k in fields if k in old},
                  {k: new[k] for k in fields if k in new})


class _Absent:
    def __repr__(self) -> str:
        return "—"


_ABSENT: Any = _Absent()


def mark_stale(row: Any, change: Change, *, translation: bool = False) -> None:
    """After a desk edit of ``title.fr``, the row's other languages of ``title`` need
    translation (added to ``row.stale``); a text just written is current again. A
    translation (``translation=True``) only makes its own texts current."""
    stale = list(row.stale or [])
    for key in change.fields:
        field, _, lang = key.partition(".")
        if not lang or key not in change.after:
            continue
        if key in stale:
            stale.remove(key)
        if translation:
            continue
        texts = getattr(row, field, None) or {}
        for other in texts:
            other_key = f"{field}.{other}"
            if other != lang and texts.get(other) and other_key not in change.fields \
                    and other_key not in stale:
                stale.append(other_key)
    row.stale = sorted(stale)


def stale_languages(row: Any) -> dict[str, list[str]]:
    """{language: [fields]} of the row's texts that need translation."""
    out: dict[str, list[str]] = {}
    for key in getattr(row, "stale", None) or ():
        field, _, lang = key.partition(".")
        out.setdefault(lang, []).append(field)
    return out


def parse_target(target: str | None) -> tuple[str | None, int | None]:
    kind, _, raw = (target or "").partition(":")
    return (kind, int(raw)) if kind and raw.isdigit() else (None, None)


async def record(session: AsyncSession, *, platform: str, user_id: str, action: str,
                 target: str | None, before: Snapshot | None = None,
                 after: Snapshot | None = None, language: str | None = None,
                 undoes: int | None = None, origin: str = "desk",
                 at: dt.datetime | None = None, batch: int | None = None) -> AuditEntry:
    """Store one revision (only the changed fields) and, for an undo, link both ways.

    ``batch`` is the first revision of the same command (None: this one starts it)."""
    kind, object_id = parse_target(target)
    change = diff(before, after)
    entry = AuditEntry(
        platform=platform, user_id=user_id, action=action, target=target,
        before=change.before if before is not None else None,
        after=change.after if after is not None else None,
        object_kind=kind if kind in _OBJECT_KINDS else None,
        object_id=object_id if kind in _OBJECT_KINDS else None,
        fields=change.fields, language=language or _one(change.languages),
        undoes=undoes, origin=origin,
    )
    if at is not None:
        entry.at = at
    session.add(entry)
    await session.flush()
    entry.batch = batch if batch is not None else entry.id
    if undoes is not None:
        undone = await session.get(AuditEntry, undoes)
        if undone is not None:
            undone.undone_by = entry.id
            await session.flush()
    return entry


_OBJECT_KINDS = ("item", "session", "participant", "resolution", "fact", "source")


def _one(languages: list[str]) -> str | None:
    return languages[0] if len(languages) == 1 else None


def apply(snapshot: Snapshot, values: dict[str, Any], fields: Sequence[str]) -> Snapshot:
    """``snapshot`` with each of ``fields`` set to its value in ``values`` (removed if absent)."""
    flat = flatten(snapshot)
    for key in fields:
        if key in values:
            flat[key] = values[key]
        else:
            flat.pop(key, None)
    result = unflatten(flat)
    # A multilingual field whose last language went away is an empty dict, not missing.
    for key, value in snapshot.items():
        if key not in result:
            result[key] = {} if isinstance(value, dict) else [] if isinstance(value, list) else None
    return result


def conflicts(snapshot: Snapshot, entry: AuditEntry) -> list[str]:
    """Fields of ``entry`` whose current value is no longer what ``entry`` left."""
    flat, after = flatten(snapshot), entry.after or {}
    return [k for k in entry.fields or () if flat.get(k, _ABSENT) != after.get(k, _ABSENT)]


async def last_undoable(session: AsyncSession, platform: str, user_id: str,
                        since: dt.datetime) -> AuditEntry | None:
    """The caller's most recent content revision in the window that is not taken back yet."""
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.platform == platform, AuditEntry.user_id == user_id,
               AuditEntry.at >= since, AuditEntry.action.in_(CONTENT_ACTIONS),
               AuditEntry.undone_by.is_(None), AuditEntry.object_id.is_not(None))
        .order_by(AuditEntry.id.desc()).limit(1)
    )
    return (await session.scalars(stmt)).first()


async def batch_of(session: AsyncSession, entry: AuditEntry) -> list[AuditEntry]:
    """The standing content revisions of ``entry``'s command, newest first."""
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.batch == (entry.batch or entry.id), AuditEntry.undone_by.is_(None),
               AuditEntry.object_id.is_not(None))
        .order_by(AuditEntry.id.desc())
    )
    return list((await session.scalars(stmt)).all())


async def history(session: AsyncSession, kind: str, object_id: int,
                  limit: int = 20) -> Sequence[AuditEntry]:
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.object_kind == kind, AuditEntry.object_id == object_id)
        .order_by(AuditEntry.id.desc()).limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def latest_revision_id(session: AsyncSession, kind: str, object_id: int) -> int | None:
    """The newest revision of one object (what a preview showed)."""
    return await session.scalar(
        select(AuditEntry.id)
        .where(AuditEntry.object_kind == kind, AuditEntry.object_id == object_id,
               AuditEntry.action.in_((*CONTENT_ACTIONS, UNDO, REVERT)))
        .order_by(AuditEntry.id.desc()).limit(1))


async def desk_fields(session: AsyncSession, kind: str) -> dict[int, dict[str, int]]:
    """Per object of ``kind``: the fields whose latest standing change came from the desk,
    with that revision's id. Seed and import keep these (unless forced)."""
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.object_kind == kind, AuditEntry.object_id.is_not(None),
               and_(AuditEntry.undone_by.is_(None), AuditEntry.fields.is_not(None)))
        .order_by(AuditEntry.id)
    )
    owned: dict[int, dict[str, int]] = {}
    for entry in (await session.scalars(stmt)).all():
        if entry.object_id is None or entry.action == UNDO:
            continue  # an undo only cancels the entry it took back (excluded as undone)
        fields = owned.setdefault(entry.object_id, {})
        for key in entry.fields or ():
            if entry.origin == "desk":
                fields[key] = entry.id
            else:
                fields.pop(key, None)
    return {k: v for k, v in owned.items() if v}
