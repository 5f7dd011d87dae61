"""The real ``python -m bot run`` (or ``deliver``) as a child process with a config file,
its log read line by line as it is written (tests/service_process.py keeps it in a file).

Why: start-up, restarts and faults are only honest when the very process an operator runs
is started, stopped and killed; tests read its log (stderr) line by line as it is written.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

from tests.conftest import ROOT


def toml(config: dict[str, dict[str, Any]]) -> str:
    """A config file's text; values are strings, numbers, booleans or lists of them."""

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float):
            return repr(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines: list[str] = []
    for section, keys in config.items():
        lines.append(f"[{section}]")
        lines += [f"{k} = {value(v)}" for k, v in keys.items()]
        lines.append("")
    return "\n".join(lines)


class Service:
    """A running bot process; its stderr is collected as it comes."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stderr is not None
        async for raw in self.proc.stderr:
            self.lines.append(raw.decode(errors="replace").rstrip("\n"))
            self._changed.set()
        self._changed.set()

    @property
    def log(self) -> str:
        return "\n".join(self.lines)

    async def wait_log(self, needle: str, timeout: float = 30, count: int = 1) -> list[str]:  # noqa: ASYNC109
        """Wait until ``count`` log lines contain ``needle``; returns them."""

        async def seen() -> list[str]:
            while True:
                found = [line for line in self.lines if needle in line]
                if len(found) >= count:
                    return found
                if self._reader.done():
                    raise AssertionError(f"the process ended before logging {needle!r}:\n{self.log}")
                self._changed.clear()
                await self._changed.wait()

        try:
            return await asyncio.wait_for(seen(), timeout)
        except TimeoutError:
            raise AssertionError(f"no log line with {needle!r} within {timeout}s:\n{self.log}") from None

    async def wait(self, timeout: float = 30) -> int:  # noqa: ASYNC109
        """Wait for the process to end by itself; its exit code."""
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        await self._reader
        return code

    async def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 30) -> int:  # noqa: ASYNC109
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        return await self.wait(timeout)

    async def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
        await self.wait()


async def start_service(config_path: Path, *, command: str = "run",
                        env: dict[str, str] | None = None) -> Service:
    """``python -m bot COMMAND --config PATH`` with no NEWSBOT_* variables of the caller."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", command, "--config", str(config_path), cwd=ROOT,
        env={**clean, **(env or {})}, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    return Service(proc)


def free_http_port(config: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The config with the operators' HTTP server on a port the OS picks, unless it names one.

    The child gets none of the caller's NEWSBOT_* variables (so not conftest's
    NEWSBOT_HTTP__PORT=0 either): without this it would listen on 8080, which another
    test's service (a parallel worker, another run on the machine) may hold.
    """
    http = config.get("http", {})
    return config if "port" in http else {**config, "http": {**http, "port": 0}}


def write_config(path: Path, config: dict[str, dict[str, Any]]) -> Path:
    path.write_text(toml(free_http_port(config)), encoding="utf-8")
    return path
