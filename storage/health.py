"""Is the database writable, and if not, why: read-only, disk full, unreachable.

Why a write: a read-only database (a replica, a file or file system mounted read-only) or a
full disk answers every read; a service that only reads at start looks healthy and then fails
every command with a generic error. :func:`check_writable` commits one small write (a row
inserted and deleted in ``leases``) and :func:`database_problem` names what a failure means,
so the service can say it in one line and stay not-ready until it is fixed.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import delete, insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import Lease, utcnow

#: PostgreSQL SQLSTATEs: read-only transaction (a standby, default_transaction_read_only),
#: disk full, out of memory/resources, the server starting or shutting down, connections
_PG_READ_ONLY = {"25006"}
_PG_FULL = {"53100"}
_PG_UNAVAILABLE_PREFIXES = ("08", "53", "57P")
#: below this much free space, an I/O error on a SQLite file is a full disk
_LOW_SPACE = 1 << 20


async def check_writable(engine: AsyncEngine) -> None:
    """Commit one write; raises what the database answered."""
    name = f"write-check:{uuid.uuid4().hex[:16]}"
    async with engine.begin() as conn:
        await conn.execute(insert(Lease).values(name=name, owner="write-check", until=utcnow()))
        await conn.execute(delete(Lease).where(Lease.name == name))


def _sqlite_file(url: str) -> Path | None:
    u = make_url(url)
    database = u.database or ""
    if database.startswith("file:"):  # a URI filename: file:PATH?mode=ro
        database = database[5:].split("?", 1)[0]
    return Path(database).expanduser() if database and database != ":memory:" else None


def _file_system(path: Path | None) -> str | None:
    """What the file system of ``path`` says: read-only, or nearly full."""
    if path is None:
        return None
    folder = path.parent if path.parent.exists() else Path.cwd()
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return f"read-only: the file system of {folder} is mounted read-only"
        free = shutil.disk_usage(folder).free
    except OSError:
        return None
    if free < _LOW_SPACE:
        return f"disk full: {free // 1024} KB free on {folder}"
    return None


def database_problem(exc: BaseException, url: str) -> str | None:
    """One line naming a problem worth waiting for, or None for an error to stop on
    (a wrong password, an unknown database, a bug)."""
    orig = getattr(exc, "orig", None) or exc
    message = " ".join(str(orig).split())[:200]
    sqlite_code = getattr(orig, "sqlite_errorname", None)
    if isinstance(sqlite_code, str):
        if sqlite_code.startswith("SQLITE_READONLY") or "readonly database" in message:
            return f"read-only: {message}"
        if sqlite_code == "SQLITE_FULL":
            return f"disk full: {message}"
        if sqlite_code.startswith(("SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_BUSY",
                                   "SQLITE_LOCKED")):
            found = _file_system(_sqlite_file(url))
            return f"{found} ({message})" if found else f"cannot write the database file: {message}"
        return None
    sqlstate = str(getattr(orig, "sqlstate", "") or getattr(orig, "pgcode", "") or "")
    if sqlstate in _PG_READ_ONLY:
        return f"read-only: {message}"
    if sqlstate in _PG_FULL or "No space left on device" in message:
        return f"disk full: {message}"
    if sqlstate.startswith(_PG_UNAVAILABLE_PREFIXES):
        return f"unavailable: {message}"
    if isinstance(orig, OSError | TimeoutError):
        return f"unreachable: {type(orig).__name__}: {message}"
    return None
