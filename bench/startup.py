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

#: ``python -m bot ask /agenda``, then the process's own peak RSS (VmHWM) on stderr.
#: Not wait4's ``ru_maxrss``: Linux keeps it across fork and exec, so a child of a big
#: parent (``make bench`` runs every benchmark in one process) reports the parent's peak.
CHILD = """
import atexit, runpy, sys
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            sys.stderr.write("\\nVmHWM " + line.split()[1] + "\\n")
atexit.register(peak)
sys.argv = ["bot", "ask", "/agenda"]
runpy.run_module("bot", run_name="__main__")
"""


def _run(env: dict[str, str]) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one `ask` child process."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0 or "Programme" not in proc.stdout:
        raise RuntimeError(f"ask failed: {proc.returncode} {proc.stderr}")
    peak_kb = int(proc.stderr.rsplit("VmHWM ", 1)[1].split()[0])
    return elapsed, peak_kb / 1024


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
