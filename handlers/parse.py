"""Turning a line of chat text into (command, args), the same way on every platform."""

from __future__ import annotations

import re

_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{1,64}))?(?=\s|$)")


class NotForUs(Exception):
    """A command addressed to another bot (``/start@otherbot``)."""


def parse_command(text: str, bot_username: str | None = None) -> tuple[str, str]:
    """'/agenda@bot mardi' -> ('agenda', 'mardi'); plain text -> ('', text).

    Raises NotForUs when the command names another bot.
    """
    stripped = text.lstrip()
    m = _COMMAND.match(stripped)
    if not m:
        return "", stripped
    target = m.group(2)
    if target and bot_username and target.lower() != bot_username.lower():
        raise NotForUs(target)
    return m.group(1).lower(), stripped[m.end():].strip()
