"""Several events: /events, /event, and every command, digest and alert answering for the
chat's event (handlers/events.py). The second event, RC26 (Paris, 9–11 June 2026), is added
through storage as an importer would."""

from __future__ import annotations

import datetime as dt

from bot.app import App
from handlers import Request
from handlers.fanout import Fanout
from handlers.fanout.alerts import queue_alerts
from handlers.fanout.digests import plan_digests
from handlers.parse import parse_command
from handlers.reply import Reply, plain_text
from storage.models import NewsItem
from storage.text import search_doc
from tests.event_support import AFTER, DURING, add_rc26, at, paris
from tests.helpers import send, text_of
from tests.outbox_support import rows


async def test_events_lists_both_with_a_button_each(app: App) -> None:
    await add_rc26(app)
    at(app, DURING)
    reply = await send(app, "/events", lang="en")
    text = plain_text(reply)
    assert "1. ✓ 93rd INTERPOL General Assembly (interpol-ga-93)" in text
    assert "Marrakesh, Morocco · under way" in text
    assert "2. Cyber Meeting 2026 (RC26)" in text and "Paris, France · upcoming" in text
    assert [(b.command, b.args) for b in reply.buttons] == [
        ("event", "interpol-ga-93"), ("event", "RC26")]
    at(app, AFTER)  # the Assembly is over: the next event is the chats' by default
    text = await text_of(app, "/events", lang="en")
    assert "1. 93rd INTERPOL General Assembly (interpol-ga-93)" in text and "· over" in text
    assert "2. ✓ Cyber Meeting 2026 (RC26)" in text


async def test_with_one_event_everything_answers_as_before(app: App) -> None:
    at(app, DURING)
    text = await text_of(app, "/events", lang="en")
    assert "1. ✓ 93rd INTERPOL General Assembly" in text
    assert "Opening ceremony" in await text_of(app, "/agenda", lang="en")


async def test_event_switches_agenda_and_about_and_auto_goes_back(app: App) -> None:
    await add_rc26(app)
    at(app, DURING)
    assert "Opening ceremony" in await text_of(app, "/agenda", lang="en")
    assert await text_of(app, "/event RC26", lang="en") == "This chat now follows: Cyber Meeting 2026."
    agenda = await text_of(app, "/agenda", lang="en")
    assert "Opening ceremony" not in agenda
    lines = agenda.splitlines()
    assert lines[:2] == ["Agenda", "Tuesday 9 June 2026"]
    assert any(line.endswith("09:30–10:15 Grand Amphi — Opening keynote") for line in lines)
    about = await text_of(app, "/about", lang="en")
    assert about.startswith("Cyber Meeting 2026") and "Three days of workshops." in about
    assert "Paris, France" in about and "Opens on Tuesday 9 June 2026, in 196 days." in about
    assert "Marrakesh" not in about  # none of the Assembly's facts
    assert "Abdellatif Hammouchi" not in await text_of(app, "/participants", lang="en")
    # another chat is not affected
    assert "Opening ceremony" in await text_of(app, "/agenda", lang="en", chat_id="other")
    # by number, as /events lists them
    assert "93rd INTERPOL" in await text_of(app, "/event 1", lang="en")
    assert "Opening ceremony" in await text_of(app, "/agenda", lang="en")
    await text_of(app, "/event 2", lang="en")
    auto = await text_of(app, "/event auto", lang="en")
    assert auto == ("This chat follows the event under way again, else the next one: for now, "
                    "93rd INTERPOL General Assembly.")
    assert "Opening ceremony" in await text_of(app, "/agenda", lang="en")


async def test_event_without_argument_says_which_and_bad_keys_are_refused(app: App) -> None:
    await add_rc26(app)
    at(app, DURING)
    assert "This chat follows: 93rd INTERPOL General Assembly (interpol-ga-93)" in await text_of(
        app, "/event", lang="en")
    for bad in ("quidditch", "3", "0"):
        reply = await send(app, f"/event {bad}", lang="en")
        assert reply.is_error
        assert f"No event “{bad}”. Known keys: interpol-ga-93, RC26" in plain_text(reply)
    assert "Opening ceremony" in await text_of(app, "/agenda", lang="en")  # nothing changed
    fr = await text_of(app, "/event quidditch")
    assert "Aucun événement «\u202fquidditch\u202f»" in fr


