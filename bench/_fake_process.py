"""The strict fake Telegram in a child process, so the bot's own CPU can be measured alone.

Used by ``bench/fanout.py``; it has no ``main`` of its own.
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import multiprocessing as mp
import time
from multiprocessing.connection import Connection
from typing import Any


def _serve(conn: Connection, limits: dict[str, Any]) -> None:
    from tests.fakes.telegram_api import FakeTelegram, TelegramLimits

    async def run() -> None:
        profiler = cProfile.Profile()
        tg = FakeTelegram()
        tg.limits = TelegramLimits(**limits)
        await tg.start()
        # The loaded spec (~1 MB of JSON as dicts) and the imported modules live as long as
        # this process: moved out of the collector's generations, full collections no
        # longer walk them (about half of the fake's GC time under load; nothing else
        # changes).
        gc.freeze()
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
            elif cmd[0] == "probe":  # a user sends a command: seconds until the bot's reply
                _, chat_id, text = cmd
                before = len(tg.messages(chat_id))
                started = loop.time()
                tg.push_message(chat_id, text, language_code="en")
                await tg.wait_for_messages(chat_id, before + 1, timeout=30)
                conn.send(loop.time() - started)
            elif cmd[0] == "cpu":  # CPU seconds of this process (user + system), all threads
                conn.send(time.process_time())
            elif cmd[0] == "profile":  # start cProfile, or stop it and dump the stats to a file
                if cmd[1] is None:
                    profiler = cProfile.Profile()
                    profiler.enable()
                else:
                    profiler.disable()
                    profiler.dump_stats(cmd[1])
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

    def probe(self, chat_id: int, text: str) -> float:
        return float(self._ask("probe", chat_id, text))

    def reset(self) -> None:
        self._ask("reset")

    def cpu(self) -> float:
        """CPU seconds the fake's process has used so far."""
        return float(self._ask("cpu"))

    def profile(self, dump_to: str | None = None) -> None:
        """Start profiling the fake (no argument), or stop and write pstats to ``dump_to``."""
        self._ask("profile", dump_to)
