"""/addsession, /editsession, /cancelsession, /restoresession, /addparticipant,
/editparticipant, /setresolution.

One small table of fields per kind of row drives parsing, validation and the audit snapshot, so
the five commands behave alike: ``<field> <value>``, ``field.en`` for one language, errors that
list the fields.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from handlers.admin_input import (
    BODY_MAX,
    DESC_MAX,
    NAME_MAX,
    TITLE_MAX,
    check_country_code,
    check_lang,
    check_text,
    check_topics,
    check_url,
    parse_bool,
    parse_day,
    parse_id,
    parse_moment,
    parse_options,
    split_field,
    split_title_body,
)
from handlers.base import Command, Deps, Handler, Option, Request, UserError
from handlers.desk import audit, split_args
from handlers.fanout.programme import queue_changes
from handlers.i18n import format_day, t
from handlers.reply import Reply, ReplyBuilder, Span
from storage.editorial import source_for
from storage.models import SESSION_STATUSES, AgendaSession, Base, Event, Participant
from storage.programme import SessionChange, bump_sequence
from storage.revisions import diff, mark_stale, stale_languages
from storage.text import pick
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class FieldSpec:
    attr: str
    kind: str  # text | loc | day | topic | bool | cc | status | source | url | moment | room | programme
    limit: int = NAME_MAX


SESSION_FIELDS = {
    "title": FieldSpec("title", "loc", TITLE_MAX), "description": FieldSpec("description", "loc", DESC_MAX),
    "day": FieldSpec("day", "day"), "topic": FieldSpec("topic", "topic"),
    "source": FieldSpec("source_id", "source"), "url": FieldSpec("source_id", "url"),
    # the programme (issue 15): times in the event's zone (or ISO 8601), room, status; a new
    # start also sets the day (and "moved" once the session had a time)
    "start": FieldSpec("starts_at", "moment"), "end": FieldSpec("ends_at", "moment"),
    "room": FieldSpec("room", "room"), "status": FieldSpec("status", "programme"),
}
PARTICIPANT_FIELDS = {
    "name": FieldSpec("name", "text"), "role": FieldSpec("role", "loc"),
    "organisation": FieldSpec("organisation", "loc"), "country": FieldSpec("country", "loc"),
    "cc": FieldSpec("country_code", "cc"), "spoke": FieldSpec("spoke", "bool"),
    "source": FieldSpec("source_id", "source"), "url": FieldSpec("source_id", "url"),
}
RESOLUTION_FIELDS = {
    "title": FieldSpec("title", "loc", TITLE_MAX), "text": FieldSpec("summary", "loc", BODY_MAX),
    "status": FieldSpec("status", "status"), "date": FieldSpec("adopted", "loc", NAME_MAX),
    "source": FieldSpec("source_id", "source"), "url": FieldSpec("source_id", "url"),
}
ALIASES = {"org": "organisation", "organization": "organisation", "pays": "country",
           "country_code": "cc", "jour": "day", "date": "day", "theme": "topic", "langue": "lang",
           "debut": "start", "début": "start", "fin": "end", "salle": "room", "statut": "status"}
STATUSES = ("adopted", "draft")


def _localized(fields: dict[str, FieldSpec]) -> tuple[str, ...]:
    return tuple(k for k, f in fields.items() if f.kind == "loc")


def snapshot(row: Base, fields: dict[str, FieldSpec]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for spec in fields.values():
        value = getattr(row, spec.attr)
        out[spec.attr] = value.isoformat() if isinstance(value, dt.date) else value
    out["stale"] = list(getattr(row, "stale", None) or [])
    return out


def restore(row: Base, snap: dict[str, Any], fields: dict[str, FieldSpec]) -> None:
    if "stale" in snap:
        row.stale = list(snap["stale"] or [])  # type: ignore[attr-defined]
    for spec in fields.values():
        if spec.attr in snap:
            value = snap[spec.attr]
            if spec.kind == "day" and value:
                value = dt.date.fromisoformat(value)
            elif spec.kind == "moment" and value:
                value = dt.datetime.fromisoformat(value)
            setattr(row, spec.attr, value)


async def apply_field(uow: UnitOfWork, row: Any, spec: FieldSpec, value: str, lang: str) -> None:
    """Validate ``value`` for ``spec`` and set it on ``row`` (raises UserError, writes nothing else)."""
    kind = spec.kind
    if kind == "loc":
        setattr(row, spec.attr, {**(getattr(row, spec.attr) or {}), lang: check_text(value, spec.attr, spec.limit)})
    elif kind == "text":
        setattr(row, spec.attr, check_text(value, spec.attr, spec.limit))
    elif kind == "day":
        raw = value.strip()
        day = None if raw.rstrip("!") == "-" else parse_day(raw.rstrip("!"))
        event = await uow.content.event()
        if day is not None and event is not None and not raw.endswith("!") \
                and not event.starts_on <= day <= event.ends_on:
            # probably a typo (2025-12-25 for 2025-11-25): said, and kept only when confirmed
            raise UserError("program.day_outside", show_usage=False, day=format_day(day, lang),
                            start=format_day(event.starts_on, lang),
                            end=format_day(event.ends_on, lang), value=f"{day.isoformat()}!")
        setattr(row, spec.attr, day)
    elif kind == "topic":
        known = [tp.key for tp in await uow.content.topics()]
        chosen = [] if value.strip() == "-" else check_topics(value, known)
        setattr(row, spec.attr, chosen[0] if chosen else None)
    elif kind == "moment":
        await _set_moment(uow, row, spec.attr, value)
    elif kind == "room":
        setattr(row, spec.attr, None if value.strip() == "-" else check_text(value, "room", NAME_MAX))
    elif kind == "programme":
        status = value.strip().lower()
        if status not in SESSION_STATUSES:
            raise UserError("program.bad_status", value=value.strip()[:16],
                            statuses=", ".join(SESSION_STATUSES))
        setattr(row, spec.attr, status)
    elif kind == "bool":
        setattr(row, spec.attr, parse_bool(value))
    elif kind == "cc":
        setattr(row, spec.attr, check_country_code(value))
    elif kind == "status":
        if value.strip().lower() not in STATUSES:
            raise UserError("program.bad_status", value=value.strip()[:16], statuses=", ".join(STATUSES))
        setattr(row, spec.attr, value.strip().lower())
    else:  # source name or URL: a source row (new when this name/URL pair is new)
        current = row.source
        name = check_text(value, "source", NAME_MAX) if kind == "source" else (current.title if current else None)
        url = check_url(value) if kind == "url" else (current.url if current else None)
        source = await source_for(uow.session, name, url)
        # the column too: the revision's snapshot reads source_id, which a relationship
        # assignment alone would only change at the next flush (the edit went unrecorded)
        row.source, row.source_id = source, source.id


async def _event_of(uow: UnitOfWork, row: Any) -> Event | None:
    event = await uow.session.get(Event, row.event_id) if row.event_id is not None else None
    return event or await uow.content.event()


async def _set_moment(uow: UnitOfWork, row: AgendaSession, attr: str, value: str) -> None:
    """``start``/``end``: '2025-11-26 14:30' in the event's zone, or ISO 8601 with a zone;
    '-' clears. A new start sets the day, keeps the session's length (the end moves with it),
    and makes a session that had a time "moved"."""
    event = await _event_of(uow, row)
    tz = event.timezone if event is not None else "UTC"
    raw = value.strip()
    # a bare HH:MM is on the session's own day (else the event's first day)
    day = row.day or (event.starts_on if event is not None else dt.date(2000, 1, 1))
    base = row.starts_at or dt.datetime.combine(day, dt.time(12), tzinfo=ZoneInfo(tz))
    moment = None if raw == "-" else parse_moment(raw, tz, base)
    if attr == "ends_at" and moment is not None and row.starts_at is not None \
            and moment <= row.starts_at:
        raise UserError("admin.bad_time", value=raw[:40], tz=tz)
    old = row.starts_at
    setattr(row, attr, moment)
    if attr == "starts_at" and moment is not None and old is not None \
            and row.ends_at is not None and row.ends_at > old:
        row.ends_at = row.ends_at + (moment - old)  # the session keeps its length
    if attr == "starts_at" and moment is not None:
        row.day = moment.astimezone(ZoneInfo(tz)).date()
        if old is not None and old != moment and row.status == "scheduled":
            row.status = "moved"


async def _find(uow: UnitOfWork, model: type[Any], ref: str, what: str) -> Any:
    ref = ref.strip()
    if re.fullmatch(r"#?\d{1,12}", ref):
        row = await uow.session.get(model, parse_id(ref, what))
    else:
        row = (await uow.session.scalars(select(model).where(model.key == ref[:100]))).first()
    if row is None:
        raise UserError("program.not_found", show_usage=False, what=what, ref=ref[:40])
    return row


async def _add(uow: UnitOfWork, row: Any, fields: dict[str, FieldSpec], opts: dict[str, str], lang: str) -> None:
    for name, value in opts.items():
        if name in fields:
            await apply_field(uow, row, fields[name], value, lang)
    row.position = int(await uow.session.scalar(select(func.coalesce(func.max(type(row).position), -1) + 1)) or 0)
    uow.session.add(row)
    await uow.session.flush()


def _given_once(opts: dict[str, str], **typed: str) -> None:
    """A field typed as text (the title, the name) may not be given as an option too."""
    for field, value in typed.items():
        if value.strip() and field in opts:
            raise UserError("admin.option_twice", option=field)


def _done(req: Request, key: str, row: Any, label: str) -> Reply:
    return ReplyBuilder().para(t(key, req.language, id=row.id, ref=row.key, label=label)).build()


async def _edit_field(uow: UnitOfWork, req: Request, deps: Deps, row: Any,
                      fields: dict[str, FieldSpec], field: str, lang: str | None, value: str,
                      what: str, label: str) -> Reply:
    """Set one field (one language of a multilingual one), record the revision, and say which
    language changed and which translations now need an update."""
    spec = fields[field]
    lang = (lang or req.language) if spec.kind == "loc" else None
    before = snapshot(row, fields)
    await apply_field(uow, row, spec, value, lang or req.language)
    after = snapshot(row, fields)
    mark_stale(row, diff(before, after))
    rev = await audit(uow, req, f"{what}.edit", f"{what}:{row.id}", before,
                      snapshot(row, fields), deps=deps)
    b = ReplyBuilder().para(t("program.updated", req.language, id=row.id, ref=row.key,
                              label=label))
    b.para(Span(t("edit.field", req.language, field=f"{field} ({lang})" if lang else field),
                italic=True))
    stale_note(b, row, req.language, what)
    if isinstance(row, AgendaSession):
        await notify_change(uow, deps, row, before, after, rev, b, req.language)
    return b.build()


def _moment(value: Any) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) and value else None


def session_change(row: AgendaSession, before: dict[str, Any], after: dict[str, Any],
                   ref: int) -> SessionChange | None:
    """What readers are told about a session edit (time, room, status), if anything."""
    was, now = before.get("status"), after.get("status")
    start0, start1 = _moment(before.get("starts_at")), _moment(after.get("starts_at"))
    room0, room1 = before.get("room"), after.get("room")
    if was != "cancelled" and now == "cancelled":
        kind = "cancelled"
    elif was == "cancelled" and now != "cancelled":
        kind = "restored"
    elif start0 != start1:
        kind = "moved"
    elif room0 != room1:
        kind = "room"
    else:
        return None
    return SessionChange(row.id, kind, start0, room0, start1, room1, ref)


async def notify_change(uow: UnitOfWork, deps: Deps, row: AgendaSession, before: dict[str, Any],
                        after: dict[str, Any], ref: int, b: ReplyBuilder | None = None,
                        lang: str = "fr") -> int:
    """The change notices of one session edit (a desk command or its undo); the number
    queued is said in ``b``. The session's calendar SEQUENCE grows with its schedule."""
    bump_sequence(row, before, after)
    change = session_change(row, before, after, ref)
    if change is None:
        return 0
    await uow.session.flush()
    queued = await queue_changes(uow, deps.fanout, [change], deps.clock())
    if b is not None:
        b.para(Span(t("programme.notices", lang, n=queued), italic=True))
    return queued


