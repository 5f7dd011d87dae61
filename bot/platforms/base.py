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
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Literal, Protocol

from handlers.reply import Reply


class DeliveryError(Exception):
    pass


class RateLimited(DeliveryError):
    """``scope``: what the platform says is limited, or "unknown" when it does not say
    (Telegram): the outbox then infers it (``OutboxWorker._scope_of``)."""

    def __init__(self, retry_after: float,
                 scope: Literal["chat", "global", "unknown"] = "chat") -> None:
        super().__init__(f"rate limited for {retry_after}s ({scope})")
        self.retry_after = retry_after
        self.scope = scope


class ChatUnavailable(DeliveryError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ChatMoved(DeliveryError):
    def __init__(self, new_chat_id: str) -> None:
        super().__init__(f"chat moved to {new_chat_id}")
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


class Sender(Protocol):
    """Sends rendered replies to one platform; raises DeliveryError subclasses."""

    platform: str

    async def send(self, chat_id: str, reply: Reply, *, nonce: str) -> list[str]:
        """Deliver ``reply`` (split as the platform needs); return the platform message ids."""
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
