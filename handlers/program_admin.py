"""/addsession, /editsession, /addparticipant, /editparticipant, /setresolution.

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

from sqlalchemy import func, select

from handlers.admin_input import (
    NAME_MAX,
    TITLE_MAX,
    check_lang,
    check_text,
    check_topics,
    check_url,
    parse_bool,
    parse_day,
    parse_id,
    parse_options,
    split_field,
    split_title_body,
)
from handlers.base import Deps, Option, Registry, Request, UserError
from handlers.desk import audit, split_args
from handlers.i18n import t
from handlers.reply import Reply, ReplyBuilder
from storage.editorial import source_for
from storage.models import AgendaSession, Base, Participant
from storage.text import pick
from storage.uow import UnitOfWork

DESC_MAX = 2000


@dataclass(frozen=True)
class FieldSpec:
    attr: str
    kind: str  # text | loc | day | topic | bool | cc | status | source | url
    limit: int = NAME_MAX


SESSION_FIELDS = {
    "title": FieldSpec("title", "loc", TITLE_MAX), "description": FieldSpec("description", "loc", DESC_MAX),
    "day": FieldSpec("day", "day"), "topic": FieldSpec("topic", "topic"),
    "source": FieldSpec("source_id", "source"), "url": FieldSpec("source_id", "url"),
}
PARTICIPANT_FIELDS = {
    "name": FieldSpec("name", "text"), "role": FieldSpec("role", "loc"),
    "organisation": FieldSpec("organisation", "loc"), "country": FieldSpec("country", "loc"),
    "cc": FieldSpec("country_code", "cc"), "spoke": FieldSpec("spoke", "bool"),
    "source": FieldSpec("source_id", "source"), "url": FieldSpec("source_id", "url"),
}
RESOLUTION_FIELDS = {
    "title": FieldSpec("title", "loc", TITLE_MAX), "text": FieldSpec("summary", "loc", 8000),
    "status": FieldSpec("status", "status"), "date": FieldSpec("adopted", "loc", NAME_MAX),
    "source": FieldSpec("source_id", "source"), "url": FieldSpec("source_id", "url"),
}
ALIASES = {"org": "organisation", "organization": "organisation", "pays": "country",
           "country_code": "cc", "jour": "day", "date": "day", "theme": "topic", "langue": "lang"}
STATUSES = ("adopted", "draft")
_CC = re.compile(r"[A-Za-z]{2}")


def _localized(fields: dict[str, FieldSpec]) -> tuple[str, ...]:
    return tuple(k for k, f in fields.items() if f.kind == "loc")


def snapshot(row: Base, fields: dict[str, FieldSpec]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for spec in fields.values():
        value = getattr(row, spec.attr)
        out[spec.attr] = value.isoformat() if isinstance(value, dt.date) else value
    return out


def restore(row: Base, snap: dict[str, Any], fields: dict[str, FieldSpec]) -> None:
    for spec in fields.values():
        if spec.attr in snap:
            value = snap[spec.attr]
            setattr(row, spec.attr, dt.date.fromisoformat(value) if spec.kind == "day" and value else value)


async def apply_field(uow: UnitOfWork, row: Any, spec: FieldSpec, value: str, lang: str) -> None:
    """Validate ``value`` for ``spec`` and set it on ``row`` (raises UserError, writes nothing else)."""
    kind = spec.kind
    if kind == "loc":
        setattr(row, spec.attr, {**(getattr(row, spec.attr) or {}), lang: check_text(value, spec.attr, spec.limit)})
    elif kind == "text":
        setattr(row, spec.attr, check_text(value, spec.attr, spec.limit))
    elif kind == "day":
        setattr(row, spec.attr, None if value.strip() == "-" else parse_day(value))
    elif kind == "topic":
        known = [tp.key for tp in await uow.content.topics()]
        chosen = [] if value.strip() == "-" else check_topics(value, known)
        setattr(row, spec.attr, chosen[0] if chosen else None)
    elif kind == "bool":
        setattr(row, spec.attr, parse_bool(value))
    elif kind == "cc":
        if not _CC.fullmatch(value.strip()):
            raise UserError("program.bad_cc", value=value.strip()[:8])
        setattr(row, spec.attr, value.strip().upper())
    elif kind == "status":
        if value.strip().lower() not in STATUSES:
            raise UserError("program.bad_status", value=value.strip()[:16], statuses=", ".join(STATUSES))
        setattr(row, spec.attr, value.strip().lower())
    else:  # source name or URL: a source row (new when this name/URL pair is new)
        current = row.source
        name = value.strip()[:NAME_MAX] if kind == "source" else (current.title if current else None)
        url = check_url(value) if kind == "url" else (current.url if current else None)
        if kind == "source" and not name:
            raise UserError("admin.empty", field="source")
        source = await source_for(uow.session, name, url)
        # the column too: the revision's snapshot reads source_id, which a relationship
        # assignment alone would only change at the next flush (the edit went unrecorded)
        row.source, row.source_id = source, source.id


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


def _done(req: Request, key: str, row: Any, label: str) -> Reply:
    return ReplyBuilder().para(t(key, req.language, id=row.id, ref=row.key, label=label)).build()


def _edit_command(r: Registry, name: str, model: type[Any], fields: dict[str, FieldSpec], what: str,
                  summary: dict[str, str], label: Callable[[Any, str], str]) -> None:
    @r.command(
        name, admin=True, group="admin", summary=summary,
        usage=f"/{name} <id|key> <{'|'.join(fields)}> <value>",
        help={"fr": summary["fr"] + ". Champs : " + ", ".join(fields) + " ; .en/.fr pour une langue "
                    "(" + ", ".join(_localized(fields)) + "). « - » vide un jour ou un thème.",
              "en": summary["en"] + ". Fields: " + ", ".join(fields) + "; .en/.fr for one language "
                    "(" + ", ".join(_localized(fields)) + "). “-” clears a day or topic."},
        options=(Option("ref", {"fr": "Numéro ou clé", "en": "Number or key"}, required=True),
                 Option("field", {"fr": "Champ", "en": "Field"}, required=True, choices=tuple(fields)),
                 Option("value", {"fr": "Valeur", "en": "Value"}, required=True, rest=True)),
    )
    async def edit(req: Request, deps: Deps) -> Reply:
        ref, raw_field, value = split_args(req.args, 2)
        field, lang = split_field(raw_field, fields, localized=_localized(fields))
        async with deps.uow() as uow:
            row = await _find(uow, model, ref, what)
            before = snapshot(row, fields)
            await apply_field(uow, row, fields[field], value, lang or req.language)
            await audit(uow, req, f"{what}.edit", f"{what}:{row.id}", before, snapshot(row, fields),
                        deps=deps)
            return _done(req, "program.updated", row, label(row, req.language))


def register(r: Registry) -> None:
    @r.command(
        "addsession", admin=True, group="admin",
        summary={"fr": "Ajouter une séance au programme", "en": "Add a session to the agenda"},
        usage="/addsession <title> [day=2025-11-25 topic=… lang=… source=… url=…] ↵ <description>",
        options=(Option("text", {"fr": "Titre, options, puis la description",
                                 "en": "Title, options, then the description"}, required=True, rest=True),),
    )
    async def addsession(req: Request, deps: Deps) -> Reply:
        text, opts = parse_options(req.args, ("lang", *SESSION_FIELDS), ALIASES)
        title, description = split_title_body(text)
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

    @r.command(
        "addparticipant", admin=True, group="admin",
        summary={"fr": "Ajouter un participant", "en": "Add a participant"},
        usage="/addparticipant <name> [role=… org=… country=… cc=MA spoke=yes lang=… source=… url=…]",
        options=(Option("text", {"fr": "Nom puis options", "en": "Name then options"}, required=True, rest=True),),
    )
    async def addparticipant(req: Request, deps: Deps) -> Reply:
        text, opts = parse_options(req.args, ("lang", *PARTICIPANT_FIELDS), ALIASES)
        lang = check_lang(opts.pop("lang")) if "lang" in opts else req.language
        opts = {"name": text.split("\n")[0], **opts}
        if "role" not in opts:
            raise UserError("admin.empty", field="role")
        async with deps.uow() as uow:
            row = Participant(key=f"participant-{uuid.uuid4()}", name="", role={}, organisation={})
            await _add(uow, row, PARTICIPANT_FIELDS, opts, lang)
            await audit(uow, req, "participant.add", f"participant:{row.id}",
                        after=snapshot(row, PARTICIPANT_FIELDS), deps=deps, language=lang)
            return _done(req, "program.participant_added", row, row.name)

    _edit_command(r, "editsession", AgendaSession, SESSION_FIELDS, "session",
                  {"fr": "Modifier une séance", "en": "Edit a session"}, lambda s, lang: pick(s.title, lang))
    _edit_command(r, "editparticipant", Participant, PARTICIPANT_FIELDS, "participant",
                  {"fr": "Modifier un participant", "en": "Edit a participant"}, lambda p, lang: p.name)

    @r.command(
        "setresolution", admin=True, group="admin",
        summary={"fr": "Modifier la résolution (texte, statut, date, source)",
                 "en": "Edit the resolution (text, status, date, source)"},
        usage="/setresolution <title|text|status|date|source|url> <value>",
        help={"fr": "status : adopted ou draft ; date : texte libre (« 27 novembre 2025 ») ; "
                    "title.en, text.en, date.en pour l’anglais.",
              "en": "status: adopted or draft; date: free text (“27 November 2025”); title.fr, "
                    "text.fr, date.fr for French."},
        options=(Option("field", {"fr": "Champ", "en": "Field"}, required=True, choices=tuple(RESOLUTION_FIELDS)),
                 Option("value", {"fr": "Valeur", "en": "Value"}, required=True, rest=True)),
    )
    async def setresolution(req: Request, deps: Deps) -> Reply:
        raw_field, value = split_args(req.args, 1)
        field, lang = split_field(raw_field, RESOLUTION_FIELDS, localized=_localized(RESOLUTION_FIELDS))
        async with deps.uow() as uow:
            row = await uow.content.resolution()
            if row is None:
                raise UserError("resolution.none", show_usage=False)
            before = snapshot(row, RESOLUTION_FIELDS)
            await apply_field(uow, row, RESOLUTION_FIELDS[field], value, lang or req.language)
            await audit(uow, req, "resolution.edit", f"resolution:{row.id}", before,
                        snapshot(row, RESOLUTION_FIELDS), deps=deps)
            return _done(req, "program.updated", row, pick(row.title, req.language))