async def _set_status(req: Request, deps: Deps, cancel: bool) -> Reply:
    """/cancelsession and /restoresession: the status field, with its notices."""
    async with deps.uow() as uow:
        row = await _find(uow, AgendaSession, req.args, "session")
        if (row.status == "cancelled") == cancel:
            raise UserError("programme.already_cancelled" if cancel else "programme.not_cancelled",
                            show_usage=False, id=row.id)
        before = snapshot(row, SESSION_FIELDS)
        row.status = "cancelled" if cancel else "scheduled"
        after = snapshot(row, SESSION_FIELDS)
        rev = await audit(uow, req, "session.edit", f"session:{row.id}", before, after, deps=deps)
        b = ReplyBuilder().para(t("programme.cancelled" if cancel else "programme.restored",
                                  req.language, id=row.id, title=pick(row.title, req.language)))
        await notify_change(uow, deps, row, before, after, rev, b, req.language)
        return b.build()


async def cancelsession(req: Request, deps: Deps) -> Reply:
    return await _set_status(req, deps, True)


async def restoresession(req: Request, deps: Deps) -> Reply:
    return await _set_status(req, deps, False)


def stale_note(b: ReplyBuilder, row: Any, lang: str, what: str) -> None:
    """For the admin: the languages whose texts now predate an edit, and what to do."""
    for language, names in stale_languages(row).items():
        b.para(Span("⚠ " + t("stale.admin", lang, language=language, fields=", ".join(names),
                             kind=what, id=row.id), italic=True))


