"""Chats the operator configures instead of a user subscribing in chat (outgoing webhooks).

A push-only platform has no one to type /subscribe: each configured target is a chat of
that platform (``platform_chat_id`` = its configured name) whose subscription the
configuration states. ``sync_configured`` makes the database say what the configuration
says, in one transaction, at each start: new targets created, changed ones updated (their
next digest rescheduled, their window since the last digest kept), a target that had been
marked gone (e.g. an endpoint that answered 410) active again because the operator still
names it, and targets no longer configured inactive ("no longer configured"), their
pending messages kept in the outbox until they expire or come back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from storage.uow import UnitOfWork

REMOVED = "no longer configured"


@dataclass(frozen=True)
class ConfiguredChat:
    chat_id: str
    title: str
    language: str
    timezone: str
    #: topic keys its alerts and digests follow (empty: every topic)
    topics: tuple[str, ...] = ()
    alerts: bool = True
    digest: bool = False
    digest_time: str = "08:00"


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    #: configured topic keys the content does not have (nothing would match them)
    unknown_topics: dict[str, list[str]] = field(default_factory=dict)


async def sync_configured(uow_factory: Callable[[], UnitOfWork], platform: str,
                          chats: Sequence[ConfiguredChat], *, now: dt.datetime) -> SyncReport:
    report = SyncReport()
    async with uow_factory() as uow:
        known = {t.key for t in await uow.content.topics()}
        for target in chats:
            unknown = sorted(set(target.topics) - known)
            if unknown:
                report.unknown_topics[target.chat_id] = unknown
            chat = await uow.chats.find(platform, target.chat_id)
            fresh = chat is None
            chat = await uow.chats.touch(platform, target.chat_id, kind="channel",
                                         title=target.title, now=now)
            chat.language, chat.timezone = target.language, target.timezone
            sub = await uow.subscriptions.get_or_create(chat, now)
            before = (sub.alerts, sub.digest, sub.digest_time, list(sub.alerts_topics or []),
                      list(sub.digest_topics or []))
            sub.alerts, sub.digest, sub.digest_time = target.alerts, target.digest, target.digest_time
            sub.alerts_topics = list(target.topics)
            sub.digest_topics = list(target.topics)
            if fresh:
                report.created.append(target.chat_id)
            elif before != (sub.alerts, sub.digest, sub.digest_time, sub.alerts_topics,
                            sub.digest_topics):
                report.updated.append(target.chat_id)
            if fresh or before[1:3] != (sub.digest, sub.digest_time) or (
                    sub.digest and sub.next_digest_at is None):
                await uow.subscriptions.reschedule(sub, chat.timezone, now)
        wanted = {c.chat_id for c in chats}
        for chat in await uow.chats.of_platform(platform):
            if chat.platform_chat_id not in wanted and chat.active:
                await uow.chats.deactivate(chat, REMOVED)
                report.deactivated.append(chat.platform_chat_id)
    return report
