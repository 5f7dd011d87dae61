"""The real ``python -m bot run`` as a child process, configured by a TOML file, against the fake.

Why a file for stderr: a test that floods the bot must be able to measure what the operator's
log would hold (its size, what it reveals) without a pipe that fills up and blocks the bot.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import ROOT
from tests.fakes.telegram_api import FakeTelegram
from tests.service_child import free_http_port


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_config(path: Path, sections: dict[str, dict[str, Any]]) -> Path:
    """The TOML file; the operators' HTTP server on a free port unless a port is named."""
    lines = []
    for name, keys in free_http_port(sections).items():
        lines.append(f"[{name}]")
        lines += [f"{k} = {toml_value(v)}" for k, v in keys.items() if v is not None]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def telegram_config(tg: FakeTelegram, db_url: str, **telegram: Any) -> dict[str, dict[str, Any]]:
    """A service config for the fake: webhook mode on a free port unless told otherwise."""
    return {
        "bot": {"log_level": "INFO"},
        "database": {"url": db_url},
        "telegram": {"token": tg.token, "base_url": tg.base_url, "mode": "webhook",
                     "webhook_port": 0, **telegram},
    }


@dataclass
class Service:
    proc: asyncio.subprocess.Process
    stderr_path: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def log_bytes(self) -> int:
        return self.stderr_path.stat().st_size

    def memory_kb(self, field: str = "VmRSS") -> int:
        """VmRSS (now) or VmHWM (peak) of the bot process, in kB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise AssertionError(f"{field} not in /proc/{self.pid}/status")

    def open_files(self) -> int:
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    async def wait(self, timeout: float = 30) -> int:  # noqa: ASYNC109
        return await asyncio.wait_for(self.proc.wait(), timeout)

    async def stop(self) -> int:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return await self.wait(30)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
            raise AssertionError("the bot did not stop on SIGTERM\n" + self.log()[-3000:]) from None


async def start_service(config: Path, tmp_path: Path, *, args: tuple[str, ...] = ("run",),
                        preexec: Callable[[], None] | None = None) -> Service:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    stderr_path = tmp_path / "bot-stderr.log"
    with stderr_path.open("wb") as err:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args, "--config", str(config), cwd=ROOT, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=err,
            preexec_fn=preexec,
        )
    return Service(proc, stderr_path)


async def webhook_registered(tg: FakeTelegram, service: Service, timeout: float = 30) -> str:  # noqa: ASYNC109
    """Wait until the bot has called setWebhook; return the URL it registered."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while tg.webhook is None:
        if service.proc.returncode is not None:
            raise AssertionError(f"the bot exited ({service.proc.returncode}):\n{service.log()[-3000:]}")
        if loop.time() > deadline:
            raise AssertionError("setWebhook was not called in time\n" + service.log()[-3000:])
        await asyncio.sleep(0.05)
    return str(tg.webhook["url"])
