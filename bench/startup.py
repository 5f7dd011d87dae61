"""Cold start of `python -m bot ask /agenda`: wall time to the first answer and peak memory.

Each run is a fresh interpreter on an already migrated and seeded SQLite database (the common
case for scripts); the first, migrating run is reported separately.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7


def _run(env: dict[str, str]) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one `ask` child process, measured with wait4."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bot", "ask", "/agenda"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    out = proc.stdout.read().decode() if proc.stdout else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0 or "Programme" not in out:
        raise RuntimeError(f"ask failed: {proc.returncode} {proc.stderr.read() if proc.stderr else ''}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
        env["NEWSBOT_DATABASE__URL"] = f"sqlite+aiosqlite:///{tmp}/bench.db"
        first, first_mem = _run(env)
        runs = [_run(env) for _ in range(RUNS)]
    times = sorted(t for t, _ in runs)
    mems = [m for _, m in runs]
    print(f"first run (creates, migrates, seeds the database): {first:.2f} s, {first_mem:.0f} MB")
    print(f"warm database, {RUNS} runs: median {statistics.median(times):.2f} s, "
          f"max {times[-1]:.2f} s; peak RSS max {max(mems):.0f} MB (goal < 1.5 s, < 120 MB)")
