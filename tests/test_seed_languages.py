"""The same facts in every language of the seed (storage/seed/assembly-2025.json).

For every multilingual text (facts, agenda sessions, participants, resolution points, items,
and the event, sources and topics with them) the four languages must carry the same numbers
(digits in any script: Arabic-Indic ones are read as digits), the same dates and the same
proper names, each spelt as that language writes it (Marrakesh / مراكش, Hammouchi / حموشي).
A translation that drops, adds or changes a figure or a name fails here.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from storage.text import CONTENT_LANGUAGES

SEED_PATH = Path(__file__).resolve().parent.parent / "storage" / "seed" / "assembly-2025.json"

#: proper names and other words a translation keeps: per language, a pattern that finds it
#: (case-insensitive, on text without Arabic short vowels). Arabic patterns omit the article
#: "ال" where a preposition may merge with it (للإنتربول = لـ + الإنتربول).
NAMES: dict[str, dict[str, str]] = {
    "INTERPOL": {"fr": r"INTERPOL", "en": r"INTERPOL", "es": r"INTERPOL", "ar": r"لإنتربول"},
    "Marrakech": {"fr": r"Marrakech", "en": r"Marrakesh", "es": r"Marrakech", "ar": r"مراكش"},
    "Morocco": {"fr": r"Maroc", "en": r"Morocc", "es": r"Marru|marroqu", "ar": r"مغرب"},
    "Hammouchi": {"fr": r"Hammouchi", "en": r"Hammouchi", "es": r"Hammouchi", "ar": r"حموشي"},
    "Al-Raisi": {"fr": r"Al-Raisi", "en": r"Al-Raisi", "es": r"Al-Raisi", "ar": r"الريسي"},
    "Laftit": {"fr": r"Laftit", "en": r"Laftit", "es": r"Laftit", "ar": r"لفتيت"},
    "Bourita": {"fr": r"Bourita", "en": r"Bourita", "es": r"Bourita", "ar": r"بوريطة"},
    "Lekjaa": {"fr": r"Lekjaa", "en": r"Lekjaa", "es": r"Lekjaa", "ar": r"لقجع"},
    "Urquiza": {"fr": r"Urquiza", "en": r"Urquiza", "es": r"Urquiza", "ar": r"أوركيزا"},
    "Naif": {"fr": r"Nayef", "en": r"Naif", "es": r"Naif", "ar": r"نايف"},
    "NEXUS": {"fr": r"NEXUS", "en": r"NEXUS", "es": r"NEXUS", "ar": r"NEXUS"},
    "United Nations": {"fr": r"\bONU\b|Nations unies", "en": r"\bUN\b|United Nations",
                       "es": r"\bONU\b|Naciones Unidas", "ar": r"الأمم المتحدة"},
    "Court of Cassation": {"fr": r"Cour de cassation", "en": r"Court of Cassation",
                           "es": r"Tribunal de Casación", "ar": r"محكمة النقض"},
    "Royal Gendarmerie": {"fr": r"Gendarmerie royale", "en": r"Royal Gendarmerie",
                          "es": r"Gendarmería Real", "ar": r"الدرك الملكي"},
    "Silver Notice": {"fr": r"Notice d’argent", "en": r"Silver Notice",
                      "es": r"Notificación Plata", "ar": r"لنشرة الفضية"},
    "Executive Committee": {"fr": r"Comité exécutif", "en": r"Executive Committee",
                            "es": r"Comité Ejecutivo", "ar": r"لجنة (ال)?تنفيذية"},
    "November": {"fr": r"novembre", "en": r"November", "es": r"noviembre", "ar": r"نوفمبر"},
    "Monday": {"fr": r"\blundi\b", "en": r"\bMonday\b", "es": r"\blunes\b", "ar": r"اثنين"},
    "Tuesday": {"fr": r"\bmardi\b", "en": r"\bTuesday\b", "es": r"\bmartes\b", "ar": r"ثلاثاء"},
}


def _bare(text: str) -> str:
    """Without Arabic short vowels and shadda (optional marks), composed again (إ, أ kept)."""
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(c for c in decomposed if not ("\u064b" <= c <= "\u0652"))
    return unicodedata.normalize("NFC", kept)


def numbers(text: str) -> Counter[int]:
    """The numbers written in digits, of any script ("٢٠٢٥" and "2025" are both 2025)."""
    return Counter(int("".join(str(unicodedata.decimal(c)) for c in m))
                   for m in re.findall(r"\d+", text))


def names(text: str, lang: str) -> set[str]:
    plain = _bare(text)
    return {name for name, spelt in NAMES.items() if re.search(spelt[lang], plain, re.IGNORECASE)}


def _texts(node: Any, path: str = "$") -> Iterator[tuple[str, dict[str, str]]]:
    if isinstance(node, dict):
        if "fr" in node:
            yield path, node
            return
        for key, value in node.items():
            yield from _texts(value, f"{path}.{key}")
    elif isinstance(node, list):
        for n, value in enumerate(node):
            yield from _texts(value, f"{path}[{n}]")


@pytest.fixture(scope="module")
def seed() -> dict[str, Any]:
    return json.loads(SEED_PATH.read_text(encoding="utf-8"))


def _sections(seed: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    yield "event", seed["event"]
    yield "resolution", seed["resolution"]
    for section in ("sources", "topics", "facts", "agenda", "participants", "items"):
        for n, entry in enumerate(seed[section]):
            yield f"{section}[{n}] {entry['key']}", entry


def test_the_helpers_read_any_script() -> None:
    assert numbers("le 24 et le 27, 2025") == Counter({24: 1, 27: 1, 2025: 1})
    assert numbers("بين ٢٤ و٢٧ نوفمبر ٢٠٢٥") == numbers("between 24 and 27 November 2025")
    assert names("اعتُمد في مراكش للإنتربول", "ar") == {"Marrakech", "INTERPOL"}
    assert names("Morocco’s police in Marrakesh", "en") == {"Morocco", "Marrakech"}


def test_the_seed_has_every_language_the_check_reads(seed: dict[str, Any]) -> None:
    assert all(set(spelt) == set(CONTENT_LANGUAGES) for spelt in NAMES.values())
    checked = [text for _, entry in _sections(seed) for _, text in _texts(entry)]
    assert len(checked) > 100
    assert all(set(text) == set(CONTENT_LANGUAGES) for text in checked)


def test_every_language_has_the_same_numbers_and_dates(seed: dict[str, Any]) -> None:
    wrong = []
    for where, entry in _sections(seed):
        for path, text in _texts(entry):
            want = numbers(text["fr"])
            for lang in CONTENT_LANGUAGES:
                got = numbers(text[lang])
                if got != want:
                    wrong.append(f"{where}{path[1:]}.{lang}: {sorted(got.elements())} but fr has {sorted(want.elements())}")
    assert not wrong, "\n".join(wrong)


def test_every_language_names_the_same_people_places_and_bodies(seed: dict[str, Any]) -> None:
    wrong = []
    for where, entry in _sections(seed):
        for path, text in _texts(entry):
            want = names(text["fr"], "fr")
            for lang in CONTENT_LANGUAGES:
                got = names(text[lang], lang)
                if got != want:
                    wrong.append(f"{where}{path[1:]}.{lang}: missing {sorted(want - got)}, "
                                 f"extra {sorted(got - want)}")
    assert not wrong, "\n".join(wrong)


def test_the_check_catches_a_changed_figure_or_a_dropped_name(seed: dict[str, Any]) -> None:
    """Guards against a no-op: a figure changed in Arabic, a name dropped in Spanish."""
    fact = next(f for f in seed["facts"] if f["key"] == "countries")
    assert set(numbers(fact["value"]["ar"].replace("179", "197"))) != set(numbers(fact["value"]["fr"]))
    item = next(i for i in seed["items"] if i["key"] == "opening-ceremony-speakers")
    assert "Hammouchi" in names(item["body"]["es"], "es")
    assert "Hammouchi" not in names(item["body"]["es"].replace("Hammouchi", "H."), "es")
    assert "Hammouchi" in names(item["body"]["ar"], "ar")


def test_names_that_are_not_translated_stay_identical(seed: dict[str, Any]) -> None:
    """A participant's name is one string for every language; the Arabic texts spell the
    speakers as Arabic media do."""
    speakers = {p["name"] for p in seed["participants"] if p["spoke"]}
    assert speakers == {"Abdellatif Hammouchi", "Ahmed Naser Al-Raisi"}
    opening = next(a for a in seed["agenda"] if a["key"] == "opening-ceremony")
    assert "عبد اللطيف حموشي" in opening["description"]["ar"]
    assert "أحمد ناصر الريسي" in opening["description"]["ar"]
