"""Every public command, as a user sees its answer, in French and English, on both databases."""

from __future__ import annotations

import pytest

from bot.app import App
from handlers.reply import Sources
from tests.event_support import DURING, at
from tests.helpers import send, text_of


@pytest.fixture(autouse=True)
def during_the_assembly(app: App) -> None:
    """These answers are the ones of the Assembly's days (after it, see tests/test_lifecycle.py)."""
    at(app, DURING)


async def test_agenda_lists_the_themes_with_sources(app: App) -> None:
    reply = await send(app, "/agenda")
    text = await text_of(app, "/agenda")
    assert reply.title == "Programme"
    assert "Cérémonie d’ouverture" in text
    assert "lundi 24 novembre 2025" in text
    assert any(isinstance(b, Sources) for b in reply.blocks)
    # paged: a next button re-running /agenda at page 2
    assert [(b.command, b.page) for b in reply.buttons] == [("agenda", 2)]
    page2 = await text_of(app, "/agenda", page=2)
    assert "Page 2/2" in page2 and "Comité exécutif" in page2


async def test_agenda_filters_by_topic_and_day(app: App) -> None:
    text = await text_of(app, "/agenda cybercriminalité")
    assert "Cybercriminalité et fraudes en ligne" in text
    assert "Cérémonie" not in text
    en = await text_of(app, "/agenda women", lang="en")
    assert "Women" in en and "Cybercrime and online fraud" not in en
    monday = await text_of(app, "/agenda lundi")
    assert "Cérémonie d’ouverture" in monday
    tuesday = await text_of(app, "/agenda 25/11", lang="en")
    assert "No session is dated Tuesday 25 November 2025" in tuesday
    nothing = await text_of(app, "/agenda quidditch")
    assert "Rien au programme pour «\u202fquidditch\u202f»" in nothing


async def test_participants_by_name_role_and_country(app: App) -> None:
    everyone = await text_of(app, "/participants")
    assert "Abdellatif Hammouchi" in everyone and "Valdecy Urquiza" in everyone
    assert (await text_of(app, "/participants hammouchi")).count("Hammouchi") == 1
    minister = await text_of(app, "/participants ministre")
    assert "Abdelouafi Laftit" in minister and "Valdecy Urquiza" not in minister
    # an organisation that only repeats the role is not shown again
    assert "Ministre de l’Intérieur (Maroc)" in minister and "Ministère de l’Intérieur" not in minister
    en = await text_of(app, "/participants secretary general", lang="en")
    assert "Valdecy Urquiza" in en
    morocco = await text_of(app, "/participants morocco", lang="en")
    assert "Nasser Bourita" in morocco and "Urquiza" not in morocco
    assert "Aucun participant" in await text_of(app, "/participants zzzz")


async def test_resolution_lists_each_point_with_its_source(app: App) -> None:
    fr = await text_of(app, "/resolution")
    assert "NEXUS" in fr and "adoptée" in fr
    assert "Cybercriminalité : INTERPOL appelle à ratifier" in fr  # the source's name
    en = await send(app, "/resolution", lang="en")
    lists = [b for b in en.blocks if getattr(b, "numbered", False)]
    assert len(lists) == 1 and len(lists[0].items) >= 6
    assert "between 24 and 27 November" in await text_of(app, "/resolution", lang="en")


async def test_about_shows_both_sides_where_sources_disagree(app: App) -> None:
    text = await text_of(app, "/about", lang="en")
    assert "The sources disagree" in text
    assert "179" in text and "196" in text
    assert "Marrakesh" in text


@pytest.mark.parametrize(("lang", "line"), [
    ("en", "When: 24 or 25 – 27 November 2025: the sources disagree "
           "(Article “Marrakesh: 93rd session of the INTERPOL General Assembly”; "
           "Article “Cybercrime: INTERPOL calls for ratification of the UN Convention”)"),
    ("fr", "Dates\u00a0: 24 ou 25 – 27 novembre 2025\u00a0: les sources divergent "
           "(Article « Marrakech : 93ème session de l’assemblée générale d’Interpol »\u202f; "
           "Article « Cybercriminalité : INTERPOL appelle à ratifier la Convention de l’ONU »)"),
])
async def test_about_dates_line_shows_the_disputed_opening_day_with_both_sources(
        app: App, lang: str, line: str) -> None:
    """Where a reader meets the dates first, the conflict is there: not a flat 24–27."""
    lines = (await text_of(app, "/about", lang=lang)).splitlines()
    when = [x for x in lines if x.startswith(line.split(" ", 1)[0])]
    assert when == [line]
    assert lines.index(line) < lines.index("Facts and figures" if lang == "en" else "Chiffres et faits")
    days = line.split("\u00a0: " if lang == "fr" else ": ", 1)[1].split(" (")[0]  # the same on /agenda
    assert " ".join(days.split()) in " ".join((await text_of(app, "/agenda quidditch", lang=lang)).split())


