# ruff: noqa: F811  (pytest fixtures are imported, then requested by name)
"""A database that cannot take a write keeps ``python -m bot run`` not-ready, with the reason
in the log (read-only, disk full), instead of starting "healthy" and failing every command;
once it can, the service starts by itself.

Real faults: a PostgreSQL database set read-only (``default_transaction_read_only``), and a
SQLite file on a small tmpfs that is filled up or remounted read-only (needs root to mount;
skipped otherwise).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import _pg_admin
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_fixtures import fake_telegram  # noqa: F401
from tests.service_child import Service, start_service, write_config

USER = 515

pytestmark = pytest.mark.slow


def config_for(tmp_path: Path, db_url: str, tg: FakeTelegram, http_port: int = 0) -> Path:
    return write_config(tmp_path / "bot.toml", {
        "bot": {"retry_initial_seconds": 0.2, "retry_max_seconds": 0.5,
                "data_dir": str(tmp_path / "state")},
        "database": {"url": db_url},
        "telegram": {"token": tg.token, "base_url": tg.base_url},
        "http": {"port": http_port},
    })


async def readyz(port: int) -> tuple[int, str]:
    import aiohttp

    async with aiohttp.ClientSession() as s, s.get(f"http://127.0.0.1:{port}/readyz") as r:
        return r.status, await r.text()


async def not_ready_then_ready(service: Service, tg: FakeTelegram, problem: str,
                               fix: object) -> None:
    lines = await service.wait_log("database not writable", count=2)  # retried
    assert all(problem in line for line in lines), lines
    assert "not ready" in lines[0] and "(attempt 2)" in lines[1]
    assert not tg.calls  # no platform started: nothing pretends to serve
    assert callable(fix)
    await fix()
    await service.wait_log("database writable: the service starts")
    tg.push_message(USER, "/start", language_code="en")
    [welcome] = await tg.wait_for_messages(USER, 1, timeout=30)
    assert "INTERPOL" in welcome.text or "Assembly" in welcome.text


@pytest.mark.postgres
async def test_a_read_only_postgresql_database_keeps_the_service_not_ready(
    fake_telegram: FakeTelegram, pg_url: str, tmp_path: Path
) -> None:
    name = make_url(pg_url).database
    await _pg_admin(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')

    async def writable_again() -> None:
        await _pg_admin(f'ALTER DATABASE "{name}" SET default_transaction_read_only = off')

    from tests.test_operator_http import free_port

    port = free_port()
    service = await start_service(config_for(tmp_path, pg_url, fake_telegram, port))
    try:
        await service.wait_log("database not writable")
        status, body = await readyz(port)  # an orchestrator sees why, while it waits
        assert status == 503 and "read-only" in body and '"database"' in body
        await not_ready_then_ready(service, fake_telegram, "read-only", writable_again)

        async def ready() -> bool:
            import aiohttp

            try:  # the address is free for a moment when the full server takes over
                return (await readyz(port))[0] == 200
            except aiohttp.ClientError:
                return False
        from tests.telegram_harness import eventually

        await eventually(ready, timeout=20)
    finally:
        assert await service.stop() == 0, service.log


@contextlib.contextmanager
def small_file_system(where: Path, size: str = "2m") -> Iterator[Path]:
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                             capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip("needs root to mount a small tmpfs: " + mounted.stderr.decode()[:100])
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def remount(folder: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(folder)], check=True)


def fill(folder: Path) -> Path:
    """Take every free byte of the file system (ENOSPC ends the writes)."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for size in (65536, 4096, 512, 1):
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * size):
                    pass
    finally:
        os.close(fd)
    return filler


@pytest.mark.parametrize("fault", ["disk full", "read-only"])
async def test_a_sqlite_file_that_cannot_be_written_keeps_the_service_not_ready(
    fake_telegram: FakeTelegram, sqlite_template: Path, tmp_path: Path, fault: str
) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs")
    with small_file_system(tmp_path / "small") as small:
        db = small / "newsbot.db"
        shutil.copyfile(sqlite_template, db)
        if fault == "disk full":
            filler = fill(small)

            async def fix() -> None:
                filler.unlink()
        else:
            remount(small, "ro")

            async def fix() -> None:
                remount(small, "rw")

        service = await start_service(
            config_for(tmp_path, f"sqlite+aiosqlite:///{db}", fake_telegram))
        try:
            await not_ready_then_ready(service, fake_telegram, fault, fix)
        finally:
            assert await service.stop() == 0, service.log
