"""A row citing two sources shows both, in order, wherever the bot shows its source: /item,
/news, an alert, a digest, /agenda, /participants, /resolution and /about. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from bot.app import App
from handlers.fanout import Fanout
from handlers.fanout.alerts import queue_alerts
from handlers.fanout.compose import Composer
from handlers.reply import Reply, Sources
from storage.models import AgendaSession, Fact, NewsItem, Participant, Resolution, Source
from tests.helpers import send, text_of
from tests.outbox_support import rows

# the English names of the two articles, in the order the rows below cite them
CYBER = "Article “Cybercrime: INTERPOL calls for ratification of the UN Convention”"
OPENING = "Article “Marrakesh: 93rd session of the INTERPOL General Assembly”"
BOTH = [CYBER, OPENING]
KEYS = ["cyber-resolution-article", "marrakech-opening-article"]


async def cite_both(app: App, model: type[Any], row_id: int | None = None) -> int:
    """Make one row of ``model`` (the first, or ``row_id``) cite both articles: cyber first."""
    async with app.uow() as uow:
        by_key = {s.key: s for s in (await uow.session.scalars(select(Source))).all()}
        if row_id is None:
            row = (await uow.session.scalars(select(model).order_by(model.id))).first()
        else:
            row = await uow.session.get(model, row_id)
        assert row is not None
        row.sources = [by_key[k] for k in KEYS]
        return int(row.id)


def refs(reply: Reply) -> list[str]:
    blocks = [b for b in reply.blocks if isinstance(b, Sources)]
    assert len(blocks) == 1, reply
    return [r.name for r in blocks[0].refs]


async def test_an_item_with_two_sources_shows_both_in_item_news_alert_and_digest(app: App) -> None:
    item_id = await cite_both(app, NewsItem, 2)
    reply = await send(app, f"/item {item_id}", lang="en")
    assert refs(reply) == BOTH
    assert "Sources: " + "; ".join(BOTH) in await text_of(app, f"/item {item_id}", lang="en")
    assert set(BOTH) <= set(refs(await send(app, "/news 10", lang="en")))

    await send(app, "/subscribe alerts", chat_id="reader", lang="en")
    async with app.uow() as uow:
        assert (await queue_alerts(uow, Fanout(default_language="en"), item_id)).queued == 1
    alert = next(r for r in await rows(app.uow) if r.kind == "alert")
    assert refs(Reply.from_dict(alert.payload)) == BOTH

    async with app.uow() as uow:
        digest = await Composer(uow).digest(
            lang="en", tz="Africa/Casablanca", topics=[], notify_empty=False,
            start=dt.datetime(2025, 11, 24, 8, 30, tzinfo=dt.UTC),  # item 2 only: 10:00+01:00
            end=dt.datetime(2025, 11, 24, 9, 15, tzinfo=dt.UTC))
    assert digest is not None and refs(digest) == BOTH


async def test_agenda_participants_and_resolution_show_every_source(app: App) -> None:
    session_id = await cite_both(app, AgendaSession)
    async with app.uow() as uow:
        session = await uow.session.get(AgendaSession, session_id)
        assert session is not None
        query = session.title["en"]
    assert refs(await send(app, f"/agenda {query}", lang="en")) == BOTH
    await cite_both(app, Participant)
    assert refs(await send(app, "/participants hammouchi", lang="en")) == BOTH
    await cite_both(app, Resolution)
    assert refs(await send(app, "/resolution", lang="en")) == BOTH


async def test_a_fact_with_two_sources_names_both_after_its_value(app: App) -> None:
    async with app.uow() as uow:
        fact = (await uow.session.scalars(select(Fact).where(Fact.key == "delegates"))).one()
    await cite_both(app, Fact, fact.id)
    text = await text_of(app, "/about", lang="en")
    line = next(x for x in text.splitlines() if x.startswith("Delegates:"))
    assert line.endswith(f"({CYBER}; {OPENING})")
