"""What a send's outcome means for its message: one pure table, no I/O.

``decide(error, facts, rules)`` answers for every outcome of a send, wherever it was made
(the outbox worker's recorder, ``bot/delivery/record.py``, applies it to the row; the
interactive reply paths of the platforms use it for what they can do inline: wait out a
short 429, follow a moved chat, mark a gone chat):

- sent                -> status sent, platform message ids, sent_at
- RateLimited         -> that scope (chat or bot) pauses ``retry_after``; the row waits as long
                         (not counted as an attempt)
- DeliveryUncertain   -> no answer after the request left: it may have been delivered. The
                         row is sent again at most ``uncertain_retries`` times, after
                         ``uncertain_retry_seconds`` (+ up to half as much jitter), then
                         dead-lettered "uncertain"
- TransientError/else -> exponential backoff with jitter; dead letter after ``max_attempts``
- ChatUnavailable     -> the chat is gone (inactive with the reason, settings kept), the row
                         dead-lettered and the chat's other pending rows dropped
- ChatMoved           -> the chat takes its new id; the row is resent once there (a second
                         move of the same row is a dead letter)
- PermanentError      -> dead letter with the reason
- PlatformDown        -> the platform's sender is not running: the row waits a few seconds
- LeaseExpired        -> the sender lease ran out between two parts: the rest is sent later
                         by whoever holds the lease (not counted)

The parts of a split message delivered before an error (``DeliveryError.sent_message_ids``)
are kept (``Decision.parts``) so the retry resumes after them, except when the chat moved
(the new chat has none of them) and for an edit row (its ids are the edited messages).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from bot.config import DeliverySection
from bot.platforms.base import (
    ChatMoved,
    ChatUnavailable,
    DeliveryError,
    DeliveryUncertain,
    PermanentError,
    RateLimited,
    TransientError,
)
from bot.retry import backoff

#: how ``last_error`` starts for a send that got no answer after the request left (the same
#: word as ``storage.outbox.UNCERTAIN``, which /stats counts; a test keeps them equal)
UNCERTAIN = "uncertain"
#: seconds a message waits when its platform is down (its supervisor is restarting it)
PLATFORM_DOWN_WAIT = 5.0
#: how ``last_error`` starts once a row followed its chat to a new id
MOVED = "moved"

Action = Literal["sent", "retry", "pause", "dead", "chat_gone", "chat_moved", "resume_later"]
#: the worker's counters a decision ticks (``bot.delivery.record.Counters``)
Counter = Literal["sent", "retried", "dead", "rate_limited", "deactivated", "moved", "uncertain"]


class PlatformDown(DeliveryError):
    """The platform's sender is not running at the moment: not the message's fault."""


class LeaseExpired(DeliveryError):
    """The sender lease ran out between two parts of a split message: the parts sent are
    kept, the rest is sent by whoever holds the lease (the row is not counted as failed)."""


@dataclass(frozen=True)
class Facts:
    """What is known of the message besides the error: its row's history so far."""

    #: failed attempts counted so far
    attempts: int = 0
    #: sends without an answer so far
    uncertain: int = 0
    last_error: str | None = None
    #: the row's kind: an "edit" row keeps no parts
    kind: str = "message"
    #: what a 429 with scope "unknown" paused, as inferred from the other chats' pauses
    #: (``bot.delivery.windows.RateWindows.scope_of``); None: that chat
    scope: Literal["chat", "global"] | None = None


@dataclass(frozen=True)
class Rules:
    """The ``[delivery]`` settings the decisions follow."""

    max_attempts: int = 8
    uncertain_retries: int = 1
    uncertain_retry_seconds: float = 60.0
    backoff_seconds: float = 2.0
    max_backoff_seconds: float = 600.0
    platform_down_wait: float = PLATFORM_DOWN_WAIT

    @classmethod
    def of(cls, settings: DeliverySection) -> Rules:
        return cls(max_attempts=settings.max_attempts,
                   uncertain_retries=settings.uncertain_retries,
                   uncertain_retry_seconds=settings.uncertain_retry_seconds,
                   backoff_seconds=settings.backoff_seconds,
                   max_backoff_seconds=settings.max_backoff_seconds)


