"""What the process needs from a platform adapter, and how delivery failures are classified.

A platform adapter is a :class:`Component` (started and stopped by ``bot/service.py``) and,
for outgoing messages (digests, alerts, broadcasts, corrections), a :class:`Sender`, which the
component offers to the outbox worker while it runs (:func:`offer_sender` /
:func:`withdraw_sender`, the one way to register one). Senders
translate the platform's errors into this small tree so the outbox worker decides retries,
pauses and chat deactivation without knowing the platform:

    DeliveryError
    ├── RateLimited      -- wait ``retry_after`` seconds; ``scope`` says what is paused
    │                       (a chat, the whole bot, or unknown: the outbox infers it)
    ├── ChatUnavailable  -- blocked, kicked, deactivated, not found, deleted, no permission
    ├── ChatMoved        -- a Telegram group became a supergroup: resend to ``new_chat_id``
    ├── TransientError   -- 5xx, network, a timeout before the request left: back off, retry
    │   └── DeliveryUncertain -- no answer after the request left (a read timeout): the
    │                            platform may have delivered it; retried a bounded number of
    │                            times (a platform without idempotency key would repeat it)
    └── PermanentError   -- the message itself is refused (bad request): dead letter

Every DeliveryError says which parts of a split message were delivered before it
(``sent_message_ids``), so a retry resumes after them (``Sender.send(skip_parts=...)``).
What each error means for a row (retry when, pause what, dead letter, chat gone or moved)
is decided in one place, :func:`bot.delivery.policy.decide`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, Protocol, Self

from handlers.reply import Reply


class DeliveryError(Exception):
    """A send failed; ``sent_message_ids``: the parts of a split message delivered before
    the failure (empty when none were), in order."""

    def __init__(self, *args: object, sent_message_ids: Iterable[str] = ()) -> None:
        super().__init__(*args)
        self.sent_message_ids: list[str] = [str(i) for i in sent_message_ids]

    def after_parts(self, ids: Iterable[str]) -> Self:
        """These parts went out before the ones this error already names: the error now
        names them all (a sender says what it sent; a resumed send adds the earlier parts)."""
        self.sent_message_ids = [str(i) for i in ids] + self.sent_message_ids
        return self


class RateLimited(DeliveryError):
    """``scope``: what the platform says is limited, or "unknown" when it does not say
    (Telegram): the outbox then infers it (``bot.delivery.windows.RateWindows.scope_of``)."""

    def __init__(self, retry_after: float,
                 scope: Literal["chat", "global", "unknown"] = "chat", *,
                 sent_message_ids: Iterable[str] = ()) -> None:
        super().__init__(f"rate limited for {retry_after}s ({scope})",
                         sent_message_ids=sent_message_ids)
        self.retry_after = retry_after
        self.scope = scope


class ChatUnavailable(DeliveryError):
    def __init__(self, reason: str, *, sent_message_ids: Iterable[str] = ()) -> None:
        super().__init__(reason, sent_message_ids=sent_message_ids)
        self.reason = reason


class ChatMoved(DeliveryError):
    def __init__(self, new_chat_id: str, *, sent_message_ids: Iterable[str] = ()) -> None:
        super().__init__(f"chat moved to {new_chat_id}", sent_message_ids=sent_message_ids)
        self.new_chat_id = new_chat_id


class TransientError(DeliveryError):
    pass


class DeliveryUncertain(TransientError):
    """The request left but its answer did not come (read timeout, connection lost while
    waiting): the message may have been delivered. Retrying it may show it twice."""


class PermanentError(DeliveryError):
    pass


class TokenRejected(Exception):
    """The platform refused our token (401 Unauthorized): a configuration error.

    Never retried; the message names the platform and the key, never the token.
    """

    def __init__(self, platform: str) -> None:
        super().__init__(f"{platform}: the token was rejected (401 Unauthorized); "
                         f"check [{platform}] token")
        self.platform = platform


#: awaited before each further part of a split message (the outbox's rate windows); it may
#: raise a DeliveryError to stop the send there (the parts sent so far are kept)
Pace = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class About:
    """What an outgoing message is, for platforms that post it as data (outgoing webhooks);
    chat platforms ignore it. ``kind``: alert, digest, correction, withdrawal, restoration,
    broadcast or owner (trouble reports); ``item_id``: the news item it is about, if one."""

    kind: str
    item_id: int | None = None


class Sender(Protocol):
    """Sends rendered replies to one platform; raises DeliveryError subclasses.

    Every sender takes every option (one that means nothing on its platform is ignored), so
    the outbox worker and the interactive reply paths call them all alike.
    """

    platform: str

    async def send(self, chat_id: str, reply: Reply, *, nonce: str,
                   thread_id: int | str | None = None, pace: Pace | None = None,
                   read_timeout: float | None = None, skip_parts: int = 0,
                   about: About | None = None) -> list[str]:
        """Deliver ``reply`` (split as the platform needs); return the platform message ids
        of the parts sent by this call.

        ``nonce``: the outbox row's key ("" for an interactive reply); ``thread_id``: a forum
        topic in the chat (platforms without topics: the chat itself); ``pace``: awaited
        before each part after the first one this call sends; ``read_timeout``: how long to
        wait for each answer instead of the transport's default (where it can be set);
        ``skip_parts``: the first parts were delivered already (a resumed send): start after
        them; ``about``: what the message is (an outbox row's kind and item; None for an
        interactive reply). A failure after some parts raises with those parts' ids in
        ``DeliveryError.sent_message_ids``."""
        ...

    async def edit(self, chat_id: str, message_ids: list[str], reply: Reply) -> bool:
        """Replace delivered messages with ``reply``; False when the platform cannot."""
        ...


class Component(Protocol):
    """A long-running part of the process (a platform, the scheduler, the outbox worker)."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


async def cancel_and_wait(task: asyncio.Task[Any] | None) -> None:
    """Stop a component's background task and wait until it has unwound (None: nothing)."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def offer_sender(app: object, sender: Sender) -> None:
    """Register ``sender`` as its platform's in ``app.senders`` (what the outbox worker sends
    through), once the component that owns it is up. The one way every platform does it."""
    senders = getattr(app, "senders", None)
    if isinstance(senders, dict):  # test doubles of the App may have no registry
        senders[sender.platform] = sender


def withdraw_sender(app: object, sender: Sender) -> None:
    """Undo :func:`offer_sender` when its component stops (only if it is still this one)."""
    senders = getattr(app, "senders", None)
    if isinstance(senders, dict) and senders.get(sender.platform) is sender:
        del senders[sender.platform]