async def _group(app: App, text: str, *, admin: bool) -> Reply:
    async def check() -> bool:
        return admin

    command, args = parse_command(text)
    return await app.handle(Request(platform="telegram", chat_id="-100", user_id="7",
                                    command=command, args=args, chat_kind="supergroup",
                                    user_language="en", check_chat_admin=check))


async def test_in_a_group_only_its_admins_choose_the_event(app: App) -> None:
    await add_rc26(app)
    at(app, DURING)
    refused = await _group(app, "/event RC26", admin=False)
    assert refused.is_error
    assert "Opening ceremony" in plain_text(await _group(app, "/agenda", admin=False))
    assert not (await _group(app, "/event RC26", admin=True)).is_error
    assert "Opening keynote" in plain_text(await _group(app, "/agenda", admin=False))


async def _add_item(app: App, key: str, title: str, event_id: int | None,
                    when: dt.datetime) -> int:
    async with app.uow() as uow:
        texts = {"en": title, "fr": title}
        item = NewsItem(key=key, title=texts, body=texts, topics=[], event_id=event_id,
                        published_at=when, search_doc=search_doc(texts, texts))
        await uow.items.add(item)
        return item.id


async def test_news_and_search_answer_for_the_chats_event(app: App) -> None:
    rc26 = await add_rc26(app)
    at(app, DURING)
    await _add_item(app, "rc26-news", "Zanzibar workshop registrations open", rc26,
                    dt.datetime(2025, 11, 25, 8, tzinfo=dt.UTC))
    await _add_item(app, "general", "Quokka general notice", None,
                    dt.datetime(2025, 11, 25, 7, tzinfo=dt.UTC))
    assert "Zanzibar" not in await text_of(app, "/news 50", lang="en")
    assert "No results" in await text_of(app, "/search zanzibar", lang="en")
    assert "Quokka" in await text_of(app, "/search quokka", lang="en")  # no event: every event's
    await send(app, "/event RC26", lang="en")
    news = await text_of(app, "/news 50", lang="en")
    assert "Zanzibar" in news and "Quokka" in news
    assert "Marrakesh" not in news  # none of the Assembly's items
    assert "Zanzibar" in await text_of(app, "/search zanzibar", lang="en")
    assert "No results" in await text_of(app, "/search marrakech", lang="en")


async def test_a_digest_covers_and_names_the_chats_event(app: App) -> None:
    rc26 = await add_rc26(app)
    at(app, paris(8, 12))  # the eve of RC26: the Assembly is long over
    assert not (await send(app, "/subscribe digest", lang="en", chat_id="rc")).is_error
    await _add_item(app, "rc26-news", "Zanzibar workshop registrations open", rc26, paris(8, 13))
    await _add_item(app, "late-ga", "Marrakesh late report", 1, paris(8, 14))
    # 08:00 in Casablanca (UTC+1), the chat's zone: 07:00 UTC
    report = await plan_digests(app.uow, dt.datetime(2026, 6, 9, 7, 5, tzinfo=dt.UTC),
                                grace=dt.timedelta(hours=6),
                                default_language="fr")
    assert report.enqueued == 1
    [row] = [r for r in await rows(app.uow) if r.kind == "digest"]
    lines = plain_text(Reply.from_dict(row.payload)).splitlines()
    assert lines[0].startswith("Your digest — Tuesday 9 June 2026")
    assert lines[1] == "Cyber Meeting 2026"
    text = "\n".join(lines)
    assert "Zanzibar" in text and "Marrakesh late report" not in text


async def test_an_alert_names_its_items_event(app: App) -> None:
    rc26 = await add_rc26(app)
    at(app, paris(8, 12))
    assert not (await send(app, "/subscribe alerts", lang="en", chat_id="al")).is_error
    item_id = await _add_item(app, "rc26-news", "Zanzibar workshop registrations open", rc26,
                              paris(8, 13))
    async with app.uow() as uow:
        queued = await queue_alerts(uow, Fanout(default_language="en", clock=lambda: paris(8, 13)),
                                    item_id)
    assert queued.queued == 1
    [row] = [r for r in await rows(app.uow) if r.kind == "alert"]
    lines = plain_text(Reply.from_dict(row.payload)).splitlines()
    assert lines[0] == "Zanzibar workshop registrations open"
    assert lines[1] == "Cyber Meeting 2026"
