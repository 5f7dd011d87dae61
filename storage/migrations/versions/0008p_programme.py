"""a real programme: session times and rooms, several events, follows, reminders

- ``agenda_sessions``: ``event_id`` (which event; every existing row belongs to the first
  event), ``starts_at`` / ``ends_at`` (UTC instants, both optional: a source may give only a
  day or nothing — the 93rd Assembly's sessions keep NULL), ``room``, ``status``
  (scheduled, moved, cancelled), ``language`` (the language spoken) and ``external_id`` (the
  id a schedule file gives the session, unique per event: re-imports match on it).
- ``session_speakers``: the participants who speak at a session, in order.
- ``participants``, ``resolutions``, ``facts`` and ``news_items`` get ``event_id`` (existing
  rows: the first event); ``events`` get ``summary_past`` (what the summary says once the
  event is over; empty: the summary is shown as what was planned).
- ``chats.event_id``: the event a chat follows (NULL: the current or next one).
- ``follows``: a chat follows a session (one row per chat and session).
- ``subscriptions.remind_minutes``: minutes before a followed session its reminder goes out
  (NULL: the default for the chat's kind; 0: off).
- ``outbox.session_id``: the session a reminder or change notice is about (a moved or
  cancelled session's pending reminders are withdrawn by it).

On SQLite the tables that gain a foreign key are rebuilt (Alembic's batch mode); migrations
run there with foreign keys off (storage.migrate), so the rebuild's DROP cascades to no row,
and the FTS5 index over ``news_items``, whose triggers the rebuild drops, is rebuilt after.

Revision ID: 0008p
Revises: 0007f
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008p"
down_revision = "0007f"
branch_labels = None
depends_on = None

#: (table, column, referred table, ON DELETE, indexed)
_FKS = (
    ("agenda_sessions", "event_id", "events", "CASCADE", True),
    ("participants", "event_id", "events", "CASCADE", True),
    ("resolutions", "event_id", "events", "CASCADE", True),
    ("facts", "event_id", "events", "CASCADE", True),
    ("news_items", "event_id", "events", "CASCADE", True),
    ("chats", "event_id", "events", "SET NULL", False),
    ("outbox", "session_id", "agenda_sessions", "SET NULL", True),
)
_SESSION_COLUMNS = ("starts_at", "ends_at", "room", "status", "language", "external_id")


def _session_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("room", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False, server_default="scheduled"),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
    ]


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _drop_fts() -> None:
    for trigger in ("news_fts_ai", "news_fts_ad", "news_fts_au"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS news_fts")


def _create_fts() -> None:
    """0007f's FTS5 index, filled from the rows."""
    op.execute(
        "CREATE VIRTUAL TABLE news_fts USING fts5(search_doc, content='news_items', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 0')"
    )
    op.execute(
        "CREATE TRIGGER news_fts_ai AFTER INSERT ON news_items BEGIN "
        "INSERT INTO news_fts(rowid, search_doc) VALUES (new.id, new.search_doc); END"
    )
    op.execute(
        "CREATE TRIGGER news_fts_ad AFTER DELETE ON news_items BEGIN "
        "INSERT INTO news_fts(news_fts, rowid, search_doc) "
        "VALUES ('delete', old.id, old.search_doc); END"
    )
    op.execute(
        "CREATE TRIGGER news_fts_au AFTER UPDATE OF search_doc ON news_items BEGIN "
        "INSERT INTO news_fts(news_fts, rowid, search_doc) "
        "VALUES ('delete', old.id, old.search_doc); "
        "INSERT INTO news_fts(rowid, search_doc) VALUES (new.id, new.search_doc); END"
    )
    op.execute("INSERT INTO news_fts(news_fts) VALUES ('rebuild')")


def upgrade() -> None:
    op.add_column("events", sa.Column("summary_past", sa.JSON(), nullable=False,
                                      server_default="{}"))
    for new in _session_columns():
        op.add_column("agenda_sessions", new)
    op.create_index("ix_agenda_sessions_starts_at", "agenda_sessions", ["starts_at"])
    sqlite = _sqlite()
    if sqlite:
        _drop_fts()
    for table, column, referred, ondelete, indexed in _FKS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(column, sa.Integer(), nullable=True))
            batch.create_foreign_key(f"fk_{table}_{column}_{referred}", referred, [column], ["id"],
                                     ondelete=ondelete)
            if indexed:
                batch.create_index(f"ix_{table}_{column}", [column])
    if sqlite:
        _create_fts()
    op.create_index("ix_agenda_sessions_event_external", "agenda_sessions",
                    ["event_id", "external_id"], unique=True)
    first = "(SELECT MIN(id) FROM events)"
    for table, _, referred, _, _ in _FKS:
        if referred == "events" and table != "chats":
            op.execute(f"UPDATE {table} SET event_id = {first} WHERE event_id IS NULL")
    op.create_table(
        "session_speakers",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(["session_id"], ["agenda_sessions.id"], ondelete="CASCADE",
                                name="fk_session_speakers_session_id_agenda_sessions"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE",
                                name="fk_session_speakers_participant_id_participants"),
        sa.PrimaryKeyConstraint("session_id", "participant_id", name="pk_session_speakers"),
    )
    op.create_table(
        "follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["chat_id"], ["chats.id"], ondelete="CASCADE",
                                name="fk_follows_chat_id_chats"),
        sa.ForeignKeyConstraint(["session_id"], ["agenda_sessions.id"], ondelete="CASCADE",
                                name="fk_follows_session_id_agenda_sessions"),
        sa.PrimaryKeyConstraint("id", name="pk_follows"),
        sa.UniqueConstraint("chat_id", "session_id", name="uq_follows_chat_id"),
    )
    op.create_index("ix_follows_session_id", "follows", ["session_id"])
    op.add_column("subscriptions", sa.Column("remind_minutes", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("subscriptions", "remind_minutes")
    op.drop_index("ix_follows_session_id", table_name="follows")
    op.drop_table("follows")
    op.drop_table("session_speakers")
    op.drop_index("ix_agenda_sessions_event_external", table_name="agenda_sessions")
    sqlite = _sqlite()
    if sqlite:
        _drop_fts()
    for table, column, referred, _, indexed in reversed(_FKS):
        with op.batch_alter_table(table) as batch:
            if indexed:
                batch.drop_index(f"ix_{table}_{column}")
            batch.drop_constraint(f"fk_{table}_{column}_{referred}", type_="foreignkey")
            batch.drop_column(column)
    if sqlite:
        _create_fts()
    op.drop_index("ix_agenda_sessions_starts_at", table_name="agenda_sessions")
    with op.batch_alter_table("agenda_sessions") as batch:
        for name in reversed(_SESSION_COLUMNS):
            batch.drop_column(name)
    with op.batch_alter_table("events") as batch:
        batch.drop_column("summary_past")
