"""A chat's lifecycle, in one place: seen (created or active again), gone, moved.

Every path that learns something about a chat comes here: the dispatcher (a command from
it), the platforms' membership and migration updates and their interactive replies, and the
outbox worker's recorder (a send refused because the chat is gone or has moved). Two forms:

- ``chat_seen`` / ``chat_gone`` / ``chat_moved`` work in the caller's unit of work (the
  recorder commits them with the row's outcome);
- ``seen`` / ``gone`` / ``moved`` open their own from a factory (``app.uow``) and name the
  chat by its platform id: what a platform adapter calls, so it writes no storage itself.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from storage.models import Chat, utcnow
from storage.uow import UnitOfWork

log = logging.getLogger("newsbot.chats")

UowFactory = Callable[[], UnitOfWork]
#: a reason is the platform's words (an error description): kept to this many characters
REASON_CHARS = 200


async def chat_seen(uow: UnitOfWork, platform: str, platform_chat_id: str, *, kind: str,
                    title: str | None, now: dt.datetime | None = None) -> Chat:
    """The chat, created on first contact; a chat that talks to us (or adds us) again is
    active again (its settings kept)."""
    return await uow.chats.touch(platform, platform_chat_id, kind=kind, title=title, now=now)


async def chat_gone(uow: UnitOfWork, chat: Chat, reason: str,
                    now: dt.datetime | None = None) -> None:
    """The chat cannot receive our messages any more (blocked, kicked, deleted, no rights):
    inactive with the reason (its settings kept, for when it comes back), and its pending
    messages nobody is sending (unleased, or leased until before ``now``) dead-lettered."""
    reason = reason[:REASON_CHARS]
    was_active = chat.active
    await uow.chats.deactivate(chat, reason)
    await uow.outbox.drop_for_chat(chat.id, f"chat unavailable: {reason}", now or utcnow())
    if was_active:
        log.info("chat inactive", extra={"chat": chat.id, "reason": reason})


async def chat_moved(uow: UnitOfWork, chat: Chat, new_platform_chat_id: str) -> Chat:
    """The chat has a new platform id (a Telegram group became a supergroup): the chat, its
    settings and its pending messages (they name our chat id) follow it; a record the new id
    already had (created by a command sent there first) gives way."""
    chat = await uow.chats.migrate(chat, new_platform_chat_id)
    log.info("chat moved", extra={"chat": chat.id})
    return chat


async def seen(uows: UowFactory, platform: str, platform_chat_id: str, *, kind: str,
               title: str | None, now: dt.datetime | None = None) -> None:
    async with uows() as uow:
        await chat_seen(uow, platform, platform_chat_id, kind=kind, title=title, now=now)


async def gone(uows: UowFactory, platform: str, platform_chat_id: str, reason: str,
               now: dt.datetime | None = None) -> bool:
    """``chat_gone`` for the chat with this platform id; False when we never knew it."""
    async with uows() as uow:
        chat = await uow.chats.find(platform, platform_chat_id)
        if chat is None:
            return False
        await chat_gone(uow, chat, reason, now)
        return True


async def moved(uows: UowFactory, platform: str, old_id: str, new_id: str) -> bool:
    """``chat_moved`` for the chat with platform id ``old_id`` (idempotent: Telegram sends
    both halves of a migration); False when no chat has that id (any more)."""
    async with uows() as uow:
        chat = await uow.chats.find(platform, old_id)
        if chat is None:
            return False
        await chat_moved(uow, chat, new_id)
        return True
