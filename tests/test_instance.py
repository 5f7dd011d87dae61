"""The instance identity behind the sender lease (bot/instance.py): a restart in the same folder
gets the same id back; a second live process gets another one; and the lease row is taken
over at once only from this identity's dead run."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from bot.instance import claim, data_dir
from storage.uow import UnitOfWork
from tests.conftest import make_settings

NOW = dt.datetime(2025, 11, 25, 8, 0, tzinfo=dt.UTC)


def test_a_restart_gets_its_slot_back_and_a_live_process_another(tmp_path: Path) -> None:
    first = claim(tmp_path)
    other = claim(tmp_path)  # still running: its lock is held
    assert (first.slot, other.slot) == (0, 1)
    assert first.stable != other.stable and first.stable and other.stable
    assert first.owner.startswith(f"{first.stable}-{os.getpid()}-")
    assert first.fd is not None
    os.close(first.fd)  # the process died: the kernel drops its lock
    again = claim(tmp_path)
    assert again.slot == 0 and again.stable == first.stable and again.owner != first.owner


def test_the_data_dir_defaults_to_the_sqlite_folder() -> None:
    assert data_dir(None, "sqlite+aiosqlite:////srv/bot/newsbot.db") == Path("/srv/bot")
    assert data_dir(None, "postgresql+asyncpg://bot@db/newsbot") == Path("data")
    assert data_dir("/var/lib/bot", "sqlite+aiosqlite:////srv/bot/newsbot.db") == Path("/var/lib/bot")


async def test_only_a_dead_run_of_the_same_identity_is_taken_over(db_url: str) -> None:
    from bot.app import App

    async with App(make_settings(db_url)) as app:
        uow: UnitOfWork
        async with app.uow() as uow:
            assert await uow.leases.acquire("delivery", "host.aaa-10-x", NOW, 3600)
        async with app.uow() as uow:  # another identity: waits for the expiry
            assert not await uow.leases.acquire("delivery", "host.bbb-11-y", NOW, 3600,
                                                takeover="host.bbb-")
        async with app.uow() as uow:  # the same identity, restarted: at once
            assert await uow.leases.acquire("delivery", "host.aaa-12-z", NOW, 3600,
                                            takeover="host.aaa-")
            assert await uow.leases.holder("delivery", NOW) == "host.aaa-12-z"
        async with app.uow() as uow:  # a prefix is literal, not a LIKE pattern
            assert not await uow.leases.acquire("delivery", "h-1-q", NOW, 3600, takeover="%")
