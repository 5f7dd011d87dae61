"""The catalog's maintenance tools (``make catalogs``), run as
``python -m handlers.catalog.tools COMMAND``:

- ``extract``: every key the code uses (``t("...")``, ``UserError("...")``, any string
  literal naming a key, the ``f"prefix.{...}"`` families, ``t_counts("key", …)``'s ``key.*``, each command's summary/help and
  its options' keys) — a key used but missing from the catalog fails; unused keys are listed.
- ``update``: adds each missing key to every language's .po, empty and flagged fuzzy.
- ``validate``: reads every .po with Babel (``read_po``, invalid entries abort), checks its
  ``Plural-Forms`` header is Babel's for the language, and the texts: placeholders the same in
  every language, every plural form present, French typography in French
  (``french_typography_problems``); a gap in a language of ``storage.text.LANGUAGES``
  fails, a gap in another language (a translation under way) is listed.
- ``all``: the three in turn (what ``make catalogs`` runs).
- ``import-json LANG FILE``: writes ``locale/LANG/LC_MESSAGES/newsbot.po`` from a JSON object
  key -> text, where a plural message's text may be {CLDR category: text}; a key the file
  lacks is written empty and fuzzy; then the language is validated.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from handlers.catalog import Catalog, placeholders
from handlers.catalog.po import (
    LOCALE_DIR,
    Text,
    as_forms,
    plural_forms,
    po_path,
    present_languages,
    read_language,
    write_language,
)
from storage.text import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
#: where the code that uses keys lives
CODE = tuple(ROOT / name for name in ("bot", "handlers"))
KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
#: calls whose first argument is a key
KEY_CALLS = {"t", "t_counts", "text", "texts", "template", "UserError", "forms"}


def read_all(directory: Path = LOCALE_DIR) -> Catalog:
    """Every .po file of ``directory`` as one catalog (read now)."""
    catalog = Catalog.from_po(directory)
    len(catalog)
    return catalog


def used_keys(roots: Iterable[Path] = CODE) -> tuple[
        set[str], set[str], set[str], set[str]]:
    """What the code names: (keys given to a text call, every key-like string literal,
    prefixes of ``f"prefix.{...}"`` keys, suffixes of ``f"{...}.suffix"`` keys)."""
    called: set[str] = set()
    literals: set[str] = set()
    prefixes: set[str] = set()
    suffixes: set[str] = set()
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            if LOCALE_DIR in path.parents or path.parent == Path(__file__).parent:
                continue
            tree = ast.parse(path.read_text(), str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                        and KEY.match(node.value):
                    literals.add(node.value)
                elif isinstance(node, ast.JoinedStr) and node.values \
                        and isinstance(node.values[0], ast.Constant) \
                        and isinstance(node.values[0].value, str) \
                        and re.match(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*\.$", node.values[0].value):
                    prefixes.add(node.values[0].value)
                elif isinstance(node, ast.JoinedStr) and node.values \
                        and isinstance(node.values[-1], ast.Constant) \
                        and isinstance(node.values[-1].value, str) \
                        and re.match(r"^(\.[a-z0-9_]+)+$", node.values[-1].value):
                    suffixes.add(node.values[-1].value)
                elif isinstance(node, ast.Call) and node.args:
                    name = (node.func.id if isinstance(node.func, ast.Name)
                            else node.func.attr if isinstance(node.func, ast.Attribute) else "")
                    first = node.args[0]
                    if name in KEY_CALLS and isinstance(first, ast.Constant) \
                            and isinstance(first.value, str) and KEY.match(first.value):
                        called.add(first.value)
                        if name == "t_counts":  # its counts' plural messages: key.<count>
                            prefixes.add(first.value + ".")
    return called, literals, prefixes, suffixes


def command_keys() -> set[str]:
    """The keys of every command's summary and help and of its options."""
    from handlers import build_registry

    keys: set[str] = set()
    for command in build_registry():
        keys |= {command.summary_key, command.help_key, *(o.key for o in command.options)}
    return keys


def extract(catalog: Catalog) -> tuple[list[str], list[str]]:
    """(keys the code uses that the catalog lacks, catalog keys nothing uses)."""
    called, literals, prefixes, suffixes = used_keys()
    commands = command_keys()
    missing = sorted(k for k in called | commands if k not in catalog)
    unused = sorted(k for k in catalog if k not in literals | commands
                    and not any(k.startswith(p) for p in prefixes)
                    and not any(k.endswith(s) for s in suffixes))
    return missing, unused


