"""The catalog's files: one gettext catalog per language,
``handlers/catalog/locale/<lang>/LC_MESSAGES/newsbot.po``, read and written with Babel.

Ids are symbolic: ``msgid`` is the key ("digest.title"), ``msgstr`` the text (``str.format``
placeholders). A message with a count is a gettext plural message (``msgid_plural`` = the key
again, ``msgstr[0]`` … ``msgstr[N-1]``), its forms in the order of the file's ``Plural-Forms``
header, which is Babel's for the language (``babel.messages.plurals.get_plural``: CLDR's
categories in CLDR order — French: one, many, other; English: one, other; Arabic: zero, one,
two, few, many, other). ``#.`` comments (translators') carry the English text.

Nothing here runs at import: Babel is imported when a file is read or written.
"""

from __future__ import annotations

import datetime as dt
import gettext
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

#: where the .po files live (shipped in the package: nothing to compile after a clone)
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "newsbot"
PROJECT = "assembly-newsbot"

#: the catalogs' POT-Creation-Date
CREATED = dt.datetime(2025, 11, 1, tzinfo=dt.UTC)

#: a text: a plain template, or a plural message's forms in the language's gettext order
Text = str | tuple[str, ...]


def po_path(lang: str, directory: Path = LOCALE_DIR) -> Path:
    return directory / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def present_languages(directory: Path = LOCALE_DIR) -> tuple[str, ...]:
    """The languages with a .po file, sorted."""
    return tuple(sorted(p.parent.parent.name for p in directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")))


@dataclass(frozen=True)
class PluralForms:
    """A language's plural forms: how many, the gettext expression choosing one for a count,
    and the CLDR category of each form (``('one', 'many', 'other')`` in French)."""

    lang: str
    count: int
    expr: str
    categories: tuple[str, ...] = field(default=())

    @property
    def header(self) -> str:
        return f"nplurals={self.count}; plural={self.expr};"

    def index(self, n: int) -> int:
        """The form for ``n`` (gettext's evaluation of the expression)."""
        return _compiled(self.expr)(abs(int(n)))

    def category_index(self, category: str) -> int | None:
        """The form holding CLDR ``category`` (None when the language has no such form)."""
        return self.categories.index(category) if category in self.categories else None


@lru_cache(maxsize=32)
def _compiled(expr: str) -> Callable[[int], int]:
    return gettext.c2py(expr)


#: counts tried to name each form by its CLDR category (1 000 000 for the "many" of fr/es)
_SAMPLES = (*range(0, 1200), 1_000_000, 2_000_000)


@lru_cache(maxsize=32)
def plural_forms(lang: str, count: int | None = None, expr: str | None = None) -> PluralForms:
    """Babel's plural forms for ``lang`` (``get_plural``), or the ones a file's header gives;
    each form named by the CLDR category (``Locale(lang).plural_form``) of the counts it takes."""
    from babel import Locale
    from babel.messages.plurals import get_plural

    if count is None or expr is None:
        babel_forms = get_plural(lang)
        count, expr = babel_forms.num_plurals, babel_forms.plural_expr
    rule = Locale.parse(lang).plural_form
    names: list[str | None] = [None] * count
    choose = _compiled(expr)
    for n in _SAMPLES:
        i = choose(n)
        if 0 <= i < count and names[i] is None:
            names[i] = rule(n)
    return PluralForms(lang, count, expr, tuple(name or "other" for name in names))


@dataclass
class LanguageFile:
    """What one .po file holds."""

    lang: str
    texts: dict[str, Text]
    plurals: PluralForms
    #: the fuzzy messages (texts to check), kept out of ``texts``
    fuzzy: dict[str, Text] = field(default_factory=dict)


def read_language(path: Path) -> LanguageFile:
    """Read one .po file (Babel's ``read_po``); a fuzzy or empty msgstr counts as missing."""
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        catalog = read_po(f, abort_invalid=True)
    lang = path.parent.parent.name
    forms = plural_forms(lang, catalog.num_plurals, catalog.plural_expr)
    texts: dict[str, Text] = {}
    fuzzy: dict[str, Text] = {}
    for message in catalog:
        if not message.id:
            continue  # the header
        key = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
        text: Text = (tuple(message.string) if isinstance(message.string, (list, tuple))
                      else message.string or "")
        if message.fuzzy:
            fuzzy[key] = text
        elif any(text) if isinstance(text, tuple) else text:
            texts[key] = text
    return LanguageFile(lang, texts, forms, fuzzy)


def as_forms(text: Text | Mapping[str, str], forms: PluralForms) -> Text:
    """A text given as {CLDR category: text} -> its forms in ``forms``' order (a category the
    mapping lacks takes "other"; a plain string or a tuple is returned as it is)."""
    if isinstance(text, Mapping):
        return tuple(text.get(category) or text.get("other", "") for category in forms.categories)
    return text


def write_language(lang: str, texts: Mapping[str, Text | Mapping[str, str]], *,
                   english: Mapping[str, Text | Mapping[str, str]] | None = None,
                   fuzzy: Sequence[str] = (), directory: Path = LOCALE_DIR) -> Path:
    """Write ``locale/<lang>/LC_MESSAGES/newsbot.po``: every key sorted, plural messages
    (a tuple of forms, or {CLDR category: text}) with ``msgid_plural`` and Babel's
    ``Plural-Forms`` for ``lang``; ``english`` texts become ``#.`` comments; keys in ``fuzzy``
    are flagged (a text to check, or an empty one to write)."""
    from babel.messages.catalog import Catalog as BabelCatalog
    from babel.messages.pofile import write_po

    forms = plural_forms(lang)
    # a fixed creation date: writing the files again changes only the messages (no header
    # churn, no merge conflict on it between branches)
    catalog = BabelCatalog(locale=lang, domain=DOMAIN, project=PROJECT, version="1",
                           fuzzy=False, header_comment=f"# {PROJECT}: the bot's words ({lang}).",
                           creation_date=CREATED)
    for key in sorted(texts):
        text = as_forms(texts[key], forms)
        comments = []
        if english is not None and key in english:
            source = english[key]
            shown = (source.get("other", "") if isinstance(source, Mapping)
                     else source[-1] if isinstance(source, tuple) else source)
            comments.append(f"en: {shown}")
        flags = ["fuzzy"] if key in fuzzy else []
        if isinstance(text, tuple):
            catalog.add((key, key), tuple(text), auto_comments=comments, flags=flags)
        else:
            catalog.add(key, text, auto_comments=comments, flags=flags)
    path = po_path(lang, directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=0, omit_header=False, no_location=True)
    return path
