"""revisions: the audit log becomes the one history of content changes; provenance per row

Each audit row now names the object it changed (kind, id), the fields it changed (a
language-qualified key such as ``title.fr``) with only those fields' values before and after,
the language of the change, which revision it takes back (``undoes``) or was taken back by
(``undone_by``), and where the change came from (desk, seed, import, feed). Content rows gain
``origin`` (where the row itself came from) and, where the desk edits them language by
language, ``stale``: the texts that predate an edit in another language.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

CONTENT_TABLES = ("news_items", "agenda_sessions", "participants", "resolutions", "facts")
#: rows the desk edits language by language: ``stale`` lists texts needing translation
TRANSLATED_TABLES = ("news_items", "agenda_sessions", "participants", "resolutions")


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("object_kind", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("object_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("fields", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("undoes", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("undone_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("batch", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("origin", sa.String(length=16), nullable=False, server_default="desk")
        )
        batch.create_index("ix_audit_log_object", ["object_kind", "object_id"])
        batch.create_index("ix_audit_log_batch", ["batch"])
    for table in CONTENT_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("origin", sa.String(length=16), nullable=False, server_default="bundled")
            )
            if table in TRANSLATED_TABLES:
                batch.add_column(sa.Column("stale", sa.JSON(), nullable=False, server_default="[]"))
    op.execute(
        "UPDATE news_items SET origin = CASE WHEN created_by LIKE 'feed:%' THEN 'feed' "
        "ELSE 'desk' END WHERE created_by IS NOT NULL"
    )
    # Rows the desk added before revisions existed (their keys say so).
    for table, prefix in (("agenda_sessions", "session-"), ("participants", "participant-")):
        op.execute(f"UPDATE {table} SET origin = 'desk' WHERE key LIKE '{prefix}%'")


def downgrade() -> None:
    for table in CONTENT_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("origin")
            if table in TRANSLATED_TABLES:
                batch.drop_column("stale")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_index("ix_audit_log_object")
        batch.drop_index("ix_audit_log_batch")
        for column in ("origin", "batch", "undone_by", "undoes", "language", "fields", "object_id",
                       "object_kind"):
            batch.drop_column(column)
