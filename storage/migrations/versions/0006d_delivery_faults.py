"""delivery under faults: uncertain sends, pauses and the withdrawal cursor in the database

- ``outbox.uncertain``: how many sends of the row got no answer after the request had left
  (a read timeout): Telegram may have delivered them, so such a row is retried at most
  ``[delivery] uncertain_retries`` times, then dead-lettered as uncertain.
- ``outbox.sent_at`` is indexed: what was sent recently (rate windows after a restart or a
  takeover, withdrawals of copies that went out after a delete) is read from the rows.
- ``delivery_pauses``: a 429's pause, for one chat or a whole platform, until a UTC instant;
  the claim skips paused chats, so a pause survives a restart and holds on any replica.
- ``delivery_marks``: named instants; "withdrawals_checked" is up to when the sent rows were
  checked for items deleted since (see ``OutboxWorker._withdraw_deleted``).

Revision ID: 0006d
Revises: 0006b
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006d"
down_revision = "0006b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("uncertain", sa.Integer(), nullable=False, server_default="0"))
        batch.create_index("ix_outbox_sent_at", ["sent_at"])
    op.create_table(
        "delivery_pauses",
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.Integer(), nullable=True),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["chat_id"], ["chats.id"],
                                name=op.f("fk_delivery_pauses_chat_id_chats"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_delivery_pauses")),
    )
    with op.batch_alter_table("delivery_pauses") as batch:
        batch.create_index("ix_delivery_pauses_chat_id", ["chat_id"])
    op.create_table(
        "delivery_marks",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_delivery_marks")),
    )


def downgrade() -> None:
    op.drop_table("delivery_marks")
    with op.batch_alter_table("delivery_pauses") as batch:
        batch.drop_index("ix_delivery_pauses_chat_id")
    op.drop_table("delivery_pauses")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_sent_at")
        batch.drop_column("uncertain")
