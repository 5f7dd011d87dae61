"""The catalog: every text of the bot in every language, with the same placeholders, from one
place with no import side effects; a gap raises in tests instead of falling back silently."""

from __future__ import annotations

import ast
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from handlers.catalog import CATALOG, PARTS, STRICT_ENV, Catalog, MissingText, placeholders
from handlers.i18n import t
from storage.text import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent


def test_every_key_has_every_language_and_the_same_placeholders() -> None:
    assert CATALOG.languages == LANGUAGES == ("fr", "en")
    assert len(CATALOG) > 250
    assert CATALOG.problems() == []
    for key in CATALOG:
        assert set(CATALOG[key]) == set(CATALOG.languages), key
        texts = CATALOG[key]
        assert all(texts[lang].strip() for lang in CATALOG.languages), key
        assert len({frozenset(placeholders(text)) for text in texts.values()}) == 1, key


def test_the_suite_runs_strict() -> None:
    assert os.environ.get(STRICT_ENV) == "1" and CATALOG.strict


def test_a_missing_key_raises() -> None:
    with pytest.raises(MissingText):
        t("no.such.key", "fr")
    with pytest.raises(KeyError):  # MissingText is a KeyError, as before
        CATALOG.text("no.such.key", "en")


def test_a_missing_language_raises_when_strict_and_falls_back_otherwise() -> None:
    part = {"greeting": {"fr": "Bonjour {name}", "en": ""}, "bye": {"fr": "Au revoir"}}
    strict = Catalog(part, strict=True)
    with pytest.raises(MissingText, match="en"):
        strict.text("greeting", "en", name="Ada")
    with pytest.raises(MissingText):
        strict.text("bye", "es")
    lenient = Catalog(part, strict=False)
    assert lenient.text("greeting", "en", name="Ada") == "Bonjour Ada"  # the run-time fallback
    assert lenient.text("bye", "en") == "Au revoir"
    assert sorted(lenient.problems()) == ["bye: no en text", "greeting: no en text"]


def test_the_runtime_falls_back_to_french_without_the_strict_switch() -> None:
    """Outside the tests (no NEWSBOT_CATALOG_STRICT), a language gap shows French, as before."""
    env = {k: v for k, v in os.environ.items() if k != STRICT_ENV}
    code = ("from handlers.catalog import Catalog;"
            "print(Catalog({'k': {'fr': 'oui', 'en': ''}}).text('k', 'en'))")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    assert out.strip() == "oui"


def test_placeholders_differing_between_languages_are_found() -> None:
    catalog = Catalog({"n": {"fr": "{n} alerte(s) à {at}", "en": "{n} alert(s)"}})
    assert catalog.problems() == ["n: placeholders differ: fr ['at', 'n'], en ['n']"]
    assert placeholders("{a} {b!r} {c:>3} {{literal}}") == {"a", "b", "c"}


def test_a_key_in_two_parts_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        Catalog({"k": {"fr": "a", "en": "a"}}, {"k": {"fr": "b", "en": "b"}})


def test_the_catalog_is_read_only() -> None:
    with pytest.raises(TypeError):
        CATALOG["usage"]["fr"] = "changed"  # type: ignore[index]
    with pytest.raises(TypeError):
        CATALOG._texts["new"] = {"fr": "x"}  # type: ignore[index]
    assert dict(CATALOG.texts("usage", usage="/x")) == {"fr": "Utilisation : /x", "en": "Usage: /x"}


def test_the_data_modules_are_plain_data() -> None:
    """Each part is one dict literal of string literals: no imports (but __future__), no calls,
    no updates, so tools (e.g. a .po export for more languages) can read it as data."""
    for part in PARTS:
        tree = ast.parse(Path(part.__file__ or "").read_text())
        body = [n for n in tree.body
                if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))  # docstring
                and not (isinstance(n, ast.ImportFrom) and n.module == "__future__")]
        assert len(body) == 1 and isinstance(body[0], ast.AnnAssign), part.__name__
        value = body[0].value
        assert isinstance(value, ast.Dict), part.__name__
        for key, texts in zip(value.keys, value.values, strict=True):
            assert isinstance(key, ast.Constant) and isinstance(texts, ast.Dict), part.__name__
            for lang, text in zip(texts.keys, texts.values, strict=True):
                assert isinstance(lang, ast.Constant), (part.__name__, key.value)
                assert _is_literal(text), (part.__name__, key.value)
        importlib.reload(part)  # importing again changes nothing: no side effect to repeat
    assert len(Catalog(*(p.MESSAGES for p in PARTS))) == len(CATALOG)


def _is_literal(node: ast.expr) -> bool:
    """A string literal, or literals joined with +."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    return isinstance(node, ast.BinOp) and _is_literal(node.left) and _is_literal(node.right)


def test_no_module_adds_to_the_catalog_on_import() -> None:
    """Every word is in a data module of handlers/catalog/: nothing anywhere updates a
    message table when imported."""
    found = [str(path.relative_to(ROOT))
             for path in sorted([*ROOT.glob("handlers/**/*.py"), *ROOT.glob("bot/**/*.py")])
             if "MESSAGES.update(" in path.read_text() or "MESSAGES[" in path.read_text()]
    assert found == []


def test_the_catalog_depends_on_nothing_of_the_bot() -> None:
    """A clean data boundary: the catalog imports its data modules and the list of languages
    (storage.text), no handler, platform or process module."""
    tree = ast.parse((ROOT / "handlers/catalog/__init__.py").read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert imported <= {"__future__", "os", "string", "collections.abc", "types",
                        "handlers.catalog", "storage.text"}, imported
