"""A stable identity for this process on this host and data folder, for the sender lease.

Why: the outbox sender holds the ``delivery`` lease and renews it; a process killed without
a clean stop (SIGKILL, a crash, the host's OOM killer) leaves the lease held until it expires,
so its restart used to wait out the dead process's whole lease (``leader_ttl_seconds``, 15 s,
plus up to a renewal period: 16–17 s measured) before its first send.

Each process claims a numbered slot file in the data folder (``instance-0.id``, then
``instance-1.id``…) under an exclusive ``flock`` held as long as it lives; the file keeps a
random id written once. The kernel drops the lock when the process dies, however it dies, so
whoever holds a slot's lock knows that any lease carrying that slot's id belongs to a dead
process: a restart takes its own previous lease over at once, while a second live process in
the same folder gets another slot and waits for the lease like any other replica. Owners are
``<host>.<slot id>-<pid>-<random>``; the part before the pid is the takeover prefix.

Without a usable folder (read-only, no ``fcntl``) the identity is random and nothing is taken
over early: the lease then expires as before.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

log = logging.getLogger("newsbot.instance")

SLOTS = 32
_ID = re.compile(r"^[0-9a-f]{12}$")


@dataclass(frozen=True)
class Instance:
    #: ``<host>.<slot id>``, or None when no slot could be claimed
    stable: str | None
    owner: str
    slot: int | None = None
    fd: int | None = None  # kept open: the lock lives with it

    @property
    def takeover_prefix(self) -> str | None:
        """Lease owners starting with this belong to a dead process of this same slot."""
        return f"{self.stable}-" if self.stable else None


def data_dir(setting: str | None, database_url: str) -> Path:
    """``[bot] data_dir``, else the SQLite database's folder, else ./data."""
    if setting:
        return Path(setting).expanduser()
    u = make_url(database_url)
    database = (u.database or "").removeprefix("file:").split("?", 1)[0]
    if u.get_backend_name() == "sqlite" and database and database != ":memory:":
        return Path(database).expanduser().resolve().parent
    return Path("data")


def _owner(stable: str) -> str:
    return f"{stable}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def claim(folder: Path) -> Instance:
    """The first free slot in ``folder`` (its lock held until this process ends)."""
    host = re.sub(r"[^A-Za-z0-9_.]", "_", socket.gethostname())[:24] or "host"
    try:
        import fcntl

        folder.mkdir(parents=True, exist_ok=True)
        for slot in range(SLOTS):
            path = folder / f"instance-{slot}.id"
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            ident = os.read(fd, 64).decode("ascii", "replace").strip()
            if not _ID.match(ident):
                ident = uuid.uuid4().hex[:12]
                os.ftruncate(fd, 0)
                os.pwrite(fd, ident.encode() + b"\n", 0)
                os.fsync(fd)
            os.set_inheritable(fd, False)
            stable = f"{host}.{ident}"
            return Instance(stable, _owner(stable), slot, fd)
        reason = f"all {SLOTS} slots are held by live processes"
    except (OSError, ImportError) as exc:
        reason = f"{type(exc).__name__}: {exc}"
    log.warning("no stable instance identity; after a crash the sender lease is waited out",
                extra={"folder": str(folder), "reason": reason})
    return Instance(None, f"{host}-{os.getpid()}-{uuid.uuid4().hex[:8]}")
