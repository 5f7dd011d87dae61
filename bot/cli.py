"""`python -m bot COMMAND`: run, ask, migrate, seed, discord-sync, import-programme, export-programme.

Exit codes: 0 success, 1 failure at run time, 2 bad configuration or usage.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from bot.config import ConfigError, Settings, load_settings
from bot.platforms import PLATFORMS
from bot.platforms import enabled as enabled_platforms
from bot.platforms import secrets as platform_secrets
from bot.platforms.base import TokenRejected
from storage.text import LANGUAGES


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH", help="TOML config file (else $NEWSBOT_CONFIG, else defaults)")
    p = argparse.ArgumentParser(prog="python -m bot", description="The assembly news bot.")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="COMMAND")
    sub.add_parser("run", parents=[common], help="run the bot (console chat when no platform token is set)")
    a = sub.add_parser("ask", parents=[common], help="print the reply to one command and exit")
    a.add_argument("text", help='a command line, e.g. "/agenda cybercrime"')
    a.add_argument("--lang", choices=LANGUAGES, help="reply language")
    a.add_argument("--now", metavar="ISO",
                   help="answer as if at this instant, e.g. 2026-06-10T09:55:00+02:00 "
                        "(the rehearsal clock, over [bot] simulated_now)")
    sub.add_parser("migrate", parents=[common], help="apply database migrations")
    sd = sub.add_parser("seed", parents=[common],
                        help="load the bundled content (idempotent; keeps what the desk changed)")
    sd.add_argument("--force", action="store_true",
                    help="overwrite fields the news desk changed since")
    d = sub.add_parser("discord-sync", parents=[common],
                       help="register the slash commands on Discord (globally by default)")
    d.add_argument("--guild", type=int, action="append", metavar="ID",
                   help="sync to this guild only (instant; repeatable)")
    e = sub.add_parser("export", parents=[common],
                       help="write one event's content (items, drafts included) to a JSON file")
    e.add_argument("file", help="the JSON file to write")
    e.add_argument("--event", metavar="KEY",
                   help="the event to export (default: the first stored, the bundled one)")
    i = sub.add_parser("import", parents=[common], help="load a JSON export (validated, idempotent by key)")
    i.add_argument("file", help="the JSON file to read")
    i.add_argument("--force", action="store_true",
                   help="overwrite fields the news desk changed since")
    ip = sub.add_parser("import-programme", parents=[common],
                        help="load a frab/pretalx schedule.json or a programme export "
                             "(applies only the differences; change notices for followers)")
    ip.add_argument("file", help="the schedule.json or newsbot-programme file")
    ip.add_argument("--dry-run", action="store_true", help="report the changes, write nothing")
    ip.add_argument("--event", metavar="KEY", help="the event's key (default: the file's acronym)")
    ip.add_argument("--force", action="store_true",
                    help="overwrite session fields the news desk changed since")
    ep = sub.add_parser("export-programme", parents=[common],
                        help="write one event's programme to a newsbot-programme JSON file")
    ep.add_argument("file", help="the JSON file to write")
    ep.add_argument("--event", metavar="KEY", help="the event's key (default: the first event)")
    sub.add_parser("poll-feeds", parents=[common], help="poll every [[feeds]] source once and report")
    sub.add_parser("deliver", parents=[common],
                   help="only send digests and alerts (no command handling); one sender per database")
    return p


async def _run(settings: Settings) -> int:
    from bot.app import App

    if enabled_platforms(settings):  # the service, with every platform configured
        from bot.service import serve

        return await serve(settings)
    from contextlib import AsyncExitStack

    from bot.platforms.console.frontend import repl
    from bot.service import build_components

    async with App(settings) as app, AsyncExitStack() as stack:
        # no platform configured: the fallback one (the console, whose digests and alerts
        # are printed in it) and delivery
        for component in build_components(app, console=True):
            await component.start()
            stack.push_async_callback(component.stop)
        return await repl(app)


async def _ask(settings: Settings, text: str, lang: str | None) -> int:
    from bot.app import App
    from bot.platforms.console.frontend import ask

    async with App(settings) as app:
        print(await ask(app, text, lang))
    return 0


async def _migrate(settings: Settings) -> int:
    from storage.db import make_engine
    from storage.migrate import current_revision, upgrade

    engine = make_engine(settings.database.url)
    try:
        await upgrade(engine)
        print(f"database at revision {await current_revision(engine)}")
    finally:
        await engine.dispose()
    return 0


async def _seed(settings: Settings, force: bool = False) -> int:
    from bot.app import App

    settings.bot.seed_on_start = False
    async with App(settings) as app:
        report = await app.seed(force=force)
    assert report is not None
    print("\n".join(report.summary("content loaded")))
    return 0


async def _discord_sync(settings: Settings, guilds: list[int] | None) -> int:
    from bot.app import App
    from bot.platforms.discord.frontend import sync_commands

    if not PLATFORMS["discord"].enabled(settings):
        print("discord-sync needs [discord] token (or NEWSBOT_DISCORD__TOKEN)", file=sys.stderr)
        return 2
    async with App(settings) as app:
        count = await sync_commands(app, guilds)
    where = "to guild(s) " + ", ".join(map(str, guilds)) if guilds else "globally"
    print(f"{count} slash commands synced {where}")
    return 0
async def _poll_feeds(settings: Settings) -> int:
    from bot.app import App
    from bot.feeds import poll_once

    if not settings.feeds:
        print("no [[feeds]] in the configuration", file=sys.stderr)
        return 2
    async with App(settings) as app:
        outcomes = await poll_once(app)
    for o in outcomes:
        print(o.report())
    return 1 if any(o.error for o in outcomes) else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    from bot.logs import configure

    quiet = args.cmd in ("ask",) or (args.cmd == "run" and not enabled_platforms(settings))
    redact = configure(
        "WARNING" if quiet and settings.bot.log_level == "INFO" else settings.bot.log_level,
        secrets=secrets_of(settings), log_format=settings.bot.log_format,
    )
    from bot.errors import init_error_reporting

    init_error_reporting(settings, redact)
    try:
        if args.cmd == "run":
            return asyncio.run(_run(settings))
        if args.cmd == "ask":
            if args.now is not None:
                from bot.config import check_instant

                try:
                    settings.bot.simulated_now = check_instant(args.now)
                except ValueError as exc:
                    print(f"--now: {exc} (got {args.now!r})", file=sys.stderr)
                    return 2
            return asyncio.run(_ask(settings, args.text, args.lang))
        if args.cmd == "deliver":
            from bot.service import serve

            return asyncio.run(serve(settings, deliver_only=True))
        if args.cmd == "migrate":
            return asyncio.run(_migrate(settings))
        if args.cmd == "discord-sync":
            return asyncio.run(_discord_sync(settings, args.guild))
        if args.cmd == "poll-feeds":
            return asyncio.run(_poll_feeds(settings))
        if args.cmd in ("import-programme", "export-programme"):
            from bot.programme_cli import run_programme

            return run_programme(settings, args.cmd, args.file,
                                 dry_run=getattr(args, "dry_run", False), event=args.event,
                                 force=getattr(args, "force", False))
        if args.cmd in ("export", "import"):
            from bot.transfer_cli import run_transfer

            return run_transfer(settings, args.cmd, args.file, force=getattr(args, "force", False),
                                event=getattr(args, "event", None))
        return asyncio.run(_seed(settings, force=args.force))
    except KeyboardInterrupt:
        return 0
    except TokenRejected as exc:  # a configuration error: one line, no token
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # one clear line; the traceback goes to the log at DEBUG
        import logging

        logging.getLogger("newsbot").debug("fatal", exc_info=True)
        # PTB names a rejected token in full in its error: redacted like the logs
        print(redact(f"error: {type(exc).__name__}: {exc}"), file=sys.stderr)
        return 1


def secrets_of(settings: Settings) -> list[str | None]:
    """What must never be printed: every platform's secrets (tokens, the webhook secret),
    the Sentry DSN, the database password."""
    from sqlalchemy.engine import make_url

    def plain(value: object) -> str | None:
        get = getattr(value, "get_secret_value", None)
        return get() if get else None

    try:
        password = make_url(settings.database.url).password
    except Exception:  # an URL SQLAlchemy cannot read fails later, with its own message
        password = None
    return [plain(settings.sentry.dsn), *platform_secrets(settings),
            str(password) if password else None]
