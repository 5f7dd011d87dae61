"""Text helpers shared by storage and handlers: language fallback and search folding."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Literal, get_args

#: the languages the bot speaks: INTERPOL's four official languages
Language = Literal["fr", "en", "es", "ar"]
LANGUAGES: tuple[str, ...] = get_args(Language)
DEFAULT_LANGUAGE = "fr"

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


#: the languages the bundled content (storage/seed) is written in: the bot's own
CONTENT_LANGUAGES = LANGUAGES


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


#: Arabic search normalisation applied after decomposition (which already splits hamza and
#: madda off alef, waw and ya, and ligatures and presentation forms into plain letters)
_ARABIC = str.maketrans({
    "\u0640": None,  # tatweel (kashida): ornamental lengthening
    "\u06e5": None, "\u06e6": None,  # small waw / small yeh, Quranic annotation letters
    "\u0622": "\u0627", "\u0623": "\u0627", "\u0625": "\u0627", "\u0671": "\u0627",  # آ أ إ ٱ -> ا
    "\u0629": "\u0647",  # ta marbuta ة -> ha ه
    "\u0649": "\u064a",  # alef maqsura ى -> ya ي
    "\u0624": "\u0648",  # ؤ -> و
    "\u0626": "\u064a",  # ئ -> ي
    **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits ٠-٩
    **{chr(0x06F0 + d): str(d) for d in range(10)},  # extended (Persian/Urdu) digits ۰-۹
})


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lower-case, accent-free form used for search on every database.

    - Latin: case and accents folded ("Cybercriminalité" -> "cybercriminalite", "país" ->
      "pais", "pingüino" -> "pinguino", "Œuvre" -> "oeuvre"), except the Spanish letter ñ,
      which stays a letter of its own ("Año" -> "año", never "ano").
    - Arabic: diacritics (harakat, superscript alef, Quranic marks) and tatweel removed; alef
      forms (أ إ آ ٱ) -> ا, ة -> ه, ى -> ي, ؤ -> و, ئ -> ي ("الإنتـربول" -> "الانتربول");
      Arabic-Indic digits -> ASCII digits.
    Punctuation (including ، ؛ ؟ ¿ ¡) is kept here; ``words`` treats it as a separator.
    """
    composed = unicodedata.normalize("NFC", text.casefold())
    stripped = "ñ".join(_strip_marks(part) for part in composed.split("ñ"))
    return stripped.translate(_ARABIC).replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order (no punctuation, no markup characters).

    A word is a run of letters and digits of any script (Latin, Arabic…); everything else,
    Arabic and Spanish punctuation included (، ؛ ؟ ¿ ¡), separates words.
    """
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
