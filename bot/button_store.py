"""Where the button codecs keep payloads too long for the platform: the database.

Telegram's callback data holds 64 bytes and Discord's custom_id 100 characters, so a button
whose command, page and arguments do not fit carries a token instead (:func:`button_token`,
derived from the payload). The payload behind it goes to the ``button_tokens`` table, so a
restarted process or another replica answers the button too; this process keeps a bounded
cache in front of it (a token never changes meaning, so the cache is never wrong, only
possibly expired). Without a database (unit tests) the store is the cache alone.

A database error never loses the reply: the payload stays in this process's cache (the
button then works until a restart, as it did before the table) and the error is logged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable

from storage.buttons import Payload
from storage.models import utcnow
from storage.uow import UnitOfWork

log = logging.getLogger("newsbot.buttons")

#: how long a token lasts after its last use, unless configured ([bot] button_days)
DEFAULT_TTL = dt.timedelta(days=30)
PURGE_EVERY = dt.timedelta(hours=1)


def button_token(command: str, page: int, args: str) -> str:
    """The short, content-derived key of a payload (32 hex characters)."""
    return hashlib.blake2b(f"{command}|{page}|{args}".encode(), digest_size=16).hexdigest()


class ButtonStore:
    """Payloads by token: the database when given, with an LRU cache of ``capacity`` tokens."""

    def __init__(self, uow: Callable[[], UnitOfWork] | None = None, *,
                 clock: Callable[[], dt.datetime] = utcnow, ttl: dt.timedelta = DEFAULT_TTL,
                 capacity: int = 4096) -> None:
        self.uow = uow
        self.clock = clock
        self.ttl = ttl
        self.capacity = capacity
        #: token -> (payload, answered until, stored in the database)
        self._cache: OrderedDict[str, tuple[Payload, dt.datetime, bool]] = OrderedDict()
        self._purged: dt.datetime | None = None

    def _remember(self, token: str, payload: Payload, until: dt.datetime, stored: bool) -> None:
        self._cache[token] = (payload, until, stored)
        self._cache.move_to_end(token)
        while len(self._cache) > self.capacity:
            self._cache.popitem(last=False)

    def _needs_write(self, token: str, now: dt.datetime) -> bool:
        cached = self._cache.get(token)
        return cached is None or not cached[2] or cached[1] - now < self.ttl / 2

    async def keep(self, payloads: Iterable[tuple[str, Payload]]) -> None:
        """Make sure every token is answered for ``ttl`` from now (one write for them all;
        none for tokens this process stored less than half a ``ttl`` ago)."""
        now = self.clock()
        until = now + self.ttl
        fresh = [(t, p) for t, p in payloads if self._needs_write(t, now)]
        if not fresh:
            return
        stored = self.uow is not None
        for token, payload in fresh:  # known at once: sends running meanwhile skip the write
            self._remember(token, payload, until, stored)
        if self.uow is None:
            return
        try:
            async with self.uow() as uow:
                await uow.buttons.keep(fresh, now, until)
                if self._purged is None or now - self._purged >= PURGE_EVERY:
                    self._purged = now
                    await uow.buttons.purge(now)
        except Exception as exc:  # the reply still goes out; its buttons work in this process
            for token, payload in fresh:
                self._remember(token, payload, until, False)
            log.warning("button tokens not stored; they work until this process restarts",
                        extra={"error": f"{type(exc).__name__}: {exc}"[:300]})

    async def find(self, token: str) -> Payload | None:
        """The payload behind ``token``, or None (unknown, forged or expired)."""
        now = self.clock()
        cached = self._cache.get(token)
        if cached is not None and cached[1] > now:
            self._cache.move_to_end(token)
            return cached[0]
        if self.uow is None:
            return None
        try:
            async with self.uow() as uow:
                found = await uow.buttons.find(token, now)
        except Exception as exc:
            log.warning("button token lookup failed",
                        extra={"error": f"{type(exc).__name__}: {exc}"[:300]})
            return None
        if found is None:
            return None
        self._remember(token, found[0], found[1], True)
        return found[0]
