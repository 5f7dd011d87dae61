"""The strict fake Telegram in a child process, so the bot's own CPU can be measured alone.

Not a benchmark itself (``python -m bench`` skips modules starting with an underscore? no:
this one has no ``main``); ``bench/fanout.py`` uses it.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
from multiprocessing.connection import Connection
from typing import Any


def _serve(conn: Connection, limits: dict[str, Any]) -> None:
    from tests.fakes.telegram_api import FakeTelegram, TelegramLimits

    async def run() -> None:
        tg = FakeTelegram()
        tg.limits = TelegramLimits(**limits)
        await tg.start()
        conn.send((tg.token, tg.base_url))
        loop = asyncio.get_running_loop()
        while True:
            cmd = await loop.run_in_executor(None, conn.recv)
            if cmd[0] == "stats":
                sends = [c for c in tg.calls if c.method == "sendMessage"]
                conn.send({"delivered": sum(1 for c in sends if c.status == 200),
                           "count_429": tg.count_429,
                           "violations": len(tg.violations)})
            elif cmd[0] == "limits":
                tg.limits = TelegramLimits(**cmd[1])
                conn.send(True)
            elif cmd[0] == "reset":
                tg.calls.clear()
                tg.count_429 = 0
                conn.send(True)
            else:
                break
        await tg.stop()
        conn.send(True)

    asyncio.run(run())


class FakeTelegramProcess:
    def __init__(self, **limits: Any) -> None:
        self._parent, child = mp.Pipe()
        self._proc = mp.get_context("spawn").Process(target=_serve, args=(child, limits),
                                                     daemon=True)

    def __enter__(self) -> FakeTelegramProcess:
        self._proc.start()
        self.token, self.base_url = self._parent.recv()
        return self

    def __exit__(self, *exc: object) -> None:
        self._parent.send(("stop",))
        self._parent.recv()
        self._proc.join(5)

    def _ask(self, *cmd: Any) -> Any:
        self._parent.send(cmd)
        return self._parent.recv()

    def stats(self) -> dict[str, int]:
        return dict(self._ask("stats"))

    def set_limits(self, **limits: Any) -> None:
        self._ask("limits", limits)

    def reset(self) -> None:
        self._ask("reset")
