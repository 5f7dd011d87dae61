"""The operators' HTTP server of the real service: /healthz, /readyz, /metrics."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import ROOT, _pg_admin
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_fixtures import fake_telegram
from tests.telegram_harness import eventually

__all__ = ["fake_telegram"]
OWNER, READER = 4242, 5151


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def service(tg: FakeTelegram, tmp_path: Path, **env: str) -> AsyncIterator[str]:
    port = free_port()
    full = {**os.environ, "NEWSBOT_TELEGRAM__TOKEN": tg.token,
            "NEWSBOT_TELEGRAM__BASE_URL": tg.base_url, "NEWSBOT_HTTP__PORT": str(port),
            "NEWSBOT_TELEGRAM__OWNERS": f'["{OWNER}"]',
            "NEWSBOT_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", **env}
    full.pop("NEWSBOT_CONFIG", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=full,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        async def up() -> bool:
            try:
                async with aiohttp.ClientSession() as s, s.get(f"{base}/healthz") as r:
                    return r.status == 200
            except aiohttp.ClientError:
                return False

        await eventually(up, timeout=30)

        async def ready() -> bool:  # /readyz says 503 while the database and platforms start
            try:  # (and the address is free for a moment when the full server takes over)
                async with aiohttp.ClientSession() as s, s.get(f"{base}/readyz") as r:
                    return r.status == 200
            except aiohttp.ClientError:
                return False
        await eventually(ready, timeout=30)
        yield base
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 30)


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as s, s.get(url) as r:
        return r.status, await r.text()


def metric(text: str, name: str, **labels: str) -> float:
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))  # as exposed: sorted
    for line in text.splitlines():
        if line.startswith(f"{name}{{{want}") or (not labels and line.startswith(f"{name} ")):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.mark.slow
async def test_health_readiness_and_metrics_of_the_running_service(
        fake_telegram: FakeTelegram, tmp_path: Path) -> None:
    async with service(fake_telegram, tmp_path) as base:
        assert await get(f"{base}/healthz") == (200, "ok\n")
        status, body = await get(f"{base}/readyz")
        assert status == 200 and '"ready": true' in body
        assert '"database"' in body and '"writable"' in body and '"current"' in body

        _, before = await get(f"{base}/metrics")
        fake_telegram.push_message(READER, "/start", language_code="en")
        fake_telegram.push_message(READER, "/subscribe alerts", language_code="en")
        await fake_telegram.wait_for_messages(READER, 2, timeout=30)
        before_owner = len(fake_telegram.messages(OWNER))
        fake_telegram.push_message(OWNER, "/additem Metrics test topics=governance\nText.")
        sent = await fake_telegram.wait_for_messages(OWNER, before_owner + 1, timeout=30)
        draft = next(m for m in sent[before_owner:] if "Brouillon #" in m.text)
        item_id = draft.text.split("Brouillon #", 1)[1].split()[0]
        fake_telegram.push_message(OWNER, f"/publish {item_id} confirm")
        await fake_telegram.wait_for_messages(READER, 3, timeout=30)  # the alert arrived

        async def scraped() -> bool:
            _, after = await get(f"{base}/metrics")
            return metric(after, "newsbot_commands_total", command="start",
                          platform="telegram") >= 1
        await eventually(scraped, timeout=10)
        _, after = await get(f"{base}/metrics")
        assert metric(before, "newsbot_commands_total", command="start", platform="telegram") == 0
        assert metric(after, "newsbot_commands_total", command="publish", platform="telegram") == 1
        assert "newsbot_command_seconds_bucket" in after
        assert metric(after, "newsbot_lease_held", lease="delivery") == 1

        async def drained() -> bool:  # the alert's row is recorded as sent just after it left
            _, now = await get(f"{base}/metrics")
            return metric(now, "newsbot_outbox_depth", kind="alert") == 0
        await eventually(drained, timeout=10)
        _, after = await get(f"{base}/metrics")
        assert metric(before, "newsbot_messages_sent_total", platform="telegram", kind="alert") == 0
        assert metric(after, "newsbot_messages_sent_total", platform="telegram", kind="alert") == 1
        assert metric(after, "newsbot_lease_changes_total", event="taken") == 1


@pytest.mark.slow
@pytest.mark.postgres
async def test_a_read_only_database_is_not_ready(fake_telegram: FakeTelegram, pg_url: str,
                                                 tmp_path: Path) -> None:
    name = make_url(pg_url).database
    async with service(fake_telegram, tmp_path, NEWSBOT_DATABASE__URL=pg_url) as base:
        assert (await get(f"{base}/readyz"))[0] == 200
        await _pg_admin(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        await _pg_admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        f"WHERE datname = '{name}' AND pid <> pg_backend_pid()")

        async def refused() -> bool:
            status, body = await get(f"{base}/readyz")
            return status == 503 and "read-only database" in body
        await eventually(refused, timeout=20)
        assert (await get(f"{base}/healthz"))[0] == 200  # alive, only not ready
