"""Structured logs (key=value) on stderr. Extra fields are appended; tokens never are."""

from __future__ import annotations

import logging
import sys

_STANDARD = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        base = f"{self.formatTime(record, '%Y-%m-%dT%H:%M:%S')} {record.levelname} {record.name}: {record.getMessage()}"
        extras = " ".join(
            f"{k}={v!r}" if isinstance(v, str) and " " in v else f"{k}={v}"
            for k, v in record.__dict__.items() if k not in _STANDARD
        )
        text = f"{base} {extras}" if extras else base
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(KeyValueFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Library chatter (httpx logs every request URL, which contains the Telegram token).
    for noisy in ("httpx", "httpcore", "aiosqlite", "discord.gateway", "apscheduler.executors"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
