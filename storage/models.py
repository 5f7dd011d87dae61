"""SQLAlchemy 2 typed models.

Multilingual text is stored as a JSON object keyed by language (``{"fr": ..., "en": ...}``) and
read through :func:`storage.i18n.pick`, which falls back to the other language. Timestamps are
timezone-aware (UTC in the database).

Citations. Every content row (event, fact, agenda session, participant, resolution, news item)
cites one or more sources, in order: ``row.sources``. Each kind has its own association table
(``news_item_citations``: item, position, source), not one polymorphic ``citations`` table
keyed by (kind, id), because then both sides are real foreign keys: a citation can never point
at a row or a source that does not exist, and removing a row (an undone /addsession) removes
its citations in the database itself; the ORM relationships stay plain, with no discriminator
to keep right. ``source_id`` stays: it is the FIRST source, what the desk edits (``/edititem 5
source …``), what revisions, undo and the facts' identity (key, first source) already use.
Whoever sets ``source_id``/``source`` directly changes only the first citation (a before-flush
hook keeps the list in step, see :func:`with_first`); ``row.sources = [...]`` sets the whole list
and the first source with it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    declared_attr,
    mapped_column,
    relationship,
)
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

LocalizedText = dict[str, str]


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware datetime stored as UTC; SQLite hands back naive values, so we re-attach UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UtcDateTime column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UtcDateTime(),
        LocalizedText: JSON(),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
        list[Any]: JSON(),
    }


class Source(Base):
    """Where a fact comes from: an article, a press release, a feed, an admin."""

    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(Text)
    name: Mapped[LocalizedText]
    language: Mapped[str] = mapped_column(String(8), default="fr")
    url: Mapped[str | None] = mapped_column(Text)
    published_on: Mapped[dt.date | None] = mapped_column(Date)


class _Citation:
    """One source of a row at its place in the row's list (0 is the first). A change of the list
    rewrites the source of each place, so places never swap (no key is ever updated)."""

    position: Mapped[int] = mapped_column(Integer, primary_key=True)

    @declared_attr
    def source_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("sources.id"))

    @declared_attr
    def source(cls) -> Mapped[Source]:
        return relationship(lazy="joined")


class EventCitation(_Citation, Base):
    __tablename__ = "event_citations"
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)


class FactCitation(_Citation, Base):
    __tablename__ = "fact_citations"
    fact_id: Mapped[int] = mapped_column(ForeignKey("facts.id", ondelete="CASCADE"), primary_key=True)


class SessionCitation(_Citation, Base):
    __tablename__ = "agenda_session_citations"
    session_id: Mapped[int] = mapped_column(ForeignKey("agenda_sessions.id", ondelete="CASCADE"),
                                            primary_key=True)


class ParticipantCitation(_Citation, Base):
    __tablename__ = "participant_citations"
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"),
                                                primary_key=True)


class ResolutionCitation(_Citation, Base):
    __tablename__ = "resolution_citations"
    resolution_id: Mapped[int] = mapped_column(ForeignKey("resolutions.id", ondelete="CASCADE"),
                                               primary_key=True)


class ItemCitation(_Citation, Base):
    __tablename__ = "news_item_citations"
    item_id: Mapped[int] = mapped_column(ForeignKey("news_items.id", ondelete="CASCADE"),
                                         primary_key=True)


def _citations(model: str) -> Any:
    return relationship(model, order_by=f"{model}.position", cascade="all, delete-orphan",
                        lazy="selectin")


class Cited:
    """A row that cites its sources in order; ``source_id``/``source`` is the first of them."""

    if TYPE_CHECKING:
        citations: list[Any]
        source_id: int | None
        source: Source | None
    #: the citation model, to make new places of the list
    citation_model: ClassVar[type[Any]]

    @property
    def sources(self) -> list[Source]:
        return [c.source for c in self.citations]

    @sources.setter
    def sources(self, wanted: list[Source]) -> None:
        unique = list(dict.fromkeys(wanted))  # a source is cited once, at its first place
        places = self.citations
        for n, source in enumerate(unique):
            if n < len(places):
                if places[n].source is not source:
                    places[n].source = source
            else:
                places.append(self.citation_model(position=n, source=source))
        del places[len(unique):]
        self.source = unique[0] if unique else None


def with_first(current: list[Source], first: Source | None) -> list[Source]:
    """The list once its first source is set to ``first`` (the desk's ``source`` field, an undo):
    it replaces the first place; a source already cited further down trades places with the
    old first one (so nothing is cited twice, and setting the old one back restores the list
    exactly); no first source means no source at all."""
    if first is None:
        return []
    if not current:
        return [first]
    if first in current:
        swapped = list(current)
        k = swapped.index(first)
        swapped[0], swapped[k] = first, current[0]
        return swapped
    return [first, *current[1:]]


class Event(Cited, Base):
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[LocalizedText]
    place: Mapped[LocalizedText]
    summary: Mapped[LocalizedText]
    #: the summary once the event is over (migration 0008p); empty: the summary is shown as
    #: what was planned
    summary_past: Mapped[LocalizedText] = mapped_column(default=dict, server_default="{}")
    timezone: Mapped[str] = mapped_column(String(64))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    #: another opening day some source gives, when the sources disagree on it (migration 0005c)
    alt_starts_on: Mapped[dt.date | None] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    source: Mapped[Source | None] = relationship(lazy="joined")
    citations: Mapped[list[EventCitation]] = _citations("EventCitation")
    citation_model = EventCitation


class Topic(Base):
    __tablename__ = "topics"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[LocalizedText]


class Fact(Cited, Base):
    """A figure or statement about the event. Several rows with one key are sources that disagree."""

    __tablename__ = "facts"
    __table_args__ = (UniqueConstraint("key", "source_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    #: the event the row belongs to (migration 0008p; rows before it: the first event)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: where the row came from: bundled (seed), import, feed or desk
    origin: Mapped[str] = mapped_column(String(16), default="bundled", server_default="bundled")
    key: Mapped[str] = mapped_column(String(64), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[LocalizedText]
    value: Mapped[LocalizedText]
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    source: Mapped[Source] = relationship(lazy="joined")
    citations: Mapped[list[FactCitation]] = _citations("FactCitation")
    citation_model = FactCitation


SESSION_STATUSES = ("scheduled", "moved", "cancelled")


class AgendaSession(Cited, Base):
    """A session of an event's programme. ``starts_at``/``ends_at`` are UTC instants, both
    optional (a source may give only ``day``, or nothing); ``day`` is the local day, kept in
    step with ``starts_at`` when there is one (migration 0008p)."""

    __tablename__ = "agenda_sessions"
    __table_args__ = (Index("ix_agenda_sessions_event_external", "event_id", "external_id",
                            unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    #: the event the row belongs to (migration 0008p; rows before it: the first event)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: where the row came from: bundled (seed), import, feed or desk
    origin: Mapped[str] = mapped_column(String(16), default="bundled", server_default="bundled")
    #: "field.lang" keys whose text predates an edit in another language (needs translation)
    stale: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    key: Mapped[str] = mapped_column(String(100), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    day: Mapped[dt.date | None] = mapped_column(Date)
    starts_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    ends_at: Mapped[dt.datetime | None]
    #: the room or venue, as the source names it
    room: Mapped[str | None] = mapped_column(Text)
    #: one of SESSION_STATUSES
    status: Mapped[str] = mapped_column(String(16), default="scheduled", server_default="scheduled")
    #: the language spoken at the session (a schedule file's "language"), when given
    language: Mapped[str | None] = mapped_column(String(8))
    #: the session's id in the schedule file it was imported from (re-imports match on it)
    external_id: Mapped[str | None] = mapped_column(String(200))
    #: times its start, end, room or status changed: the calendars' SEQUENCE (migration 0010k)
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    topic: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[LocalizedText]
    description: Mapped[LocalizedText]
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    source: Mapped[Source | None] = relationship(lazy="joined")
    citations: Mapped[list[SessionCitation]] = _citations("SessionCitation")
    citation_model = SessionCitation
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Participant(Cited, Base):
    __tablename__ = "participants"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: the event the row belongs to (migration 0008p; rows before it: the first event)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: where the row came from: bundled (seed), import, feed or desk
    origin: Mapped[str] = mapped_column(String(16), default="bundled", server_default="bundled")
    #: "field.lang" keys whose text predates an edit in another language (needs translation)
    stale: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    key: Mapped[str] = mapped_column(String(100), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[LocalizedText]
    organisation: Mapped[LocalizedText]
    country: Mapped[LocalizedText | None]
    country_code: Mapped[str | None] = mapped_column(String(2))
    spoke: Mapped[bool] = mapped_column(Boolean, default=False)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    source: Mapped[Source | None] = relationship(lazy="joined")
    citations: Mapped[list[ParticipantCitation]] = _citations("ParticipantCitation")
    citation_model = ParticipantCitation
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Resolution(Cited, Base):
    __tablename__ = "resolutions"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: the event the row belongs to (migration 0008p; rows before it: the first event)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: where the row came from: bundled (seed), import, feed or desk
    origin: Mapped[str] = mapped_column(String(16), default="bundled", server_default="bundled")
    #: "field.lang" keys whose text predates an edit in another language (needs translation)
    stale: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    key: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[LocalizedText]
    summary: Mapped[LocalizedText]
    status: Mapped[str] = mapped_column(String(32))
    adopted: Mapped[LocalizedText]
    points: Mapped[list[Any]]
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    source: Mapped[Source | None] = relationship(lazy="joined")
    citations: Mapped[list[ResolutionCitation]] = _citations("ResolutionCitation")
    citation_model = ResolutionCitation
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class NewsItem(Cited, Base):
    """A news item. ``search_doc`` is the accent- and case-folded text of every language."""

    __tablename__ = "news_items"
    __table_args__ = (Index("ix_news_items_status_published", "status", "published_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    #: the event the row belongs to (migration 0008p; rows before it: the first event)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: where the row came from: bundled (seed), import, feed or desk
    origin: Mapped[str] = mapped_column(String(16), default="bundled", server_default="bundled")
    #: "field.lang" keys whose text predates an edit in another language (needs translation)
    stale: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    key: Mapped[str | None] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="published")
    topics: Mapped[list[str]] = mapped_column(default=list)
    title: Mapped[LocalizedText]
    body: Mapped[LocalizedText]
    search_doc: Mapped[str] = mapped_column(Text, default="")
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    source: Mapped[Source | None] = relationship(lazy="joined")
    citations: Mapped[list[ItemCitation]] = _citations("ItemCitation")
    citation_model = ItemCitation
    published_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[dt.datetime | None]
    created_by: Mapped[str | None] = mapped_column(String(100))


class Chat(Base):
    """A chat the bot talks in. ``active`` drops to False when the platform says we cannot write."""

    __tablename__ = "chats"
    __table_args__ = (UniqueConstraint("platform", "platform_chat_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    platform_chat_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default="private")
    title: Mapped[str | None] = mapped_column(String(256))
    language: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64), default="Africa/Casablanca")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    inactive_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime | None]
    #: the event the chat follows (migration 0008p); None: the current or next one
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    #: the secret of its private calendar's address (/calendar/<token>.ics; migration 0010k)
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)


class Subscription(Base):
    __tablename__ = "subscriptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"), unique=True)
    chat: Mapped[Chat] = relationship(lazy="joined")
    digest: Mapped[bool] = mapped_column(Boolean, default=False)
    alerts: Mapped[bool] = mapped_column(Boolean, default=False)
    digest_time: Mapped[str] = mapped_column(String(5), default="08:00")
    #: the topics each kind follows (empty: every topic), chosen apart (migration 0005s)
    digest_topics: Mapped[list[str]] = mapped_column(default=list)
    alerts_topics: Mapped[list[str]] = mapped_column(default=list)
    #: the forum topic (Telegram ``message_thread_id``) each kind is delivered into: where
    #: its /subscribe was sent; None outside a topic (migration 0005s)
    digest_thread_id: Mapped[str | None] = mapped_column(String(32))
    alerts_thread_id: Mapped[str | None] = mapped_column(String(32))
    quiet_start: Mapped[str | None] = mapped_column(String(5))
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    notify_empty: Mapped[bool] = mapped_column(Boolean, default=False)
    #: minutes before a followed session its reminder goes out; None: the chat kind's
    #: default (REMIND_DEFAULT), 0: no reminders (migration 0008p)
    remind_minutes: Mapped[int | None] = mapped_column(Integer)
    last_digest_at: Mapped[dt.datetime | None]
    #: the UTC instant of the next digest (the chat's local time on its next day); the
    #: scheduler's tick is an indexed "next_digest_at <= now" (migration 0002)
    next_digest_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


#: reminder minutes when a chat has not chosen: private chats 10, groups and channels none
REMIND_DEFAULT = {"private": 10}


class SessionSpeaker(Base):
    """A participant speaking at a session, in order."""

    __tablename__ = "session_speakers"
    session_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_sessions.id", ondelete="CASCADE"), primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Follow(Base):
    """A chat follows a session: it is reminded before it and told when it changes."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("chat_id", "session_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_sessions.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Lease(Base):
    """A named lease (e.g. "delivery"): who holds it and until when; expiry hands it over."""

    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    until: Mapped[dt.datetime]


class ButtonToken(Base):
    """A button payload too long for the platform (Telegram: 64 bytes of callback data), kept
    under a short content-derived token so every process and a restart can answer it."""

    __tablename__ = "button_tokens"
    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    command: Mapped[str] = mapped_column(String(32))
    page: Mapped[int] = mapped_column(Integer)
    args: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: answered until then; every new use of the same payload pushes it further
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)


