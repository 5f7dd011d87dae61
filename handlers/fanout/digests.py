"""Which digests are due, and their outbox rows: the body of the scheduler's tick
(bot/scheduler.py only provides the timing).

Schedules live in the database: each digest subscription stores the UTC instant of its
next digest (``next_digest_at``, the chat's local time on its next day). A tick takes the
due ones, composes each distinct digest once, and enqueues one row per chat keyed
``digest:<chat id>:<local date>`` — so restarts, a second scheduler or a changed time
cannot send two digests for one local day. A digest missed while the bot was down is
still sent when at most ``grace`` late; older ones are skipped (logged) and their news go
into the next digest, whose window starts where the last sent one ended.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from handlers.fanout.compose import Composer
from storage.localtime import last_occurrence, local_date, next_occurrence
from storage.outbox import NewMessage
from storage.uow import UnitOfWork

log = logging.getLogger("newsbot.digests")


@dataclass
class PlanReport:
    enqueued: int = 0
    empty: int = 0
    skipped: int = 0
    composed: int = 0


def digest_key(chat_id: int, day: dt.date) -> str:
    return f"digest:{chat_id}:{day.isoformat()}"


async def plan_digests(uow_factory: Callable[[], UnitOfWork], now: dt.datetime, *,
                       grace: dt.timedelta, default_language: str,
                       batch_size: int = 500) -> PlanReport:
    report = PlanReport()
    composer: Composer | None = None
    payloads: dict[int, dict[str, object]] = {}  # one JSON form per composed digest
    while True:
        async with uow_factory() as uow:
            subs = await uow.subscriptions.due_digests(now, batch_size)
            if composer is None:
                composer = Composer(uow)
            composer.uow = uow
            messages: list[NewMessage] = []
            for sub in subs:
                chat = sub.chat
                tz = chat.timezone
                due = last_occurrence(sub.digest_time, tz, now)
                if sub.next_digest_at is not None and due > sub.next_digest_at:
                    log.warning("digests missed while down", extra={
                        "chat": chat.id, "from": sub.next_digest_at.isoformat(),
                        "to": due.isoformat()})
                sub.next_digest_at = next_occurrence(sub.digest_time, tz, due)
                if now - due > grace:
                    report.skipped += 1
                    log.warning("digest skipped: past the grace period", extra={
                        "chat": chat.id, "due": due.isoformat()})
                    continue
                start = sub.last_digest_at or sub.created_at
                reply = await composer.digest(
                    lang=chat.language or default_language, tz=tz, topics=sub.digest_topics or [],
                    start=start, end=due, notify_empty=sub.notify_empty,
                    event=await composer.event_of(chat, due))
                sub.last_digest_at = due
                if reply is None:
                    report.empty += 1
                    continue
                if id(reply) not in payloads:
                    payloads[id(reply)] = reply.to_dict()
                payload = payloads[id(reply)]
                messages.append(NewMessage(digest_key(chat.id, local_date(due, tz)), chat.id,
                                           "digest", payload, thread_id=sub.digest_thread_id))
            report.enqueued += len(await uow.outbox.enqueue_many(messages, now))
            await uow.session.flush()
        if len(subs) < batch_size:
            break
    report.composed = composer.built if composer else 0
    if report.enqueued or report.skipped:
        log.info("digests planned", extra={"enqueued": report.enqueued, "empty": report.empty,
                                           "skipped": report.skipped, "composed": report.composed})
    return report
