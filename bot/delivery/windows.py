"""Per-platform rate windows of the outbox worker, and what a 429 paused.

Each platform has its limits (overall per second, per private chat per second, per group
per minute) from the worker's ``limits`` (by default the ``[delivery]`` settings, the same
for every platform: :func:`default_limits`); the windows are ``bot.ratelimit.Limits``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Literal

from bot.config import DeliverySection
from bot.platforms.base import RateLimited
from bot.platforms.spec import RateLimits
from bot.ratelimit import LOOP_TIMER, Limits, Timer

#: a platform's limits: (overall per second, per private chat per second, per group per minute)
PlatformLimits = tuple[float, float, float]
#: the limits of each platform, by name: a function, or a table (a platform missing from it
#: gets the ``[delivery]`` settings' limits)
LimitsSource = Callable[[str], PlatformLimits] | Mapping[str, PlatformLimits]


def default_limits(settings: DeliverySection) -> Callable[[str], PlatformLimits]:
    """The ``[delivery]`` limits, for any platform: the overall rate (the paid broadcast's
    when on) less ``reserve_per_second`` (left to interactive replies; at least 1/s)."""
    limits = RateLimits.of_delivery(settings).windows
    return lambda platform: limits


class RateWindows:
    """The windows of every platform (created on first use), and the chats a 429 paused."""

    def __init__(self, settings: DeliverySection, limits: LimitsSource | None = None,
                 timer: Timer = LOOP_TIMER) -> None:
        fallback = default_limits(settings)
        if limits is None:
            self._source: Callable[[str], PlatformLimits] = fallback
        elif isinstance(limits, Mapping):
            table = limits
            self._source = lambda platform: table.get(platform) or fallback(platform)
        else:
            self._source = limits
        self.margin = settings.margin_seconds
        self.timer = timer
        self._limits: dict[str, Limits] = {}
        #: per platform, chats paused by a 429 judged theirs, until when (monotonic)
        self._limited_chats: dict[str, dict[str, float]] = {}

    def of(self, platform: str) -> Limits:
        limits = self._limits.get(platform)
        if limits is None:
            overall, private, group = self._source(platform)
            limits = self._limits[platform] = Limits(overall, private, group, self.margin,
                                                     self.timer)
        return limits

    def prune(self) -> None:
        for limits in self._limits.values():
            limits.prune()

    def count_recent(self, recent: list[tuple[str, str, str, dt.datetime, int]],
                     now: dt.datetime) -> None:
        """On taking the lease: what the previous sender sent within the windows' spans
        counts in ours (read from the rows), so a restart or a takeover keeps every chat's
        and the bot's pace."""
        overall: dict[str, list[float]] = {}
        chats: dict[tuple[str, str, bool], list[float]] = {}
        for platform, chat, kind, sent_at, parts in recent:
            age = (now - sent_at).total_seconds()
            overall.setdefault(platform, []).extend([age] * parts)
            chats.setdefault((platform, chat, kind == "private"), []).extend([age] * parts)
        for platform, ages in overall.items():
            self.of(platform).overall.answered_ago(ages)
        for (platform, chat, private), ages in chats.items():
            self.of(platform).chat(chat, private).answered_ago(ages)

    def scope_of(self, exc: RateLimited, platform: str, chat_id: str) -> Literal["chat", "global"]:
        """What a 429 limits: the platform's word when it says (Discord), else inferred.

        Telegram's 429 carries only ``retry_after``, whatever was limited (the fake answers
        alike). It is taken as that chat's, unless another chat's 429 pause is still
        running: then it is the whole bot's (per-chat limits do not fire in step; a
        bot-wide limit refuses whatever chat comes next). So a bot-wide flood costs one
        chat pause and, from the second 429 on, pauses the bot; a chat's own 429 (a command
        reply sent to it outside the outbox, a limit stricter than ours) pauses that chat.
        """
        now = self.timer.monotonic()
        limited = self._limited_chats.setdefault(platform, {})
        for chat in [c for c, until in limited.items() if until <= now]:
            del limited[chat]
        scope: Literal["chat", "global"]
        if exc.scope != "unknown":
            scope = exc.scope
        elif any(c != chat_id for c in limited):
            scope = "global"
        else:
            scope = "chat"
        if scope == "chat":
            limited[chat_id] = now + exc.retry_after
        return scope

    def pause(self, exc: RateLimited, platform: str, chat_id: str, private: bool
              ) -> Literal["chat", "global"]:
        """Pause the scope a 429 limits (``scope_of``) for its ``retry_after``; say which."""
        scope = self.scope_of(exc, platform, chat_id)
        limits = self.of(platform)
        (limits.overall if scope == "global" else limits.chat(chat_id, private)).pause(
            exc.retry_after)
        return scope
