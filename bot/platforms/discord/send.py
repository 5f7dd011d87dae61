"""Outgoing Discord messages for the outbox worker, and how Discord's errors map to ours.

Every part of a reply is sent with a nonce derived from the outbox row's nonce and the part's
index, and discord.py sends ``enforce_nonce: true`` with it: if the worker crashes after
Discord accepted a message but before the row was marked sent, the retry returns the same
message instead of posting it twice (Discord keeps nonces a few minutes).

discord.py retries 429s itself while ``retry_after`` ≤ the client's ``max_ratelimit_timeout``
(at least 30 s), and 500/502/504 a few times; longer waits surface as ``discord.RateLimited``
and become our ``RateLimited`` so the worker pauses that chat instead of blocking.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Awaitable
from typing import Any, TypeVar

import aiohttp

from bot.platforms.base import (
    About,
    ChatUnavailable,
    DeliveryError,
    Pace,
    PermanentError,
    RateLimited,
    TransientError,
)
from bot.platforms.discord.buttons import ButtonCodec, build_view
from bot.platforms.discord.render import NO_MENTIONS, render
from handlers.reply import Reply

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # discord.py imports audioop (voice)
    import discord

T = TypeVar("T")
NONCE_MAX = 25
#: Unknown Channel; Missing Access, Missing Permissions, Cannot send messages to this user
CHANNEL_GONE = {10003}
NO_ACCESS = {50001, 50013, 50007}
UNKNOWN_MESSAGE = 10008


def part_nonce(nonce: str, index: int) -> str:
    """A Discord nonce (≤ 25 chars) for part ``index`` of the message keyed by ``nonce``."""
    return hashlib.sha256(f"{nonce}:{index}".encode()).hexdigest()[:NONCE_MAX]


async def translate_errors(call: Awaitable[T]) -> T:
    """Await a discord.py call; raise our DeliveryError tree instead of Discord's errors."""
    try:
        return await call
    except discord.RateLimited as exc:
        raise RateLimited(exc.retry_after, "chat") from exc
    except discord.NotFound as exc:
        if exc.code in CHANNEL_GONE:
            raise ChatUnavailable(f"discord {exc.code}: unknown channel") from exc
        raise PermanentError(f"discord 404/{exc.code}") from exc
    except discord.Forbidden as exc:
        if exc.code in NO_ACCESS:
            raise ChatUnavailable(f"discord {exc.code}: no access") from exc
        raise PermanentError(f"discord 403/{exc.code}") from exc
    except discord.DiscordServerError as exc:
        raise TransientError(f"discord {exc.status}") from exc
    except discord.HTTPException as exc:
        if exc.status == 429:  # retries exhausted, or refused at the edge (no JSON body)
            retry = _retry_after(exc)
            raise RateLimited(retry, "global" if retry >= 60 else "chat") from exc
        if exc.status >= 500:
            raise TransientError(f"discord {exc.status}") from exc
        raise PermanentError(f"discord {exc.status}/{exc.code}: {exc.text[:200]}") from exc
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise TransientError(f"network: {type(exc).__name__}") from exc


def _retry_after(exc: discord.HTTPException) -> float:
    header = getattr(exc.response, "headers", {}).get("Retry-After")
    try:
        return max(1.0, float(header)) if header else 60.0
    except ValueError:
        return 60.0


class DiscordSender:
    """The :class:`bot.platforms.base.Sender` for Discord channels (chat_id = channel id)."""

    platform = "discord"

    def __init__(self, client: discord.Client, codec: ButtonCodec | None = None) -> None:
        self.client = client
        self.codec = codec or ButtonCodec()

    def _channel(self, chat_id: str) -> discord.PartialMessageable:
        if not chat_id.isdigit():
            raise PermanentError(f"not a Discord channel id: {chat_id[:32]!r}")
        return self.client.get_partial_messageable(int(chat_id))

    async def send(self, chat_id: str, reply: Reply, *, nonce: str,
                   thread_id: int | str | None = None, pace: Pace | None = None,
                   read_timeout: float | None = None, skip_parts: int = 0,
                   about: About | None = None) -> list[str]:
        """Send the parts after the first ``skip_parts`` (a resumed send), awaiting ``pace``
        before each further one. ``thread_id`` is ignored (a Discord thread is a channel of
        its own, its id the chat id), and so is ``read_timeout`` (discord.py's HTTP client
        keeps its own)."""
        channel = self._channel(chat_id)
        messages = render(reply)
        view = await build_view(reply.buttons, self.codec, rtl=reply.direction == "rtl")
        ids: list[str] = []
        for n, m in enumerate(messages):
            if n < skip_parts:
                continue
            kwargs: dict[str, Any] = {"allowed_mentions": NO_MENTIONS,
                                      "nonce": part_nonce(nonce, n)}
            if view is not None and n == len(messages) - 1:
                kwargs["view"] = view
            try:
                if n > skip_parts and pace is not None:
                    await pace()
                sent = await translate_errors(
                    channel.send(content=m.content, embeds=m.embeds, **kwargs)
                )
            except DeliveryError as exc:  # say what went out before it
                exc.after_parts(ids)
                raise
            ids.append(str(sent.id))
        return ids

    async def direct(self, user_id: str, reply: Reply, *, nonce: str) -> list[str]:
        """A private message to a user (the owners' alerts): their DM channel, opened if needed."""
        if not user_id.isdigit():
            raise PermanentError(f"not a Discord user id: {user_id[:32]!r}")
        channel = await translate_errors(self.client.create_dm(discord.Object(id=int(user_id))))
        return await self.send(str(channel.id), reply, nonce=nonce)

    async def edit(self, chat_id: str, message_ids: list[str], reply: Reply) -> bool:
        """Edit each delivered part in place; False when the parts no longer line up."""
        channel = self._channel(chat_id)
        messages = render(reply)
        if len(messages) != len(message_ids) or not all(i.isdigit() for i in message_ids):
            return False
        view = await build_view(reply.buttons, self.codec, rtl=reply.direction == "rtl")
        for n, (mid, m) in enumerate(zip(message_ids, messages, strict=True)):
            target = channel.get_partial_message(int(mid))
            last = n == len(messages) - 1
            try:
                await translate_errors(target.edit(
                    content=m.content, embeds=m.embeds, allowed_mentions=NO_MENTIONS,
                    view=view if last else None,
                ))
            except PermanentError as exc:
                if isinstance(exc.__cause__, discord.NotFound) and \
                        exc.__cause__.code == UNKNOWN_MESSAGE:
                    return False
                raise
        return True
