"""Structured logs (key=value) on stderr, for every logger: ours and the libraries'.

One handler on the root logger, installed at start-up (``configure``), formats every record
that reaches it — ours, PTB's, aiohttp's, SQLAlchemy's, discord.py's, warnings — and:

- **redacts the configured secrets** (bot tokens, the webhook secret, the database password)
  wherever they appear: message, arguments, extra fields, tracebacks, inside URLs
  (``/bot<token>/``, also percent-encoded), plus anything shaped like a Telegram or Discord
  bot token (a token Telegram rejects is printed by PTB in full);
- **keeps what users write out of the log**: a library's log arguments that carry data
  (PTB at DEBUG logs every request's parameters, every answer and every update, so users'
  texts and names; aiohttp and discord.py log payloads) become a short placeholder such as
  ``<Update 12>`` or ``<dict>``; our own logs never carry texts (ids, counts, outcomes);
- **hides SQL parameters**: ``[parameters: …]`` of SQLAlchemy errors (engines are also built
  with ``hide_parameters=True``) and PostgreSQL's ``DETAIL:`` lines, which repeat a failing row;
- **limits repeats**: the same warning or error from the same place is written at most
  ``REPEAT_BURST`` times per ``REPEAT_WINDOW`` seconds; the next one written says how many
  were left out (``suppressed=N``), and so does the last line at exit.

Libraries that log whole payloads at DEBUG (discord.py's HTTP and gateway, httpx, aiosqlite,
SQLAlchemy's result rows) stay at INFO or WARNING whatever the level.
"""

from __future__ import annotations

import atexit
import enum
import json
import logging
import re
import sys
import time
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

_STANDARD = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}

#: loggers whose arguments are ours to trust (they never carry users' texts)
TRUSTED = ("newsbot", "alembic", "apscheduler", "asyncio", "py.warnings")
#: library loggers capped whatever the level: what they log at DEBUG is payloads
CAPPED = {
    "httpx": logging.WARNING, "httpcore": logging.WARNING, "aiosqlite": logging.WARNING,
    "sqlalchemy": logging.WARNING, "discord.gateway": logging.WARNING,
    "discord": logging.INFO, "aiohttp.access": logging.WARNING,
    "apscheduler.executors": logging.WARNING,
}
REPEAT_BURST = 10
REPEAT_WINDOW = 60.0
#: shorter secrets cannot be told from ordinary words; they are not redacted
MIN_SECRET = 6

_TELEGRAM_TOKEN = re.compile(r"\d{3,}(?::|%3A)[A-Za-z0-9_-]{30,}")
_DISCORD_TOKEN = re.compile(r"[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}")
_SQL_PARAMETERS = re.compile(r"\[parameters: [^\n]*")
_PG_DETAIL = re.compile(r"^(\s*DETAIL:).*$", re.MULTILINE)
_SHORT = 64
_URL = re.compile(r"https?://[^\s{}'\"<>]{1,300}")
_URL_QUERY = re.compile(r"\?.*$")


class Redactor:
    """Replaces secrets (and what looks like one) in a finished log text."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        variants: set[str] = set()
        for secret in secrets:
            if secret and len(secret) >= MIN_SECRET:
                variants |= {secret, quote(secret, safe=""), quote(secret)}
                if ":" in secret:  # a Telegram token's secret half, logged alone
                    _, tail = secret.split(":", 1)
                    if len(tail) >= MIN_SECRET:
                        variants.add(tail)
        self._secrets = sorted(variants, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, "***")
        text = _TELEGRAM_TOKEN.sub("<telegram token>", text)
        text = _DISCORD_TOKEN.sub("<discord token>", text)
        text = _SQL_PARAMETERS.sub("[parameters hidden]", text)
        return _PG_DETAIL.sub(r"\1 (hidden)", text)


def placeholder(value: Any) -> Any:
    """A library's log argument, unless it may carry data: then what it is, not what it says."""
    if value is None or isinstance(value, (bool, int, float, enum.Enum)):
        return value
    if isinstance(value, str):
        if len(value) <= _SHORT and "\n" not in value and "{" not in value:
            return value
        if _URL.fullmatch(value):  # an address (a token in it is redacted later)
            return _URL_QUERY.sub("?…", value)
        return f"<{len(value)} characters>"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{len(value)} bytes>"
    if isinstance(value, BaseException):
        return type(value).__name__
    update_id = getattr(value, "update_id", None)
    if isinstance(update_id, int):
        return f"<{type(value).__name__} {update_id}>"
    if isinstance(value, (list, tuple, set, frozenset)):
        return f"<{type(value).__name__} of {len(value)}>"
    return f"<{type(value).__name__}>"


