"""Every ``extra=`` given to a logging call is safe: a key that is also a LogRecord attribute
(``created``, ``name``, ``msg``, ``module``…) makes ``logging`` raise ``KeyError`` at the
moment the line is logged — only at a level that is enabled, so a test run at WARNING never
sees it while the service at INFO does. This reads the source of every package and checks
each call's keys, so a new log line cannot bring the bug back.
"""

from __future__ import annotations

import ast
import logging
from pathlib import Path

from tests.conftest import ROOT

LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}
#: what ``Logger.makeRecord`` refuses, on every Python we support (``taskName`` is 3.12+)
RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
PACKAGES = ("bot", "handlers", "storage", "bench")


def extras() -> list[tuple[str, int, ast.expr]]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr in LOG_METHODS):
                    for kw in node.keywords:
                        if kw.arg == "extra":
                            found.append((str(Path(path).relative_to(ROOT)), node.lineno, kw.value))
    return found


def test_the_scan_sees_the_log_calls() -> None:
    where = {path for path, _, _ in extras()}
    assert {"bot/feeds.py", "bot/delivery/worker.py", "handlers/dispatch.py"} <= where


def test_no_extra_key_collides_with_a_log_record_attribute() -> None:
    problems = []
    for path, line, value in extras():
        if not isinstance(value, ast.Dict) or not all(
                isinstance(k, ast.Constant) and isinstance(k.value, str) for k in value.keys):
            problems.append(f"{path}:{line}: extra= must be a dict literal with string keys "
                            "(its keys are checked here)")
            continue
        for k in value.keys:
            assert isinstance(k, ast.Constant)
            if k.value in RESERVED:
                problems.append(f"{path}:{line}: extra key {k.value!r} is a LogRecord attribute")
    assert problems == []


def test_the_reserved_names_really_raise() -> None:
    """What the scan guards against, shown once: logging refuses the key when it logs."""
    import pytest

    logger = logging.getLogger("newsbot.test-extras")
    logger.setLevel(logging.INFO)
    try:
        with pytest.raises(KeyError, match="created"):
            logger.info("feed polled", extra={"created": 2})
    finally:
        logger.setLevel(logging.NOTSET)
