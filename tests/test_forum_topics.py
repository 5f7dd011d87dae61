"""A subscription made in a Telegram forum topic is delivered into that topic, end to end: the
real bot (PTB) takes /subscribe from the strict fake Bot API, the publisher and the digest
planner queue the messages, the outbox worker sends them through the real TelegramSender.

The fake refuses a ``message_thread_id`` that is not a topic of the chat it is sent to
("message thread not found", which would make the bot drop the chat), so a thread id sent
to the wrong chat fails these tests, as it would fail in production.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.delivery import OutboxWorker
from handlers.fanout import Fanout
from handlers.fanout.alerts import queue_alerts
from handlers.fanout.digests import plan_digests
from storage.models import NewsItem
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_fixtures import fake_telegram
from tests.outbox_support import fast_settings, run_until_settled
from tests.telegram_harness import Harness, running_bot

__all__ = ["fake_telegram"]

BOT = "assembly_news_bot"
FORUM = -1004004  # a forum supergroup: topics 77 (alerts) and 78 (digest)
OTHER_FORUM = -1005005  # a forum that subscribed from its General topic
PRIVATE = 1001
ADMIN = 1000  # the fake's default group member, made admin of both forums
T0 = dt.datetime(2025, 11, 24, 10, 0, tzinfo=dt.UTC)  # 11:00 in Casablanca: no quiet hours
DIGEST_TICK = dt.datetime(2025, 11, 25, 7, 1, tzinfo=dt.UTC)  # just after 08:00 local


async def say(h: Harness, chat: int, text: str, thread: int | None = None) -> str:
    kind = "private" if chat > 0 else "supergroup"
    topic: dict[str, Any] = ({"message_thread_id": thread, "is_topic_message": True}
                             if thread is not None else {})
    sent = await h.say(chat, text, chat_type=kind, **topic)
    assert {m.message_thread_id for m in sent} == {thread}  # the reply comes where it was asked
    return "\n".join(m.text for m in sent)


async def publish_and_plan(h: Harness, digests: bool = True) -> None:
    async with h.app.uow() as uow:
        item = await uow.items.add(NewsItem(
            status="published", topics=["cybercrime"], title={"en": "Ransomware ring taken down",
                                                              "fr": "Réseau de rançongiciel démantelé"},
            body={"en": "Text.", "fr": "Texte."}, published_at=T0 + dt.timedelta(minutes=30)))
        queued = await queue_alerts(uow, Fanout(default_language="en", clock=lambda: T0), item.id)
    assert queued.queued >= 1
    report = await plan_digests(h.app.uow, DIGEST_TICK, grace=dt.timedelta(hours=6),
                                default_language="en")
    assert (report.enqueued >= 1) == digests
    await send_all(h, DIGEST_TICK + dt.timedelta(minutes=1))


async def send_all(h: Harness, now: dt.datetime) -> None:
    """The outbox worker, on the test's clock, until nothing is pending."""
    await run_until_settled(OutboxWorker(h.app.uow, {"telegram": h.platform.sender},
                                         fast_settings(), clock=lambda: now), h.app.uow)


def sends_to(tg: FakeTelegram, chat: int) -> list[dict[str, Any]]:
    return [c.params for c in tg.calls
            if c.method == "sendMessage" and c.params.get("chat_id") == chat and c.status == 200]


async def test_alerts_and_digest_go_into_the_topics_they_were_asked_in(
        fake_telegram: FakeTelegram, db_url: str) -> None:
    tg = fake_telegram
    tg.make_forum(FORUM, [77, 78])
    tg.set_chat_admins(FORUM, [ADMIN])
    async with running_bot(tg, db_url) as h:
        h.app.deps.clock = lambda: T0
        text = await say(h, FORUM, f"/subscribe@{BOT} alerts cybercrime", thread=77)
        assert "Alertes publiées dans\u00a0: le sujet n° 77 du forum" in text
        text = await say(h, FORUM, f"/subscribe@{BOT} digest", thread=78)
        assert "Récapitulatif publié dans\u00a0: le sujet n° 78 du forum" in text
        assert "Alertes publiées dans\u00a0: le sujet n° 77 du forum" in text
        text = await say(h, FORUM, f"/settings@{BOT} lang en")  # from General: moves nothing
        assert "Digest posted in: forum topic #78" in text and "Alerts posted in: forum topic #77" in text
        before = len(tg.messages(FORUM))
        await publish_and_plan(h)

    delivered = tg.messages(FORUM)[before:]
    by_topic = {m.message_thread_id: m.text for m in delivered}
    assert len(delivered) == 2 and set(by_topic) == {77, 78}
    assert by_topic[77].startswith("Ransomware ring taken down")  # the alert
    assert by_topic[78].startswith("Your digest — Tuesday 25 November 2025")  # the digest
    assert "Ransomware ring taken down" in by_topic[78]
    assert sorted(p["message_thread_id"] for p in sends_to(tg, FORUM)[-2:]) == [77, 78]


