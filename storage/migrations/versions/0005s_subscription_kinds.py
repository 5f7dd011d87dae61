"""subscription kinds: the digest and the alerts each have their own topics and forum topic

Until 0004 one ``topics`` list filtered both the digest and the alerts, so a chat could not
ask for "alerts on cybercrime, the digest on everything". Each kind now has its list
(``digest_topics``, ``alerts_topics``; empty = every topic). Existing subscribers keep what
they had: their list is copied to both kinds.

A subscription made in a Telegram forum topic is delivered into that topic: each kind keeps
the thread id its /subscribe came from (``digest_thread_id``, ``alerts_thread_id``; None
outside a topic, which is every existing subscription), and outbox rows carry the thread
they go to (``outbox.thread_id``).

Going down merges the two lists into one that loses nobody's news: every topic of either
kind, or every topic when either kind followed all of them.

Revision ID: 0005s
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005s"
down_revision = "0004"
branch_labels = None
depends_on = None

_subs = sa.table("subscriptions", sa.column("id", sa.Integer), sa.column("topics", sa.JSON),
                 sa.column("digest_topics", sa.JSON), sa.column("alerts_topics", sa.JSON))


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("digest_topics", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("alerts_topics", sa.JSON(), nullable=True))
    op.execute(_subs.update().values(digest_topics=_subs.c.topics, alerts_topics=_subs.c.topics))
    with op.batch_alter_table("subscriptions") as batch:
        batch.alter_column("digest_topics", existing_type=sa.JSON(), nullable=False)
        batch.alter_column("alerts_topics", existing_type=sa.JSON(), nullable=False)
        batch.drop_column("topics")
        batch.add_column(sa.Column("digest_thread_id", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("alerts_thread_id", sa.String(length=32), nullable=True))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("thread_id", sa.String(length=32), nullable=True))


def merged(digest: list[str] | None, alerts: list[str] | None) -> list[str]:
    """One list for both kinds that filters out nothing either kind wanted."""
    if not digest or not alerts:
        return []
    return list(dict.fromkeys([*digest, *alerts]))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("thread_id")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("alerts_thread_id")
        batch.drop_column("digest_thread_id")
        batch.add_column(sa.Column("topics", sa.JSON(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(_subs.c.id, _subs.c.digest_topics, _subs.c.alerts_topics)).all()
    for row_id, digest, alerts in rows:
        bind.execute(_subs.update().where(_subs.c.id == row_id)
                     .values(topics=merged(digest, alerts)))
    with op.batch_alter_table("subscriptions") as batch:
        batch.alter_column("topics", existing_type=sa.JSON(), nullable=False)
        batch.drop_column("alerts_topics")
        batch.drop_column("digest_topics")
