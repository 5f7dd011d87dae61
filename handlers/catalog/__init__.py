"""Every word the bot says, in one place: key -> {language: text}.

The texts are gettext catalogs that translators' tools read, one per language:
``handlers/catalog/locale/<lang>/LC_MESSAGES/newsbot.po`` (handlers.catalog.po says how they
are laid out: ``msgid`` = the key, e.g. "digest.title", ``msgstr`` = the text, ``#.`` = the
English text for translators). Keys by area: ``source``, ``error.*``, ``start.*`` … (the
reader's commands), ``sub.*``/``settings.*``, ``digest.*``/``alert.*``, the desk's
(``admin.*``, ``item.*``, ``revision.*`` …), ``ops.*``, and each command's summary and help
(``command.<name>.summary`` / ``command.<name>.help``) and its options' descriptions
(``option.<command>.<option>``). ``CATALOG`` reads every .po file present once, on first use
(nothing is read at import), read-only. Adding a text = adding it to every .po file
(``make catalogs`` adds a key used in the code to each file, flagged fuzzy, for translators).

Templates use ``str.format`` placeholders (``{id}``, ``{query}``); every language of a key has
the same ones. A message with a count is a plural message: one form per CLDR plural category
of the language (French: one — 0 and 1 —, many, other; English: one, other; Arabic: six), its
count given as ``n`` (``t("search.count", lang, n=3)`` picks the form for 3 and fills ``{n}``).
tests/test_catalog.py checks the whole catalog: every key in every language of
``storage.text.LANGUAGES``, the same placeholders, every plural form, no empty text; and every
.po file present (Spanish, Arabic…) for placeholders and plural forms. At run time a missing
language falls back to the default one (French); with ``NEWSBOT_CATALOG_STRICT=1`` (set by the
test suite) it raises ``MissingText`` instead, so a gap fails a test rather than showing French
to an English chat.
"""

from __future__ import annotations

import os
import string
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType

from handlers.catalog.po import LOCALE_DIR, PluralForms, Text, plural_forms
from storage.text import DEFAULT_LANGUAGE, LANGUAGES

STRICT_ENV = "NEWSBOT_CATALOG_STRICT"

#: what a catalog is built from: messages {key: {lang: text or forms}}, plural forms by language
Source = tuple[Mapping[str, Mapping[str, Text]], Mapping[str, PluralForms]]


class MissingText(KeyError):
    """A key the catalog does not have, or a language one of its keys lacks (strict mode)."""