async def test_a_chat_subscribed_outside_a_topic_gets_messages_without_thread_id(
        fake_telegram: FakeTelegram, db_url: str) -> None:
    """Chats subscribed from the chat itself (a forum's General topic, a private chat) get
    no thread id, next to a forum whose digest goes into a topic; a /subscribe from General
    takes that kind out of its topic."""
    tg = fake_telegram
    tg.make_forum(FORUM, [77])
    tg.make_forum(OTHER_FORUM, [5])
    tg.set_chat_admins(FORUM, [ADMIN])
    tg.set_chat_admins(OTHER_FORUM, [ADMIN])
    async with running_bot(tg, db_url) as h:
        h.app.deps.clock = lambda: T0
        await say(h, FORUM, f"/subscribe@{BOT} both", thread=77)
        text = await say(h, FORUM, f"/subscribe@{BOT} alerts")  # from General: alerts move there
        assert "Récapitulatif publié dans\u00a0: le sujet n° 77 du forum" in text
        assert "Alertes publiées dans" not in text
        text = await say(h, OTHER_FORUM, f"/subscribe@{BOT} both")
        assert "publié dans" not in text and "publiées dans" not in text
        await say(h, PRIVATE, "/subscribe both")
        before = {c: len(tg.messages(c)) for c in (FORUM, OTHER_FORUM, PRIVATE)}
        await publish_and_plan(h)

    forum = tg.messages(FORUM)[before[FORUM]:]
    assert sorted((m.message_thread_id or 0, m.text[:4]) for m in forum) == [
        (0, "Rése"), (77, "Votr")]  # the alert in General, the digest in its topic
    for chat in (OTHER_FORUM, PRIVATE):
        got = tg.messages(chat)[before[chat]:]
        assert sorted(m.text[:4] for m in got) == ["Rése", "Votr"], chat
        assert {m.message_thread_id for m in got} == {None}, chat
        assert all("message_thread_id" not in p for p in sends_to(tg, chat)[-2:]), chat



async def test_corrections_and_broadcasts_reach_the_topic_too(
        fake_telegram: FakeTelegram, db_url: str) -> None:
    """What follows an alert (a correction notice) goes where the alert went; a broadcast
    goes where the chat reads its alerts."""
    tg = fake_telegram
    tg.make_forum(FORUM, [77])
    tg.set_chat_admins(FORUM, [ADMIN])
    async with running_bot(tg, db_url, owners=[str(PRIVATE)]) as h:
        h.app.deps.clock = lambda: T0
        h.app.deps.edit_window = dt.timedelta(0)  # the copy is too old to edit: a notice
        await say(h, FORUM, f"/subscribe@{BOT} alerts", thread=77)
        await publish_and_plan(h, digests=False)
        [alert] = [m for m in tg.messages(FORUM) if m.text.startswith("Réseau")]
        assert alert.message_thread_id == 77
        item_id = int(alert.text.split("#")[1].split()[0])
        later = DIGEST_TICK + dt.timedelta(hours=1)
        h.app.deps.clock = lambda: later
        edited = await say(h, PRIVATE, f"/edititem {item_id} title.fr Réseau démantelé à Rabat")
        assert "1 avis de correction" in edited
        [preview] = await h.say(PRIVATE, "/broadcast Conférence de presse à 15 h")
        await h.press(PRIVATE, preview)
        await h.until_text(PRIVATE, "Message mis en file pour 1 discussion.")
        before = len(tg.messages(FORUM))
        await send_all(h, later)

    got = sorted((m.text.split(" — ")[0].split("\n")[0], m.message_thread_id)
                 for m in tg.messages(FORUM)[before:])
    assert got == [("Correction", 77), ("Message de la rédaction", 77)]
