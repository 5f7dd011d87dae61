"""Text helpers shared by storage and handlers: language fallback and search folding."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def pick(texts: Mapping[str, str] | None, lang: str) -> str:
    """The text in ``lang``, else in the other supported language, else any; '' when none."""
    if not texts:
        return ""
    if texts.get(lang):
        return texts[lang]
    for other in (*LANGUAGES, *texts.keys()):
        if texts.get(other):
            return texts[other]
    return ""


def fold(text: str) -> str:
    """Lower-case, accent-free form used for search on every database ("Cybercriminalité" -> "cybercriminalite")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order (no punctuation, no markup characters)."""
    return _WORD.findall(fold(text))


def search_doc(*texts: Mapping[str, str] | str | None) -> str:
    """One folded document from several (possibly multilingual) texts, for the full-text index."""
    parts: list[str] = []
    for t in texts:
        if not t:
            continue
        if isinstance(t, str):
            parts.append(t)
        else:
            parts.extend(v for v in t.values() if v)
    return " ".join(words(" ".join(parts)))


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
