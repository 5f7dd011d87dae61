"""Every word the bot says, in one place: key -> {language: text}.

The texts are plain data, one module per area (no import side effects, nothing registered
anywhere): ``reader`` (the public commands and the error replies), ``subscriptions``,
``delivery`` (digests and alerts), ``desk`` (the admin commands), ``operations`` (owner alerts,
a platform's own replies) and ``commands`` (each command's summary and help, keys
``command.<name>.summary`` / ``command.<name>.help``, and its options' descriptions,
``option.<command>.<option>``). ``CATALOG`` joins them once, read-only;
a key given by two parts is refused when it is built. Adding a text = adding an entry to one
of them; adding an area = a new data module listed in ``PARTS``.

Templates use ``str.format`` placeholders (``{id}``, ``{query}``); every language of a key has
the same ones (tests/test_catalog.py checks the whole catalog: every key in every language,
the same placeholders, no empty text). At run time a missing language falls back to the
default one (French); with ``NEWSBOT_CATALOG_STRICT=1`` (set by the test suite) it raises
``MissingText`` instead, so a gap fails a test rather than showing French to an English chat.
"""

from __future__ import annotations

import os
import string
from collections.abc import Iterator, Mapping
from types import MappingProxyType

from handlers.catalog import commands, delivery, desk, operations, reader, subscriptions
from storage.text import DEFAULT_LANGUAGE, LANGUAGES

#: the data modules, each with ``MESSAGES: dict[str, dict[str, str]]``
PARTS = (reader, subscriptions, delivery, desk, operations, commands)

STRICT_ENV = "NEWSBOT_CATALOG_STRICT"


class MissingText(KeyError):
    """A key the catalog does not have, or a language one of its keys lacks (strict mode)."""


class Catalog(Mapping[str, Mapping[str, str]]):
    """A read-only mapping key -> {language: text}, and the one way to get a text out of it.

    ``strict``: a missing language raises ``MissingText`` (True), falls back to the default
    language (False), or does what the environment's ``NEWSBOT_CATALOG_STRICT`` says (None).
    """

    def __init__(self, *parts: Mapping[str, Mapping[str, str]],
                 languages: tuple[str, ...] = LANGUAGES,
                 default_language: str = DEFAULT_LANGUAGE, strict: bool | None = None) -> None:
        merged: dict[str, Mapping[str, str]] = {}
        for part in parts:
            for key, texts in part.items():
                if key in merged:
                    raise ValueError(f"catalog key {key!r} is defined twice")
                merged[key] = MappingProxyType(dict(texts))
        self._texts: Mapping[str, Mapping[str, str]] = MappingProxyType(merged)
        self._languages = tuple(languages)
        self.default_language = default_language
        self._strict = strict

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages every key must have."""
        return self._languages

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

    def template(self, key: str, lang: str) -> str:
        """The raw text of ``key`` in ``lang`` (placeholders unfilled)."""
        texts = self[key]
        text = texts.get(lang)
        if not text:
            if self.strict:
                raise MissingText(f"{key!r} has no {lang!r} text")
            text = texts[self.default_language]
        return text

    def text(self, key: str, lang: str, **kwargs: object) -> str:
        """The text of ``key`` in ``lang``, its ``{placeholders}`` filled from ``kwargs``."""
        template = self.template(key, lang)
        return template.format(**kwargs) if kwargs else template

    def texts(self, key: str, **kwargs: object) -> dict[str, str]:
        """``key`` in every language: {language: text} (e.g. for a platform's localized menus)."""
        return {lang: self.text(key, lang, **kwargs) for lang in self._languages}

    def problems(self) -> list[str]:
        """Whatever would make a reader meet a gap: a key without one of the languages, an empty
        text, or languages that disagree on the placeholders. Empty when the catalog is whole."""
        found = []
        for key, texts in self._texts.items():
            for lang in self._languages:
                if not (texts.get(lang) or "").strip():
                    found.append(f"{key}: no {lang} text")
            names = {lang: placeholders(text) for lang, text in texts.items() if text.strip()}
            if len({frozenset(v) for v in names.values()}) > 1:
                found.append(f"{key}: placeholders differ: "
                             + ", ".join(f"{lang} {sorted(v)}" for lang, v in names.items()))
        return found


def placeholders(template: str) -> set[str]:
    """The ``{names}`` a template fills ('{n} alert(s) at {at}' -> {'n', 'at'})."""
    return {name.split(".")[0].split("[")[0]
            for _, name, _, _ in string.Formatter().parse(template) if name is not None}


#: the bot's catalog, used by handlers.i18n.t
CATALOG = Catalog(*(part.MESSAGES for part in PARTS))