def _edit_spec(name: str, handler: Handler, fields: dict[str, FieldSpec]) -> Command:
    """The declaration of an edit command (/editsession, /editparticipant): its usage, help
    and options name the fields it edits."""
    return Command(
        name, handler, admin=True, group="admin",
        usage=f"/{name} <id|key> <{'|'.join(fields)}> <value>",
        help_args=(("fields", ", ".join(fields)), ("localized", ", ".join(_localized(fields)))),
        options=(Option("ref", "option.edit.ref", required=True),
                 Option("field", "option.edit.field", required=True, choices=tuple(fields)),
                 Option("value", "option.edit.value", required=True, rest=True)),
    )


async def _edit(req: Request, deps: Deps, model: type[Any], fields: dict[str, FieldSpec],
                what: str, label: Callable[[Any, str], str]) -> Reply:
    """``/edit… <id|key> <field> <value>`` on one row of ``model``."""
    ref, raw_field, value = split_args(req.args, 2)
    field, lang = split_field(raw_field, fields, localized=_localized(fields))
    async with deps.uow() as uow:
        row = await _find(uow, model, ref, what)
        return await _edit_field(uow, req, deps, row, fields, field, lang, value, what,
                                 label(row, req.language))


async def editsession(req: Request, deps: Deps) -> Reply:
    return await _edit(req, deps, AgendaSession, SESSION_FIELDS, "session",
                       lambda s, lang: pick(s.title, lang))


