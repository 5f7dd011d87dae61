"""Owners hear about trouble in the content pipeline: a private message when a feed keeps
failing, messages go to dead letters, the sender lease changes hands, or the database is not
writable. (A platform that fails or recovers is bot/owner_alerts.py: it is told by the
supervisor at once, through whichever platform still runs.)

A component that looks at the database's state once a minute — no hook into the feed
poller or the outbox worker — and queues ordinary outbox rows (kind ``ops``) to each
owner's private chat on the platforms where an owner's id is one (Telegram:
``Capabilities.owners_reachable``). Their dedupe keys carry what they report (the feed's failure
streak, the last dead letter reported, the lease's new holder), so a restart, a second
replica or the next check never repeat a message, and a burst is one message. A database
that cannot be written cannot queue a row: that one is sent straight through the sender, at
most once per ``quiet`` interval per process.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy import func, select

from bot.app import App
from bot.platforms import reachable_owners
from bot.platforms.base import cancel_and_wait
from handlers.i18n import t
from handlers.reply import Reply, ReplyBuilder, Span
from storage.feeds import FeedState
from storage.models import Lease, OutboxMessage, utcnow
from storage.outbox import DEAD, NewMessage
from storage.uow import UnitOfWork

log = logging.getLogger("newsbot.ops")

KIND = "ops"
#: the ``leases`` row remembering the sender lease's last holder seen
SEEN_LEASE = "ops:delivery-holder"
#: a feed is reported after this many failed polls in a row (once per failure streak)
FEED_FAILURES = 3


def ops_reply(key: str, lang: str, **values: object) -> Reply:
    return (ReplyBuilder().para(Span(t("ops.label", lang) + " — ", bold=True),
                                t(key, lang, **values)).build())


class TroubleWatch:
    """The component: ``check()`` once per ``interval`` seconds."""

    name = "trouble-watch"

    def __init__(self, app: App, *, interval: float = 60.0, quiet: float = 1800.0,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.app = app
        self.interval = interval
        self.quiet = quiet
        self.clock = clock
        self._task: asyncio.Task[None] | None = None
        self._unwritable_sent_at: dt.datetime | None = None

    def owners(self) -> list[tuple[str, str]]:
        """(platform, owner id) where an owner's id is their private chat (PLATFORMS)."""
        return reachable_owners(self.app.settings)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="owner-alerts")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.check()
            except Exception:  # a failed check is retried at the next one
                log.warning("owner alerts: check failed", exc_info=True)
            await asyncio.sleep(self.interval)

    async def check(self) -> int:
        """Queue what the owners have not been told yet; returns the rows queued."""
        if not self.owners():
            return 0
        try:
            async with self.app.uow() as uow:
                reports = [*await self._feeds(uow), *await self._dead(uow), *await self._lease(uow)]
                return await self._queue(uow, reports)
        except Exception as exc:
            if _unwritable(exc):
                await self._tell_directly(exc)
                return 0
            raise

    # ----------------------------------------------------------------- what to report
    async def _feeds(self, uow: UnitOfWork) -> list[tuple[str, str, dict[str, object]]]:
        out = []
        rows = (await uow.session.scalars(select(FeedState).where(
            FeedState.consecutive_failures >= FEED_FAILURES))).all()
        for feed in rows:
            streak = feed.last_success_at.isoformat() if feed.last_success_at else "never"
            out.append((f"ops:feed:{feed.name}:{streak}", "ops.feed_failing",
                        {"feed": feed.name, "n": feed.consecutive_failures,
                         "error": (feed.last_error or "?")[:200]}))
        return out

    async def _dead(self, uow: UnitOfWork) -> list[tuple[str, str, dict[str, object]]]:
        reported = await uow.session.scalar(
            select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.like("ops:dead:%"))
            .order_by(OutboxMessage.id.desc()).limit(1))
        since = int(reported.rsplit(":", 2)[1]) if reported else 0
        count, last = (await uow.session.execute(
            select(func.count(), func.max(OutboxMessage.id)).where(
                OutboxMessage.status == DEAD, OutboxMessage.id > since,
                OutboxMessage.kind != KIND))).one()
        if not count:
            return []
        return [(f"ops:dead:{last}", "ops.dead_letters", {"n": int(count)})]

    async def _lease(self, uow: UnitOfWork) -> list[tuple[str, str, dict[str, object]]]:
        """The sender lease's holder, compared with the one last seen (a row of its own in
        ``leases``): the first holder is only noted, a new one is reported."""
        lease = await uow.session.get(Lease, "delivery")
        if lease is None or lease.until <= self.clock():  # released or expired: nobody yet
            return []
        seen = await uow.session.get(Lease, SEEN_LEASE)
        if seen is None:
            uow.session.add(Lease(name=SEEN_LEASE, owner=lease.owner, until=lease.until))
            return []
        if seen.owner == lease.owner:
            return []
        previous, seen.owner, seen.until = seen.owner, lease.owner, lease.until
        return [(f"ops:lease|{lease.owner}|{lease.until.isoformat()}|", "ops.lease_moved",
                 {"owner": lease.owner, "previous": previous})]

    # ----------------------------------------------------------------------- sending
    async def _queue(self, uow: UnitOfWork, reports: list[tuple[str, str, dict[str, object]]]
                     ) -> int:
        if not reports:
            return 0
        now = self.clock()
        lang = self.app.settings.bot.default_language
        messages = []
        for platform, owner in self.owners():
            chat = await uow.chats.touch(platform, owner, kind="private", title=None, now=now)
            for key, message, values in reports:
                messages.append(NewMessage(f"{key}:{owner}"[:200], chat.id, KIND,
                                           ops_reply(message, chat.language or lang,
                                                     **values).to_dict()))
        inserted = len(await uow.outbox.enqueue_many(messages, now))
        if inserted:
            log.info("owners told", extra={"messages": inserted})
        return inserted

    async def _tell_directly(self, exc: BaseException) -> None:
        now = self.clock()
        if self._unwritable_sent_at and (now - self._unwritable_sent_at).total_seconds() < self.quiet:
            return
        log.error("database not writable: %s", _first_line(exc))
        owners = [(self.app.senders[p], o) for p, o in self.owners() if p in self.app.senders]
        if not owners:
            return
        self._unwritable_sent_at = now
        reply = ops_reply("ops.unwritable", self.app.settings.bot.default_language,
                          error=_first_line(exc)[:200])
        for sender, owner in owners:
            try:
                await sender.send(owner, reply, nonce=f"ops-unwritable-{now:%Y%m%d%H%M}")
            except Exception:  # best effort: the log line above stays
                log.warning("owner alerts: could not reach an owner", exc_info=True)


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.splitlines()[0] if text else type(exc).__name__


def _unwritable(exc: BaseException) -> bool:
    low = _first_line(exc).lower()
    return any(w in low for w in ("readonly", "read-only", "read only", "disk", "no space"))
