"""Option completions (handlers.complete): what a user is offered while typing."""

from __future__ import annotations

from bot.app import App
from handlers.complete import MAX_CHOICES, complete
from tests.helpers import text_of


async def test_agenda_offers_event_days_and_topics_in_the_users_language(app: App) -> None:
    fr = await complete("agenda", "", "fr", app.deps)
    en = await complete("agenda", "", "en", app.deps)
    assert ("lundi 24 novembre 2025", "2025-11-24") in fr or any(v == "2025-11-24" for _, v in fr)
    assert any("November" in label for label, _ in en)
    cyber = await complete("agenda", "cyber", "fr", app.deps)
    assert cyber and all("yber" in label for label, _ in cyber)
    # every value is an argument /agenda understands: it never answers "nothing found"
    for _, value in fr:
        assert "Aucun" not in await text_of(app, f"/agenda {value}", lang="fr")


async def test_items_by_number_by_words_and_latest(app: App) -> None:
    latest = await complete("items", "", "fr", app.deps)
    assert latest and len(latest) <= MAX_CHOICES and all(v.isdigit() for _, v in latest)
    (first, *_) = await complete("items", "#3", "fr", app.deps)
    assert first[1] == "3" and first[0].startswith("#3 ")
    words = await complete("items", "femmes", "fr", app.deps)
    assert words and all(v.isdigit() for _, v in words)
    assert await complete("items", "zzzzqqq", "fr", app.deps) == []


async def test_participants_and_commands(app: App) -> None:
    people = await complete("participants", "", "en", app.deps)
    assert 0 < len(people) <= MAX_CHOICES
    assert all(len(label) <= 100 and len(value) <= 100 for label, value in people)
    helps = await complete("commands", "/ag", "en", app.deps, app.registry)
    assert helps == [("/agenda — The agenda, by day or topic", "agenda")]
    assert await complete("commands", "", "en", app.deps) == []  # no registry given
    assert await complete("nope", "", "fr", app.deps) == []
