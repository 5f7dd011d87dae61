"""Quiet hours as a subscriber lives them: alerts held at night, released or re-timed when the
chat changes its quiet hours, on both databases. Time comes from the injected clock."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from bot.app import App
from bot.delivery import OutboxWorker
from handlers.fanout import Fanout
from handlers.fanout.alerts import queue_alerts
from storage.models import NewsItem, OutboxMessage
from tests.helpers import text_of
from tests.outbox_support import ScriptedSender, fast_settings, rows

NIGHT = dt.datetime(2025, 11, 24, 22, 30, tzinfo=dt.UTC)  # 23:30 in Casablanca (UTC+1)
MORNING = dt.datetime(2025, 11, 25, 6, 0, tzinfo=dt.UTC)  # 07:00 in Casablanca


def at(app: App, when: dt.datetime) -> None:
    app.deps.clock = lambda: when


async def night_subscribers(app: App, *chats: str) -> None:
    at(app, NIGHT - dt.timedelta(hours=2))
    for chat in chats:
        await text_of(app, "/subscribe alerts", lang="en", chat_id=chat)
        await text_of(app, "/settings quiet 22:00-07:00", lang="en", chat_id=chat)


async def publish(app: App, title: str, when: dt.datetime) -> None:
    async with app.uow() as uow:
        item = await uow.items.add(NewsItem(
            status="published", topics=["cybercrime"], title={"en": title, "fr": title},
            body={"en": "Text.", "fr": "Texte."}, published_at=when))
        await queue_alerts(uow, Fanout(default_language="en", clock=lambda: when), item.id)


async def alert_times(app: App) -> dict[tuple[str, str], dt.datetime]:
    """(chat, item title) -> when the alert is due."""
    out = {}
    async with app.uow() as uow:
        for r in await rows(app.uow):
            if r.kind == "alert":
                chat = await uow.chats.get(r.chat_id)
                item = await uow.items.get(r.item_id or 0)
                assert chat is not None and item is not None
                out[(chat.platform_chat_id, item.title["en"])] = r.next_attempt_at
    return out


async def test_quiet_off_releases_the_held_alerts_at_once(app: App) -> None:
    await night_subscribers(app, "night", "other")
    await publish(app, "Ransomware ring taken down", NIGHT)
    await publish(app, "Second arrest", NIGHT + dt.timedelta(minutes=2))
    assert set((await alert_times(app)).values()) == {MORNING}
    # an alert whose send failed waits for its retry, not for quiet hours: not "held"
    async with app.uow() as uow:
        night = await uow.chats.find("console", "night")
        assert night is not None
        last = max(r.id for r in await rows(app.uow) if r.chat_id == night.id)
        await uow.session.execute(update(OutboxMessage).where(OutboxMessage.id == last)
                                  .values(attempts=1, last_error="transient: 502"))

    now = NIGHT + dt.timedelta(minutes=5)
    at(app, now)
    text = await text_of(app, "/settings quiet off", lang="en", chat_id="night")
    assert "1 alert held by quiet hours released: it goes out now." in text
    assert "Quiet hours: off" in text
    times = await alert_times(app)
    assert times[("night", "Ransomware ring taken down")] == now
    assert times[("other", "Ransomware ring taken down")] == MORNING  # another chat: still held
    # again: nothing left to release, and the reply says so
    again = await text_of(app, "/settings quiet off", lang="en", chat_id="night")
    assert "No alert was held by quiet hours." in again

    # the subscriber gets it now (the worker runs on the same clock)
    sender = ScriptedSender()
    worker = OutboxWorker(app.uow, {"console": sender}, fast_settings(), clock=lambda: now)
    await worker.start()
    try:
        await sender.wait_sent(1)
    finally:
        await worker.stop()
    assert [(chat, text.splitlines()[0]) for chat, text in sender.sent] == [
        ("night", "Ransomware ring taken down")]
    assert sorted(r.status for r in await rows(app.uow)) == ["pending", "pending", "pending", "sent"]


async def test_a_new_quiet_window_retimes_the_held_alerts(app: App) -> None:
    await night_subscribers(app, "night")
    await publish(app, "Ransomware ring taken down", NIGHT)
    key = ("night", "Ransomware ring taken down")
    at(app, NIGHT + dt.timedelta(minutes=5))

    text = await text_of(app, "/settings quiet 22:00-09:00", lang="en", chat_id="night")
    assert "1 alert held by quiet hours will now go out at 25 Nov 2025, 09:00." in text
    assert (await alert_times(app))[key] == dt.datetime(2025, 11, 25, 8, 0, tzinfo=dt.UTC)

    # in Tokyo it is 07:35 on the 25th, inside 22:00-09:00: held until 09:00 there
    text = await text_of(app, "/settings tz Asia/Tokyo", lang="en", chat_id="night")
    assert "will now go out at 25 Nov 2025, 09:00." in text
    assert (await alert_times(app))[key] == dt.datetime(2025, 11, 25, 0, 0, tzinfo=dt.UTC)

    # a window that no longer covers this moment releases it
    fr = await text_of(app, "/settings lang fr", lang="en", chat_id="night")
    assert "Réglage enregistré." in fr
    fr = await text_of(app, "/settings quiet 12:00-14:00", lang="fr", chat_id="night")
    assert "1 alerte retenue par les heures calmes libérée\u00a0: elle part maintenant." in fr
    assert (await alert_times(app))[key] == NIGHT + dt.timedelta(minutes=5)
