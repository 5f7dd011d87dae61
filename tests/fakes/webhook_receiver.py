"""A loopback receiver of signed outgoing webhooks, strict like a careful integrator's.

Every POST is checked as a receiver following the Standard Webhooks specification
(https://www.standardwebhooks.com/) would check it, with the standard library only (so a
mistake in the sender's signing library would show): the three headers ``webhook-id``,
``webhook-timestamp`` and ``webhook-signature`` present, the timestamp within five minutes
of the receiver's clock, one ``v1,<base64>`` signature equal (constant-time) to
HMAC-SHA256 of ``"<id>.<timestamp>.<raw body>"`` under the endpoint's secret, a JSON body
with the fields the project documents. A request that fails a check is answered 401 or 400
and kept in ``refused``; an accepted one in ``received``.

Duplicates: a retry carries the same ``webhook-id``; ``duplicates`` counts the deliveries
accepted more than once (what a receiver deduplicating by the id would drop).

Scripted faults, per path: ``fail(path, status, times=1, retry_after=None, delay=0)`` answers
the next ``times`` requests with ``status`` (e.g. 500, 429 with Retry-After, 410) or after a
delay (slowness: the sender's read timeout), then goes back to accepting.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOLERANCE_SECONDS = 300
#: fields every delivery's JSON body carries (README: "Outgoing webhooks")
REQUIRED_FIELDS = {"id", "type", "timestamp", "endpoint", "language", "text", "reply"}


@dataclass
class Delivery:
    path: str
    id: str
    timestamp: int
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Fault:
    status: int
    times: int
    retry_after: float | None = None
    delay: float = 0.0


@dataclass
class FakeWebhookReceiver:
    #: path (e.g. "/newsroom") -> the endpoint's secret as configured ("whsec_<base64>")
    secrets: dict[str, str] = field(default_factory=dict)
    clock: Callable[[], float] = time.time
    received: list[Delivery] = field(default_factory=list)
    refused: list[tuple[str, int, str]] = field(default_factory=list)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    #: every request seen (accepted, refused or faulted), by path
    requests: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._arrived = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ------------------------------------------------------------------ set-up
    def endpoint(self, path: str, secret: str) -> str:
        self.secrets[path] = secret
        return self.url(path)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def fail(self, path: str, status: int, *, times: int = 1, retry_after: float | None = None,
             delay: float = 0.0) -> None:
        self.faults.setdefault(path, []).append(Fault(status, times, retry_after, delay))

    async def __aenter__(self) -> FakeWebhookReceiver:
        app = web.Application()
        app.router.add_post("/{path:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # ----------------------------------------------------------------- queries
    @property
    def ids(self) -> list[str]:
        return [d.id for d in self.received]

    @property
    def duplicates(self) -> int:
        return sum(n - 1 for n in Counter(self.ids).values() if n > 1)

    def of_type(self, kind: str) -> list[Delivery]:
        return [d for d in self.received if d.body.get("type") == kind]

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[Delivery]:  # noqa: ASYNC109
        async def enough() -> None:
            async with self._arrived:
                await self._arrived.wait_for(lambda: len(self.received) >= count)

        await asyncio.wait_for(enough(), timeout)
        return self.received

    # ----------------------------------------------------------------- checks
    def _refuse(self, path: str, status: int, why: str) -> web.Response:
        self.refused.append((path, status, why))
        return web.json_response({"error": why}, status=status)

    def _verify(self, path: str, raw: bytes, headers: dict[str, str]) -> str | None:
        """Why the request is not authentic, or None."""
        secret = self.secrets.get(path)
        if secret is None:
            return "unknown endpoint"
        msg_id, stamp, signatures = (headers.get("webhook-id"), headers.get("webhook-timestamp"),
                                     headers.get("webhook-signature"))
        if not (msg_id and stamp and signatures):
            return "missing signature headers"
        try:
            when = int(stamp)
        except ValueError:
            return "bad timestamp"
        if abs(self.clock() - when) > TOLERANCE_SECONDS:
            return "timestamp outside the tolerance"
        try:
            key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
        except binascii.Error:
            return "receiver misconfigured"
        expected = hmac.new(key, f"{msg_id}.{stamp}.".encode() + raw, hashlib.sha256).digest()
        for entry in signatures.split(" "):
            version, _, value = entry.partition(",")
            if version != "v1":
                continue
            try:
                given = base64.b64decode(value, validate=True)
            except binascii.Error:
                continue
            if hmac.compare_digest(given, expected):
                return None
        return "no matching signature"

    async def _handle(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        self.requests[path] += 1
        raw = await request.read()
        faults = self.faults.get(path)
        if faults:
            fault = faults[0]
            fault.times -= 1
            if fault.times <= 0:
                faults.pop(0)
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status < 300:
                pass  # a slow success: fall through to the checks
            else:
                headers = ({"Retry-After": str(fault.retry_after)}
                           if fault.retry_after is not None else {})
                return web.json_response({"error": "scripted"}, status=fault.status,
                                         headers=headers)
        headers = {k.lower(): v for k, v in request.headers.items()}
        why = self._verify(path, raw, headers)
        if why is not None:
            return self._refuse(path, 401, why)
        if headers.get("content-type", "").split(";")[0] != "application/json":
            return self._refuse(path, 400, "not JSON")
        try:
            body = json.loads(raw)
        except ValueError:
            return self._refuse(path, 400, "unreadable JSON")
        missing = REQUIRED_FIELDS - set(body) if isinstance(body, dict) else REQUIRED_FIELDS
        if missing:
            return self._refuse(path, 400, f"missing fields: {sorted(missing)}")
        if body["id"] != headers["webhook-id"]:
            return self._refuse(path, 400, "body id differs from webhook-id")
        async with self._arrived:
            self.received.append(Delivery(path, headers["webhook-id"],
                                          int(headers["webhook-timestamp"]), body, headers))
            self._arrived.notify_all()
        return web.json_response({"ok": True})
