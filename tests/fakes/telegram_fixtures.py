"""pytest fixture for the fake Telegram Bot API.

Why the teardown check: a spec violation means production Telegram would refuse or
misread a call, so any test that produced one fails, even if its own asserts passed.
Import ``fake_telegram`` into a test module to use it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.fakes.telegram_api import FakeTelegram


@pytest_asyncio.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    """A started FakeTelegram; the test fails at teardown if any violation was recorded."""
    tg = FakeTelegram()
    await tg.start()
    try:
        yield tg
    finally:
        await tg.stop()
    assert_no_violations(tg)


def assert_no_violations(tg: FakeTelegram) -> None:
    """Fail the current test with the list of recorded violations, if any."""
    if tg.violations:
        pytest.fail(
            "Telegram API violations:\n" + "\n".join(f"- {v}" for v in tg.violations),
            pytrace=False,
        )
