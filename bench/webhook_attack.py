"""The webhook under attack: memory, open files and log volume of the real ``python -m bot run``.

Not a test (figures only). The bot runs in webhook mode with a secret against the fake Bot API
(in this process), as on a stock Linux host (1,024 open files). Then:

1. four unauthenticated 95 MB bodies at once, then 190 of 20 MB: the bot's RSS before, its
   peak (VmHWM) after;
2. 1,100 connections held open for 30 s (half silent, half stopped mid-header): whether
   Telegram's updates are still answered (and how fast), the bot's open files, and how many
   bytes of log the flood wrote.
"""

from __future__ import annotations

import asyncio
import resource
import tempfile
import time
from pathlib import Path

import aiohttp
from yarl import URL

from tests.fakes.telegram_api import FakeTelegram
from tests.service_process import start_service, telegram_config, webhook_registered, write_config

SECRET = "bench_secret-0123456789"
MB = 1024 * 1024
FLOOD = 1100
MANY = 190
HOLD_SECONDS = 30


def _stock_file_limit() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))


async def _body(total: int) -> object:
    sent = 0
    while sent < total:
        yield b" " * MB
        sent += MB


async def _post(session: aiohttp.ClientSession, url: str, size: int) -> str:
    headers = {"Content-Type": "application/json", "Content-Length": str(size)}
    try:
        async with session.post(url, data=_body(size), headers=headers) as resp:
            return str(resp.status)
    except aiohttp.ClientError as exc:
        return type(exc).__name__


async def _answered(tg: FakeTelegram, chat_id: int, timeout: float = 20) -> float | None:  # noqa: ASYNC109
    """Seconds from a user's /agenda to the agenda, None when it did not come (or an error did)."""
    started = time.perf_counter()
    before = len(tg.messages(chat_id))
    update = tg.push_message(chat_id, "/agenda", language_code="en")
    try:
        async with asyncio.timeout(timeout):
            if await tg.deliver_webhook(update) != [200]:
                return None
            reply = (await tg.wait_for_messages(chat_id, before + 1, timeout=timeout))[before]
    except (TimeoutError, AssertionError, aiohttp.ClientError):
        return None
    return time.perf_counter() - started if reply.text.startswith("Agenda") else None


async def _open(host: str, port: int, data: bytes) -> asyncio.StreamWriter | None:
    try:
        _, writer = await asyncio.open_connection(host, port)
    except OSError:
        return None
    writer.write(data)
    return writer


async def main() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
    async with FakeTelegram() as tg:
        tg.limits.enabled = False
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            config = write_config(root / "bot.toml", telegram_config(
                tg, f"sqlite+aiosqlite:///{root / 'bot.db'}", secret_token=SECRET))
            service = await start_service(config, root, preexec=_stock_file_limit)
            try:
                url = await webhook_registered(tg, service)
                await _answered(tg, 1)
                rss = service.memory_kb("VmRSS") / 1024
                async with aiohttp.ClientSession() as attacker:
                    statuses = await asyncio.gather(*(_post(attacker, url, 95 * MB)
                                                      for _ in range(4)))
                peak = service.memory_kb("VmHWM") / 1024
                print(f"4 x 95 MB without the secret: answers {statuses}; "
                      f"RSS {rss:.0f} MB before, peak {peak:.0f} MB after")
                async with aiohttp.ClientSession(
                        connector=aiohttp.TCPConnector(limit=0)) as attacker:
                    many = await asyncio.gather(*(_post(attacker, url, 20 * MB)
                                                  for _ in range(MANY)))
                peak = service.memory_kb("VmHWM") / 1024
                answers = {s: many.count(s) for s in sorted(set(many))}
                print(f"{MANY} x 20 MB without the secret at once: answers {answers}; "
                      f"peak {peak:.0f} MB after")

                target = URL(url)
                assert target.host and target.port
                partial = (f"POST {target.path} HTTP/1.1\r\nHost: {target.host}\r\n"
                           "X-Telegram-Bot-Api-Secret-Token: ").encode()
                log_before = service.log_bytes()
                writers = []
                for _ in range(FLOOD // 100):
                    writers += [w for w in await asyncio.gather(*(
                        _open(target.host, target.port, partial if i % 2 else b"")
                        for i in range(100))) if w is not None]
                flood_started = time.perf_counter()
                files = service.open_files()
                latencies = []
                while time.perf_counter() - flood_started < HOLD_SECONDS:
                    latencies.append(await _answered(tg, 2))
                    files = max(files, service.open_files())
                    await asyncio.sleep(1)
                for w in writers:
                    w.close()
                flood_log = service.log().encode()[log_before:].decode(errors="replace")
                lines = flood_log.splitlines()
                webhook_lines = sum("newsbot.telegram.webhook" in line for line in lines)
                answered = [s for s in latencies if s is not None]
                worst = f"{max(answered) * 1000:.0f} ms" if answered else "-"
                print(f"{len(writers)} idle/half-open connections for {HOLD_SECONDS} s: "
                      f"{len(answered)}/{len(latencies)} updates answered (slowest {worst}); "
                      f"bot's open files up to {files}; "
                      f"log +{len(flood_log.encode()) / 1024:.1f} KiB in {len(lines)} lines "
                      f"({webhook_lines} from the webhook server); "
                      f"bot alive: {service.proc.returncode is None}")
            finally:
                await service.stop()