async def test_news_and_item(app: App) -> None:
    news = await send(app, "/news 3")
    text = await text_of(app, "/news 3")
    assert text.count("#") == 3 and "Page" not in text and not news.buttons
    first_id = int(text.split("#", 1)[1].split()[0])
    item = await text_of(app, f"/item {first_id}", lang="en")
    assert "Source" in item
    assert "n’est pas un numéro" in await text_of(app, "/item douze")
    missing = await text_of(app, "/item", lang="en")  # no number: asked for, not quoted empty
    assert missing.startswith("Which number? For example /item 3") and "“”" not in missing
    assert "Aucune nouvelle publiée n’a le numéro 99999" in await text_of(app, "/item 99999")
    assert "entre 1 et 50" in await text_of(app, "/news 500")
    paged = await send(app, "/news")
    assert [b.page for b in paged.buttons] == [2]


@pytest.mark.parametrize("query", ["cybercriminalite", "CYBERCRIMINALITÉ", "Cybercriminalité"])
async def test_search_ignores_accents_and_case(app: App, query: str) -> None:
    text = await text_of(app, f"/search {query}")
    assert "résultat" in text
    assert "Convention" in text


async def test_search_in_english_ranks_and_pages(app: App) -> None:
    text = await text_of(app, "/search scam centres", lang="en")
    assert "scam" in text.lower()
    assert "No results" in await text_of(app, "/search xylophone", lang="en")
    assert "What are you looking for" in await text_of(app, "/search", lang="en")


async def test_lang_switches_the_chat_and_persists(app: App) -> None:
    assert "Programme" in await text_of(app, "/agenda")
    assert "Language: English" in await text_of(app, "/lang en")
    assert (await send(app, "/agenda")).title == "Agenda"
    # another chat is not affected
    assert (await send(app, "/agenda", chat_id="other")).title == "Programme"
    assert "Unknown language" in await text_of(app, "/lang klingon")  # the chat is English now


async def test_language_defaults_to_the_users_platform_language(app: App) -> None:
    assert (await send(app, "/agenda", lang="en-GB", chat_id="x")).title == "Agenda"
    assert (await send(app, "/agenda", lang="de", chat_id="y")).title == "Programme"


async def test_start_help_and_unknown_commands(app: App) -> None:
    start = await text_of(app, "/start", lang="en")
    assert "93rd INTERPOL General Assembly" in start and "/agenda" in start
    help_ = await text_of(app, "/help", lang="en")
    for cmd in ("/agenda", "/participants", "/resolution", "/news", "/item", "/search", "/lang"):
        assert cmd in help_
    assert "Usage: /search <words>" in await text_of(app, "/help search", lang="en")
    unknown = await send(app, "/frobnicate")
    assert unknown.is_error and "/help" in await text_of(app, "/frobnicate")
    assert "/help" in await text_of(app, "just some words")


async def test_search_beyond_the_count_cap_says_so_and_shows_the_newest(app: App) -> None:
    import datetime as dt

    from storage.models import NewsItem
    from storage.search import COUNT_CAP
    from storage.text import search_doc

    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    async with app.uow() as uow:
        for i in range(COUNT_CAP + 5):
            title = {"fr": f"Dépêche omniprésente {i}", "en": f"Omnipresent dispatch {i}"}
            uow.session.add(NewsItem(status="published", topics=[], title=title, body={"fr": "x"},
                                     search_doc=search_doc(title), published_at=base + dt.timedelta(minutes=i)))
    text = await text_of(app, "/search omnipresente", lang="en")
    assert "More than 1,000 results, most recent first" in text
    assert f"Omnipresent dispatch {COUNT_CAP + 4}" in text  # the newest first
    narrowed = await text_of(app, "/search omnipresente 1004", lang="en")
    assert "1 result" in narrowed and "1 results" not in narrowed


async def test_in_a_group_only_its_admins_change_the_language(app: App) -> None:
    from dataclasses import replace

    from handlers import Request

    async def yes() -> bool:
        return True

    async def no() -> bool:
        return False

    base = Request(platform="telegram", chat_id="-5", user_id="9", command="lang", args="en",
                   chat_kind="group")
    refused = await app.handle(replace(base, check_chat_admin=no))
    assert refused.is_error
    assert (await send(app, "/agenda", platform="telegram", chat_id="-5", chat_kind="group")).title == "Programme"
    accepted = await app.handle(replace(base, check_chat_admin=yes))
    assert not accepted.is_error
    assert (await send(app, "/agenda", platform="telegram", chat_id="-5", chat_kind="group")).title == "Agenda"