async def editparticipant(req: Request, deps: Deps) -> Reply:
    return await _edit(req, deps, Participant, PARTICIPANT_FIELDS, "participant",
                       lambda p, lang: p.name)


async def addsession(req: Request, deps: Deps) -> Reply:
    text, opts = parse_options(req.args, ("lang", *SESSION_FIELDS), ALIASES)
    title, description = split_title_body(text)
    _given_once(opts, title=title, description=description)
    lang = check_lang(opts.pop("lang")) if "lang" in opts else req.language
    opts = {"title": title, "description": description or "-", **opts}
    if description == "":
        opts.pop("description")
    async with deps.uow() as uow:
        row = AgendaSession(key=f"session-{uuid.uuid4()}", title={}, description={})
        await _add(uow, row, SESSION_FIELDS, opts, lang)
        await audit(uow, req, "session.add", f"session:{row.id}", after=snapshot(row, SESSION_FIELDS),
                    deps=deps, language=lang)
        return _done(req, "program.session_added", row, pick(row.title, lang))


async def addparticipant(req: Request, deps: Deps) -> Reply:
    text, opts = parse_options(req.args, ("lang", *PARTICIPANT_FIELDS), ALIASES)
    name, _, extra = text.partition("\n")
    if extra.strip():  # a line that is neither the name nor an option: not dropped, refused
        raise UserError("admin.extra_text", value=extra.strip().split("\n")[0][:80])
    _given_once(opts, name=name)
    lang = check_lang(opts.pop("lang")) if "lang" in opts else req.language
    opts = {"name": name, **opts}
    if "role" not in opts:
        raise UserError("admin.empty", field="role")
    async with deps.uow() as uow:
        row = Participant(key=f"participant-{uuid.uuid4()}", name="", role={}, organisation={})
        await _add(uow, row, PARTICIPANT_FIELDS, opts, lang)
        await audit(uow, req, "participant.add", f"participant:{row.id}",
                    after=snapshot(row, PARTICIPANT_FIELDS), deps=deps, language=lang)
        return _done(req, "program.participant_added", row, row.name)