def _trusted(name: str) -> bool:
    return any(name == t or name.startswith(t + ".") for t in TRUSTED)


class KeyValueFormatter(logging.Formatter):
    def __init__(self, redact: Redactor | None = None) -> None:
        super().__init__()
        self.redact = redact or Redactor()

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(self._format(record))

    def _message(self, record: logging.LogRecord) -> str:
        if _trusted(record.name):
            msg, args = record.msg, record.args
        else:
            msg = record.msg if isinstance(record.msg, str) else placeholder(record.msg)
            args = record.args
            if isinstance(args, Mapping):
                args = {k: placeholder(v) for k, v in args.items()}
            elif args:
                args = tuple(placeholder(a) for a in args)
        try:
            return str(msg) % args if args else str(msg)
        except (TypeError, ValueError, KeyError):
            return f"{msg} (arguments hidden)"

    def _format(self, record: logging.LogRecord) -> str:
        when = self.formatTime(record, "%Y-%m-%dT%H:%M:%S")
        base = f"{when} {record.levelname} {record.name}: {self._message(record)}"
        extras = " ".join(
            f"{k}={v!r}" if isinstance(v, str) and " " in v else f"{k}={v}"
            for k, v in record.__dict__.items() if k not in _STANDARD
        )
        text = f"{base} {extras}" if extras else base
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        if record.stack_info:
            text += "\n" + self.formatStack(record.stack_info)
        return text


class JsonFormatter(KeyValueFormatter):
    """One JSON object a line (``[bot] log_format = "json"``), for log collectors: time,
    level, logger, message and the record's extras (component, platform, chat id…) as keys.
    The same rules as the text format: message arguments of libraries replaced by what they
    are, then every configured secret redacted from the whole line."""

    def _format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}",
            "level": record.levelname, "logger": record.name, "message": self._message(record),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value if isinstance(value, (str, int, float, bool, type(None))) \
                    else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class RepeatFilter(logging.Filter):
    """At most ``burst`` warnings/errors per ``window`` seconds from one place; the rest counted."""

    def __init__(self, burst: int = REPEAT_BURST, window: float = REPEAT_WINDOW) -> None:
        super().__init__()
        self.burst, self.window = burst, window
        #: (logger, template, level) -> [window start, written in window, suppressed]
        self._seen: dict[tuple[str, str, int], list[float]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        key = (record.name, str(record.msg)[:200], record.levelno)
        now = time.monotonic()
        state = self._seen.get(key)
        if state is None or now - state[0] >= self.window:
            suppressed = int(state[2]) if state else 0
            self._seen[key] = [now, 1, 0]
            if suppressed:
                record.suppressed = suppressed
            if len(self._seen) > 1000:  # forget quiet places
                self._seen = {k: v for k, v in self._seen.items() if now - v[0] < self.window}
            return True
        if state[1] < self.burst:
            state[1] += 1
            return True
        state[2] += 1
        return False

    def pending(self) -> dict[tuple[str, str, int], int]:
        return {k: int(v[2]) for k, v in self._seen.items() if v[2]}

    def flush(self, handler: logging.Handler) -> None:
        """One line per place whose repeats were left out since it was last written."""
        for (name, template, level), count in self.pending().items():
            record = logging.makeLogRecord({
                "name": name, "levelno": level, "levelname": logging.getLevelName(level),
                "msg": "%s (repeated; not all written)", "args": (template,)})
            record.suppressed = count
            handler.handle(record)
            self._seen[(name, template, level)][2] = 0


#: the installed handler and its repeat filter (flushed at exit)
_installed: list[tuple[logging.Handler, RepeatFilter]] = []


def configure(level: str = "INFO", secrets: Iterable[str | None] = (),
              log_format: str = "text") -> Redactor:
    """Install the one handler for every logger; returns the redactor for other output."""
    redact = Redactor(secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(redact) if log_format == "json" else KeyValueFormatter(redact))
    repeats = RepeatFilter()
    handler.addFilter(repeats)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    numeric = logging.getLevelName(level)
    for name, cap in CAPPED.items():
        logging.getLogger(name).setLevel(max(cap, numeric))
    # a library that brought its own handler would bypass ours
    for logger in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger) and logger.handlers:
            logger.handlers.clear()
            logger.propagate = True
    logging.captureWarnings(True)  # warnings print objects' reprs: through the formatter too
    # a record that fails to format must not be printed raw (with its arguments) to stderr
    logging.raiseExceptions = False
    if not _installed:
        atexit.register(_flush_repeats)
    _installed[:] = [(handler, repeats)]
    return redact


def _flush_repeats() -> None:
    for handler, repeats in _installed:
        repeats.flush(handler)