def update(missing: Sequence[str], directory: Path = LOCALE_DIR) -> list[Path]:
    """Add ``missing`` keys to every .po of ``directory``, empty and fuzzy (for translators)."""
    written: list[Path] = []
    if not missing:
        return written
    english = read_language(po_path("en", directory)).texts if po_path("en", directory).exists() else {}
    for lang in present_languages(directory):
        read = read_language(po_path(lang, directory))
        texts: dict[str, Text | Mapping[str, str]] = {**read.fuzzy, **read.texts}
        for key in missing:
            texts.setdefault(key, "")
        written.append(write_language(lang, texts, english=english if lang != "en" else None,
                                      fuzzy=sorted(set(read.fuzzy) | set(missing)),
                                      directory=directory))
    return written


def validate(directory: Path = LOCALE_DIR,
             required: Sequence[str] = LANGUAGES) -> tuple[list[str], list[str]]:
    """(problems that fail, gaps in languages the bot does not serve yet)."""
    errors: list[str] = []
    present = present_languages(directory)
    for lang in required:
        if lang not in present:
            errors.append(f"{lang}: no {po_path(lang, directory)}")
    warnings: list[str] = []
    for lang in present:
        read = read_language(po_path(lang, directory))  # Babel's read_po: a broken file raises
        for key in read.fuzzy:  # a fuzzy text is not shown: a gap
            (errors if lang in required else warnings).append(f"{key}: no {lang} text")
        babel_forms = plural_forms(lang)
        if (read.plurals.count, read.plurals.expr) != (babel_forms.count, babel_forms.expr):
            errors.append(f"{lang}: Plural-Forms {read.plurals.header!r}, Babel says "
                          f"{babel_forms.header!r}")
    catalog = Catalog.from_po(directory, languages=tuple(required))
    errors += catalog.problems()
    if "fr" in present:
        errors += [f"{key}: fr {why}: {form!r}" for key in catalog
                   for form in catalog.forms(key, "fr") for why in french_typography_problems(form)]
    others = tuple(lang for lang in present if lang not in required)
    for problem in catalog.problems(others) if others else []:
        (warnings if re.search(r": no \w+ text$", problem) else errors).append(problem)
    return list(dict.fromkeys(errors)), list(dict.fromkeys(warnings))


#: what French typography forbids: a plain space before ; : ! ? or inside « guillemets »
#: (a no-break space, U+00A0, or a narrow one, U+202F, goes there), guillemets with no space
#: inside, English ordinals ("1st") or "1ère"/"2ème" (French: 1er, 1re, 2e)
FRENCH_TYPOGRAPHY = (
    (re.compile(r" [;:!?]"), "a plain space before ; : ! ?"),
    (re.compile(r"« | »"), "a plain space inside « »"),
    (re.compile("«(?![\u00a0\u202f])|(?<![\u00a0\u202f])»"), "no no-break space inside « »"),
    (re.compile(r"\b\d+(st|nd|rd|th)\b"), "an English ordinal"),
    (re.compile(r"\b\d+(ème|eme|ère|ere|è)\b"), "an ordinal written 2ème/1ère (French: 2e, 1re, 1er)"),
)


def french_typography_problems(text: str) -> list[str]:
    """What ``text`` does against French typography (FRENCH_TYPOGRAPHY), empty when right."""
    return [why for pattern, why in FRENCH_TYPOGRAPHY if pattern.search(text)]


def import_json(lang: str, file: Path, directory: Path = LOCALE_DIR) -> tuple[Path, list[str]]:
    """Write ``lang``'s .po from ``file`` (JSON key -> text, or {CLDR category: text} for a
    plural message): every key of the catalog, in the plural forms Babel gives ``lang``;
    a key the file lacks (or leaves empty) is written empty and fuzzy. Returns the path and
    the keys left to translate."""
    given = json.loads(Path(file).read_text(encoding="utf-8"))
    if not isinstance(given, dict):
        raise SystemExit(f"{file}: expected a JSON object key -> text")
    reference = read_all(directory)
    forms = plural_forms(lang)
    texts: dict[str, Text | Mapping[str, str]] = {}
    todo: list[str] = []
    for key in reference:
        value = given.get(key)
        if reference.is_plural(key):
            if isinstance(value, str):  # one text for every form
                value = {"other": value}
            if isinstance(value, Mapping):
                value = {c: _count_as_n(text, placeholders(reference[key]["en"]))
                         for c, text in value.items()}
            if isinstance(value, Mapping):
                text = as_forms(value, forms)
            else:
                text = tuple("" for _ in forms.categories)
            if not all(text):
                todo.append(key)
            texts[key] = text
        else:
            if isinstance(value, Mapping):
                value = value.get("other") or next(iter(value.values()), "")
            texts[key] = value or ""
            if not value:
                todo.append(key)
    extra = sorted(set(given) - set(reference))
    if extra:
        print(f"{file}: not in the catalog, left out: {', '.join(extra)}", file=sys.stderr)
    english = {k: reference[k]["en"] for k in reference if "en" in reference[k]}
    path = write_language(lang, texts, english=english, fuzzy=todo, directory=directory)
    return path, todo


