"""`python -m bot import-programme FILE` and `python -m bot export-programme FILE`
(storage/programme.py reads, validates and applies; handlers/fanout/programme.py queues the
change notices).

An import is one transaction: the sessions, their revisions and the change notices commit
together or not at all; ``--dry-run`` reports what would change and rolls everything back.
Exit codes: 0 done, 2 a file that cannot be read or is malformed (nothing written).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.transfer_cli import write_json


class _DryRun(Exception):
    """Raised inside the unit of work so that it rolls back."""


async def _import(settings: Settings, path: Path, *, dry_run: bool, event: str | None,
                  force: bool) -> Any:
    from bot.app import App
    from handlers.fanout.programme import queue_changes
    from storage.programme import apply_programme, read_programme

    prog = read_programme(path)
    if event:
        prog.key = event
    async with App(settings) as app:
        now = app.deps.clock()
        report = None
        try:
            async with app.uow() as uow:
                report = await apply_programme(uow.session, prog, force=force, at=now)
                report.notices = await queue_changes(uow, app.deps.fanout, report.changes, now)
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        return report


async def _export(settings: Settings, event: str | None) -> dict[str, Any]:
    from bot.app import App
    from storage.programme import export_programme

    async with App(settings) as app, app.uow() as uow:
        return await export_programme(uow.session, event)


def run_programme(settings: Settings, command: str, file: str, *, dry_run: bool = False,
                  event: str | None = None, force: bool = False) -> int:
    from storage.programme import ProgrammeError

    settings.bot.seed_on_start = settings.bot.seed_on_start and command == "import-programme"
    path = Path(file)
    if command == "export-programme":
        try:
            data = asyncio.run(_export(settings, event))
        except ProgrammeError as exc:
            print(f"export refused: {exc}", file=sys.stderr)
            return 2
        write_json(path, data)
        print(f"Programme {data['event']['key']}: {len(data['sessions'])} sessions exported "
              f"to {path}")
        return 0
    try:
        report = asyncio.run(_import(settings, path, dry_run=dry_run, event=event, force=force))
    except ProgrammeError as exc:
        print(f"import refused, nothing written: {exc}", file=sys.stderr)
        return 2
    lines = report.summary()
    if dry_run:
        lines.append("dry run: nothing written")
    print("\n".join(lines))
    return 0
