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
