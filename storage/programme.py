"""Programme files: read a frab/pretalx ``schedule.json`` or the project's own programme
export, validate it, and apply only its differences to one event's sessions.

Two formats, one model. Both are read with pydantic into a :class:`Programme` (the event,
its sessions, their speakers and tracks); a malformed file raises :class:`ProgrammeError`
naming the first problem and its place (``conference.days[1].rooms.Saal 1[0].start:
expected HH:MM``) before anything is written.

- frab/pretalx (https://github.com/voc/schedule): ``{"schedule": {"version", "conference":
  {"acronym", "title", "start", "end", "time_zone_name", "days": [{"rooms": {"<room>":
  [event, ...]}}]}}}``; each event's ``date`` (ISO with offset) is its start, ``duration``
  (HH:MM) its length. A session absent from a newer file is cancelled, not deleted.
- ``newsbot-programme`` version 1 (:func:`export_programme`): ``{"format":
  "newsbot-programme", "version": 1, "event": {...}, "topics": [...], "sessions": [...]}``,
  texts in every language the database has; exporting then importing changes nothing.

Applying (:func:`apply_programme`): the event is created when its key (the acronym) is new;
sessions are matched on (event, ``external_id``), persons become the event's Participants
(``<acronym>:person:<id>``) linked by SessionSpeaker, tracks become Topics (a slug of the
track; existing topics are kept). Every update is a revision (origin ``import``, one batch per
import), and fields whose standing change came from the desk are kept unless ``force``
(storage/seed.py's rule). What readers care about — a new time (status "moved"), a new room, a
cancellation, a return — comes back as :class:`SessionChange` rows for the change notices
(handlers/fanout/programme.py). Everything flushes, nothing commits.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import revisions
from storage.models import (
    AgendaSession,
    Event,
    Participant,
    SessionSpeaker,
    Source,
    Topic,
)

FORMAT = "newsbot-programme"
ORIGIN = "import"
#: the revision snapshot of a session: the desk's field names (handlers/program_admin.py
#: SESSION_FIELDS' attributes), so desk edits and imports read the same history
SNAPSHOT_FIELDS = ("title", "description", "day", "topic", "source_id", "starts_at", "ends_at",
                   "room", "status")
_HHMM = re.compile(r"(\d{1,2}):([0-5]\d)(?::([0-5]\d))?")


class ProgrammeError(ValueError):
    """The file cannot be imported; the message names the first problem and its place."""


# ------------------------------------------------------------------------ the file models
class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


def _aware(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        raise ValueError("expected an ISO 8601 time with an offset") from None
    if moment.tzinfo is None:
        raise ValueError("expected an ISO 8601 time with an offset")
    return moment


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ValueError("expected YYYY-MM-DD") from None


class FrabPerson(_Model):
    guid: str | None = None
    id: int | str | None = None
    public_name: str | None = None
    name: str | None = None

    def ident(self) -> str | None:
        return self.guid or (str(self.id) if self.id is not None else None)

    def shown(self) -> str:
        return self.public_name or self.name or ""


class FrabEvent(_Model):
    guid: str = Field(min_length=1, max_length=200)
    id: int | str | None = None
    date: str
    start: str
    duration: str
    room: str = ""
    title: str = Field(min_length=1)
    subtitle: str | None = None
    track: str | None = None
    type: str | None = None
    language: str | None = None
    abstract: str | None = None
    description: str | None = None
    persons: list[FrabPerson] = []
    url: str | None = None

    @field_validator("date")
    @classmethod
    def _date(cls, v: str) -> str:
        _aware(v)
        return v

    @field_validator("start")
    @classmethod
    def _start(cls, v: str) -> str:
        if not _HHMM.fullmatch(v):
            raise ValueError("expected HH:MM")
        return v

    @field_validator("duration")
    @classmethod
    def _duration(cls, v: str) -> str:
        if not _HHMM.fullmatch(v):
            raise ValueError("expected HH:MM")
        return v


class FrabDay(_Model):
    index: int | None = None
    date: str
    rooms: dict[str, list[FrabEvent]] = {}


class FrabRoom(_Model):
    name: str


class FrabConference(_Model):
    acronym: str = Field(min_length=1, max_length=60)
    title: str = Field(min_length=1)
    start: str
    end: str
    time_zone_name: str
    url: str | None = None
    rooms: list[FrabRoom] = []
    days: list[FrabDay]

    @field_validator("time_zone_name")
    @classmethod
    def _tz(cls, v: str) -> str:
        return _zone(v)

    @field_validator("start", "end")
    @classmethod
    def _dates(cls, v: str) -> str:
        _day(v)
        return v


class FrabSchedule(_Model):
    version: str | None = None
    conference: FrabConference


class FrabFile(_Model):
    schedule: FrabSchedule


Localized = dict[str, str]


class OwnSpeaker(_Model):
    key: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1)


class OwnTopic(_Model):
    key: str = Field(min_length=1, max_length=64)
    name: Localized


class OwnSession(_Model):
    key: str = Field(min_length=1, max_length=100)
    external_id: str = Field(min_length=1, max_length=200)
    title: Localized
    description: Localized = {}
    day: str | None = None
    starts_at: str | None = None
    ends_at: str | None = None
    room: str | None = None
    status: str = "scheduled"
    language: str | None = None
    topic: str | None = None
    speakers: list[OwnSpeaker] = []

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _moments(cls, v: str | None) -> str | None:
        if v is not None:
            _aware(v)
        return v

    @field_validator("day")
    @classmethod
    def _days(cls, v: str | None) -> str | None:
        if v is not None:
            _day(v)
        return v

    @field_validator("status")
    @classmethod
    def _status(cls, v: str) -> str:
        if v not in ("scheduled", "moved", "cancelled"):
            raise ValueError("expected scheduled, moved or cancelled")
        return v


class OwnEvent(_Model):
    key: str = Field(min_length=1, max_length=100)
    name: Localized
    place: Localized = {}
    summary: Localized = {}
    timezone: str
    starts_on: str
    ends_on: str
    source_title: str | None = None
    url: str | None = None

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        return _zone(v)

    @field_validator("starts_on", "ends_on")
    @classmethod
    def _dates(cls, v: str) -> str:
        _day(v)
        return v


class OwnFile(_Model):
    format: str
    version: int
    event: OwnEvent
    topics: list[OwnTopic] = []
    sessions: list[OwnSession]


# ------------------------------------------------------------------ the common model
@dataclass
class PSession:
    external_id: str
    key: str
    title: Localized
    description: Localized
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    day: dt.date | None
    room: str | None
    language: str | None
    topic: str | None
    #: (participant key, name) in order
    speakers: list[tuple[str, str]]
    cancelled: bool = False
    #: the status the file gives (own format only); None: scheduled, or moved once moved
    status: str | None = None


@dataclass
class Programme:
    key: str
    name: Localized
    place: Localized
    summary: Localized
    timezone: str
    starts_on: dt.date
    ends_on: dt.date
    source_title: str
    url: str | None
    topics: dict[str, Localized]
    sessions: list[PSession]


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _first_problem(exc: ValidationError, drop: int = 0) -> str:
    err = exc.errors()[0]
    message = _MESSAGES.get(err["type"]) or str(err["msg"]).removeprefix("Value error, ")
    loc = tuple(err["loc"])
    return f"{_where(loc[drop:] if len(loc) > drop else loc) or 'file'}: {message}"


#: pydantic's error types, said the way the rest of the message is
_MESSAGES = {"missing": "missing", "model_type": "expected an object",
             "dict_type": "expected an object", "list_type": "expected a list",
             "string_type": "expected text", "int_type": "expected a number",
             "int_parsing": "expected a number"}


def slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:64] or "track"


def _duration(value: str) -> dt.timedelta:
    m = _HHMM.fullmatch(value)
    assert m is not None
    return dt.timedelta(hours=int(m.group(1)), minutes=int(m.group(2)),
                        seconds=int(m.group(3) or 0))


def parse_programme(data: Any) -> Programme:
    """The programme a file holds (either format); raises ProgrammeError on the first problem."""
    if isinstance(data, dict) and data.get("format") == FORMAT:
        if data.get("version") != 1:
            raise ProgrammeError(f"version: expected 1, got {data.get('version')!r:.20}")
        try:
            own = OwnFile.model_validate(data)
        except ValidationError as exc:
            raise ProgrammeError(_first_problem(exc)) from None
        return _from_own(own)
    if not isinstance(data, dict) or "schedule" not in data:
        raise ProgrammeError('file: expected a frab/pretalx {"schedule": …} or a '
                             f'{{"format": "{FORMAT}"}} file')
    try:
        frab = FrabFile.model_validate(data)
    except ValidationError as exc:
        raise ProgrammeError(_first_problem(exc, drop=1)) from None
    return _from_frab(frab)


def _from_frab(frab: FrabFile) -> Programme:
    conf = frab.schedule.conference
    acro = conf.acronym
    zone = ZoneInfo(conf.time_zone_name)
    sessions: list[PSession] = []
    topics: dict[str, Localized] = {}
    seen: dict[str, str] = {}
    languages: list[str] = []
    for d, day in enumerate(conf.days):
        for room, events in day.rooms.items():
            for n, ev in enumerate(events):
                where = f"conference.days[{d}].rooms.{room}[{n}]"
                if ev.guid in seen:
                    raise ProgrammeError(f"{where}.guid: {ev.guid!r} already at {seen[ev.guid]}")
                seen[ev.guid] = where
                lang = (ev.language or "").lower()[:2] or None
                if lang:
                    languages.append(lang)
                text_lang = lang or "en"
                starts = _aware(ev.date).astimezone(dt.UTC)
                ends = starts + _duration(ev.duration)
                speakers = []
                for p, person in enumerate(ev.persons):
                    ident = person.ident()
                    if not ident or not person.shown():
                        raise ProgrammeError(f"{where}.persons[{p}]: expected a guid or id and a name")
                    speakers.append((f"{acro}:person:{ident}"[:100], person.shown()[:200]))
                topic = None
                if ev.track:
                    topic = slug(ev.track)
                    topics.setdefault(topic, {text_lang: ev.track})
                body = ev.abstract or ev.description or ""
                title = ev.title if not ev.subtitle else f"{ev.title} — {ev.subtitle}"
                sessions.append(PSession(
                    external_id=ev.guid, key=f"{acro}:session:{ev.guid}"[:100],
                    title={text_lang: title}, description={text_lang: body} if body else {},
                    starts_at=starts, ends_at=ends, day=starts.astimezone(zone).date(),
                    room=(ev.room or room or None), language=lang, topic=topic,
                    speakers=speakers))
    lang = max(set(languages), key=languages.count) if languages else "en"
    return Programme(
        key=acro, name={lang: conf.title}, place={}, summary={}, timezone=conf.time_zone_name,
        starts_on=_day(conf.start), ends_on=_day(conf.end),
        source_title=f"{conf.title} — schedule.json", url=conf.url, topics=topics,
        sessions=sessions)


def _from_own(own: OwnFile) -> Programme:
    ev = own.event
    topics = {t.key: t.name for t in own.topics}
    sessions = []
    seen: set[str] = set()
    for n, s in enumerate(own.sessions):
        if s.external_id in seen:
            raise ProgrammeError(f"sessions[{n}].external_id: {s.external_id!r} appears twice")
        seen.add(s.external_id)
        if s.topic is not None and s.topic not in topics:
            raise ProgrammeError(f"sessions[{n}].topic: unknown topic {s.topic!r}")
        sessions.append(PSession(
            external_id=s.external_id, key=s.key, title=s.title, description=s.description,
            starts_at=_aware(s.starts_at).astimezone(dt.UTC) if s.starts_at else None,
            ends_at=_aware(s.ends_at).astimezone(dt.UTC) if s.ends_at else None,
            day=_day(s.day) if s.day else None, room=s.room, language=s.language,
            topic=s.topic, speakers=[(p.key, p.name) for p in s.speakers],
            cancelled=s.status == "cancelled", status=s.status))
    return Programme(
        key=ev.key, name=ev.name, place=ev.place, summary=ev.summary, timezone=ev.timezone,
        starts_on=_day(ev.starts_on), ends_on=_day(ev.ends_on),
        source_title=ev.source_title or f"{pick_any(ev.name)} — programme", url=ev.url,
        topics=topics, sessions=sessions)


def pick_any(texts: Localized) -> str:
    return next((v for v in texts.values() if v), "")


def read_programme(path: Path) -> Programme:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProgrammeError(f"cannot read {path}: {exc}") from None
    return parse_programme(data)


# ------------------------------------------------------------------------ applying it
@dataclass(frozen=True)
class SessionChange:
    """A change readers are told about: ``kind`` is moved, room, cancelled or restored."""

    session_id: int
    kind: str
    before_start: dt.datetime | None
    before_room: str | None
    after_start: dt.datetime | None
    after_room: str | None
    #: the revision (or import batch) it belongs to: part of the notices' dedupe key
    ref: int


@dataclass
class ImportReport:
    event_key: str
    event_created: bool = False
    sessions: int = 0
    added: int = 0
    moved: int = 0
    room: int = 0
    cancelled: int = 0
    restored: int = 0
    updated: int = 0
    unchanged: int = 0
    changes: list[SessionChange] = field(default_factory=list)
    #: fields kept because the desk changed them
    skipped: list[str] = field(default_factory=list)
    notices: int = 0

    def summary(self) -> list[str]:
        parts = [f"{self.added} added", f"{self.moved} moved", f"{self.room} room changed",
                 f"{self.cancelled} cancelled"]
        if self.restored:
            parts.append(f"{self.restored} back on the programme")
        if self.updated:
            parts.append(f"{self.updated} updated")
        parts.append(f"{self.unchanged} unchanged")
        lines = [f"Programme {self.event_key}: {self.sessions} sessions — " + ", ".join(parts)
                 + f"; {self.notices} change notices queued"]
        if self.event_created:
            lines.append(f"event {self.event_key} created")
        if self.skipped:
            lines.append(f"kept {len(self.skipped)} field(s) the desk changed (--force overwrites them):")
            lines.extend(f"  {line}" for line in self.skipped)
        return lines


#: what a calendar shows of a session's schedule: a change to one raises its SEQUENCE
SCHEDULE_FIELDS = ("starts_at", "ends_at", "room", "status")


def bump_sequence(row: AgendaSession, before: dict[str, Any], after: dict[str, Any]) -> None:
    """One more change of ``row``'s schedule (two snapshots of it, this module's or the
    desk's): its calendar SEQUENCE grows, never shrinks (an undo is a change too)."""
    if any(before.get(name) != after.get(name) for name in SCHEDULE_FIELDS):
        row.sequence = (row.sequence or 0) + 1