@dataclass(frozen=True)
class Decision:
    """What to do with the message; data only (``bot.delivery.record`` applies it).

    ``action``:
    ``sent`` (record ``parts`` as its message ids), ``retry`` (due again in ``delay``
    seconds), ``pause`` (``scope`` "chat" or "global" pauses ``delay`` seconds, the row
    waits as long), ``dead`` (dead letter ``error``), ``chat_gone`` (the chat is inactive
    for ``reason``; the row is a dead letter), ``chat_moved`` (the chat's id becomes
    ``new_chat_id``; the row is due at once), ``resume_later`` (due at once, by whoever
    sends then).
    """

    action: Action
    #: seconds until the row is due again (retry, pause, chat_moved, resume_later)
    delay: float = 0.0
    #: whether this attempt counts towards ``max_attempts``
    counts: bool = False
    #: the text recorded as the row's ``last_error`` (or dead-letter reason)
    error: str | None = None
    #: the send got no answer: it may have been delivered
    uncertain: bool = False
    scope: Literal["chat", "global"] | None = None
    #: why the chat is gone (chat_gone)
    reason: str | None = None
    new_chat_id: str | None = None
    #: message ids to keep: of the whole message (sent), or of the parts delivered before
    #: the error (saved so a retry resumes after them)
    parts: tuple[str, ...] = ()
    counters: tuple[Counter, ...] = ()


def decide(error: Exception | None, facts: Facts = Facts(), rules: Rules = Rules(), *,
           sent: Iterable[str] = (), jitter: float = 0.5) -> Decision:
    """The decision for one send's outcome: ``error`` None means ``sent`` were delivered.

    ``jitter`` (in [0, 1), the caller's random draw) spreads the retries of many rows.
    """
    if error is None:
        return Decision("sent", parts=tuple(str(i) for i in sent), counters=("sent",))
    parts: tuple[str, ...] = ()
    if isinstance(error, DeliveryError) and facts.kind != "edit" \
            and not isinstance(error, ChatMoved):
        parts = tuple(error.sent_message_ids)
    if isinstance(error, PlatformDown):
        return Decision("retry", delay=rules.platform_down_wait, error=str(error), parts=parts)
    if isinstance(error, LeaseExpired):
        return Decision("resume_later", error=str(error), parts=parts)
    if isinstance(error, RateLimited):
        scope: Literal["chat", "global"] = (error.scope if error.scope != "unknown"
                                            else facts.scope or "chat")
        return Decision("pause", delay=error.retry_after, scope=scope, error=str(error),
                        parts=parts, counters=("rate_limited",))
    if isinstance(error, ChatUnavailable):
        return Decision("chat_gone", reason=error.reason, parts=parts,
                        error=f"chat unavailable: {error.reason}", counters=("deactivated",))
    if isinstance(error, ChatMoved):
        if (facts.last_error or "").startswith(MOVED):
            return Decision("dead", error=f"moved again: {error.new_chat_id}")
        return Decision("chat_moved", new_chat_id=error.new_chat_id,
                        error=f"moved to {error.new_chat_id}", counters=("moved",))
    if isinstance(error, PermanentError):
        return Decision("dead", counts=True, error=f"refused: {error}", parts=parts,
                        counters=("dead",))
    if isinstance(error, DeliveryUncertain):
        sends = facts.uncertain + 1
        if sends > rules.uncertain_retries or facts.attempts + 1 >= rules.max_attempts:
            return Decision("dead", counts=True, uncertain=True, parts=parts,
                            error=f"{UNCERTAIN}: no answer to {sends} send(s), it may have "
                                  f"been delivered: {error}"[:500],
                            counters=("uncertain", "dead"))
        return Decision("retry", counts=True, uncertain=True, parts=parts,
                        delay=rules.uncertain_retry_seconds * (1 + jitter / 2),
                        error=f"{UNCERTAIN}: {error}", counters=("uncertain", "retried"))
    kind = "transient" if isinstance(error, TransientError) else type(error).__name__
    if facts.attempts + 1 >= rules.max_attempts:
        return Decision("dead", counts=True, error=f"{kind}: {error}"[:500], parts=parts,
                        counters=("dead",))
    return Decision("retry", counts=True, error=f"{kind}: {error}", parts=parts,
                    delay=backoff(facts.attempts + 1, rules.backoff_seconds,
                                  rules.max_backoff_seconds, jitter=jitter),
                    counters=("retried",))
