"""Search folding for Arabic and Spanish, on SQLite and PostgreSQL.

``storage.text.fold`` normalises Arabic (diacritics, tatweel, alef forms, ta marbuta, alef
maqsura, hamza on waw/ya, Arabic-Indic digits) and folds Spanish accents while keeping ñ a
letter of its own; search finds the same items whichever spelling the reader types.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from bot.app import App
from storage.db import make_engine
from storage.migrate import downgrade, upgrade
from storage.models import NewsItem
from storage.search import query_words
from storage.text import fold, search_doc, words
from tests.desk.conftest import desk_settings
from tests.helpers import send, text_of

OWNER = {"user_id": "local"}


# -- fold, one rule at a time ---------------------------------------------------------------

@pytest.mark.parametrize(("raw", "folded"), [
    ("الإنتـربول", "الانتربول"),  # tatweel
    ("إِنْتَرْبُولٌ", "انتربول"),  # harakat (fatha, kasra, damma, sukun, tanwin)
    ("هٰذا", "هذا"),  # superscript alef
    ("الرَّحِيمِۖ", "الرحيم"),  # shadda, Quranic small high mark
    ("أمن", "امن"), ("إدارة", "اداره"), ("آسيا", "اسيا"), ("ٱلله", "الله"),  # alef forms
    ("المنظمة", "المنظمه"),  # ta marbuta
    ("مستشفى", "مستشفي"),  # alef maqsura
    ("مسؤول", "مسوول"), ("رئيس", "رييس"),  # hamza on waw / ya
    ("٢٠٢٥", "2025"), ("۱۲۳", "123"),  # Arabic-Indic and extended Arabic-Indic digits
    ("ﻻ", "لا"),  # presentation-form ligature
    ("Año", "año"), ("AÑO", "año"), ("an\u0303o", "año"),  # ñ stays ñ (composed or not)
    ("país", "pais"), ("pingüino", "pinguino"), ("CIBERDELINCUENCIA", "ciberdelincuencia"),
    ("Cybercriminalité ŒUVRE", "cybercriminalite oeuvre"),  # French unchanged
])
def test_fold_rules(raw: str, folded: str) -> None:
    assert fold(raw) == folded


def test_arabic_and_spanish_punctuation_separate_words() -> None:
    assert words("الإنتربول، المنظمة؛ من؟") == ["الانتربول", "المنظمه", "من"]
    assert words("¿Qué país?¡Sí!") == ["que", "pais", "si"]
    assert search_doc({"ar": "عام ٢٠٢٥", "es": "el Año", "fr": "L’année", "en": "the year"}) == (
        "عام 2025 el año l annee the year")


def test_query_words_fold_like_documents() -> None:
    assert query_words("الإنتـربول الانتربول ¿año?") == ["الانتربول", "año"]


def test_spanish_n_is_not_n_tilde() -> None:
    assert fold("año") != fold("ano")
    assert words("Ñandú") == ["ñandu"]


# -- search on both databases ---------------------------------------------------------------

async def _publish(app: App, command: str) -> int:
    added = await send(app, command, **OWNER)
    assert not added.is_error
    item_id = int(added.buttons[0].args)
    assert "publiée" in await text_of(app, f"/publish {item_id} confirm", **OWNER)
    return item_id


async def _found(app: App, query: str) -> set[int]:
    async with app.uow() as uow:
        items, _ = await uow.items.search(query, 50)
    return {i.id for i in items}


async def test_arabic_spellings_find_the_same_item(db_url: str) -> None:
    async with App(desk_settings(db_url)) as app:
        item = await _publish(app, "/additem الإنتربول يعقد جمعيته العامة في مراكش topics=governance\n"
                                   "أكدت المنظمة الدولية للشرطة الجنائية، في عام ٢٠٢٥، على التعاون.")
        for query in ("الإنتربول", "الانتربول", "الإنتـربول", "الإِنْتَرْبُول", "المنظمه", "المنظمة",
                      "عام 2025", "التعاون مراكش"):
            assert f"#{item}" in await text_of(app, f"/search {query}"), query
        assert item not in await _found(app, "الشرطة السياسية")  # every word must match


async def test_arabic_variants_in_the_document_are_found_plainly(db_url: str) -> None:
    async with App(desk_settings(db_url)) as app:
        item = await _publish(app, "/additem المنظمه تنشر تقريرها السنوي topics=governance\n"
                                   "الإنتـربول يُصدر النشرة.")
        assert item in await _found(app, "المنظمة")
        assert item in await _found(app, "الانتربول")
        assert item in await _found(app, "يصدر النشره")


async def test_spanish_accents_fold_but_n_tilde_stays(db_url: str) -> None:
    async with App(desk_settings(db_url)) as app:
        year = await _publish(app, "/additem Ciberdelincuencia: el año del país topics=cybercrime\n"
                                   "¿Qué cambió? ¡Todo!")
        other = await _publish(app, "/additem Zorglub ano vulpino topics=cybercrime\nSin tilde.")
        assert year in await _found(app, "año") and other not in await _found(app, "año")
        assert other in await _found(app, "ano") and year not in await _found(app, "ano")
        assert year in await _found(app, "AÑO")
        assert year in await _found(app, "pais") and year in await _found(app, "país")
        assert year in await _found(app, "ciberdelincuencia")
        assert year in await _found(app, "CIBERDELINCUENCIA cambio")
        assert f"#{year}" in await text_of(app, "/search ¿país?")


async def test_four_language_item_through_the_storage_api(db_url: str) -> None:
    title = {"fr": "Xénoglossie réunie", "en": "Xenoglossy met", "es": "Xenoglosia en España",
             "ar": "اجتماع الزينوغلوسيا"}
    body = {"fr": "Texte.", "en": "Text.", "es": "Señales del año.", "ar": "أعلنت الهيئة العامة."}
    async with App(desk_settings(db_url)) as app:
        async with app.uow() as uow:
            item = NewsItem(status="published", topics=[], title=title, body=body,
                            search_doc=search_doc(title, body), published_at=dt.datetime.now(dt.UTC))
            await uow.items.add(item)
            item_id = item.id
        for query in ("xenoglosia españa", "españa señales", "الزينوغلوسيا الهيئه", "اعلنت",
                      "xenoglossie reunie"):
            assert item_id in await _found(app, query), query
        assert item_id not in await _found(app, "senales") and item_id not in await _found(app, "espana")


# -- the migration refolds stored documents --------------------------------------------------

async def test_migration_0007f_refolds_existing_documents(db_url: str) -> None:
    items = sa.table("news_items", sa.column("id", sa.Integer), sa.column("title", sa.JSON),
                     sa.column("body", sa.JSON), sa.column("search_doc", sa.Text),
                     sa.column("status", sa.String), sa.column("topics", sa.JSON),
                     sa.column("stale", sa.JSON), sa.column("origin", sa.String),
                     sa.column("published_at", sa.DateTime(timezone=True)),
                     sa.column("created_at", sa.DateTime(timezone=True)),
                     sa.column("updated_at", sa.DateTime(timezone=True)))
    now = dt.datetime.now(dt.UTC)
    title = {"fr": "Quórum del año", "ar": "الإنتـربول"}
    body = {"fr": "المنظمة"}
    engine = make_engine(db_url)
    try:
        await downgrade(engine, "0006d")
        async with engine.begin() as conn:
            item_id = (await conn.execute(items.insert().values(
                title=title, body=body, search_doc="quorum del ano الإنتربول المنظمة",  # the old rule
                status="published", topics=[], stale=[], origin="desk",
                published_at=now, created_at=now, updated_at=now).returning(items.c.id))).scalar_one()
        await upgrade(engine)
        async with engine.connect() as conn:
            doc = (await conn.execute(sa.select(items.c.search_doc).where(items.c.id == item_id))).scalar_one()
        assert doc == search_doc(title, body) == "quorum del año الانتربول المنظمه"
    finally:
        await engine.dispose()
    async with App(desk_settings(db_url)) as app:
        assert item_id in await _found(app, "año الانتربول المنظمة")
        assert item_id not in await _found(app, "ano")


async def test_migration_0007f_goes_down_to_the_old_documents(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        async with App(desk_settings(db_url)) as app:
            item_id = await _publish(app, "/additem Señal del año topics=cybercrime\nTexto.")
        await downgrade(engine, "0006d")
        async with engine.connect() as conn:
            doc = (await conn.execute(sa.text("SELECT search_doc FROM news_items WHERE id = :i"),
                                      {"i": item_id})).scalar_one()
        assert doc == "senal del ano texto"
        await upgrade(engine)
        async with engine.connect() as conn:
            doc = (await conn.execute(sa.text("SELECT search_doc FROM news_items WHERE id = :i"),
                                      {"i": item_id})).scalar_one()
        assert doc == "señal del año texto"
    finally:
        await engine.dispose()


# -- PostgreSQL ranks with the reader's language ----------------------------------------------

async def test_postgres_ranks_with_the_readers_language(db_url: str) -> None:
    """Both items match "zorblatte police" (prefixes on the 'simple' document). Under 'simple'
    they tie, so the newer comes first; under 'french' "policiers" and "policier" share the
    stem of "police", so the older item, which says it three times, ranks first."""
    if not db_url.startswith("postgresql"):
        pytest.skip("ranking configurations are PostgreSQL's")
    from storage.search import TS_CONFIGS, search_items

    assert set(TS_CONFIGS) == {"ar", "en", "es", "fr"}
    now = dt.datetime.now(dt.UTC)
    async with App(desk_settings(db_url)) as app:
        async with app.uow() as uow:
            ids = []
            for age, title in ((2, "Zorblatte police policiers policier"), (1, "Zorblatte police interpol")):
                item = NewsItem(status="published", topics=[], title={"fr": title}, body={"fr": "."},
                                search_doc=search_doc({"fr": title}), published_at=now - dt.timedelta(hours=age))
                await uow.items.add(item)
                ids.append(item.id)
        older, newer = ids
        async with app.uow() as uow:
            assert (await search_items(uow.session, "zorblatte police", 10))[0] == [newer, older]
            assert (await search_items(uow.session, "zorblatte police", 10, lang="fr"))[0] == [older, newer]
            # a query of English stop words only still finds the (seeded) items that have them
            assert (await search_items(uow.session, "the", 10, lang="en"))[1] > 0
            for lang in TS_CONFIGS:
                assert set((await search_items(uow.session, "zorblatte", 10, lang=lang))[0]) == {older, newer}
        reply = await text_of(app, "/search zorblatte police")  # a French reader
        assert reply.index(f"#{older}") < reply.index(f"#{newer}")
