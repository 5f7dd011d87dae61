"""Marked fallbacks: a content text missing in the reader's language is shown in another
language with words saying which ("(in French)"), never silently (storage.text.pick_lang,
handlers.common.shown)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.app import App
from handlers.common import fallback_mark, shown
from handlers.i18n import t
from storage.text import CONTENT_LANGUAGES, pick, pick_lang
from tests.helpers import text_of


@pytest.mark.parametrize(("texts", "lang", "expected"), [
    ({"fr": "Bonjour", "en": "Hello"}, "en", ("Hello", None)),
    ({"fr": "Bonjour"}, "en", ("Bonjour", "fr")),
    ({"fr": "", "en": "Hello"}, "fr", ("Hello", "en")),
    ({"ar": "مرحبا"}, "es", ("مرحبا", "ar")),
    ({"es": "Hola", "ar": "مرحبا"}, "ar", ("مرحبا", None)),
    ({"es": "Hola", "ar": "مرحبا"}, "fr", ("Hola", "es")),  # content languages, in order
    ({"de": "Hallo"}, "fr", ("Hallo", "de")),
    ({}, "fr", ("", None)),
    (None, "fr", ("", None)),
])
def test_pick_lang_says_which_language_the_fallback_is_in(
        texts: dict[str, str] | None, lang: str, expected: tuple[str, str | None]) -> None:
    assert pick_lang(texts, lang) == expected
    assert pick(texts, lang) == expected[0]


def test_the_four_content_languages() -> None:
    assert CONTENT_LANGUAGES == ("fr", "en", "es", "ar")


def test_a_fallback_is_marked_in_the_readers_words() -> None:
    assert shown({"fr": "Texte"}, "en") == "Texte (in French)"
    assert shown({"en": "Text"}, "fr") == "Text (en anglais)"
    assert shown({"fr": "Mot", "en": "Word"}, "fr") == "Mot"
    assert fallback_mark({"en": "Word"}, "en") == ""
    assert fallback_mark({}, "en") == "" and shown(None, "fr") == ""


def test_every_content_language_has_its_mark_and_an_unknown_one_is_named() -> None:
    for lang in ("fr", "en"):
        marks = {t(f"fallback.{c}", lang) for c in CONTENT_LANGUAGES}
        assert len(marks) == len(CONTENT_LANGUAGES)
    assert shown({"de": "Hallo"}, "en") == "Hallo (language: de)"
    assert shown({"ar": "مرحبا"}, "fr") == "مرحبا (en arabe)"


async def _french_only_item(app: App) -> int:
    from storage.models import NewsItem
    from storage.text import search_doc

    title, body = {"fr": "Dépêche venue d’un flux français"}, {"fr": "Un texte rédigé en français seulement."}
    async with app.uow() as uow:
        item = NewsItem(status="published", topics=[], title=title, body=body,
                        search_doc=search_doc(title, body),
                        published_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
        uow.session.add(item)
        await uow.session.flush()
        return item.id


async def test_a_french_only_item_read_in_english_says_it_is_in_french(app: App) -> None:
    item_id = await _french_only_item(app)
    full = await text_of(app, f"/item {item_id}", lang="en")
    assert "Dépêche venue d’un flux français (in French)" in full
    assert "Un texte rédigé en français seulement. (in French)" in full
    listed = await text_of(app, "/news 1", lang="en")
    assert "Dépêche venue d’un flux français (in French)" in listed
    assert "seulement. (in French)" in listed
    french = await text_of(app, f"/item {item_id}", lang="fr")
    assert "Dépêche venue d’un flux français" in french and "(en français)" not in french


async def test_bundled_content_read_in_its_languages_shows_no_mark(app: App) -> None:
    for lang in ("fr", "en"):
        for command in ("/about", "/agenda", "/participants", "/resolution", "/news 3"):
            text = await text_of(app, command, lang=lang)
            for c in CONTENT_LANGUAGES:
                assert t(f"fallback.{c}", lang) not in text, (command, lang)


async def test_content_commands_mark_a_missing_language(app: App) -> None:
    """A bundled row whose English text is gone (say, a desk deleted it) is shown in French, marked."""
    from sqlalchemy import select

    from tests.event_support import DURING, at

    at(app, DURING)  # the summary as written before and during the Assembly

    from storage.models import AgendaSession, Event, Participant, Resolution

    async with app.uow() as uow:
        s = uow.session
        ev = (await s.scalars(select(Event))).one()
        ev.summary = {"fr": ev.summary["fr"]}
        session = (await s.scalars(select(AgendaSession).order_by(AgendaSession.position))).first()
        assert session is not None
        session.title = {"fr": session.title["fr"]}
        person = (await s.scalars(select(Participant).order_by(Participant.position))).first()
        assert person is not None
        person.role = {"fr": person.role["fr"]}
        res = (await s.scalars(select(Resolution))).one()
        res.summary = {"fr": res.summary["fr"]}
        fr = (ev.summary["fr"], session.title["fr"], person.role["fr"], res.summary["fr"])
    assert f"{fr[0]} (in French)" in await text_of(app, "/about", lang="en")
    assert f"{fr[1]} (in French)" in await text_of(app, "/agenda", lang="en")
    assert f"{fr[2]} (in French)" in await text_of(app, "/participants", lang="en")
    assert f"{fr[3]} (in French)" in await text_of(app, "/resolution", lang="en")
