"""The words users type, in French, English, Spanish and Arabic (handlers/words.py): one
table per concept, read by /lang, /settings, /subscribe, /unsubscribe, /agenda, /publish and
the desk's yes/no fields; languages accepted only when the bot speaks them
(storage.text.LANGUAGES, monkeypatched here to four)."""

from __future__ import annotations

import datetime as dt

import pytest

import handlers.i18n
import storage.text
from bot.app import App
from handlers import words
from handlers.admin_input import parse_bool
from handlers.base import UserError
from handlers.content import parse_day
from handlers.i18n import format_day, format_days, format_moment, normalize_language
from handlers.words import Words
from storage.models import Event
from tests.helpers import FOUR_LANGUAGES, four_language_catalog, text_of
from tests.test_subscriptions import subscription

NOW = dt.datetime(2025, 11, 24, 6, 0, tzinfo=dt.UTC)  # the opening day, in Casablanca too

NAMES = {
    "fr": ("fr", "français", "french", "francés", "الفرنسية"),
    "en": ("en", "english", "anglais", "inglés", "الإنجليزية"),
    "es": ("es", "español", "espagnol", "spanish", "الإسبانية"),
    "ar": ("ar", "arabic", "arabe", "árabe", "العربية"),
}


@pytest.fixture
def four_languages(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot speaking four languages: what the integrator switches on."""
    monkeypatch.setattr(storage.text, "LANGUAGES", FOUR_LANGUAGES)
    monkeypatch.setattr(handlers.i18n, "CATALOG", four_language_catalog())


def tables() -> dict[str, Words[object]]:
    return {name: value for name, value in vars(words).items() if isinstance(value, Words)}


def test_every_table_reads_without_a_word_meaning_two_things() -> None:
    found = tables()
    assert {"LANGUAGE_NAMES", "WEEKDAYS", "RELATIVE_DAYS", "YES_NO", "CONFIRM", "SETTINGS",
            "KINDS", "ALL_TOPICS"} <= set(found)
    for table in found.values():
        assert table.index  # builds, or raises on a clash
    with pytest.raises(ValueError, match="means both"):
        _ = Words({1: ("Oui",), 2: ("OUI",)}).index


def test_words_match_folded() -> None:
    assert words.KINDS.get("RÉCAP") == "digest"
    assert words.KINDS.get("Alertas") == "alerts"
    assert words.KINDS.get("التنبيهات") == "alerts" and words.KINDS.get("ملخص") == "digest"
    assert words.YES_NO.get("Sí") is True and words.YES_NO.get("si") is True
    assert words.YES_NO.get("إيقاف") is False and words.YES_NO.get("ايقاف") is False
    assert words.YES_NO.get("تشغيل") is True and words.YES_NO.get("desactivar") is False
    assert words.CONFIRM.get("Confirmar") and words.CONFIRM.get("تأكيد")
    assert words.CONFIRM.get("peut-être") is None
    assert words.RELATIVE_DAYS.get("Mañana") == 1 and words.RELATIVE_DAYS.get("manana") == 1
    assert words.RELATIVE_DAYS.get("غداً") == 1 and words.RELATIVE_DAYS.get("اليوم") == 0
    assert words.RELATIVE_DAYS.get("pasado  mañana") == 2
    assert words.WEEKDAYS.get("Miércoles") == 2 and words.WEEKDAYS.get("الإثنين") == 0
    assert words.WEEKDAYS.get("الاثنين") == 0 and words.WEEKDAYS.get("الأحد") == 6
    assert words.SETTINGS.get("Idioma") == "lang" and words.SETTINGS.get("اللغة") == "lang"
    assert words.ALL_TOPICS.get("todos") and words.ALL_TOPICS.get("الكل")
    assert words.KINDS.get("") is None and words.KINDS.get(None) is None


def test_language_names_follow_the_bots_languages() -> None:
    """The four languages, by their names in every language and by regional codes."""
    for lang, names in NAMES.items():
        for name in names:
            assert words.LANGUAGE_NAMES.get(name) == lang, name
            assert normalize_language(name) == lang, name
    assert normalize_language("es-419") == "es" and normalize_language("ar-MA") == "ar"
    assert normalize_language("fr-FR") == "fr" and normalize_language("EN_gb") == "en"
    assert normalize_language("de") is None and normalize_language("") is None


@pytest.mark.usefixtures("four_languages")
def test_language_names_and_locales_in_four_languages() -> None:
    for lang, names in NAMES.items():
        for name in names:
            assert normalize_language(name) == lang, name
    assert normalize_language("es-419") == "es" and normalize_language("es_MX") == "es"
    assert normalize_language("ar-MA") == "ar" and normalize_language("AR") == "ar"
    assert normalize_language("Español") == "es" and normalize_language("عربي") == "ar"
    assert normalize_language("zh-CN") is None


def test_parse_day_in_every_language() -> None:
    event = Event(starts_on=dt.date(2025, 11, 24), ends_on=dt.date(2025, 11, 27))
    tuesday = dt.date(2025, 11, 25)
    for word in ("mardi", "Tuesday", "martes", "الثلاثاء"):
        assert parse_day(word, event) == tuesday, word
    today = dt.date(2025, 11, 24)
    for word, day in (("demain", 25), ("tomorrow", 25), ("mañana", 25), ("غدا", 25),
                      ("aujourd'hui", 24), ("hoy", 24), ("اليوم", 24), ("hier", 23),
                      ("أمس", 23), ("après-demain", 26), ("pasado mañana", 26)):
        assert parse_day(word, event, today) == dt.date(2025, 11, day), word
    assert parse_day("demain", event) is None  # no today given: not a day


def test_yes_no_of_the_desk_in_every_language() -> None:
    assert [parse_bool(w) for w in ("oui", "sí", "نعم", "y", "non", "no", "لا", "0")] == [
        True, True, True, True, False, False, False, False]
    with pytest.raises(UserError):
        parse_bool("peut-être")


def test_dates_in_spanish_and_arabic() -> None:
    monday = dt.date(2025, 11, 24)
    assert format_day(monday, "es") == "lunes, 24 de noviembre de 2025"  # not "lunes 24 noviembre"
    assert format_day(monday, "ar") == "الاثنين، 24 نوفمبر 2025"
    moment = dt.datetime(2025, 11, 24, 9, 0, tzinfo=dt.UTC)
    assert format_moment(moment, "es", "Africa/Casablanca") == "24 nov 2025, 10:00"
    arabic = format_moment(moment, "ar", "Africa/Casablanca")
    assert "نوفمبر" in arabic and "10:00" in arabic and "2025" in arabic
    assert format_days(monday, dt.date(2025, 11, 27), "es") == (
        "lunes, 24 de noviembre de 2025 – jueves, 27 de noviembre de 2025")


async def test_agenda_by_weekday_and_relative_day(app: App) -> None:
    app.deps.clock = lambda: NOW
    assert "Cérémonie d’ouverture" in await text_of(app, "/agenda lunes")
    assert "Cérémonie d’ouverture" in await text_of(app, "/agenda الاثنين")
    assert "Cérémonie d’ouverture" in await text_of(app, "/agenda aujourd'hui")
    tomorrow = await text_of(app, "/agenda mañana", lang="en")
    assert "No session is dated Tuesday 25 November 2025" in tomorrow
    assert "mardi 25 novembre 2025" in await text_of(app, "/agenda demain")


async def test_lang_by_name(app: App) -> None:
    assert await text_of(app, "/lang anglais") == "Language: English."
    assert await text_of(app, "/start", chat_id="c1") == await text_of(app, "/start", lang="en",
                                                                         chat_id="c9")
    assert await text_of(app, "/lang الفرنسية") == "Langue\u00a0: français."
    assert await text_of(app, "/lang inglés", chat_id="c2") == "Language: English."
    assert await text_of(app, "/lang ENGLISH", chat_id="c3") == "Language: English."
    assert await text_of(app, "/lang español", chat_id="c4") == "Idioma: español."
    refused = await text_of(app, "/lang klingon", chat_id="c5")
    assert "Langue inconnue" in refused and "klingon" in refused


@pytest.mark.usefixtures("four_languages")
async def test_lang_and_settings_lang_in_four_languages(app: App) -> None:
    assert await text_of(app, "/lang español") == "Idioma: español."
    async with app.uow() as uow:
        chat = await uow.chats.find("console", "c1")
        assert chat is not None and chat.language == "es"
    await text_of(app, "/settings idioma العربية")
    async with app.uow() as uow:
        chat = await uow.chats.find("console", "c1")
        assert chat is not None and chat.language == "ar"


async def test_settings_and_subscriptions_in_spanish_and_arabic_words(app: App) -> None:
    app.deps.clock = lambda: NOW
    await text_of(app, "/subscribe alertas", lang="en")
    sub = await subscription(app)
    assert sub is not None and sub.alerts and not sub.digest
    await text_of(app, "/subscribe ملخص 08:30", lang="en")
    sub = await subscription(app)
    assert sub is not None and sub.digest and sub.digest_time == "08:30"
    await text_of(app, "/settings vacío sí", lang="en")
    await text_of(app, "/settings هدوء 22:00-07:00", lang="en")
    await text_of(app, "/settings temas resumen cybercrime", lang="en")
    await text_of(app, "/settings idioma inglés")
    sub = await subscription(app)
    assert sub is not None and sub.notify_empty and sub.quiet_start == "22:00"
    assert sub.digest_topics == ["cybercrime"] and sub.alerts_topics == []
    await text_of(app, "/settings silencio إيقاف", lang="en")
    await text_of(app, "/settings المواضيع الكل", lang="en")
    await text_of(app, "/unsubscribe تنبيهات", lang="en")
    sub = await subscription(app)
    assert sub is not None and sub.quiet_start is None and sub.digest_topics == []
    assert sub.digest and not sub.alerts
    async with app.uow() as uow:
        chat = await uow.chats.find("console", "c1")
        assert chat is not None and chat.language == "en"
    assert "“quizás”: on or off" in await text_of(app, "/settings vacío quizás", lang="en")
