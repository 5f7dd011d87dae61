"""Sending one outbox row: a message (resumed after the parts already delivered) or an edit.

No rate windows and no recording here: the worker paces (``pace``) and records.
"""

from __future__ import annotations

import functools
import json

from bot.platforms.base import About, DeliveryError, Pace, Sender
from handlers.reply import Reply
from storage.editorial import CORRECTION_KINDS
from storage.outbox import Claimed


async def deliver(row: Claimed, sender: Sender, reply: Reply, pace: Pace | None = None,
                  read_timeout: float | None = None) -> list[str]:
    """Send a row; an "edit" row (a correction, see handlers/corrections.py) edits the copies
    already delivered, and sends its ``fallback`` notice when the platform cannot edit them.

    A message split in parts that failed half-way resumes after the parts already delivered
    (``platform_message_ids`` saved with the error); the ids returned are the whole
    message's, and an error raised names every part delivered (earlier ones included).
    ``pace`` is awaited before each further part of a split message; ``read_timeout``
    replaces the transport's; ``thread_id`` is the row's forum topic.
    """
    payload = row.payload if row.kind == "edit" else {}
    edit_ids = payload.get("edit_message_ids")
    if edit_ids:
        ids = [str(i) for i in edit_ids]
        if await sender.edit(row.platform_chat_id, ids, reply):
            return ids
        if payload.get("fallback"):
            reply = Reply.from_dict(payload["fallback"])
    done = list(row.platform_message_ids) if row.kind != "edit" else []
    try:
        more = await sender.send(row.platform_chat_id, reply, nonce=row.dedupe_key,
                                 thread_id=row.thread_id, pace=pace, read_timeout=read_timeout,
                                 skip_parts=len(done), about=about_of(row))
    except DeliveryError as exc:
        exc.after_parts(done)
        raise
    return done + [str(i) for i in more]


def about_of(row: Claimed) -> About:
    """What a row is: its kind, or for a correction row the change it carries (correction,
    withdrawal, restoration), read from its payload only then (a digest's is not decoded)."""
    kind = row.kind
    if kind in CORRECTION_KINDS:
        kind = str(row.payload.get("event") or "correction")
    return About(kind, row.item_id)


@functools.lru_cache(maxsize=256)
def reply_of(payload_json: str) -> Reply:
    """A row's reply; one decode per distinct payload (a digest is one text for many chats).

    ``Reply`` is immutable, so sharing one between rows is safe.
    """
    return Reply.from_dict(json.loads(payload_json))
