"""Digest scheduling (per-chat zones across DST, grace, no doubles) and alerts, on both DBs."""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

from bot.app import App
from bot.config import DigestSection
from bot.scheduler import DigestScheduler
from handlers.fanout import Fanout
from handlers.fanout.alerts import AlertsQueued, queue_alerts
from handlers.fanout.digests import plan_digests
from handlers.reply import Reply, plain_text
from storage.models import NewsItem
from tests.event_support import add_rc26
from tests.helpers import send
from tests.outbox_support import rows

GRACE = dt.timedelta(hours=6)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)  # type: ignore[misc]


async def subscribe(app: App, chat_id: str, text: str, *, when: dt.datetime, tz: str | None = None,
                    lang: str = "en") -> None:
    app.deps.clock = lambda: when
    if tz:
        await send(app, f"/settings tz {tz}", chat_id=chat_id, lang=lang)
    reply = await send(app, text, chat_id=chat_id, lang=lang)
    assert not reply.is_error, plain_text(reply)


async def tick(app: App, now: dt.datetime) -> int:
    report = await plan_digests(app.uow, now, grace=GRACE, default_language="fr")
    return report.enqueued


async def digest_rows(app: App) -> list[tuple[str, dt.datetime]]:
    return [(r.dedupe_key, r.created_at) for r in await rows(app.uow) if r.kind == "digest"]


async def run_days(app: App, start: dt.datetime, days: int, step_minutes: int = 20) -> list[dt.datetime]:
    """Tick every ``step_minutes`` of simulated time; the instants at which a digest was enqueued."""
    sent_at = []
    now = start
    while now < start + dt.timedelta(days=days):
        if await tick(app, now):
            sent_at.append(now)
        now += dt.timedelta(minutes=step_minutes)
    return sent_at


async def test_paris_digest_stays_at_eight_across_the_october_change(app: App) -> None:
    # Europe/Paris leaves summer time on Sunday 26 October 2025 (03:00 CEST -> 02:00 CET)
    await subscribe(app, "p", "/subscribe digest 08:00", when=utc(2025, 10, 23, 12), tz="Europe/Paris")
    await send(app, "/settings empty on", chat_id="p")
    sent = await run_days(app, utc(2025, 10, 24, 0), 5)
    local = [s.astimezone(ZoneInfo("Europe/Paris")) for s in sent]
    assert [d.date().isoformat() for d in local] == [
        "2025-10-24", "2025-10-25", "2025-10-26", "2025-10-27", "2025-10-28"]
    assert all(dt.time(8, 0) <= d.time() < dt.time(8, 20) for d in local), local
    assert [s.hour for s in sent] == [6, 6, 7, 7, 7]  # UTC shifts, local time does not
    keys = [k for k, _ in await digest_rows(app)]
    assert len(keys) == 5 and len(set(keys)) == 5 and keys[2].endswith(":2025-10-26")


async def test_new_york_spring_forward_still_one_digest_a_day(app: App) -> None:
    # 8 March 2026: 02:00 EST jumps to 03:00 EDT, so 02:30 does not exist that day; the
    # Assembly is over by then, a later event is not (digests are offered for it)
    await add_rc26(app)
    await subscribe(app, "ny", "/subscribe digest 02:30", when=utc(2026, 3, 5, 12), tz="America/New_York")
    await send(app, "/settings empty on", chat_id="ny")
    sent = await run_days(app, utc(2026, 3, 6, 0), 4, step_minutes=15)
    local = [s.astimezone(ZoneInfo("America/New_York")) for s in sent]
    assert [d.date().day for d in local] == [6, 7, 8, 9]
    assert local[2].time() >= dt.time(3, 30) and local[2].time() < dt.time(3, 45)
    assert local[3].time() >= dt.time(2, 30) and local[3].time() < dt.time(2, 45)


async def test_restart_or_second_scheduler_does_not_double(app: App) -> None:
    await subscribe(app, "a", "/subscribe", when=utc(2025, 11, 23, 12))
    await send(app, "/settings empty on", chat_id="a")
    now = utc(2025, 11, 24, 7, 5)
    results = await asyncio.gather(tick(app, now), tick(app, now), tick(app, now))
    assert sum(results) == 1
    assert await tick(app, now + dt.timedelta(minutes=30)) == 0
    # a time change later the same day does not give a second digest for that day
    app.deps.clock = lambda: now + dt.timedelta(hours=1)
    await send(app, "/settings time 12:00", chat_id="a")
    assert await tick(app, utc(2025, 11, 24, 11, 30)) == 0
    assert await tick(app, utc(2025, 11, 25, 11, 30)) == 1
    assert [k.rsplit(":", 1)[1] for k, _ in await digest_rows(app)] == ["2025-11-24", "2025-11-25"]


