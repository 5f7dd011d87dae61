"""button tokens: long button payloads in the database, so a restart or another replica answers them

Telegram's callback data holds 64 bytes and Discord's custom_id 100 characters; a button whose
command, page and arguments do not fit is sent as a short token. The token was a key into one
process's memory; this table keeps it for every process, until ``expires_at``.

Revision ID: 0006b
Revises: 0005c
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006b"
down_revision = "0005c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "button_tokens",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("command", sa.String(length=32), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("args", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_button_tokens")),
    )
    with op.batch_alter_table("button_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_button_tokens_expires_at"), ["expires_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("button_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_button_tokens_expires_at"))
    op.drop_table("button_tokens")
