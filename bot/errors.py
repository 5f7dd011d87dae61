"""Optional error reporting with sentry-sdk (``[sentry] dsn``; ``pip install '.[sentry]'``).

Errors and their tracebacks go to Sentry through its logging integration (ERROR records with
an exception), after the same redaction as the log (bot/logs.py): no token, secret or
database password leaves the process (Sentry's defaults send no personal data).
"""

from __future__ import annotations

import logging
from typing import Any

from bot.config import Settings
from bot.logs import Redactor

log = logging.getLogger("newsbot.errors")


def _scrub(node: Any, redact: Redactor) -> Any:
    if isinstance(node, str):
        return redact(node)
    if isinstance(node, dict):
        return {k: _scrub(v, redact) for k, v in node.items()}
    if isinstance(node, list):
        return [_scrub(v, redact) for v in node]
    return node


def init_error_reporting(settings: Settings, redact: Redactor) -> bool:
    """Start Sentry when a DSN is configured; False (and one log line) when it cannot be."""
    dsn = settings.sentry.dsn
    if dsn is None:
        return False
    try:
        import sentry_sdk
        from sentry_sdk.integrations.logging import LoggingIntegration
    except ImportError:
        log.error("[sentry] dsn is set but sentry-sdk is not installed: pip install '.[sentry]'")
        return False

    def before_send(event: Any, hint: Any) -> Any:
        return _scrub(event, redact)

    sentry_sdk.init(
        dsn=dsn.get_secret_value(), environment=settings.sentry.environment,
        before_send=before_send, traces_sample_rate=0,
        integrations=[LoggingIntegration(level=None, event_level=logging.ERROR)],
        default_integrations=False,
    )
    return True
