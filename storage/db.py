"""Engine and session factory. Built by the composition root, never at import time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_BUSY_TIMEOUT_MS = 5000
#: PostgreSQL ends a session idle inside a transaction this long (see make_engine)
IDLE_IN_TRANSACTION_MS = 60_000


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def ensure_sqlite_dir(url: str) -> None:
    """Create the folder of a SQLite file database so a fresh machine needs no set-up."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; SQLite gets WAL, a busy timeout and enforced foreign keys on every connection.

    ``hide_parameters``: an error (and SQLAlchemy's own logging) shows the statement, never
    its values — they are drafts, messages, user ids.
    """
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        ensure_sqlite_dir(url)
        kwargs.setdefault("connect_args", {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        engine = create_async_engine(url, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # A process frozen inside a transaction (GC pause, VM freeze, SIGSTOP) keeps its locks:
    # the server ends such a transaction after a minute, so the others (the sender taking
    # over the delivery lease) are not blocked longer. No transaction of the bot waits that
    # long between two statements (platform calls time out within 30 s).
    kwargs.setdefault("connect_args", {}).setdefault("server_settings", {}).setdefault(
        "idle_in_transaction_session_timeout", str(IDLE_IN_TRANSACTION_MS))
    return create_async_engine(url, **kwargs)


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