class Catalog(Mapping[str, Mapping[str, str]]):
    """A read-only mapping key -> {language: text}, and the one way to get a text out of it.

    Built from ``parts`` ({key: {lang: text}}; a plural message's text is the tuple of its
    forms, in the language's gettext order: ``handlers.catalog.po.plural_forms``), or lazily
    from a ``loader`` (``Catalog.from_po``) on first use. Mapping access gives a plural
    message's "other" form. ``languages``: the languages every key must have (the bot's,
    ``storage.text.LANGUAGES``); ``locales``: every language the catalog holds.

    ``strict``: a missing language raises ``MissingText`` (True), falls back to the default
    language (False), or does what the environment's ``NEWSBOT_CATALOG_STRICT`` says (None).
    """

    def __init__(self, *parts: Mapping[str, Mapping[str, Text]],
                 languages: tuple[str, ...] = LANGUAGES,
                 default_language: str = DEFAULT_LANGUAGE, strict: bool | None = None,
                 plurals: Mapping[str, PluralForms] | None = None,
                 loader: Callable[[], Source] | None = None) -> None:
        self._languages = tuple(languages)
        self.default_language = default_language
        self._strict = strict
        self._lock = threading.Lock()
        self._loader = loader
        self._data: tuple[Mapping[str, Mapping[str, str]],
                          Mapping[str, Mapping[str, tuple[str, ...]]],
                          Mapping[str, PluralForms]] | None = None
        if loader is None:
            self._build(parts, plurals or {})

    @classmethod
    def from_po(cls, directory: Path = LOCALE_DIR, **kwargs: object) -> Catalog:
        """The catalog of every .po file in ``directory``, read on first use."""
        return cls(loader=lambda: _read_po(directory), **kwargs)  # type: ignore[arg-type]

    def _build(self, parts: tuple[Mapping[str, Mapping[str, Text]], ...] | list[
            Mapping[str, Mapping[str, Text]]], plurals: Mapping[str, PluralForms]) -> None:
        shown: dict[str, Mapping[str, str]] = {}
        forms: dict[str, Mapping[str, tuple[str, ...]]] = {}
        rules = dict(plurals)
        for part in parts:
            for key, texts in part.items():
                if key in shown:
                    raise ValueError(f"catalog key {key!r} is defined twice")
                plain: dict[str, str] = {}
                plural: dict[str, tuple[str, ...]] = {}
                for lang, text in texts.items():
                    if isinstance(text, tuple):
                        rule = rules.setdefault(lang, plural_forms(lang))
                        plural[lang] = text
                        other = rule.category_index("other")
                        plain[lang] = text[other if other is not None and other < len(text)
                                           else -1] if text else ""
                    else:
                        plain[lang] = text
                shown[key] = MappingProxyType(plain)
                if plural:
                    forms[key] = MappingProxyType(plural)
        self._data = (MappingProxyType(shown), MappingProxyType(forms), MappingProxyType(rules))

    def _loaded(self) -> tuple[Mapping[str, Mapping[str, str]],
                               Mapping[str, Mapping[str, tuple[str, ...]]],
                               Mapping[str, PluralForms]]:
        if self._data is None:
            with self._lock:
                if self._data is None and self._loader is not None:
                    messages, rules = self._loader()
                    self._build([messages], rules)
        assert self._data is not None
        return self._data

    @property
    def _texts(self) -> Mapping[str, Mapping[str, str]]:
        return self._loaded()[0]

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages every key must have."""
        return self._languages

    @property
    def locales(self) -> tuple[str, ...]:
        """Every language the catalog has texts in (the bot's first, then the others)."""
        found = {lang for texts in self._texts.values() for lang in texts}
        return (*[lang for lang in self._languages if lang in found],
                *sorted(found - set(self._languages)))

    @property
    def strict(self) -> bool:
        if self._strict is not None:
            return self._strict
        return os.environ.get(STRICT_ENV, "") not in ("", "0")

    def __getitem__(self, key: str) -> Mapping[str, str]:
        try:
            return self._texts[key]
        except KeyError:
            raise MissingText(key) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)

    def __contains__(self, key: object) -> bool:
        return key in self._texts

    def is_plural(self, key: str) -> bool:
        """Whether ``key`` is a plural message (its texts take a count ``n``)."""
        return key in self._loaded()[1]

    def plural_forms(self, lang: str) -> PluralForms:
        """``lang``'s plural forms (its .po file's header; Babel's for a language without one)."""
        return self._loaded()[2].get(lang) or plural_forms(lang)

    def forms(self, key: str, lang: str) -> tuple[str, ...]:
        """A plural message's forms in ``lang`` (gettext order); a plain message: its one text."""
        self[key]  # a key the catalog lacks raises MissingText
        found = self._loaded()[1].get(key, {}).get(lang)
        return found if found is not None else (self[key].get(lang, ""),)

    def _language_of(self, key: str, lang: str) -> str:
        if (self[key].get(lang) or "").strip():
            return lang
        if self.strict:
            raise MissingText(f"{key!r} has no {lang!r} text")
        return self.default_language

    def template(self, key: str, lang: str, n: int | None = None) -> str:
        """The raw text of ``key`` in ``lang`` (placeholders unfilled); for a plural message,
        the form for the count ``n`` (without a count: its "other" form)."""
        lang = self._language_of(key, lang)
        forms = self._loaded()[1].get(key, {}).get(lang)
        if forms is None or n is None:
            return self[key][lang]
        index = self.plural_forms(lang).index(n)
        return forms[index] if 0 <= index < len(forms) and forms[index] else self[key][lang]

    def text(self, key: str, lang: str, **kwargs: object) -> str:
        """The text of ``key`` in ``lang``, its ``{placeholders}`` filled from ``kwargs``; a
        plural message takes its count as ``n`` (``text("search.count", "fr", n=2)``)."""
        count = kwargs.get("n")
        if self.is_plural(key) and not isinstance(count, int):
            raise TypeError(f"{key!r} is a plural message: give its count as n=<int>")
        template = self.template(key, lang, count if isinstance(count, int) else None)
        return template.format(**kwargs) if kwargs else template

    def texts(self, key: str, **kwargs: object) -> dict[str, str]:
        """``key`` in every language: {language: text} (e.g. for a platform's localized menus)."""
        return {lang: self.text(key, lang, **kwargs) for lang in self._languages}

    def problems(self, languages: tuple[str, ...] | None = None) -> list[str]:
        """Whatever would make a reader meet a gap in ``languages`` (the catalog's own by
        default): a key without one of the languages, an empty text, languages that disagree
        on the placeholders, a plural message lacking one of a language's plural forms (or
        plural in one language but not in another). Empty when the catalog is whole."""
        checked = self._languages if languages is None else tuple(languages)
        _, all_forms, _ = self._loaded()
        found = []
        for key, texts in self._texts.items():
            for lang in checked:
                if not (texts.get(lang) or "").strip():
                    found.append(f"{key}: no {lang} text")
            forms = all_forms.get(key, {})
            names: dict[str, set[str]] = {}
            for lang, text in texts.items():
                if languages is not None and lang not in checked:
                    continue
                if not text.strip():
                    continue
                if forms and lang not in forms:
                    found.append(f"{key}: not a plural message in {lang}")
                if lang in forms:
                    rule = self.plural_forms(lang)
                    if len(forms[lang]) != rule.count or not all(f.strip() for f in forms[lang]):
                        missing = [c for i, c in enumerate(rule.categories)
                                   if i >= len(forms[lang]) or not forms[lang][i].strip()]
                        found.append(f"{key}: {lang} has {len(forms[lang])} plural forms of "
                                     f"{rule.count}" + (f", missing {', '.join(missing)}"
                                                        if missing else ""))
                    each = [placeholders(f) for f in forms[lang] if f.strip()]
                    union = set().union(*each)
                    if any(p | {"n"} != union | {"n"} for p in each):
                        found.append(f"{key}: {lang} plural forms differ in placeholders")
                    names[lang] = union | {"n"}
                else:
                    names[lang] = placeholders(text)
            if len({frozenset(v) for v in names.values()}) > 1:
                found.append(f"{key}: placeholders differ: "
                             + ", ".join(f"{lang} {sorted(v)}" for lang, v in names.items()))
        return found


def placeholders(template: str) -> set[str]:
    """The ``{names}`` a template fills ('{n} alert(s) at {at}' -> {'n', 'at'})."""
    return {name.split(".")[0].split("[")[0]
            for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def _read_po(directory: Path) -> Source:
    """Every .po file of ``directory``: {key: {lang: text}}, and each language's plural forms."""
    from handlers.catalog.po import po_path, present_languages, read_language

    messages: dict[str, dict[str, Text]] = {}
    rules: dict[str, PluralForms] = {}
    for lang in present_languages(directory):
        read = read_language(po_path(lang, directory))
        rules[lang] = read.plurals
        for key, text in read.texts.items():
            messages.setdefault(key, {})[lang] = text
    return messages, rules


#: the bot's catalog, used by handlers.i18n.t: the .po files, read on first use
CATALOG = Catalog.from_po()