def add_messages(file: Path, directory: Path = LOCALE_DIR) -> list[Path]:
    """Add (or replace) messages in every language from ``file``: JSON
    ``{key: {lang: text, ...}}``, a plural message's text being ``{CLDR category: text}``
    (a category left out takes "other"). Every language of the catalog must be given."""
    given = json.loads(Path(file).read_text(encoding="utf-8"))
    if not isinstance(given, dict) or not all(isinstance(v, dict) for v in given.values()):
        raise SystemExit(f"{file}: expected a JSON object key -> {{lang: text}}")
    languages = present_languages(directory)
    for key, texts in given.items():
        lacking = [lang for lang in languages if not texts.get(lang)]
        if lacking:
            raise SystemExit(f"{file}: {key} lacks {', '.join(lacking)}")
    paths = []
    english_file = read_language(po_path("en", directory))
    english: dict[str, Text | Mapping[str, str]] = dict(english_file.texts)
    english.update({key: texts["en"] for key, texts in given.items()})
    for lang in languages:
        current = read_language(po_path(lang, directory))
        texts_now: dict[str, Text | Mapping[str, str]] = dict(current.texts)
        texts_now.update({key: texts[lang] for key, texts in given.items()})
        paths.append(write_language(lang, texts_now, english=None if lang == "en" else english,
                                    fuzzy=sorted(current.fuzzy), directory=directory))
    return paths


def _count_as_n(text: str, expected: set[str]) -> str:
    """A plural message's count is ``{n}``: a translation that names it otherwise (``{count}``,
    ``{held}``, as the messages did before they were plural) gets it renamed, when that one
    name is what it has more than the French/English text."""
    extra = placeholders(text) - expected
    if len(extra) == 1 and "n" in expected and "n" not in placeholders(text):
        (name,) = extra
        return re.sub(r"\{" + re.escape(name) + r"([!:}])", r"{n\1", text)
    return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m handlers.catalog.tools",
                                     description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--dir", type=Path, default=LOCALE_DIR, help="the locale folder")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("extract", "update", "validate", "all"):
        sub.add_parser(name)
    add = sub.add_parser("add", help="add messages in every language from a JSON file "
                                     "key -> {lang: text}")
    add.add_argument("file", type=Path)
    imp = sub.add_parser("import-json", help="write LANG's .po from a JSON file key -> text")
    imp.add_argument("lang")
    imp.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    status = 0
    if args.command == "add":
        for path in add_messages(args.file, args.dir):
            print(f"updated: {path}")
        args.command = "validate"
    if args.command == "import-json":
        path, todo = import_json(args.lang, args.file, args.dir)
        print(f"{path}: {len(todo)} key(s) left to translate (fuzzy)"
              + (f": {', '.join(todo)}" if todo else ""))
        args.command = "validate"
    if args.command in ("extract", "update", "all"):
        missing, unused = extract(read_all(args.dir))
        for key in unused:
            print(f"unused: {key}")
        for key in missing:
            print(f"missing: {key}", file=sys.stderr)
        if args.command in ("update", "all") and missing:
            for path in update(missing, args.dir):
                print(f"updated: {path} (+{len(missing)} fuzzy)")
        elif missing:
            status = 1
    if args.command in ("validate", "all"):
        errors, warnings = validate(args.dir)
        for line in warnings:
            print(f"to translate: {line}")
        for line in errors:
            print(f"error: {line}", file=sys.stderr)
        print(f"{', '.join(present_languages(args.dir))}: "
              f"{'OK' if not errors else f'{len(errors)} problem(s)'}")
        status = status or (1 if errors else 0)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
