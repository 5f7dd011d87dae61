"""/undo, /revert, /history and the readable form of a revision (also used by /audit).

Every content change is a revision (storage/revisions.py): the fields it changed, language
by language, before and after. Taking one back puts back exactly those fields — only if
nobody changed them since — and, for a news item, tells readers what changed for them: a
withdrawn item is withdrawn from their chats, a restored one comes back, a corrected one is
corrected.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select

from handlers.admin_input import check_lang, parse_id
from handlers.base import Command, Deps, Option, Request, UserError
from handlers.catalog import CATALOG
from handlers.desk import audit, topic_names
from handlers.fanout.corrections import send_corrections, send_restorations, send_retractions
from handlers.i18n import format_day, format_moment, labelled, quoted, t, t_counts
from handlers.news import full_item
from handlers.program_admin import (
    PARTICIPANT_FIELDS,
    RESOLUTION_FIELDS,
    SESSION_FIELDS,
    FieldSpec,
    notify_change,
    restore,
    snapshot,
)
from handlers.reply import Reply, ReplyBuilder, Span
from storage import revisions
from storage.editorial import (
    item_snapshot,
    restore_item,
    restore_withdrawn,
    source_snapshot,
    withdraw_pending,
)
from storage.models import (
    AgendaSession,
    AuditEntry,
    Event,
    Fact,
    NewsItem,
    OutboxMessage,
    Participant,
    Resolution,
    Source,
)
from storage.uow import UnitOfWork

VALUE_SHOWN = 80


@dataclass(frozen=True)
class Kind:
    """How to read, write and remove one kind of content row."""

    model: type[Any]
    snapshot: Callable[[Any], dict[str, Any]]
    restore: Callable[[Any, dict[str, Any]], None]
    removable: bool = True


def _program(fields: dict[str, FieldSpec]) -> tuple[Callable[[Any], dict[str, Any]],
                                                    Callable[[Any, dict[str, Any]], None]]:
    return (lambda row: snapshot(row, fields)), (lambda row, snap: restore(row, snap, fields))


KINDS: dict[str, Kind] = {
    "item": Kind(NewsItem, item_snapshot, restore_item),
    "session": Kind(AgendaSession, *_program(SESSION_FIELDS)),
    "participant": Kind(Participant, *_program(PARTICIPANT_FIELDS)),
    "resolution": Kind(Resolution, *_program(RESOLUTION_FIELDS), removable=False),
    "source": Kind(Source, source_snapshot, lambda row, snap: _restore_source(row, snap)),
}
KIND_ALIASES = {"news": "item", "nouvelle": "item", "séance": "session", "seance": "session",
                "participant": "participant", "résolution": "resolution"}


def _visible(snap: dict[str, Any] | None) -> bool:
    return snap is not None and snap.get("status") == "published" and not snap.get("deleted_at")


# ------------------------------------------------------------------ describing a revision
def _value(value: Any, lang: str, sources: dict[int, str], key: str) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if key == "source_id" and isinstance(value, int):
        return sources.get(value, f"#{value}")
    if isinstance(value, bool):
        return t("revision.yes" if value else "revision.no", lang)
    if isinstance(value, list):
        text = ", ".join(str(v) for v in value)
    else:
        text = str(value)
    if key == "day":
        try:
            return format_day(dt.date.fromisoformat(text), lang)
        except ValueError:
            pass
    if key in ("published_at", "deleted_at", "starts_at", "ends_at"):
        try:
            return format_moment(dt.datetime.fromisoformat(text), lang, "UTC")
        except ValueError:
            pass
    text = " ".join(text.split())
    if len(text) > VALUE_SHOWN:  # shown shortened, on a word boundary; stored whole
        text = text[:VALUE_SHOWN].rsplit(" ", 1)[0] + " …"
    return quoted(text, lang)


def _field_label(key: str, lang: str) -> str:
    field, _, language = key.partition(".")
    name = t(f"revision.field.{field}", lang) if f"revision.field.{field}" in CATALOG else field
    return f"{name} ({language})" if language else name


def _status_word(entry: AuditEntry, lang: str) -> str | None:
    """publish / withdraw / delete / restore said in a word, not as field values."""
    before, after = entry.before or {}, entry.after or {}
    fields = set(entry.fields or ())
    if "deleted_at" in fields:
        return t("revision.deleted" if after.get("deleted_at") else "revision.restored", lang)
    if "status" in fields:
        return t("revision.published" if after.get("status") == "published"
                 else "revision.withdrawn" if before.get("status") == "published"
                 else "revision.status", lang, status=after.get("status", "—"))
    return None


def change_lines(entry: AuditEntry, lang: str, sources: dict[int, str]) -> list[str]:
    """'title (fr): « a » → « b »', 'url: — → https://…', 'published' — readable, whole keys."""
    before, after = entry.before or {}, entry.after or {}
    created = entry.before is None  # an add: only the fields it filled in
    removed = entry.after == {} and bool(entry.before)  # an add taken back: what it had
    word = None if (created and after.get("status") != "published") or removed \
        else _status_word(entry, lang)
    lines = [word] if word else []
    for key in entry.fields or ():
        if key.startswith("stale/"):
            if not created or key in after:
                lines.append(t("revision.stale_on" if key in after else "revision.stale_off", lang,
                               field=_field_label(key.partition("/")[2], lang)))
            continue
        if created and _value(after.get(key), lang, sources, key) == "—":
            continue
        if _value(before.get(key), lang, sources, key) == _value(after.get(key), lang, sources,
                                                                    key):
            continue  # nothing a reader of the log could tell apart (— → —)
        if key in ("deleted_at", "status") and word:
            continue
        if key == "published_at" and word and entry.action == "item.publish":
            continue
        lines.append(labelled(_field_label(key, lang), lang))
        lines[-1] += (f"{_value(before.get(key), lang, sources, key)} → "
                      f"{_value(after.get(key), lang, sources, key)}")
    return lines


def what(entry: AuditEntry, lang: str) -> str:
    """'edit of news item #4', 'undo of revision #12'."""
    action = entry.action
    if action in (revisions.UNDO, revisions.REVERT):
        return t(f"revision.action.{action}", lang, rev=entry.undoes or "?",
                 object=_object(entry, lang))
    key = f"revision.action.{action}"
    if key in _ACTION_KEYS and entry.object_id is not None:
        return t(key, lang, object=_object(entry, lang))
    return f"{action} {entry.target or ''}".strip()


def _object(entry: AuditEntry, lang: str) -> str:
    if entry.object_kind is None:
        return entry.target or ""
    return t(f"revision.kind.{entry.object_kind}", lang, id=entry.object_id)


_ACTION_KEYS = {f"revision.action.{a}" for a in revisions.CONTENT_ACTIONS}


async def source_names(uow: UnitOfWork, entries: list[AuditEntry]) -> dict[int, str]:
    ids = {v for e in entries for side in (e.before or {}, e.after or {})
           for k, v in side.items() if k == "source_id" and isinstance(v, int)}
    if not ids:
        return {}
    rows = (await uow.session.execute(select(Source.id, Source.title).where(Source.id.in_(ids)))).all()
    return {int(i): str(title) for i, title in rows}


def revision_row(entry: AuditEntry, lang: str, tz: str, sources: dict[int, str]) -> tuple[Span, ...]:
    """One bullet of /audit or /history."""
    head = [Span(f"#{entry.id} ", code=True), Span(format_moment(entry.at, lang, tz), italic=True),
            Span(f" {entry.platform}:{entry.user_id} "), Span(what(entry, lang), bold=True)]
    if entry.undone_by:
        head.append(Span(" " + t("revision.undone_by", lang, rev=entry.undone_by), italic=True))
    changes = change_lines(entry, lang, sources)
    if changes:
        head.append(Span(" — " + "; ".join(changes)))
    return tuple(head)


# ------------------------------------------------------------------------ taking back
async def _load(uow: UnitOfWork, entry: AuditEntry) -> tuple[Kind, Any]:
    kind = KINDS.get(entry.object_kind or "")
    if kind is None or entry.object_id is None:
        raise UserError("undo.not_content", show_usage=False, rev=entry.id)
    row = await uow.session.get(kind.model, entry.object_id)
    return kind, row


async def _later_standing(uow: UnitOfWork, entry: AuditEntry) -> int | None:
    """A newer revision of the same object that is still in force (blocks removing it)."""
    return await uow.session.scalar(
        select(func.min(AuditEntry.id)).where(
            AuditEntry.object_kind == entry.object_kind, AuditEntry.object_id == entry.object_id,
            AuditEntry.id > entry.id, AuditEntry.undone_by.is_(None),
            AuditEntry.action != revisions.UNDO))


async def take_back(uow: UnitOfWork, req: Request, deps: Deps, entry: AuditEntry,
                    action: str) -> Reply:
    """Undo (or revert) ``entry``'s command exactly; refuse, changing nothing (the unit of
    work rolls back), when any part of it cannot be."""
    lang = req.language
    batch = await revisions.batch_of(uow.session, entry) or [entry]
    main = next((e for e in batch if e.object_kind != "source"), entry)
    b = ReplyBuilder().para(t(f"{action}.done", lang, rev=main.id, what=what(main, lang)))
    for part in batch:  # newest first: a new source is removed after the edit that used it
        await _take_back_one(uow, req, deps, part, action, b)
    return b.build()


async def _take_back_one(uow: UnitOfWork, req: Request, deps: Deps, entry: AuditEntry,
                         action: str, b: ReplyBuilder) -> None:
    lang = req.language
    kind, row = await _load(uow, entry)
    if row is None:
        raise UserError("undo.gone_object", show_usage=False, object=_object(entry, lang))
    current = kind.snapshot(row)
    added = entry.action.endswith(".add")
    if added:
        later = await _later_standing(uow, entry)
        if later is not None or (isinstance(row, Source) and await _source_in_use(uow, row.id)):
            raise UserError("undo.later_change", show_usage=False, rev=entry.id,
                            later=later or "?", object=_object(entry, lang))
        wanted = None
    else:
        stale = revisions.conflicts(current, entry)
        if stale:
            raise UserError("undo.conflict", show_usage=False, rev=entry.id,
                            object=_object(entry, lang),
                            fields=", ".join(_field_label(k, lang) for k in stale))
        wanted = revisions.apply(current, entry.before or {}, entry.fields or ())
    change = await audit(uow, req, action, f"{entry.object_kind}:{entry.object_id}", current,
                         wanted if wanted is not None else {}, deps=deps, undoes=entry.id,
                         language=entry.language)
    if entry.undoes is not None:  # taking back an undo/revert: the revision it cancelled stands again
        cancelled = await uow.session.get(AuditEntry, entry.undoes)
        if cancelled is not None and cancelled.undone_by == entry.id:
            cancelled.undone_by = None
    done = await uow.session.get(AuditEntry, change)
    if done is not None and entry.object_kind != "source":  # what it changed, field by field
        for line in change_lines(done, lang, await source_names(uow, [done])):
            b.para(Span(line, italic=True))
    if isinstance(row, NewsItem):
        await _item_effects(uow, deps, b, lang, row, current, wanted, change, entry)
    elif wanted is None:
        await uow.session.delete(row)
    else:
        kind.restore(row, wanted)
        if isinstance(row, AgendaSession):  # a time, room or status put back: readers told
            await notify_change(uow, deps, row, current, wanted, change, b, lang)
    await uow.session.flush()


async def _source_in_use(uow: UnitOfWork, source_id: int) -> bool:
    await uow.session.flush()
    for model in (NewsItem, AgendaSession, Participant, Resolution, Fact, Event):
        used = await uow.session.scalar(
            select(func.count()).select_from(model).where(model.source_id == source_id))
        if used:
            return True
    return False


def _restore_source(row: Source, snap: dict[str, Any]) -> None:
    for key, value in snap.items():
        setattr(row, key, value)


async def _item_effects(uow: UnitOfWork, deps: Deps, b: ReplyBuilder, lang: str, item: NewsItem,
                        current: dict[str, Any], wanted: dict[str, Any] | None, change: int,
                        entry: AuditEntry) -> None:
    """Readers see the item as it now is: withdrawn, back, or corrected."""
    was, now = _visible(current), _visible(wanted)
    if wanted is None:  # undo of an add
        if was:
            raise UserError("undo.later_change", show_usage=False, rev=entry.id, later="?",
                            object=_object(entry, lang))
        await uow.session.execute(delete(OutboxMessage).where(OutboxMessage.item_id == item.id))
        await uow.session.delete(item)
        return
    restore_item(item, wanted)
    await uow.session.flush()
    await uow.session.refresh(item)
    counts: tuple[int, int] = (0, 0)
    if was and not now:
        held = await withdraw_pending(uow.session, item.id, change, deps.clock())
        counts = await send_retractions(uow, deps.fanout, item, change)
        if held or any(counts):
            b.para(Span(t_counts("item.withdrawn", lang, held=held, edits=counts[0], notices=counts[1]),
                        italic=True))
        return
    if now and not was:
        requeued = 0
        if entry.action == "item.delete":
            requeued = await restore_withdrawn(uow.session, item.id, entry.id)
        if requeued:
            b.para(Span(t("item.restored_alerts", lang, n=requeued), italic=True))
        counts = await send_restorations(uow, deps.fanout, item, change)
        if any(counts):
            b.para(Span(t_counts("item.restored_copies", lang, edits=counts[0], notices=counts[1]),
                        italic=True))
    elif now:
        counts = await send_corrections(uow, deps.fanout, item, change)
        if any(counts):
            b.para(Span(t_counts("item.corrections", lang, edits=counts[0], notices=counts[1]), italic=True))
    if now:
        b.blocks.extend(full_item(item, lang, deps.timezone, await topic_names(uow, lang)).blocks)


# ------------------------------------------------------------------------- commands
def _parse_object(args: str) -> tuple[str, int]:
    parts = args.split()
    if len(parts) != 2:
        raise UserError("admin.missing")
    kind = KIND_ALIASES.get(parts[0].lower(), parts[0].lower())
    if kind not in KINDS:
        raise UserError("history.bad_kind", value=parts[0][:20], kinds=", ".join(KINDS))
    return kind, parse_id(parts[1], kind)


async def undo(req: Request, deps: Deps) -> Reply:
    minutes = int(deps.undo_window.total_seconds() // 60)
    async with deps.uow() as uow:
        entry = await revisions.last_undoable(uow.session, req.platform, req.user_id,
                                              deps.clock() - deps.undo_window)
        if entry is None:
            raise UserError("undo.nothing", show_usage=False, minutes=minutes)
        return await take_back(uow, req, deps, entry, revisions.UNDO)


async def revert(req: Request, deps: Deps) -> Reply:
    rev = parse_id(req.args, "revision")
    async with deps.uow() as uow:
        entry = await uow.session.get(AuditEntry, rev)
        if entry is None or entry.action not in (*revisions.CONTENT_ACTIONS, revisions.UNDO,
                                                 revisions.REVERT):
            raise UserError("undo.not_content", show_usage=False, rev=rev)
        if entry.undone_by is not None:
            raise UserError("revert.already", show_usage=False, rev=rev, by=entry.undone_by)
        return await take_back(uow, req, deps, entry, revisions.REVERT)


async def stillvalid(req: Request, deps: Deps) -> Reply:
    parts = req.args.split()
    if len(parts) != 3:
        raise UserError("admin.missing")
    kind, object_id = _parse_object(" ".join(parts[:2]))
    language = check_lang(parts[2])
    lang = req.language
    label = t(f"revision.kind.{kind}", lang, id=object_id)
    async with deps.uow() as uow:
        spec = KINDS[kind]
        row = await uow.session.get(spec.model, object_id)
        if row is None or not hasattr(row, "stale"):
            raise UserError("undo.gone_object", show_usage=False, object=label)
        before = spec.snapshot(row)
        kept = [k for k in row.stale or [] if not k.endswith(f".{language}")]
        if kept == list(row.stale or []):
            return ReplyBuilder().para(t("stale.none", lang, language=language,
                                         object=label)).build()
        row.stale = kept
        await audit(uow, req, f"{kind}.edit", f"{kind}:{object_id}", before,
                    spec.snapshot(row), deps=deps, language=language)
    return ReplyBuilder().para(t("stale.cleared", lang, language=language,
                                 object=label)).build()


async def history(req: Request, deps: Deps) -> Reply:
    kind, object_id = _parse_object(req.args)
    lang = req.language
    async with deps.uow() as uow:
        entries = list(await revisions.history(uow.session, kind, object_id))
        sources = await source_names(uow, entries)
    label = t(f"revision.kind.{kind}", lang, id=object_id)
    if not entries:
        return ReplyBuilder().para(t("history.none", lang, object=label)).build()
    b = ReplyBuilder().heading(t("history.title", lang, object=label))
    b.bullets([revision_row(e, lang, deps.timezone, sources) for e in entries])
    return b.para(Span(t("history.hint", lang), italic=True)).build()


COMMANDS: tuple[Command, ...] = (
    Command(
        "undo", undo, admin=True, group="admin",
        usage="/undo",
        ),
    Command(
        "revert", revert, admin=True, group="admin",
        usage="/revert <revision>",
        options=(Option("revision", "option.revert.revision",
                        type="int", required=True),),
    ),
    Command(
        "stillvalid", stillvalid, admin=True, group="admin",
        usage="/stillvalid <item|session|participant|resolution> <id> <language>",
        options=(Option("kind", "option.stillvalid.kind", required=True, choices=tuple(KINDS)),
                 Option("id", "option.stillvalid.id", type="int", required=True),
                 Option("language", "option.stillvalid.language", required=True)),
    ),
    Command(
        "history", history, admin=True, group="admin",
        usage="/history <item|session|participant|resolution> <id>",
        options=(Option("kind", "option.history.kind", required=True, choices=tuple(KINDS)),
                 Option("id", "option.history.id", type="int", required=True)),
    ),
)

