"""The catalog: every text of the bot in every language, with the same placeholders and every
CLDR plural form, from gettext .po files read lazily (no import side effects); a gap raises in
tests instead of falling back silently."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from handlers.catalog import CATALOG, STRICT_ENV, Catalog, MissingText, placeholders, tools
from handlers.catalog.po import (
    plural_forms,
    po_path,
    present_languages,
    read_language,
    write_language,
)
from handlers.i18n import t
from storage.text import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent

#: the catalog mechanism tested on two languages (the bot has four)
TWO = ("fr", "en")


def test_every_key_has_every_language_and_the_same_placeholders() -> None:
    assert CATALOG.languages == LANGUAGES == ("fr", "en", "es", "ar")
    assert len(CATALOG) > 250
    assert CATALOG.problems() == []
    for key in CATALOG:
        assert set(CATALOG.languages) <= set(CATALOG[key]), key
        texts = {lang: CATALOG[key][lang] for lang in CATALOG.languages}
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
    strict = Catalog(part, languages=TWO, strict=True)
    with pytest.raises(MissingText, match="en"):
        strict.text("greeting", "en", name="Ada")
    with pytest.raises(MissingText):
        strict.text("bye", "es")
    lenient = Catalog(part, languages=TWO, strict=False)
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
    catalog = Catalog({"n": {"fr": "{n} alerte(s) à {at}", "en": "{n} alert(s)"}}, languages=TWO)
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
    texts = dict(CATALOG.texts("usage", usage="/x"))
    assert set(texts) == set(CATALOG.languages)
    assert {k: texts[k] for k in TWO} == {"fr": "Utilisation\u00a0: /x", "en": "Usage: /x"}


def test_no_module_adds_to_the_catalog_on_import() -> None:
    """Every word is in a data module of handlers/catalog/: nothing anywhere updates a
    message table when imported."""
    found = [str(path.relative_to(ROOT))
             for path in sorted([*ROOT.glob("handlers/**/*.py"), *ROOT.glob("bot/**/*.py")])
             if "MESSAGES.update(" in path.read_text() or "MESSAGES[" in path.read_text()]
    assert found == []


def test_the_catalog_depends_on_nothing_of_the_bot() -> None:
    """A clean data boundary: the catalog imports its files' reader (handlers.catalog.po,
    Babel) and the list of languages (storage.text), no handler, platform or process module."""
    for module in ("__init__", "po"):
        tree = ast.parse((ROOT / f"handlers/catalog/{module}.py").read_text())
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
            a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert imported <= {"__future__", "datetime", "os", "string", "threading", "collections.abc",
                            "types", "pathlib", "functools", "dataclasses", "gettext",
                            "babel", "babel.messages.catalog", "babel.messages.pofile",
                            "babel.messages.plurals", "handlers.catalog.po",
                            "storage.text"}, imported


# ---------------------------------------------------------------- the .po files


def test_the_words_are_in_po_files_and_nowhere_else() -> None:
    """One source: the .po files (Babel reads each); no Python data module is left."""
    assert set(LANGUAGES) <= set(present_languages())
    assert sorted(p.name for p in (ROOT / "handlers/catalog").glob("*.py")) == [
        "__init__.py", "po.py", "tools.py"]
    fr = read_language(po_path("fr"))
    assert fr.texts["digest.title"] == "Votre récapitulatif — {day}" and not fr.fuzzy
    text = po_path("fr").read_text()
    assert 'msgid "digest.title"' in text and "#. en: Your digest — {day}" in text
    assert set(Catalog.from_po()) == set(CATALOG)


def test_the_catalog_is_read_on_first_use() -> None:
    """Importing the handlers reads no file and imports no Babel; the first text does."""
    code = ("import sys, handlers.i18n as i;"
            "from handlers.catalog import CATALOG;"
            "print(CATALOG._data is None, 'babel.messages.pofile' in sys.modules);"
            "i.t('usage', 'fr', usage='/x');"
            "print(CATALOG._data is None, 'babel.messages.pofile' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.split()
    assert out == ["True", "False", "False", "True"]


def test_every_po_file_present_has_the_same_placeholders_and_every_plural_form() -> None:
    """Every language with a .po (Spanish and Arabic too, before the bot serves them): the
    header's Plural-Forms are Babel's, and no text disagrees with the others on placeholders
    or lacks a plural form (a text not yet translated is only a gap)."""
    errors, _ = tools.validate()
    assert errors == []
    for lang in present_languages():
        forms = read_language(po_path(lang)).plurals
        assert (forms.count, forms.expr) == (plural_forms(lang).count, plural_forms(lang).expr)


def test_the_code_uses_no_key_the_catalog_lacks() -> None:
    """``make catalogs``' extract: every t("...") / UserError("...") / command key exists."""
    missing, unused = tools.extract(CATALOG)
    assert missing == []
    assert "about.title" not in CATALOG or unused == ["about.title"]


