"""The sliding windows behind zero 429s, on a controlled clock (no sleeping)."""

from __future__ import annotations

import pytest

from bot.ratelimit import Limits, SlidingWindow


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


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
