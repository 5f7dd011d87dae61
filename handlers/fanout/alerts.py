"""Alerts: one outbox row per matching chat when an item is published (the Publisher).

Seeding, admin publishing and feeds all reach ``item_published`` through
``handlers.publishing.publish_item``, inside their own transaction (the item written and loaded
whole first), so the alert rows commit with the item and its revision or not at all. The key
``alert:<item>:<chat>`` makes a replayed publish harmless. Quiet hours hold an alert until they
end, in the chat's zone; the publisher says how many it queued and how many of those quiet
hours hold (the desk's /publish reply shows both).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from handlers.base import AlertsQueued
from handlers.digest import alert_reply
from storage.localtime import quiet_until
from storage.models import utcnow
from storage.outbox import NewMessage
from storage.uow import UnitOfWork


class AlertPublisher:
    def __init__(self, default_language: str, clock: Callable[[], dt.datetime] = utcnow,
                 on_enqueue: Callable[[], None] | None = None) -> None:
        self.default_language = default_language
        self.clock = clock
        self.on_enqueue = on_enqueue

    async def item_published(self, uow: UnitOfWork, item_id: int) -> AlertsQueued:
        item = await uow.items.get_published(item_id)
        if item is None:
            return AlertsQueued()
        subs = await uow.subscriptions.alert_targets(item.topics or [])
        if not subs:
            return AlertsQueued()
        topics = await uow.content.topics()
        now = self.clock()
        payloads: dict[tuple[str, str], dict[str, object]] = {}
        messages = []
        held_keys = set()
        for sub in subs:
            chat = sub.chat
            key = (chat.language or self.default_language, chat.timezone)
            if key not in payloads:
                payloads[key] = alert_reply(item, topics, lang=key[0], tz=key[1]).to_dict()
            held = quiet_until(sub.quiet_start, sub.quiet_end, chat.timezone, now)
            dedupe = f"alert:{item.id}:{chat.id}"
            if held is not None:
                held_keys.add(dedupe)
            messages.append(NewMessage(dedupe, chat.id, "alert", payloads[key], item_id=item.id,
                                       next_attempt_at=held or now,
                                       thread_id=sub.alerts_thread_id))
        inserted = await uow.outbox.enqueue_keys(messages, now)
        if inserted and self.on_enqueue is not None:
            self.on_enqueue()
        return AlertsQueued(len(inserted), len(inserted & held_keys))
