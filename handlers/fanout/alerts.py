"""Alerts: one outbox row per matching chat when an item is published.

Seeding, admin publishing and feeds all reach ``queue_alerts`` through
``handlers.fanout.publish.publish_item``, inside their own transaction (the item written and
loaded whole first), so the alert rows commit with the item and its revision or not at all. The
key ``alert:<item>:<chat>`` makes a replayed publish harmless. Quiet hours hold an alert until
they end, in the chat's zone; the result says how many alerts were queued and how many of those
quiet hours hold (the desk's /publish reply shows both).
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.fanout import Fanout
from handlers.fanout.compose import alert_reply
from storage.localtime import quiet_until
from storage.outbox import NewMessage
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class AlertsQueued:
    """What announcing one item queued: its alerts, and how many of them quiet hours hold."""

    queued: int = 0
    held: int = 0


def alert_key(item_id: int, chat_id: int) -> str:
    return f"alert:{item_id}:{chat_id}"


async def queue_alerts(uow: UnitOfWork, fanout: Fanout, item_id: int) -> AlertsQueued:
    """The alerts of the published item ``item_id`` for every chat whose topics it matches
    (none for an item not published, or deleted); rings ``fanout.wake`` once committed."""
    item = await uow.items.get_published(item_id)
    if item is None:
        return AlertsQueued()
    subs = await uow.subscriptions.alert_targets(item.topics or [])
    if not subs:
        return AlertsQueued()
    topics = await uow.content.topics()
    event = await uow.content.event_by_id(item.event_id) if item.event_id else None
    now = fanout.clock()
    payloads: dict[tuple[str, str], dict[str, object]] = {}  # one per language and zone
    messages = []
    held_keys = set()
    for sub in subs:
        chat = sub.chat
        key = (chat.language or fanout.default_language, chat.timezone)
        if key not in payloads:
            payloads[key] = alert_reply(item, topics, lang=key[0], tz=key[1],
                                        event=event).to_dict()
        held = quiet_until(sub.quiet_start, sub.quiet_end, chat.timezone, now)
        dedupe = alert_key(item.id, chat.id)
        if held is not None:
            held_keys.add(dedupe)
        messages.append(NewMessage(dedupe, chat.id, "alert", payloads[key], item_id=item.id,
                                   next_attempt_at=held or now,
                                   thread_id=sub.alerts_thread_id))
    inserted = await uow.outbox.enqueue_many(messages, now)
    if inserted:
        fanout.wake_after_commit(uow.session)
    return AlertsQueued(len(inserted), len(inserted & held_keys))
