"""Run every benchmark module in bench/ (each has an async or sync ``main()``), or the ones named.

    python -m bench              # all
    python -m bench startup      # just bench/startup.py
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = argv or sorted(m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"\n=== bench/{name}.py ===", flush=True)
        result = module.main()
        if inspect.isawaitable(result):
            asyncio.run(result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
