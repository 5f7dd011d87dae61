"""Outgoing webhooks: one signed JSON POST per outbox message (Standard Webhooks 1.0).

Headers (https://www.standardwebhooks.com/): ``webhook-id`` — the outbox row's key, the same
on every retry, so a receiver that keeps the ids it has seen drops a repeat (the
idempotency key); ``webhook-timestamp`` — Unix seconds of this attempt; ``webhook-signature``
— ``v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`` under the endpoint's secret
(and its ``previous_secret`` while it rotates: two signatures, space-separated), signed by
the ``standardwebhooks`` library. A receiver verifies with that library (any
language) or the three lines of the README.

Body (JSON, UTF-8)::

    {"id": "alert:12:3", "type": "alert", "timestamp": "2025-11-25T10:00:00+00:00",
     "endpoint": "newsroom", "language": "en", "item_id": 12,
     "text": "<the message as plain text>", "reply": {<the neutral reply: blocks, buttons>}}

``type`` is alert, digest, correction, withdrawal, restoration or broadcast; a kind the endpoint did not
ask for (``kinds``) is not posted. Answers, as the outbox understands them:

- 2xx: delivered (a webhook has no message to edit later: corrections come as new posts)
- 429 (Retry-After in seconds or as a date) and 503 with Retry-After: that endpoint waits
- 410 Gone: the endpoint is gone; it is marked inactive until the configuration names it again
- 408, 5xx, a refused connection, a timeout before the request left: retried with backoff
- no answer after the request left: an uncertain send, retried with the same id
- any other status (400, 401, 403, 404, 413, a redirect — never followed): dead letter
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp
from standardwebhooks.webhooks import Webhook

from bot.platforms.base import (
    About,
    ChatUnavailable,
    DeliveryUncertain,
    Pace,
    PermanentError,
    RateLimited,
    TransientError,
)
from bot.platforms.console.render import render
from bot.platforms.webhook.config import WebhookEndpoint
from handlers.reply import Reply

log = logging.getLogger("newsbot.webhook")

PLATFORM = "webhook"
#: a Retry-After we do not understand (or none on a 429)
DEFAULT_RETRY_AFTER = 30.0
USER_AGENT = "newsbot-webhooks/1 (+https://www.standardwebhooks.com/)"


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if absent."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER
    return max(0.0, when.timestamp() - now)


class WebhookSender:
    """Posts rendered replies to the configured endpoints (the chat id is the endpoint name)."""

    platform = PLATFORM

    def __init__(self, endpoints: Mapping[str, WebhookEndpoint], *,
                 session: aiohttp.ClientSession | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.endpoints = dict(endpoints)
        #: per endpoint, its secret's signer, then the previous secret's while it rotates
        self._signers = {name: [Webhook(s.get_secret_value())
                                for s in (e.secret, e.previous_secret) if s is not None]
                         for name, e in endpoints.items()}
        self._session = session
        self._own_session = session is None
        self.clock = clock
        #: deliveries not posted because the endpoint did not ask for their kind
        self.skipped = 0

    async def start(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                headers={"User-Agent": USER_AGENT},
                connector=aiohttp.TCPConnector(limit_per_host=8))

    async def close(self) -> None:
        if self._session is not None and self._own_session:
            await self._session.close()
        self._session = None

    def body(self, endpoint: WebhookEndpoint, reply: Reply, *, nonce: str, about: About,
             sent_at: float) -> dict[str, Any]:
        return {
            "id": nonce,
            "type": about.kind,
            "timestamp": dt.datetime.fromtimestamp(sent_at, dt.UTC).isoformat(timespec="seconds"),
            "endpoint": endpoint.name,
            "language": endpoint.language,
            "item_id": about.item_id,
            "text": render(reply),
            "reply": reply.to_dict(),
        }

    async def send(self, chat_id: str, reply: Reply, *, nonce: str,
                   thread_id: int | str | None = None, pace: Pace | None = None,
                   read_timeout: float | None = None, skip_parts: int = 0,
                   about: About | None = None) -> list[str]:
        """POST the reply to the endpoint named ``chat_id``; returns [] (nothing to edit later).

        ``about`` gives the body's ``type`` and ``item_id``; ``thread_id``, ``pace`` and
        ``skip_parts`` do not apply: a webhook is one post."""
        endpoint = self.endpoints.get(chat_id)
        if endpoint is None:  # removed from the configuration since the row was queued
            raise ChatUnavailable("webhook endpoint no longer configured")
        about = about or About("message")
        if about.kind not in endpoint.kinds:
            self.skipped += 1
            log.debug("webhook kind not wanted", extra={"endpoint": chat_id, "type": about.kind})
            return []
        if self._session is None:
            await self.start()
        assert self._session is not None
        now = self.clock()
        data = json.dumps(self.body(endpoint, reply, nonce=nonce, about=about, sent_at=now),
                          ensure_ascii=False, separators=(",", ":"))
        stamp = dt.datetime.fromtimestamp(int(now), dt.UTC)
        headers = {
            "Content-Type": "application/json",
            "webhook-id": nonce,
            "webhook-timestamp": str(int(now)),
            "webhook-signature": " ".join(signer.sign(nonce, stamp, data)
                                          for signer in self._signers[chat_id]),
        }
        timeout = aiohttp.ClientTimeout(total=None, connect=min(5.0, endpoint.timeout_seconds),
                                        sock_read=read_timeout or endpoint.timeout_seconds)
        sent = False
        try:
            async with self._session.post(endpoint.url, data=data.encode(), headers=headers,
                                          timeout=timeout, allow_redirects=False) as response:
                sent = True
                status = response.status
                wait = retry_after(response.headers.get("Retry-After"), self.clock())
                await response.read()
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise DeliveryUncertain(f"{endpoint.name}: no answer in time") from exc
        except aiohttp.ClientConnectionError as exc:
            if sent:
                raise DeliveryUncertain(f"{endpoint.name}: connection lost while waiting") from exc
            raise TransientError(f"{endpoint.name}: cannot connect: {type(exc).__name__}") from exc
        except aiohttp.ClientError as exc:
            raise TransientError(f"{endpoint.name}: {type(exc).__name__}") from exc
        if 200 <= status < 300:
            return []
        what = f"{endpoint.name}: HTTP {status}"
        if status == 429 or (status == 503 and wait is not None):
            raise RateLimited(wait if wait is not None else DEFAULT_RETRY_AFTER, "chat")
        if status == 410:
            raise ChatUnavailable("webhook endpoint gone (410)")
        if status == 408 or status >= 500:
            raise TransientError(what)
        raise PermanentError(what + (" (redirects are not followed)" if 300 <= status < 400 else ""))

    async def edit(self, chat_id: str, message_ids: list[str], reply: Reply) -> bool:
        """A posted webhook cannot be changed: corrections go out as new posts."""
        return False
