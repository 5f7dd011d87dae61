"""Text helpers shared by storage and handlers: language fallback and search folding."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


#: the languages the bundled content (storage/seed) is written in; a multilingual text may
#: carry any of them, whichever languages the bot itself speaks (``LANGUAGES``)
CONTENT_LANGUAGES = ("fr", "en", "es", "ar")


def pick_lang(texts: Mapping[str, str] | None, lang: str) -> tuple[str, str | None]:
    """The text in ``lang`` and ``None``; else a fallback and the language it is in.

    The fallback is the first non-empty text among the bot's languages (``LANGUAGES``, in
    order), then the content languages, then any other: ``({"fr": "Bonjour"}, "en")`` gives
    ``("Bonjour", "fr")``, so the caller can say the text is not in the reader's language.
    ``("", None)`` when there is no text at all."""
    if not texts:
        return "", None
    if texts.get(lang):
        return texts[lang], None
    for other in (*LANGUAGES, *CONTENT_LANGUAGES, *texts.keys()):
        if texts.get(other):
            return texts[other], other
    return "", None


def pick(texts: Mapping[str, str] | None, lang: str) -> str:
    """The text in ``lang``, else the fallback of :func:`pick_lang` (unmarked); '' when none."""
    return pick_lang(texts, lang)[0]


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