class Admin(Base):
    __tablename__ = "admins"
    __table_args__ = (UniqueConstraint("platform", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64))
    added_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """A revision: who changed which object, which fields (``title.fr``), before -> after.

    ``before``/``after`` hold only the changed fields (a field absent from one of them did not
    exist then); ``fields`` lists them. It is the one history that /audit, /history, /undo,
    /revert and seed/import decisions read (storage/revisions.py). Entries that are not
    content changes (admins, broadcasts) have no object.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_object", "object_kind", "object_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(128))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    object_kind: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[int | None] = mapped_column(Integer)
    fields: Mapped[list[str] | None] = mapped_column(JSON)
    language: Mapped[str | None] = mapped_column(String(8))
    undoes: Mapped[int | None] = mapped_column(Integer)
    undone_by: Mapped[int | None] = mapped_column(Integer)
    #: the first revision of the same command: /undo takes a command back as a whole
    batch: Mapped[int | None] = mapped_column(Integer, index=True)
    origin: Mapped[str] = mapped_column(String(16), default="desk", server_default="desk")


class OutboxMessage(Base):
    """A message to deliver. ``dedupe_key`` makes enqueuing idempotent across restarts and replicas."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("news_items.id"))
    #: the session a reminder or a programme change is about (migration 0008p)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_sessions.id", ondelete="SET NULL"), index=True)
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: sends that got no answer after the request left: each may have been delivered
    uncertain: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[dt.datetime | None]
    platform_message_ids: Mapped[list[str]] = mapped_column(default=list)
    #: the forum topic the message goes into (from the subscription), None for the chat itself
    thread_id: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: indexed: what went out recently is read from the rows (rate windows after a restart
    #: or a takeover, late copies of deleted items)
    sent_at: Mapped[dt.datetime | None] = mapped_column(index=True)


class DeliveryPause(Base):
    """A 429's pause: one chat (``chat_id``) or a whole platform (``chat_id`` None) gets
    nothing before ``until``. In the database so it holds across restarts and replicas."""

    __tablename__ = "delivery_pauses"
    #: "chat:<chat id>" or "platform:<platform>"
    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[int | None] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"), index=True)
    until: Mapped[dt.datetime]


class DeliveryMark(Base):
    """A named instant of the delivery's own bookkeeping (e.g. "withdrawals_checked")."""

    __tablename__ = "delivery_marks"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[dt.datetime]


@event.listens_for(Session, "before_flush")
def _first_citation_follows_source(session: Session, _context: Any, _instances: Any) -> None:
    """A row whose ``source``/``source_id`` was set directly (the desk, undo, feeds) gets its
    citations in step: the first place takes that source (:func:`with_first`). Runs inside the
    flush, where loading the citations or the source is allowed on async sessions too."""
    new = set(session.new)
    for row in (*new, *session.dirty):
        if not isinstance(row, Cited):
            continue
        state = inspect(row)
        by_object, by_id = state.attrs.source.history, state.attrs.source_id.history
        if by_object.added:
            first = by_object.added[0]
        elif by_id.has_changes() or row in new:
            first = session.get(Source, row.source_id) if row.source_id is not None else None
        else:
            continue
        current = row.sources
        if (current[0] if current else None) is not first:
            row.sources = with_first(current, first)
        elif "citations" not in state.dict:
            # a new row's list is known (empty): reading it later must not need a query,
            # which an async session could not run there
            set_committed_value(row, "citations", [])
