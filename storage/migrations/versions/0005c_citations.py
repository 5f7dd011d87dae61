"""citations: a content row cites several sources, in order; an event's disputed opening day

One association table per kind of row (``news_item_citations``: item, position, source; the
same for events, facts, agenda sessions, participants and the resolution), with foreign keys
on both sides (storage/models.py says why). Each row's current source becomes its first
citation (position 0); ``source_id`` stays as that first source. ``events.alt_starts_on`` is
another opening day a source gives when the sources disagree.

The downgrade writes each row's first citation back into ``source_id`` (the other citations
have nowhere to go) and drops the tables and the column.

Revision ID: 0005c
Revises: 0005s
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005c"
down_revision = "0005s"
branch_labels = None
depends_on = None

#: (citation table, its column naming the row, the row's table)
CITATIONS = (
    ("event_citations", "event_id", "events"),
    ("fact_citations", "fact_id", "facts"),
    ("agenda_session_citations", "session_id", "agenda_sessions"),
    ("participant_citations", "participant_id", "participants"),
    ("resolution_citations", "resolution_id", "resolutions"),
    ("news_item_citations", "item_id", "news_items"),
)


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("alt_starts_on", sa.Date(), nullable=True))
    for table, owner, parent in CITATIONS:
        op.create_table(
            table,
            sa.Column(owner, sa.Integer(), nullable=False),
            sa.Column("position", sa.Integer(), nullable=False),
            sa.Column("source_id", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint([owner], [f"{parent}.id"], ondelete="CASCADE",
                                    name=op.f(f"fk_{table}_{owner}_{parent}")),
            sa.ForeignKeyConstraint(["source_id"], ["sources.id"],
                                    name=op.f(f"fk_{table}_source_id_sources")),
            sa.PrimaryKeyConstraint(owner, "position", name=op.f(f"pk_{table}")),
        )
        op.execute(f"INSERT INTO {table} ({owner}, position, source_id) "
                   f"SELECT id, 0, source_id FROM {parent} WHERE source_id IS NOT NULL")


def downgrade() -> None:
    for table, owner, parent in reversed(CITATIONS):
        op.execute(f"UPDATE {parent} SET source_id = (SELECT c.source_id FROM {table} c "
                   f"WHERE c.{owner} = {parent}.id AND c.position = 0) "
                   f"WHERE EXISTS (SELECT 1 FROM {table} c WHERE c.{owner} = {parent}.id "
                   f"AND c.position = 0)")
        op.drop_table(table)
    # last: on SQLite this copies the events table, which would cascade to its citations
    with op.batch_alter_table("events") as batch:
        batch.drop_column("alt_starts_on")
