"""Text from outside, the same way on every platform: cleaning it (:func:`clean_input`, also
what the console shows) and turning a line of chat text into (command, args)."""

from __future__ import annotations

import re
import unicodedata

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


#: invisible characters that reorder or hide text (bidi embeddings, overrides and isolates,
#: zero-width space, word joiner, BOM). Kept: LRM/RLM and ZWJ/ZWNJ, which Arabic text and
#: emoji sequences use legitimately.
_HIDDEN = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u2060\ufeff")


def clean_input(text: str | None, *, multiline: bool = True) -> str:
    """Text from outside (a user, an admin, a feed, a chat title), safe to store and show:
    NFC, no control characters (newlines and tabs kept when ``multiline``), no lone
    surrogates, no bidi overrides or zero-width spaces; trimmed. The one cleaning rule of
    every input."""
    if not text:
        return ""
    keep = "\n\t"
    kept = "".join(
        c for c in text
        if c in keep or (c not in _HIDDEN and unicodedata.category(c) not in ("Cc", "Cs"))
    )
    if not multiline:
        kept = " ".join(kept.split())
    return unicodedata.normalize("NFC", kept).strip()