async def test_missed_digest_is_sent_within_grace_else_skipped(app: App) -> None:
    # 20:00 in Casablanca (UTC+1) is 19:00 UTC
    await subscribe(app, "g", "/subscribe 20:00", when=utc(2025, 11, 22, 12))
    assert await tick(app, utc(2025, 11, 23, 19, 1)) == 0  # nothing new on the 23rd: no digest
    # down on the 24th from 18:00 to 23:30 UTC: 4.5 h late, within the 6 h grace
    assert await tick(app, utc(2025, 11, 24, 23, 30)) == 1
    [(key, _)] = await digest_rows(app)
    assert key.endswith(":2025-11-24")
    # down from the 25th 18:00 UTC to the 27th 02:00 UTC: 31 h and 7 h late, both skipped
    assert await tick(app, utc(2025, 11, 27, 2, 0)) == 0
    # the next digest covers everything since the last one sent (nothing lost)
    assert await tick(app, utc(2025, 11, 27, 19, 1)) == 1
    last = next(r for r in await rows(app.uow) if r.dedupe_key.endswith(":2025-11-27"))
    text = plain_text(Reply.from_dict(last.payload))
    assert "1 new item since 24 Nov 2025, 20:00" in text
    assert "UN Convention" in text  # published on the 27th


async def test_empty_digest_only_when_asked_and_content_follows_topics(app: App) -> None:
    await subscribe(app, "quiet", "/subscribe digest silver-notice", when=utc(2025, 11, 24, 14))
    await subscribe(app, "loud", "/subscribe digest silver-notice", when=utc(2025, 11, 24, 14))
    await send(app, "/settings empty on", chat_id="loud")
    await subscribe(app, "women", "/subscribe digest women-in-policing", when=utc(2025, 11, 24, 14),
                    lang="fr")
    assert await tick(app, utc(2025, 11, 25, 7, 1)) == 2
    by_chat = {r.dedupe_key.split(":")[1]: plain_text(Reply.from_dict(r.payload))
               for r in await rows(app.uow)}
    assert len(by_chat) == 2
    texts = sorted(by_chat.values())
    assert any("Nothing new since 24 Nov 2025, 15:00" in t for t in texts)
    fr = next(t for t in texts if t.startswith("Votre récapitulatif"))
    assert "Les femmes dans la police" in fr and "Gouvernance" not in fr


async def test_one_composition_per_distinct_digest(app: App) -> None:
    for i in range(30):
        await subscribe(app, f"en{i}", "/subscribe", when=utc(2025, 11, 23, 12), lang="en")
    for i in range(20):
        await subscribe(app, f"fr{i}", "/subscribe", when=utc(2025, 11, 23, 12), lang="fr")
    await send(app, "/lang fr", chat_id="fr0")
    report = await plan_digests(app.uow, utc(2025, 11, 25, 7, 1), grace=GRACE,
                                default_language="fr", batch_size=7)
    assert report.enqueued == 50 and report.composed == 2


async def test_scheduler_component_ticks_at_start(app: App) -> None:
    await subscribe(app, "s", "/subscribe 18:00", when=utc(2025, 11, 23, 12))
    woke = asyncio.Event()
    scheduler = DigestScheduler(app.uow, DigestSection(tick_seconds=3600), Fanout(
        default_language="en", clock=lambda: utc(2025, 11, 24, 17, 30), wake=woke.set))
    await scheduler.start()
    try:
        async with asyncio.timeout(10):
            await woke.wait()
    finally:
        await scheduler.stop()
    assert len(await digest_rows(app)) == 1


async def publish(app: App, topics: list[str], when: dt.datetime,
                  publisher: Fanout) -> AlertsQueued:
    async with app.uow() as uow:
        item = await uow.items.add(NewsItem(
            status="published", topics=topics, title={"fr": "Nouvelle", "en": "Breaking"},
            body={"fr": "Texte.", "en": "Text."}, published_at=when))
        return await queue_alerts(uow, publisher, item.id)


async def test_alerts_go_to_matching_chats_once_and_wait_for_quiet_hours(app: App) -> None:
    when = utc(2025, 11, 24, 22, 30)  # 23:30 in Casablanca, 23:30 in Paris
    await subscribe(app, "all", "/subscribe alerts", when=when)
    await subscribe(app, "cyber", "/subscribe alerts cybercrime", when=when)
    await subscribe(app, "gov", "/subscribe alerts governance", when=when)
    await subscribe(app, "digest-only", "/subscribe digest", when=when)
    await subscribe(app, "night", "/subscribe alerts", when=when, tz="Europe/Paris")
    await send(app, "/settings quiet 22:00-07:00", chat_id="night")
    publisher = Fanout(default_language="en", clock=lambda: when)
    # three chats, one of them in its quiet hours
    assert await publish(app, ["cybercrime"], when, publisher) == AlertsQueued(queued=3, held=1)
    alerts = [r for r in await rows(app.uow) if r.kind == "alert"]
    async with app.uow() as uow:
        names = {r.id: (await uow.chats.get(r.chat_id)).platform_chat_id for r in alerts}  # type: ignore[union-attr]
    got = {names[r.id]: r for r in alerts}
    assert set(got) == {"all", "cyber", "night"}
    assert got["all"].next_attempt_at == when
    assert got["night"].next_attempt_at == utc(2025, 11, 25, 6, 0)  # 07:00 in Paris
    assert "Breaking" in plain_text(Reply.from_dict(got["all"].payload))
    async with app.uow() as uow:
        # replay: no double
        assert await queue_alerts(uow, publisher, alerts[0].item_id) == AlertsQueued(0, 0)