# ---------------------------------------------------------------- plurals (CLDR)


def test_real_plurals_follow_cldr_in_french_and_english() -> None:
    assert [t("search.count", "fr", n=n) for n in (0, 1, 2, 1000)] == [
        "0 résultat", "1 résultat", "2 résultats", "1000 résultats"]  # French: 0 is singular
    assert [t("search.count", "en", n=n) for n in (0, 1, 2)] == [
        "0 results", "1 result", "2 results"]
    assert t("digest.count", "fr", n=1, since="lundi") == "1 nouvelle depuis le lundi."
    assert t("digest.count", "en", n=3, since="Monday") == "3 new items since Monday."
    with pytest.raises(TypeError, match="count"):
        t("search.count", "fr")


def test_no_faked_plural_is_left() -> None:
    """'résultat(s)', 'item(s)' … became plural messages (a count chooses the form)."""
    faked = re.compile(r"\w\((s|e|es|x)\)")
    assert [(k, lang) for k in CATALOG for lang in CATALOG.languages
            if any(faked.search(form) for form in CATALOG.forms(k, lang))] == []
    for key in ("search.count", "digest.count", "broadcast.preview", "broadcast.queued",
                "stats.feed_failing", "sub.quiet_released", "sub.quiet_retimed",
                "item.restored_alerts", "ops.dead_letters", "ops.feed_failing", "publish.done",
                "item.corrections.edits", "item.withdrawn.held", "stats.uncertain_row.dead"):
        assert CATALOG.is_plural(key), key
        assert "n" in placeholders(CATALOG[key]["fr"]), key


FOUR = ("fr", "en", "es", "ar")


def _four_language_catalog(ar_forms: tuple[str, ...]) -> Catalog:
    return Catalog({"k": {"fr": ("{n} alerte", "{n} d’alertes", "{n} alertes"),
                          "en": ("{n} alert", "{n} alerts"),
                          "es": ("{n} alerta", "{n} de alertas", "{n} alertas"),
                          "ar": ar_forms}}, languages=FOUR, strict=True)


AR = ("لا تنبيهات", "تنبيه واحد", "تنبيهان", "{n} تنبيهات", "{n} تنبيهًا", "{n} تنبيه")


def test_four_languages_choose_their_cldr_forms() -> None:
    assert [plural_forms(lang).count for lang in FOUR] == [3, 2, 3, 6]
    assert plural_forms("ar").categories == ("zero", "one", "two", "few", "many", "other")
    assert plural_forms("fr").categories == ("one", "many", "other")
    catalog = _four_language_catalog(AR)
    assert catalog.problems() == []
    assert [catalog.text("k", "ar", n=n) for n in (0, 1, 2, 3, 11, 100)] == [
        AR[0], AR[1], AR[2], "3 تنبيهات", "11 تنبيهًا", "100 تنبيه"]
    assert [catalog.text("k", "es", n=n) for n in (1, 2, 1_000_000)] == [
        "1 alerta", "2 alertas", "1000000 de alertas"]
    assert catalog.text("k", "fr", n=0) == "0 alerte"
    assert catalog["k"]["ar"] == AR[5]  # Mapping access: the "other" form


def test_a_plural_message_missing_a_cldr_form_is_found() -> None:
    problems = _four_language_catalog(AR[:5]).problems()
    assert problems == ["k: ar has 5 plural forms of 6, missing other"]
    problems = _four_language_catalog((*AR[:3], "", *AR[4:])).problems()
    assert problems == ["k: ar has 6 plural forms of 6, missing few"]
    mixed = Catalog({"k": {"fr": ("{n} a", "{n} b", "{n} c"), "en": "{n} x"}}, languages=TWO)
    assert mixed.problems() == ["k: not a plural message in en"]
    differ = Catalog({"k": {"fr": ("{n} a", "{n} b {x}", "{n} c"), "en": ("{n} x", "{n} y")}},
                     languages=TWO)
    assert "k: fr plural forms differ in placeholders" in differ.problems()


