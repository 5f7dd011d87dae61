"""Discord-style rate limits and fault injection for the fake.

Each route bucket is a fixed window (like Discord's): `limit` requests, then 429 until the
window resets. Every answer carries the X-RateLimit-* headers so discord.py's own limiter
paces itself; a 429 carries `Retry-After` and `Via` (discord.py treats a 429 without `Via`
as a Cloudflare ban and gives up).
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class DiscordLimits:
    """Per-channel message bucket, a per-route bucket for the rest, and a global cap."""

    per_channel: int = 5
    per_seconds: float = 5.0
    global_per_second: int = 50
    enabled: bool = True


@dataclass
class _Window:
    limit: int
    per: float
    started: float = 0.0
    count: int = 0

    def reset_at(self) -> float:
        return self.started + self.per


@dataclass
class Decision:
    """What the limiter says about one request: headers to send, and 429 details if refused."""

    headers: dict[str, str] = field(default_factory=dict)
    retry_after: float | None = None
    is_global: bool = False


@dataclass
class _Injected:
    method: str | None
    pattern: re.Pattern[str]
    status: int
    times: int
    retry_after: float = 0.0


class RateLimiter:
    """Buckets keyed by (route template, major parameter), plus a one-second global window."""

    def __init__(self, limits: DiscordLimits) -> None:
        self.limits = limits
        self._windows: dict[str, _Window] = {}
        self._global = _Window(limit=limits.global_per_second, per=1.0)

    def check(self, method: str, template: str, path_params: dict[str, str]) -> Decision:
        limits = self.limits
        if not limits.enabled:
            return Decision()
        now = time.time()
        if template.startswith("/interactions/"):
            return Decision()  # Interaction callbacks are not bucketed like other routes.
        self._global.limit = limits.global_per_second
        if now >= self._global.reset_at():
            self._global.started, self._global.count = now, 0
        if self._global.count >= self._global.limit:
            retry = self._global.reset_at() - now
            return Decision(
                headers={"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"},
                retry_after=retry,
                is_global=True,
            )
        self._global.count += 1

        is_message = template.startswith("/channels/{channel_id}/messages")
        limit, per = (limits.per_channel, limits.per_seconds) if is_message else (50, 1.0)
        major = (
            path_params.get("channel_id")
            or path_params.get("guild_id")
            or path_params.get("webhook_id", "")
        )
        route = f"{method} {template}"
        key = f"{route}:{major}"
        window = self._windows.setdefault(key, _Window(limit=limit, per=per))
        window.limit, window.per = limit, per
        if now >= window.reset_at():
            window.started, window.count = now, 0
        bucket = hashlib.sha1(route.encode()).hexdigest()[:16]
        reset_after = max(window.reset_at() - now, 0.0)
        headers = {
            "X-RateLimit-Limit": str(window.limit),
            "X-RateLimit-Reset": f"{window.reset_at():.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket,
        }
        if window.count >= window.limit:
            headers["X-RateLimit-Remaining"] = "0"
            headers["X-RateLimit-Scope"] = "user"
            return Decision(headers=headers, retry_after=reset_after)
        window.count += 1
        headers["X-RateLimit-Remaining"] = str(window.limit - window.count)
        return Decision(headers=headers)


class FaultInjector:
    """One-shot (or n-shot) failures matched by method and a regex on the path."""

    def __init__(self) -> None:
        self._faults: list[_Injected] = []

    def add(
        self, method: str | None, path_regex: str, status: int, times: int, retry_after: float = 0.0
    ) -> None:
        self._faults.append(
            _Injected(
                method.upper() if method else None,
                re.compile(path_regex),
                status,
                times,
                retry_after,
            )
        )

    def take(self, method: str, path: str) -> _Injected | None:
        for fault in self._faults:
            if fault.times > 0 and fault.method in (None, method) and fault.pattern.search(path):
                fault.times -= 1
                return fault
        return None


def too_many_requests(retry_after: float, is_global: bool) -> tuple[dict[str, Any], dict[str, str]]:
    """The body and extra headers of Discord's 429."""
    body = {
        "message": "You are being rate limited.",
        "retry_after": round(retry_after, 3),
        "global": is_global,
    }
    headers = {"Retry-After": str(max(1, math.ceil(retry_after)))}
    return body, headers