async def setresolution(req: Request, deps: Deps) -> Reply:
    raw_field, value = split_args(req.args, 1)
    field, lang = split_field(raw_field, RESOLUTION_FIELDS, localized=_localized(RESOLUTION_FIELDS))
    async with deps.uow() as uow:
        row = await uow.content.resolution()
        if row is None:
            raise UserError("resolution.none", show_usage=False)
        return await _edit_field(uow, req, deps, row, RESOLUTION_FIELDS, field, lang, value,
                                 "resolution", pick(row.title, req.language))


COMMANDS: tuple[Command, ...] = (
    Command(
        "addsession", addsession, admin=True, group="admin",
        usage="/addsession <title> [day=2025-11-25 topic=… lang=… source=… url=…] ↵ <description>",
        options=(Option("text", "option.addsession.text", required=True, rest=True),),
    ),
    Command(
        "addparticipant", addparticipant, admin=True, group="admin",
        usage="/addparticipant <name> [role=… org=… country=… cc=MA spoke=yes lang=… source=… url=…]",
        options=(Option("text", "option.addparticipant.text", required=True, rest=True),),
    ),
    _edit_spec("editsession", editsession, SESSION_FIELDS),
    Command(
        "cancelsession", cancelsession, admin=True, group="admin",
        usage="/cancelsession <id|key>",
        options=(Option("ref", "option.cancelsession.ref", required=True),),
    ),
    Command(
        "restoresession", restoresession, admin=True, group="admin",
        usage="/restoresession <id|key>",
        options=(Option("ref", "option.restoresession.ref", required=True),),
    ),
    _edit_spec("editparticipant", editparticipant, PARTICIPANT_FIELDS),
    Command(
        "setresolution", setresolution, admin=True, group="admin",
        usage="/setresolution <title|text|status|date|source|url> <value>",
        options=(Option("field", "option.setresolution.field", required=True, choices=tuple(RESOLUTION_FIELDS)),
                 Option("value", "option.setresolution.value", required=True, rest=True)),
    ),
)