def snapshot(row: AgendaSession) -> dict[str, Any]:
    """A session as its revisions store it (handlers/program_admin.snapshot's form)."""
    out: dict[str, Any] = {}
    for name in SNAPSHOT_FIELDS:
        value = getattr(row, name)
        out[name] = value.isoformat() if isinstance(value, dt.date) else value
    out["stale"] = list(row.stale or [])
    return out


class _Importer:
    def __init__(self, session: AsyncSession, prog: Programme, force: bool,
                 at: dt.datetime | None) -> None:
        self.session, self.prog, self.force, self.at = session, prog, force, at
        self.report = ImportReport(prog.key, sessions=len(prog.sessions))
        self.batch: int | None = None
        self.owned: dict[int, dict[str, int]] | None = None
        self._src: Source | None = None

    async def record(self, row: AgendaSession, before: dict[str, Any],
                     after: dict[str, Any]) -> int:
        entry = await revisions.record(
            self.session, platform="cli", user_id=ORIGIN, action="session.import",
            target=f"session:{row.id}", before=before, after=after, origin=ORIGIN,
            at=self.at, batch=self.batch)
        if self.batch is None:
            self.batch = entry.id
        return self.batch

    async def source(self) -> Source:
        """The file's source, created or updated the first time a row cites it (an import
        that changes nothing writes nothing)."""
        if self._src is not None:
            return self._src
        key = f"programme:{self.prog.key}"[:100]
        src = (await self.session.scalars(select(Source).where(Source.key == key))).first()
        title = self.prog.source_title
        if src is None:
            src = Source(key=key, title=title, name={"en": title, "fr": title},
                         language="en", url=self.prog.url)
            self.session.add(src)
            await self.session.flush()
        elif src.title != title or (self.prog.url and src.url != self.prog.url):
            src.title, src.name = title, {"en": title, "fr": title}
            src.url = self.prog.url or src.url
        self._src = src
        return src

    async def event(self) -> Event:
        p = self.prog
        ev = (await self.session.scalars(select(Event).where(Event.key == p.key))).first()
        if ev is None:
            ev = Event(key=p.key, name=p.name, place=p.place, summary=p.summary,
                       timezone=p.timezone, starts_on=p.starts_on, ends_on=p.ends_on)
            ev.sources = [await self.source()]
            self.session.add(ev)
            await self.session.flush()
            self.report.event_created = True
            return ev
        # an existing event keeps its texts (the desk's or another language's); its dates and
        # zone follow the file
        ev.name = {**p.name, **(ev.name or {})} if ev.name else p.name
        ev.timezone, ev.starts_on, ev.ends_on = p.timezone, p.starts_on, p.ends_on
        return ev

    async def topics(self) -> None:
        known = {t.key for t in (await self.session.scalars(select(Topic))).all()}
        for key, name in self.prog.topics.items():
            if key not in known:
                self.session.add(Topic(key=key, name=name))
        await self.session.flush()

    async def participants(self, ev: Event) -> dict[str, Participant]:
        wanted: dict[str, str] = {}
        for s in self.prog.sessions:
            for key, name in s.speakers:
                wanted.setdefault(key, name)
        if not wanted:
            return {}
        rows = {p.key: p for p in (await self.session.scalars(
            select(Participant).where(Participant.key.in_(list(wanted))))).all()}
        for key, name in wanted.items():
            if key not in rows:
                row = Participant(key=key, name=name, role={}, organisation={}, event_id=ev.id,
                                  origin=ORIGIN)
                row.sources = [await self.source()]
                self.session.add(row)
                rows[key] = row
            elif rows[key].name != name:
                rows[key].name = name
        await self.session.flush()
        return rows

    async def speakers(self, row: AgendaSession, wanted: list[int]) -> bool:
        current = [pid for (pid,) in (await self.session.execute(
            select(SessionSpeaker.participant_id).where(SessionSpeaker.session_id == row.id)
            .order_by(SessionSpeaker.position))).all()]
        if current == wanted:
            return False
        await self.session.execute(delete(SessionSpeaker).where(SessionSpeaker.session_id == row.id))
        for n, pid in enumerate(dict.fromkeys(wanted)):
            self.session.add(SessionSpeaker(session_id=row.id, participant_id=pid, position=n))
        return True

    async def desk_owned(self, row_id: int) -> dict[str, int]:
        if self.force:
            return {}
        if self.owned is None:
            self.owned = await revisions.desk_fields(self.session, "session")
        return self.owned.get(row_id, {})

    async def run(self) -> ImportReport:
        ev = await self.event()
        await self.topics()
        people = await self.participants(ev)
        rows = (await self.session.scalars(
            select(AgendaSession).where(AgendaSession.event_id == ev.id))).all()
        by_ext = {r.external_id: r for r in rows if r.external_id}
        by_key = {r.key: r for r in rows}
        position = max((r.position for r in rows), default=-1) + 1
        present: set[int] = set()
        for ps in self.prog.sessions:
            row = by_ext.get(ps.external_id) or by_key.get(ps.key)
            speaker_ids = [people[k].id for k, _ in ps.speakers]
            if row is None:
                row = AgendaSession(
                    key=await self._free_key(ps.key), event_id=ev.id, origin=ORIGIN,
                    position=position, external_id=ps.external_id, title=ps.title,
                    description=ps.description, starts_at=ps.starts_at, ends_at=ps.ends_at,
                    day=ps.day, room=ps.room, language=ps.language, topic=ps.topic,
                    status=ps.status or ("cancelled" if ps.cancelled else "scheduled"))
                row.sources = [await self.source()]
                self.session.add(row)
                await self.session.flush()
                await self.speakers(row, speaker_ids)
                position += 1
                self.report.added += 1
                present.add(row.id)
                continue
            present.add(row.id)
            await self._update(row, ps, speaker_ids)
        for row in rows:
            if row.id in present or row.status == "cancelled" or not row.external_id:
                continue
            await self._cancel(row)
        await self.session.flush()
        return self.report

    async def _free_key(self, key: str) -> str:
        taken = await self.session.scalar(select(AgendaSession.id).where(AgendaSession.key == key))
        return key if taken is None else f"{key[:90]}:{self.prog.key[:9]}"

    async def _update(self, row: AgendaSession, ps: PSession, speaker_ids: list[int]) -> None:
        before = snapshot(row)
        old_start, old_room, old_status = row.starts_at, row.room, row.status
        owned = await self.desk_owned(row.id)
        wanted: dict[str, Any] = {
            "title": {**(row.title or {}), **ps.title}, "description": {**(row.description or {}),
                                                                      **ps.description},
            "starts_at": ps.starts_at, "ends_at": ps.ends_at, "day": ps.day, "room": ps.room,
            "topic": ps.topic if ps.topic is not None else row.topic,
        }
        flat_now, flat_wanted = revisions.flatten(before), revisions.flatten(
            {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in wanted.items()})
        kept = [k for k in owned if k in flat_wanted and flat_wanted[k] != flat_now.get(k)]
        if kept:
            self.report.skipped.append(f"session #{row.id} {row.key}: kept " + ", ".join(
                f"{k} (desk revision #{owned[k]})" for k in kept))
            for k in kept:
                flat_wanted[k] = flat_now.get(k)
            merged = revisions.unflatten(flat_wanted)
            for attr in wanted:
                value = merged.get(attr, wanted[attr])
                if attr in ("starts_at", "ends_at") and isinstance(value, str):
                    value = dt.datetime.fromisoformat(value)
                elif attr == "day" and isinstance(value, str):
                    value = dt.date.fromisoformat(value)
                wanted[attr] = value
        for attr, value in wanted.items():
            if getattr(row, attr) != value:
                setattr(row, attr, value)
        if ps.language and row.language != ps.language:
            row.language = ps.language
        # status: a new time is a move, a session back in the file is scheduled again
        if ps.status is not None and "status" not in owned:
            status = ps.status
        else:
            status = row.status
            if old_status == "cancelled" and "status" not in owned:
                status = "scheduled"
            if old_start is not None and row.starts_at != old_start and status != "cancelled":
                status = "moved"
        row.status = status
        speakers_changed = await self.speakers(row, speaker_ids)
        after = snapshot(row)
        bump_sequence(row, before, after)
        change = revisions.diff(before, after)
        if not change and not speakers_changed:
            self.report.unchanged += 1
            return
        src = await self.source()
        if src not in row.sources:  # the file is now a source of what it changed
            row.sources = [*row.sources, src]
        ref = await self.record(row, before, after) if change else self.batch or 0
        kind = None
        if old_status == "cancelled" and row.status != "cancelled":
            kind, self.report.restored = "restored", self.report.restored + 1
        elif row.status == "cancelled" and old_status != "cancelled":
            kind, self.report.cancelled = "cancelled", self.report.cancelled + 1
        elif row.starts_at != old_start:
            kind, self.report.moved = "moved", self.report.moved + 1
        elif row.room != old_room:
            kind, self.report.room = "room", self.report.room + 1
        else:
            self.report.updated += 1
        if kind is not None:
            self.report.changes.append(SessionChange(row.id, kind, old_start, old_room,
                                                     row.starts_at, row.room, ref))

    async def _cancel(self, row: AgendaSession) -> None:
        if "status" in await self.desk_owned(row.id):
            self.report.skipped.append(f"session #{row.id} {row.key}: kept status (desk)")
            return
        before = snapshot(row)
        row.status = "cancelled"
        bump_sequence(row, before, snapshot(row))
        ref = await self.record(row, before, snapshot(row))
        self.report.cancelled += 1
        self.report.changes.append(SessionChange(row.id, "cancelled", row.starts_at, row.room,
                                                 row.starts_at, row.room, ref))


