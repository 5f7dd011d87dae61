"""Sliding-window rate limits per scope (one bot, one chat), strict enough for zero 429s.

Why not a leaky bucket (aiolimiter) or PTB's AIORateLimiter: Telegram counts messages in
sliding windows, a bucket lets a burst through after a quiet spell, and AIORateLimiter has
no per-private-chat limit and pauses everything on any 429. Here a slot is taken before a
request and stamped when its answer arrives, so "at most ``limit`` requests in any
``span`` seconds" holds at the server whatever the latency: a request starts only when
fewer than ``limit`` others are in flight or finished within the last ``span``.
A 429 pauses only the scope it names (``pause``).

Waiters queue in order and are woken one at a time, by one timer or by an answer: at 1,000
messages/s with dozens of sends waiting, waking every waiter on every free slot (each to
find that another took it) cost more CPU than the sends and delayed them.

Time comes from a :class:`Timer` (the event loop's by default, :data:`LOOP_TIMER`): a test
gives a virtual one and runs minutes of sending at real limits in seconds.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Protocol


class Cancellable(Protocol):
    def cancel(self) -> None: ...


class Timer(Protocol):
    """Monotonic time and waiting on it: the rate windows', the sender lease's and the
    outbox worker's (one timer for all, so they agree)."""

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...

    def call_later(self, seconds: float, callback: Callable[[], object]) -> Cancellable: ...


class LoopTimer:
    """The real one: ``time.monotonic`` (the event loop's clock) and the running loop."""

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def call_later(self, seconds: float, callback: Callable[[], object]) -> Cancellable:
        return asyncio.get_running_loop().call_later(seconds, callback)


LOOP_TIMER: Timer = LoopTimer()


class SlidingWindow:
    def __init__(self, limit: int, span: float, timer: Timer = LOOP_TIMER) -> None:
        if limit < 1 or span <= 0:
            raise ValueError("a window needs limit >= 1 and span > 0")
        self.limit, self.span, self._timer_source = limit, span, timer
        self._clock = timer.monotonic
        self._done: deque[float] = deque()
        self._active = 0
        self._paused_until = 0.0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._timer: Cancellable | None = None

    @classmethod
    def per_second(cls, rate: float, margin: float = 0.0, timer: Timer = LOOP_TIMER
                   ) -> SlidingWindow:
        """``rate`` a second: whole counts per 1 s, or one per 1/rate s for slow rates."""
        if rate >= 1:
            return cls(math.floor(rate), 1.0 + margin, timer)
        return cls(1, 1.0 / rate + margin, timer)

    def _expire(self, now: float) -> None:
        # the same expression as in ready_in, so a slot's expiry and its wait agree exactly
        while self._done and self._done[0] + self.span <= now:
            self._done.popleft()

    def idle(self) -> bool:
        now = self._clock()
        self._expire(now)
        return (not self._active and not self._done and not self._waiters
                and now >= self._paused_until)

    def ready_in(self) -> float | None:
        """Seconds until a slot frees up; None when it waits on a request still in flight."""
        now = self._clock()
        self._expire(now)
        wait = max(0.0, self._paused_until - now)
        excess = self._active + len(self._done) - self.limit + 1  # must leave for one slot
        if excess > 0:
            if excess > len(self._done):
                return None
            wait = max(wait, self._done[excess - 1] + self.span - now)
        return wait

    def _free(self, now: float) -> bool:
        return now >= self._paused_until and self._active + len(self._done) < self.limit

    async def acquire(self) -> None:
        """Take a slot: at once when one is free and nobody queues before us, else in turn."""
        now = self._clock()
        self._expire(now)
        if not self._waiters and self._free(now):
            self._active += 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        if len(self._waiters) == 1:  # else the timer (or an awaited answer) is already set
            self._schedule()
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._active -= 1  # granted, but our caller gave up: the slot was never used
                self._grant()
            else:
                self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        """The request's answer arrived: it counts in the window from now."""
        self._active -= 1
        self._done.append(self._clock())
        self._grant()

    def release_unused(self) -> None:
        """The slot was not used after all (no request was made): it does not count."""
        self._active -= 1
        self._grant()

    def answered_ago(self, ages: Iterable[float]) -> None:
        """Requests answered that many seconds ago (by an earlier sender, read from the
        database after a restart or a takeover) count in this window as if answered here."""
        now = self._clock()
        stamps = [now - max(0.0, age) for age in ages if age < self.span]
        if stamps:
            self._done = deque(sorted([*self._done, *stamps]))
            self._schedule()

    def pause(self, seconds: float) -> None:
        """A 429 for this scope: nothing starts here before ``seconds`` have passed."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)
        self._schedule()

    def _grant(self) -> None:
        """Hand free slots to the first waiters, then wait for the next one to free up."""
        now = self._clock()
        self._expire(now)
        while self._waiters and self._free(now):
            waiter = self._waiters.popleft()
            if not waiter.done():
                self._active += 1
                waiter.set_result(None)
        self._schedule()

    def _schedule(self) -> None:
        """One timer for the first waiter; none when only an answer can free a slot."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._waiters:
            return
        wait = self.ready_in()
        if wait is not None:
            self._timer = self._timer_source.call_later(wait, self._grant)


class Limits:
    """The windows of one platform: overall, and one per chat (created on demand, pruned)."""

    def __init__(self, global_per_second: float, private_per_second: float,
                 group_per_minute: float, margin: float = 0.01, timer: Timer = LOOP_TIMER) -> None:
        self.overall = SlidingWindow.per_second(global_per_second, margin, timer)
        self._private = private_per_second
        self._group = group_per_minute
        self._margin = margin
        self._timer = timer
        self._chats: dict[str, SlidingWindow] = {}

    def chat(self, chat_id: str, private: bool) -> SlidingWindow:
        window = self._chats.get(chat_id)
        if window is None:
            if private:
                window = SlidingWindow.per_second(self._private, self._margin, self._timer)
            else:
                per_minute = max(1, math.floor(self._group))
                window = SlidingWindow(per_minute, 60.0 + self._margin, self._timer)
            self._chats[chat_id] = window
        return window

    def prune(self) -> None:
        """Forget idle chat windows so memory follows the chats in flight, not all chats."""
        for key in [k for k, w in self._chats.items() if w.idle()]:
            del self._chats[key]

    def __len__(self) -> int:
        return len(self._chats)
