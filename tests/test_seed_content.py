"""Integrity checks for the bot's content seed (storage/seed/assembly-2025.json).

The seed is hand-written from two French articles. These tests guard what a reader of the bot
would notice: dangling source/topic references, missing translations, duplicate keys, facts where
the sources disagree collapsed into one, and text copied verbatim from the articles instead of
being written in our own words.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from storage.text import CONTENT_LANGUAGES
from tests.data.derive import fingerprint, words

ROOT = Path(__file__).resolve().parent.parent
SEED_PATH = ROOT / "storage" / "seed" / "assembly-2025.json"
# Salted hashes of the articles' word runs (tests/data/derive.py): the test needs no article.
FINGERPRINTS = json.loads((ROOT / "tests" / "data" / "article-fingerprints.json").read_text("utf-8"))

EXPECTED_TOPICS = {
    "organised-crime",
    "cybercrime",
    "silver-notice",
    "capacity-building",
    "women-in-policing",
    "governance",
}
KEYED_SECTIONS = ("sources", "topics", "agenda", "participants", "items")
# Text fields that must really be translated (proper names such as organisations may be equal).
TRANSLATED_FIELDS = {"title", "body", "description", "summary", "label", "value", "role", "name"}
ORIGINALITY_WINDOW = FINGERPRINTS["ngram"]


@pytest.fixture(scope="module")
def seed() -> dict[str, Any]:
    return json.loads(SEED_PATH.read_text(encoding="utf-8"))


def _walk_text(node: Any, path: str = "$") -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield every bilingual text dict (one with a "fr" or "en" key) with its JSON path."""
    if isinstance(node, dict):
        if "fr" in node or "en" in node:
            yield path, node
            return
        for key, value in node.items():
            yield from _walk_text(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk_text(value, f"{path}[{index}]")


def cites(entry: dict[str, Any]) -> list[str]:
    """The source keys an entry cites, in order (``"sources"``, or one ``"source"``)."""
    if "sources" in entry:
        return list(entry["sources"])
    return [] if entry.get("source") is None else [entry["source"]]


def _bare(text: str, lang: str) -> str:
    """Arabic without its optional short-vowel marks (اعتُمد -> اعتمد), for searching."""
    if lang != "ar":
        return text
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _words(text: str) -> list[str]:
    return words(text)


def _ngrams(words: list[str], size: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def test_top_level_shape(seed: dict[str, Any]) -> None:
    assert seed["schema"] == 1
    assert set(seed) == {
        "schema",
        "event",
        "sources",
        "topics",
        "facts",
        "agenda",
        "participants",
        "resolution",
        "items",
    }
    event = seed["event"]
    assert event["key"] == "interpol-ga-93"
    assert event["timezone"] == "Africa/Casablanca"
    assert event["starts_on"] <= event["ends_on"]


def test_file_is_utf8_with_real_accents(seed: dict[str, Any]) -> None:
    raw = SEED_PATH.read_text(encoding="utf-8")
    assert "\\u00e9" not in raw, "write with ensure_ascii=False so accents stay readable"
    assert "cybercriminalité" in raw


@pytest.mark.parametrize("section", KEYED_SECTIONS)
def test_keys_unique_per_section(seed: dict[str, Any], section: str) -> None:
    keys = [entry["key"] for entry in seed[section]]
    assert len(keys) == len(set(keys)), f"duplicate keys in {section}"


def test_fact_keys_unique_per_source(seed: dict[str, Any]) -> None:
    """Facts may repeat a key only to show another source's version of the same fact."""
    pairs = [(fact["key"], cites(fact)[0]) for fact in seed["facts"]]
    assert len(pairs) == len(set(pairs))
    assert 6 <= len(seed["facts"]) <= 10


def test_topics_are_exactly_the_agreed_set(seed: dict[str, Any]) -> None:
    assert {topic["key"] for topic in seed["topics"]} == EXPECTED_TOPICS


def test_every_reference_resolves(seed: dict[str, Any]) -> None:
    sources = {source["key"] for source in seed["sources"]}
    topics = {topic["key"] for topic in seed["topics"]}
    referencing = [seed["event"], seed["resolution"]]
    for section in ("facts", "agenda", "participants", "items"):
        referencing.extend(seed[section])
    for entry in referencing:
        cited = cites(entry)
        assert cited, f"{entry.get('key')} cites no source"
        assert set(cited) <= sources, entry.get("key")
        assert len(set(cited)) == len(cited), f"{entry.get('key')} cites a source twice"
    for session in seed["agenda"]:
        assert session["topic"] in topics, session["key"]
    for item in seed["items"]:
        assert item["topics"], item["key"]
        assert set(item["topics"]) <= topics, item["key"]


def test_sources_point_to_existing_articles(seed: dict[str, Any]) -> None:
    for source in seed["sources"]:
        assert source["url"] is None and source["published_on"] is None
        article = FINGERPRINTS["articles"][source["file"]]
        assert fingerprint(source["title"]) == article["title"], source["key"]


def test_every_text_has_french_and_english(seed: dict[str, Any]) -> None:
    """… and Spanish and Arabic: every text is in the four content languages."""
    texts = list(_walk_text(seed))
    assert len(texts) > 50
    assert {"fr", "en", "es", "ar"} == set(CONTENT_LANGUAGES)
    for path, text in texts:
        assert set(text) == set(CONTENT_LANGUAGES), path
        for lang in CONTENT_LANGUAGES:
            assert isinstance(text[lang], str) and text[lang].strip(), f"{path}.{lang}"


def test_texts_are_really_translated(seed: dict[str, Any]) -> None:
    for path, text in _walk_text(seed):
        field = path.rsplit(".", 1)[-1]
        is_point = re.search(r"\.points\[\d+\]$", path) is not None
        if field in TRANSLATED_FIELDS or is_point:
            assert text["fr"] != text["en"], f"{path} is not translated"
            assert len({text[lang] for lang in CONTENT_LANGUAGES}) == len(CONTENT_LANGUAGES), \
                f"{path} is not translated into every language"


def test_arabic_texts_are_in_arabic_script(seed: dict[str, Any]) -> None:
    """An Arabic text is written in Arabic letters (names of systems such as NEXUS aside)."""
    for path, text in _walk_text(seed):
        letters = [c for c in text["ar"] if c.isalpha()]
        arabic = [c for c in letters if "\u0600" <= c <= "\u06ff"]
        assert len(arabic) >= 0.8 * len(letters), f"{path}.ar: {text['ar']!r:.60}"


@pytest.mark.parametrize(("key", "minimum"), [("dates", 2), ("countries", 2)])
def test_disagreeing_facts_show_each_source(seed: dict[str, Any], key: str, minimum: int) -> None:
    sources = [cites(fact)[0] for fact in seed["facts"] if fact["key"] == key]
    assert len(sources) >= minimum
    assert len(set(sources)) == len(sources)


def test_countries_figures_match_their_sources(seed: dict[str, Any]) -> None:
    by_source = {cites(f)[0]: f["value"]["en"] for f in seed["facts"] if f["key"] == "countries"}
    assert "179" in by_source["cyber-resolution-article"]
    assert "196" in by_source["marrakech-opening-article"]


def test_participants(seed: dict[str, Any]) -> None:
    participants = seed["participants"]
    assert len(participants) == 13
    speakers = {p["name"] for p in participants if p["spoke"]}
    assert speakers == {"Abdellatif Hammouchi", "Ahmed Naser Al-Raisi"}
    for person in participants:
        # Country and code are either both known or both unknown (never guessed halfway).
        assert (person["country"] is None) == (person["country_code"] is None), person["key"]
        if person["country_code"] is not None:
            assert re.fullmatch(r"[A-Z]{2}", person["country_code"])


def test_resolution(seed: dict[str, Any]) -> None:
    resolution = seed["resolution"]
    assert resolution["status"] == "adopted"
    assert cites(resolution) == ["cyber-resolution-article"]
    assert len(resolution["points"]) >= 6


def test_agenda_days_are_dates_or_null(seed: dict[str, Any]) -> None:
    event = seed["event"]
    for session in seed["agenda"]:
        if session["day"] is not None:
            assert event["starts_on"] <= session["day"] <= event["ends_on"], session["key"]


def test_items_timestamps_and_lengths(seed: dict[str, Any]) -> None:
    items = seed["items"]
    assert 6 <= len(items) <= 10
    stamps = []
    for item in items:
        stamp = datetime.fromisoformat(item["published_at"])
        assert stamp.tzinfo is not None and stamp.utcoffset() is not None, item["key"]
        stamps.append(stamp)
        for lang in CONTENT_LANGUAGES:
            assert len(item["title"][lang]) <= 120, item["key"]
    assert len(set(stamps)) == len(stamps), "equal timestamps make the ordering unstable"


def test_own_words_no_long_verbatim_runs(seed: dict[str, Any]) -> None:
    """No run of 12+ consecutive words of any text (in any language) may be lifted from the articles."""
    source_ngrams = {
        gram for article in FINGERPRINTS["articles"].values() for gram in article["ngrams"]
    }
    assert len(source_ngrams) > 1000  # both articles, not an empty file
    copied = []
    for path, text in _walk_text(seed):
        for lang in CONTENT_LANGUAGES:
            for gram in sorted(_ngrams(_words(text[lang]), ORIGINALITY_WINDOW)):
                if fingerprint(gram) in source_ngrams:
                    copied.append(f"{path}.{lang}: {' '.join(gram)}")
    assert not copied, "verbatim runs from the articles:\n" + "\n".join(copied)


def test_originality_check_detects_copying() -> None:
    """The detector itself must flag a sentence lifted word for word (guards against a no-op)."""
    lifted = (
        "L’Assemblée générale d’INTERPOL, réunie à Marrakech pour sa 93ᵉ session, appelle les "
        "pays membres à ratifier"
    )
    known = {gram for article in FINGERPRINTS["articles"].values() for gram in article["ngrams"]}
    grams = _ngrams(_words(lifted), ORIGINALITY_WINDOW)
    assert grams and all(fingerprint(gram) in known for gram in grams)
    reworded = lifted.replace("appelle", "invite")
    assert not all(
        fingerprint(gram) in known for gram in _ngrams(_words(reworded), ORIGINALITY_WINDOW)
    )


OPENING, CYBER = "marrakech-opening-article", "cyber-resolution-article"
# What only one article says: a text that says it must cite that article. The opening article
# never mentions a resolution, NEXUS or the 179/800/82 figures; the cybercrime article never
# mentions 196 countries, the Silver Notice, the Executive Committee, a Monday or "25 to 27".
ONLY_IN = {
    CYBER: {"en": [r"\b179\b", r"\b800\b", r"\b82\b", r"NEXUS", r"\badopt",
                   r"article on the (cybercrime )?resolution"],
            "fr": [r"\b179\b", r"\b800\b", r"\b82\b", r"NEXUS", r"\badopt",
                   r"article sur la résolution"],
            "es": [r"\b179\b", r"\b800\b", r"\b82\b", r"NEXUS", r"\badopt",
                   r"artículo sobre la resolución"],
            "ar": [r"\b179\b", r"\b800\b", r"\b82\b", r"NEXUS", r"اعتم[دا]",
                   r"المقال المتعلق بالقرار"]},
    OPENING: {"en": [r"\b196\b", r"Silver Notice", r"Executive Committee", r"\bMonday\b",
                     r"\b25 to 27\b", r"opening article"],
              "fr": [r"\b196\b", r"Notice d’argent", r"Comité exécutif", r"\blundi\b",
                     r"\b25 au 27\b", r"article sur l’ouverture"],
              "es": [r"\b196\b", r"Notificación Plata", r"Comité Ejecutivo", r"\blunes\b",
                     r"\b25 al 27\b", r"artículo sobre la apertura"],
              "ar": [r"\b196\b", r"النشرة الفضية", r"اللجنة التنفيذية", r"اثنين",
                     r"من 25 إلى 27", r"مقال الافتتاح"]},
}


def _cited_entries(seed: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    yield "event", seed["event"]
    yield "resolution", seed["resolution"]
    for section in ("facts", "agenda", "participants", "items"):
        for n, entry in enumerate(seed[section]):
            yield f"{section}[{n}] {entry['key']}", entry


def test_every_statement_cites_the_article_it_comes_from(seed: dict[str, Any]) -> None:
    missing = []
    for where, entry in _cited_entries(seed):
        cited = cites(entry)
        for path, text in _walk_text(entry):
            for article, markers in ONLY_IN.items():
                for lang, patterns in markers.items():
                    said = [p for p in patterns if re.search(_bare(p, lang), _bare(text[lang], lang))]
                    if said and article not in cited:
                        missing.append(f"{where}{path[1:]}.{lang} says {said} but cites {cited}")
    assert not missing, "\n".join(missing)


def test_the_ratification_agenda_line_cites_only_what_says_it(seed: dict[str, Any]) -> None:
    """The opening article puts ratification on the programme; only the cybercrime article says
    a resolution was adopted: the line cites both, each for what it says, in that order."""
    line = next(a for a in seed["agenda"] if a["key"] == "un-convention-ratification")
    assert cites(line) == [OPENING, CYBER]
    for lang, programme, resolution, adopted in (
            ("en", "according to the opening article", "article on the resolution", "adopted"),
            ("fr", "selon l’article sur l’ouverture", "article sur la résolution", "adoptée"),
            ("es", "según el artículo sobre la apertura", "artículo sobre la resolución", "adoptó"),
            ("ar", "حسب مقال الافتتاح", "المقال المتعلق بالقرار", "اعتمد")):
        text = _bare(line["description"][lang], lang)
        programme, resolution, adopted = (_bare(w, lang) for w in (programme, resolution, adopted))
        assert programme in text  # what the opening article says, said to be from it
        assert text.index(resolution) < text.index(adopted)  # the adoption, from the other


@pytest.mark.parametrize("key", ["record-attendance", "un-convention-resolution"])
def test_an_item_quoting_both_articles_figures_cites_both(seed: dict[str, Any], key: str) -> None:
    item = next(i for i in seed["items"] if i["key"] == key)
    for lang in CONTENT_LANGUAGES:
        assert "196" in item["body"][lang] and "179" in item["body"][lang]
    assert set(cites(item)) == {OPENING, CYBER}


def test_the_opening_day_is_disputed_and_cited_to_both(seed: dict[str, Any]) -> None:
    event = seed["event"]
    assert (event["starts_on"], event["alt_starts_on"], event["ends_on"]) == (
        "2025-11-24", "2025-11-25", "2025-11-27")
    assert cites(event) == [OPENING, CYBER]


def test_no_figure_is_stretched_past_its_source(seed: dict[str, Any]) -> None:
    """The opening article speaks of "the 196 member states", never of "all" of them; the
    cybercrime article gives the adoption window without a year."""
    for _, entry in _cited_entries(seed):
        for _, text in _walk_text(entry):
            assert not re.search(r"\ball (of )?(the )?196\b|\ball of INTERPOL’s member", text["en"])
            assert "totalité" not in text["fr"]
            assert not re.search(r"\btodos los (196|Estados miembros)\b|totalidad", text["es"])
            assert not re.search(r"(جميع|كل) (الدول|البلدان) الأعضاء", text["ar"])
    assert seed["resolution"]["adopted"] == {"fr": "entre le 24 et le 27 novembre",
                                              "en": "between 24 and 27 November",
                                              "es": "entre el 24 y el 27 de noviembre",
                                              "ar": "بين 24 و27 نوفمبر"}
