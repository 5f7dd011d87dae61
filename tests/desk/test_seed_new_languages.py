"""Re-seeding a database seeded before the content had Spanish and Arabic: the new languages
are added to every row, the desk's edits are kept, and a bundled text written beside a kept
desk text is marked as needing translation (storage/seed.py)."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import select

from bot.app import App
from storage.models import AgendaSession, NewsItem, Participant, Resolution
from storage.seed import DEFAULT_SEED, load_seed, read_seed
from tests.helpers import send, text_of

OWNER = {"user_id": "local"}


def _only(node: Any, langs: tuple[str, ...]) -> Any:
    """The seed data with its texts in ``langs`` only (as the bundled file was before)."""
    if isinstance(node, dict):
        if "fr" in node and all(isinstance(v, str) for v in node.values()):
            return {k: v for k, v in node.items() if k in langs}
        return {k: _only(v, langs) for k, v in node.items()}
    if isinstance(node, list):
        return [_only(v, langs) for v in node]
    return node


async def test_a_reseed_adds_spanish_and_arabic_and_keeps_the_desk_edit(desk: App) -> None:
    full = read_seed(DEFAULT_SEED)
    old = _only(copy.deepcopy(full), ("fr", "en"))
    async with desk.uow() as uow:  # the database as the two-language seed left it
        await load_seed(uow.session, old, force=True)
    async with desk.uow() as uow:
        item = await uow.session.get(NewsItem, 2)
        assert item is not None and set(item.body) == {"fr", "en"}
    await send(desk, "/edititem 2 body Texte corrigé par la rédaction.", **OWNER)

    async with desk.uow() as uow:
        report = await load_seed(uow.session, full)
    assert report.updated["news_items"] == len(full["items"])
    assert report.updated["agenda_sessions"] == len(full["agenda"])
    assert report.updated["participants"] == len(full["participants"])
    assert report.updated["resolutions"] == 1 and report.updated["facts"] == len(full["facts"])
    assert report.updated["events"] == 1 and report.updated["topics"] == len(full["topics"])
    assert [line for line in report.skipped if "body.fr (desk revision #" in line]

    async with desk.uow() as uow:
        s = uow.session
        item = await s.get(NewsItem, 2)
        assert item is not None
        bundled = next(i for i in full["items"] if i["key"] == item.key)
        assert item.body["fr"] == "Texte corrigé par la rédaction."  # the desk's, kept
        assert item.body["es"] == bundled["body"]["es"] and item.body["ar"] == bundled["body"]["ar"]
        assert item.title == bundled["title"]  # the desk did not touch the title
        # the new translations are of the bundled French, not of the desk's: they need work
        assert {"body.es", "body.ar"} <= set(item.stale)
        assert not any(k.startswith("title.") for k in item.stale)
        for model in (NewsItem, AgendaSession, Participant, Resolution):
            for row in (await s.scalars(select(model))).all():
                texts = row.body if model is NewsItem else (
                    row.description if model is AgendaSession else
                    row.role if model is Participant else row.summary)
                assert {"es", "ar"} <= set(texts), (model.__name__, row.key)
        others = [r for r in (await s.scalars(select(NewsItem))).all() if r.id != 2]
        assert others and all(not r.stale for r in others)

    async with desk.uow() as uow:  # a second run finds nothing to change
        again = await load_seed(uow.session, full)
    assert not again.changed
    assert "Texte corrigé par la rédaction." in await text_of(desk, "/item 2")


async def test_a_reseed_without_desk_edits_marks_nothing_stale(desk: App) -> None:
    full = read_seed(DEFAULT_SEED)
    async with desk.uow() as uow:
        await load_seed(uow.session, _only(copy.deepcopy(full), ("fr", "en")), force=True)
    async with desk.uow() as uow:
        report = await load_seed(uow.session, full)
    assert report.changed and not report.skipped
    async with desk.uow() as uow:
        rows = (await uow.session.scalars(select(NewsItem))).all()
    assert rows and all(set(r.title) == {"fr", "en", "es", "ar"} and not r.stale for r in rows)
