"""delivery under faults: uncertain sends

- ``outbox.uncertain``: how many sends of the row got no answer after the request had left
  (a read timeout): Telegram may have delivered them, so such a row is retried at most
  ``[delivery] uncertain_retries`` times, then dead-lettered as uncertain.

Revision ID: 0006d
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006d"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("uncertain", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("uncertain")
