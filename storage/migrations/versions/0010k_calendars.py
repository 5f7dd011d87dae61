"""calendar files: a session's iCalendar SEQUENCE, a chat's private calendar token

- ``agenda_sessions.sequence``: how many times the session's start, end, room or status
  changed (an iCalendar SEQUENCE: calendar apps replace their copy when it grows).
- ``chats.calendar_token``: the secret in the address of the chat's private calendar
  (``/calendar/<token>.ics``, the sessions it follows); NULL until its first /calendar.

Plain ``ADD COLUMN`` works on SQLite for both; the unique index is created apart.

Revision ID: 0010k
Revises: 0008p
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010k"
down_revision = "0008p"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("agenda_sessions", sa.Column("sequence", sa.Integer(), nullable=False,
                                               server_default="0"))
    op.add_column("chats", sa.Column("calendar_token", sa.String(length=64), nullable=True))
    op.create_index("ix_chats_calendar_token", "chats", ["calendar_token"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_chats_calendar_token", table_name="chats")
    with op.batch_alter_table("chats") as batch:
        batch.drop_column("calendar_token")
    with op.batch_alter_table("agenda_sessions") as batch:
        batch.drop_column("sequence")