async def apply_programme(session: AsyncSession, prog: Programme, *, force: bool = False,
                          at: dt.datetime | None = None) -> ImportReport:
    """Apply ``prog``'s differences in the caller's transaction (flushes, never commits)."""
    return await _Importer(session, prog, force, at).run()


# ------------------------------------------------------------------------ export
def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None


async def export_programme(session: AsyncSession, key: str | None = None) -> dict[str, Any]:
    """The ``newsbot-programme`` file of one event (its key; None: the first event)."""
    stmt = select(Event).order_by(Event.id)
    if key is not None:
        stmt = stmt.where(Event.key == key)
    ev = (await session.scalars(stmt.limit(1))).first()
    if ev is None:
        raise ProgrammeError(f"no event {key!r}" if key else "no event to export")
    rows = (await session.scalars(
        select(AgendaSession).where(AgendaSession.event_id == ev.id)
        .order_by(AgendaSession.position, AgendaSession.id))).all()
    speakers: dict[int, list[tuple[str, str]]] = {}
    for sid, pkey, name in (await session.execute(
            select(SessionSpeaker.session_id, Participant.key, Participant.name)
            .join(Participant, Participant.id == SessionSpeaker.participant_id)
            .where(SessionSpeaker.session_id.in_([r.id for r in rows]))
            .order_by(SessionSpeaker.session_id, SessionSpeaker.position))).all():
        speakers.setdefault(sid, []).append((pkey, name))
    used = {r.topic for r in rows if r.topic}
    topics = [{"key": t.key, "name": t.name} for t in (await session.scalars(
        select(Topic).where(Topic.key.in_(used)).order_by(Topic.id))).all()]
    src = (await session.scalars(select(Source).where(
        Source.key == f"programme:{ev.key}"[:100]))).first()
    return {
        "format": FORMAT, "version": 1,
        "event": {"key": ev.key, "name": ev.name, "place": ev.place, "summary": ev.summary,
                  "timezone": ev.timezone, "starts_on": ev.starts_on.isoformat(),
                  "ends_on": ev.ends_on.isoformat(),
                  "source_title": src.title if src else None, "url": src.url if src else None},
        "topics": topics,
        "sessions": [{
            "key": r.key, "external_id": r.external_id or r.key, "title": r.title,
            "description": r.description, "day": r.day.isoformat() if r.day else None,
            "starts_at": _iso(r.starts_at), "ends_at": _iso(r.ends_at), "room": r.room,
            "status": r.status, "language": r.language, "topic": r.topic,
            "speakers": [{"key": k, "name": n} for k, n in speakers.get(r.id, [])],
        } for r in rows],
    }
