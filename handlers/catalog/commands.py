"""Each command's summary (menus, /help's list) and help (``/help <command>``): part of the
catalog (handlers.catalog). Keys: ``command.<name>.summary``, ``command.<name>.help`` (a
command without a help text shows its summary)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
}
