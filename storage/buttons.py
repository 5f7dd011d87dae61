"""Button payloads behind short tokens, shared by every process (table ``button_tokens``).

A button re-runs a command at a page with arguments; when that does not fit the platform's
field (64 bytes of Telegram callback data, 100 characters of Discord custom_id) the button
carries a token derived from the payload instead. The row lives until ``expires_at``; using
the same payload again pushes the expiry further. Tokens are content-derived, so a row never
changes meaning and any process may cache it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ButtonToken
from storage.outbox import is_postgres

#: (command, page, args)
Payload = tuple[str, int, str]


class ButtonTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def keep(self, tokens: Sequence[tuple[str, Payload]], now: dt.datetime,
                   expires_at: dt.datetime) -> None:
        """Store (or extend) each token's payload until ``expires_at``."""
        if not tokens:
            return
        insert = pg_insert if is_postgres(self.session) else sqlite_insert
        rows = [{"token": token, "command": command, "page": page, "args": args,
                 "created_at": now, "expires_at": expires_at}
                for token, (command, page, args) in dict(tokens).items()]
        stmt = insert(ButtonToken).values(rows)
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=["token"], set_={"expires_at": stmt.excluded.expires_at}))

    async def find(self, token: str, now: dt.datetime) -> tuple[Payload, dt.datetime] | None:
        """The payload and its expiry, unless the token is unknown or expired."""
        row = (await self.session.execute(
            select(ButtonToken.command, ButtonToken.page, ButtonToken.args,
                   ButtonToken.expires_at)
            .where(ButtonToken.token == token, ButtonToken.expires_at > now))).first()
        if row is None:
            return None
        return (row.command, row.page, row.args), row.expires_at

    async def purge(self, now: dt.datetime) -> int:
        """Delete the expired tokens; returns how many."""
        result = await self.session.execute(
            delete(ButtonToken).where(ButtonToken.expires_at <= now)
            .execution_options(synchronize_session=False))
        return int(getattr(result, "rowcount", 0) or 0)