def test_import_json_writes_spanish_and_arabic_with_their_plural_forms(tmp_path: Path) -> None:
    """``python -m handlers.catalog.tools import-json LANG FILE``: a translator's JSON (a
    plural message as {CLDR category: text}) becomes LANG's .po, Plural-Forms as Babel says."""
    for lang in ("fr", "en", "es"):  # the bot's other languages, as they are
        target = po_path(lang, tmp_path)
        target.parent.mkdir(parents=True)
        target.write_bytes(po_path(lang).read_bytes())
    given = {key: CATALOG[key]["en"] + " (ar)" for key in CATALOG if not CATALOG.is_plural(key)}
    given.update({key: dict(zip(plural_forms("ar").categories, AR, strict=True))
                  for key in CATALOG if CATALOG.is_plural(key)})
    for key in [k for k in CATALOG if CATALOG.is_plural(k)]:
        given[key] = {c: f + " {" + "} {".join(sorted(placeholders(CATALOG[key]["en"]) - {"n"}))
                      + "}" if placeholders(CATALOG[key]["en"]) - {"n"} else f
                      for c, f in given[key].items()}
    del given["digest.title"]
    source = tmp_path / "ar.json"
    source.write_text(json.dumps(given, ensure_ascii=False), encoding="utf-8")
    # written, but Arabic is one of the bot's languages: the text left to translate fails
    # the validation that follows the import (exit code 1)
    assert tools.main(["--dir", str(tmp_path), "import-json", "ar", str(source)]) == 1
    text = po_path("ar", tmp_path).read_text()
    assert "nplurals=6;" in text and 'msgstr[5] "{n} تنبيه"' in text
    read = read_language(po_path("ar", tmp_path))
    assert list(read.fuzzy) == ["digest.title"]  # left to translate: empty and fuzzy
    catalog = Catalog.from_po(tmp_path, languages=FOUR[:2], strict=True)
    assert catalog.text("search.count", "ar", n=2) == AR[2]
    assert catalog.text("usage", "ar", usage="/x") == "Usage: /x (ar)"
    errors, gaps = tools.validate(tmp_path)
    assert errors == ["digest.title: no ar text"] and gaps == []  # ar is a language of the bot


def test_update_adds_a_missing_key_empty_and_fuzzy_to_every_language(tmp_path: Path) -> None:
    write_language("fr", {"a": "A"}, directory=tmp_path)
    write_language("en", {"a": "A"}, directory=tmp_path)
    tools.update(["b.new"], tmp_path)
    for lang in ("fr", "en"):
        read = read_language(po_path(lang, tmp_path))
        assert read.texts == {"a": "A"} and read.fuzzy == {"b.new": ""}
    errors, _ = tools.validate(tmp_path)
    assert "b.new: no fr text" in errors


def test_a_message_with_several_counts_shows_each_with_its_plural_message() -> None:
    from handlers.i18n import t_counts

    assert t_counts("item.corrections", "fr", edits=1, notices=2) == (
        "Lecteurs déjà servis\u00a0: 1 message corrigé sur place, 2 avis de correction.")
    assert t_counts("item.corrections", "en", edits=0, notices=1) == (
        "Readers already served: 0 messages edited in place, 1 correction notice.")
    assert t_counts("stats.delivery_row", "en", sent=1, failed=2, pending=3, retrying=0) == (
        "1 sent, 2 failed; queue: 3 pending, 0 of them retrying.")  # English: plain numbers
    assert t_counts("stats.delivery_row", "fr", sent=1, failed=2, pending=3, retrying=0) == (
        "1 envoyé, 2 échecs\u202f; file\u00a0: 3 en attente dont 0 en nouvel essai.")


def test_french_typography() -> None:
    """A no-break space (U+00A0 before a colon, U+202F narrow before ; ! ? and inside the
    guillemets) where French puts a space; 1er/1re/2e, never 1st or 2ème."""
    found = [(key, form) for key in CATALOG for form in CATALOG.forms(key, "fr")
             if tools.french_typography_problems(form)]
    assert found == []
    assert CATALOG["usage"]["fr"] == "Utilisation\u00a0: {usage}"
    assert CATALOG["start.title"]["fr"] == "Bienvenue\u202f!"
    assert CATALOG.text("punct.quote", "fr", text="x") == "«\u202fx\u202f»"
    for wrong in ("Langue : fr", "Bienvenue !", "« x »", "«x»", "le 1st jour", "la 93ème session",
                  "Vraiment ?", "a ; b"):
        assert tools.french_typography_problems(wrong), wrong
    for right in ("Langue\u00a0: fr", "Bienvenue\u202f!", "«\u202fx\u202f»", "le 1er jour",
                  "la 93e session", "https://x", "clé: valeur", "10:00"):
        assert not tools.french_typography_problems(right), right
