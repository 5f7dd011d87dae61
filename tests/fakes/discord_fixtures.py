"""pytest fixture: a running FakeDiscord with discord.py pointed at it.

The test fails at teardown if the bot sent anything Discord would have refused, so a test
that provokes a refusal on purpose must `take_violations()` after asserting on it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.fakes.discord_api import FakeDiscord


@pytest_asyncio.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as dc:
        with dc.patch_discord():
            yield dc
        if dc.violations:
            pytest.fail("Discord API violations:\n" + "\n".join(dc.violations))
        if dc.fake_errors:
            pytest.fail("the fake answered outside the spec:\n" + "\n".join(dc.fake_errors))
