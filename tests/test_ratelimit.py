"""The sliding windows behind zero 429s, on a controlled clock (no sleeping)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from bot.ratelimit import Limits, SlidingWindow


class Clock:
    """A Timer whose time is set by the test; its timers run on the real loop."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def call_later(self, seconds: float, callback: Callable[[], object]) -> asyncio.TimerHandle:
        return asyncio.get_running_loop().call_later(seconds, callback)


async def test_a_request_counts_from_its_answer_and_in_flight_ones_block() -> None:
    clock = Clock()
    w = SlidingWindow(2, 1.0, clock)
    await w.acquire()
    await w.acquire()
    assert w.ready_in() is None  # both in flight: only an answer can free a slot
    clock.now = 0.2
    w.release()
    clock.now = 0.3
    w.release()
    clock.now = 0.4
    assert w.ready_in() == pytest.approx(0.8)  # the first answer (0.2) leaves the window at 1.2
    clock.now = 1.2
    assert w.ready_in() == 0  # the answer at 0.2 has left the window
    await w.acquire()  # taken at once
    assert w.ready_in() == pytest.approx(0.1)  # full again until the answer at 0.3 leaves
    assert not w.idle()


async def test_pause_holds_only_its_window() -> None:
    limits = Limits(30, 1, 20, margin=0.0)
    chat = limits.chat("1", private=True)
    other = limits.chat("2", private=True)
    limits.chat("1", private=True).pause(5)  # a 429 for chat 1 with retry_after 5
    waiting = chat.ready_in()
    assert waiting is not None and 4 < waiting <= 5
    assert other.ready_in() == 0 and limits.overall.ready_in() == 0


def test_rates_become_windows() -> None:
    assert (SlidingWindow.per_second(30, 0.05).limit, SlidingWindow.per_second(30, 0.05).span) == (30, 1.05)
    slow = SlidingWindow.per_second(0.5)
    assert (slow.limit, slow.span) == (1, 2.0)
    group = Limits(30, 1, 20, margin=0.05).chat("-5", private=False)
    assert (group.limit, group.span) == (20, 60.05)
    with pytest.raises(ValueError):
        SlidingWindow(0, 1)


async def test_idle_chat_windows_are_forgotten() -> None:
    clock = Clock()
    limits = Limits(30, 1, 20, margin=0.0)
    busy = SlidingWindow(1, 1.0, clock)
    limits._chats["busy"] = busy
    await busy.acquire()
    limits.chat("quiet", private=True)
    limits.prune()
    assert len(limits) == 1  # the idle one went, the one with a request in flight stayed


async def test_waiters_are_served_in_turn_one_per_free_slot() -> None:
    """A freed slot goes to the first waiter only; the others keep waiting, in order."""
    clock = Clock()
    w = SlidingWindow(1, 0.02, clock)  # 20 ms of the controlled clock; the timer is real
    await w.acquire()
    order: list[int] = []

    async def send(n: int) -> None:
        await w.acquire()
        order.append(n)

    tasks = [asyncio.create_task(send(n)) for n in range(5)]
    await asyncio.sleep(0)
    w.release()  # the answer: the slot counts until 0.02
    await asyncio.sleep(0.05)
    assert order == []  # the controlled clock has not moved: still in the window
    clock.now = 0.03
    await asyncio.sleep(0.05)  # the timer fires, sees the slot free, wakes one waiter
    assert order == [0]
    w.release()
    clock.now = 0.06
    await asyncio.sleep(0.05)
    assert order == [0, 1]
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_a_waiter_that_gives_up_loses_no_slot() -> None:
    clock = Clock()
    w = SlidingWindow(2, 1.0, clock)
    await w.acquire()
    await w.acquire()
    queued = asyncio.create_task(w.acquire())
    granted = asyncio.create_task(w.acquire())
    await asyncio.sleep(0)
    queued.cancel()  # gave up while still queued
    await asyncio.gather(queued, return_exceptions=True)
    w.release()  # answer at 0: the window stays full until 1.0
    clock.now = 5.0
    w.release()  # answer at 5: the one at 0 has left, a slot is free: handed to `granted`
    granted.cancel()  # ...which gives up before it could use it
    await asyncio.gather(granted, return_exceptions=True)
    await asyncio.wait_for(w.acquire(), 1)  # the slot came back
    assert w.ready_in() == pytest.approx(1.0)  # one in use plus the answer at 5: full


async def test_answers_of_an_earlier_sender_count() -> None:
    """A new sender counts what the previous one sent within the span (read from the rows)."""
    clock = Clock()
    clock.now = 10.0
    w = SlidingWindow(2, 1.0, clock)
    w.answered_ago([0.4, 3.0])  # the second is outside the window: ignored
    await w.acquire()
    assert w.ready_in() == pytest.approx(0.6)  # full until the answer of 0.4 s ago leaves
    w.release()
    clock.now = 10.6
    assert w.ready_in() == pytest.approx(0.0)  # the answer of 0.4 s ago has left
