"""`python -m bot export FILE.json` and `python -m bot import FILE.json` (see storage/transfer.py).

File I/O stays synchronous, outside the event loop; the database work runs in it.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from bot.config import Settings


async def _export(settings: Settings, event: str | None) -> dict[str, Any]:
    from bot.app import App
    from storage.transfer import export_content

    async with App(settings) as app, app.uow() as uow:
        return await export_content(uow.session, event)


async def _import(settings: Settings, data: dict[str, Any], force: bool) -> Any:
    from bot.app import App
    from storage.transfer import import_content

    async with App(settings) as app, app.uow() as uow:
        return await import_content(uow.session, data, force=force)


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented UTF-8 JSON, whole or not at all (a temporary file renamed)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def run_transfer(settings: Settings, command: str, file: str, *, force: bool = False,
                 event: str | None = None) -> int:
    from storage.transfer import TransferError

    settings.bot.seed_on_start = False
    path = Path(file)
    if command == "export":
        try:
            data = asyncio.run(_export(settings, event))
        except TransferError as exc:
            print(f"export refused, nothing written: {exc}", file=sys.stderr)
            return 2
        write_json(path, data)
        print(f"exported {data['event']['key']}: {len(data['items'])} items, "
              f"{len(data['agenda'])} sessions, {len(data['participants'])} participants to {path}")
        return 0
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        print(f"cannot read {path}: {exc}", file=sys.stderr)
        return 2
    try:
        report = asyncio.run(_import(settings, data, force))
    except TransferError as exc:
        print(f"import refused, nothing written: {exc}", file=sys.stderr)
        return 2
    print("\n".join(report.summary("imported")))
    return 0
