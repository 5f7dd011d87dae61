"""Subscription commands as a user sees them, and what they store, on both databases."""

from __future__ import annotations

import datetime as dt

from bot.app import App
from handlers import Request
from handlers.fanout import Fanout
from handlers.fanout.alerts import queue_alerts
from handlers.fanout.digests import plan_digests
from handlers.parse import parse_command
from handlers.reply import Reply, plain_text
from storage.models import NewsItem, Subscription
from tests.helpers import text_of
from tests.outbox_support import rows

NOW = dt.datetime(2025, 11, 24, 6, 0, tzinfo=dt.UTC)  # 07:00 in Casablanca (UTC+1)


def at(app: App, when: dt.datetime) -> None:
    app.deps.clock = lambda: when


async def subscription(app: App, chat_id: str = "c1", platform: str = "console") -> Subscription | None:
    async with app.uow() as uow:
        chat = await uow.chats.find(platform, chat_id)
        return None if chat is None else await uow.subscriptions.for_chat(chat.id)


async def group_says(app: App, text: str, *, admin: bool | None, lang: str = "en") -> str:
    async def check() -> bool:
        return bool(admin)

    command, args = parse_command(text)
    reply = await app.handle(Request(
        platform="telegram", chat_id="-100", user_id="7", command=command, args=args,
        chat_kind="supergroup", user_language=lang,
        check_chat_admin=None if admin is None else check,
    ))
    return plain_text(reply)


async def test_subscribe_defaults_to_the_daily_digest_at_eight(app: App) -> None:
    at(app, NOW)
    text = await text_of(app, "/subscribe", lang="en")
    assert "Subscription saved." in text
    assert "Daily digest: on, at 08:00 (Africa/Casablanca)" in text
    assert "Alerts: off" in text
    sub = await subscription(app)
    assert sub is not None and sub.digest and not sub.alerts
    # 08:00 in Casablanca (UTC+1 in November) is 07:00 UTC, later today
    assert sub.next_digest_at == dt.datetime(2025, 11, 24, 7, 0, tzinfo=dt.UTC)


async def test_subscribe_with_kind_time_and_topics_by_key_or_name(app: App) -> None:
    at(app, NOW)
    text = await text_of(app, "/subscribe both 7h30 Cybercriminalité GOUVERNANCE", lang="fr")
    assert "Récapitulatif quotidien\u00a0: oui, à 07:30 (Africa/Casablanca)" in text
    assert "Alertes\u00a0: oui" in text
    both = "Cybercriminalité, fraude en ligne et Convention de l’ONU, Gouvernance"
    assert f"Thèmes du récapitulatif\u00a0: {both}" in text and f"Thèmes des alertes\u00a0: {both}" in text
    sub = await subscription(app)
    assert sub is not None and sub.digest and sub.alerts
    assert sub.digest_time == "07:30"
    assert sub.digest_topics == sub.alerts_topics == ["cybercrime", "governance"]


async def test_topics_accept_keys_and_accentless_names(app: App) -> None:
    at(app, NOW)
    await text_of(app, "/subscribe alerts cybercrime governance", lang="en")
    sub = await subscription(app)
    assert sub is not None and sub.alerts_topics == ["cybercrime", "governance"]
    await text_of(app, "/settings topics women-in-policing", lang="en")
    sub = await subscription(app)
    assert sub is not None and sub.digest_topics == sub.alerts_topics == ["women-in-policing"]
    text = await text_of(app, "/settings topics quidditch", lang="en")
    assert "I don't understand “quidditch”" in text and "cybercrime" in text
    assert "Usage: /settings" in text


async def test_subscribe_rejects_unknown_words_with_usage(app: App) -> None:
    text = await text_of(app, "/subscribe weekly", lang="en")
    assert "I don't understand “weekly”" in text
    assert "Usage: /subscribe [digest|alerts|both] [HH:MM] [topics…]" in text
    assert await subscription(app) is None


async def test_unsubscribe_keeps_settings_and_resubscribe_restores_them(app: App) -> None:
    at(app, NOW)
    await text_of(app, "/subscribe both 06:45 cybercrime", lang="en")
    text = await text_of(app, "/unsubscribe alerts", lang="en")
    assert "Unsubscribed." in text and "Alerts: off" in text and "on, at 06:45" in text
    await text_of(app, "/unsubscribe", lang="en")
    sub = await subscription(app)
    assert sub is not None and not sub.digest and not sub.alerts and sub.next_digest_at is None
    assert sub.digest_topics == sub.alerts_topics == ["cybercrime"] and sub.digest_time == "06:45"
    again = await text_of(app, "/unsubscribe", lang="en")  # asking twice: the same answer
    assert "Unsubscribed." in again and "Daily digest: off" in again
    assert "has no subscription" in await text_of(app, "/unsubscribe", lang="en", chat_id="new")
    assert "choose digest, alerts or all" in await text_of(app, "/unsubscribe weekly", lang="en")
    await text_of(app, "/subscribe", lang="en")
    sub = await subscription(app)
    assert sub is not None and sub.digest and sub.digest_time == "06:45"


async def test_settings_show_and_change_each_value(app: App) -> None:
    at(app, NOW)
    await text_of(app, "/subscribe", lang="en")
    assert "Daily digest: on, at 07:30 (Europe/Paris)" in (
        await text_of(app, "/settings tz Europe/Paris", lang="en")
        and await text_of(app, "/settings time 07:30", lang="en"))
    assert "Unknown time zone “Mars/Olympus”" in await text_of(app, "/settings tz Mars/Olympus", lang="en")
    assert "“25:00” is not a time of day" in await text_of(app, "/settings time 25:00", lang="en")
    text = await text_of(app, "/settings quiet 22:00-07:00", lang="en")
    assert "Quiet hours: 22:00–07:00" in text
    assert "give a range" in await text_of(app, "/settings quiet 22:00", lang="en")
    assert "Digest even when empty: on" in await text_of(app, "/settings empty on", lang="en")
    assert "“maybe”: on or off" in await text_of(app, "/settings empty maybe", lang="en")
    assert "Unknown setting “colour”" in await text_of(app, "/settings colour red", lang="en")
    assert "needs a value" in await text_of(app, "/settings time", lang="en")
    fr = await text_of(app, "/settings lang fr", lang="en")
    assert "Réglage enregistré." in fr and "Langue\u00a0: fr" in fr
    sub = await subscription(app)
    assert sub is not None
    # 07:30 in Paris (UTC+1) = 06:30 UTC, already past at 06:00? no: 06:30 > 06:00 -> today
    assert sub.next_digest_at == dt.datetime(2025, 11, 24, 6, 30, tzinfo=dt.UTC)
    assert sub.quiet_start == "22:00" and sub.quiet_end == "07:00" and sub.notify_empty


async def test_in_a_group_only_its_admins_change_the_subscription(app: App) -> None:
    at(app, NOW)
    refused = await group_says(app, "/subscribe", admin=False)
    assert "only its administrators" in refused
    assert await subscription(app, "-100", "telegram") is None
    assert "only its administrators" in await group_says(app, "/subscribe", admin=None)
    assert "Subscription saved." in await group_says(app, "/subscribe alerts", admin=True)
    assert "only its administrators" in await group_says(app, "/settings time 09:00", admin=False)
    # anyone may look at the settings
    assert "Alerts: on" in await group_says(app, "/settings", admin=False)
    assert "only its administrators" in await group_says(app, "/unsubscribe", admin=False)
    sub = await subscription(app, "-100", "telegram")
    assert sub is not None and sub.alerts


async def test_digest_preview_groups_by_topic_in_the_chat_language(app: App) -> None:
    at(app, dt.datetime(2025, 11, 23, 12, 0, tzinfo=dt.UTC))
    await text_of(app, "/subscribe digest cybercrime governance", lang="en")
    at(app, dt.datetime(2025, 11, 25, 8, 0, tzinfo=dt.UTC))
    text = await text_of(app, "/digest", lang="en")
    lines = text.splitlines()
    assert lines[0] == "Your digest — Tuesday 25 November 2025"
    cyber = lines.index("Cybercrime, online fraud and the UN Convention")
    gov = lines.index("Governance: the Assembly, Executive Committee and presidency")
    assert cyber < gov  # topic-table order
    assert "Women in policing" not in text  # not a followed topic
    assert "Sources: Article" in text and "Settings: /settings" in text  # both articles
    fr = await text_of(app, "/digest", lang="fr", chat_id="c2")
    assert fr.splitlines()[0] == "Votre récapitulatif — mardi 25 novembre 2025"
    assert "Rien de nouveau" not in fr


async def test_digest_preview_says_when_nothing_is_new(app: App) -> None:
    at(app, dt.datetime(2025, 12, 1, 8, 0, tzinfo=dt.UTC))
    await text_of(app, "/subscribe", lang="en")
    at(app, dt.datetime(2025, 12, 2, 8, 0, tzinfo=dt.UTC))
    assert "Nothing new since 1 Dec 2025, 09:00" in await text_of(app, "/digest", lang="en")


CYBER = "Cybercrime, online fraud and the UN Convention"
GOV = "Governance: the Assembly, Executive Committee and presidency"


async def test_alerts_and_digest_each_get_exactly_the_topics_asked(app: App) -> None:
    """/subscribe alerts cybercrime, then /subscribe digest: alerts on cybercrime only and a
    digest of every topic — what the chat receives, not only what /settings says."""
    at(app, NOW)
    text = await text_of(app, "/subscribe alerts cybercrime", lang="en")
    assert "Alerts: on" in text and f"Alert topics: {CYBER}" in text
    assert "Daily digest: off" in text
    text = await text_of(app, "/subscribe digest", lang="en")
    assert "Daily digest: on, at 08:00 (Africa/Casablanca)" in text
    assert "Digest topics: all" in text and f"Alert topics: {CYBER}" in text
    assert f"Alert topics: {CYBER}" in await text_of(app, "/settings", lang="en")

    when = NOW + dt.timedelta(hours=1)
    publisher = Fanout(default_language="en", clock=lambda: when)
    async with app.uow() as uow:
        for title, topics in (("Ransomware ring taken down", ["cybercrime"]),
                              ("Vice-president elected", ["governance"])):
            item = await uow.items.add(NewsItem(
                status="published", topics=topics, title={"en": title, "fr": title},
                body={"en": "Text.", "fr": "Texte."}, published_at=when))
            await queue_alerts(uow, publisher, item.id)
    alerts = [plain_text(Reply.from_dict(r.payload)) for r in await rows(app.uow) if r.kind == "alert"]
    assert len(alerts) == 1 and alerts[0].startswith("Ransomware ring taken down")

    report = await plan_digests(app.uow, dt.datetime(2025, 11, 25, 7, 1, tzinfo=dt.UTC),
                                grace=dt.timedelta(hours=6), default_language="en")
    assert report.enqueued == 1
    [digest] = [plain_text(Reply.from_dict(r.payload)) for r in await rows(app.uow)
                if r.kind == "digest"]
    assert "Ransomware ring taken down" in digest and "Vice-president elected" in digest
    assert GOV in digest


async def test_settings_topics_address_one_kind_or_both(app: App) -> None:
    at(app, NOW)
    await text_of(app, "/subscribe both", lang="en")
    text = await text_of(app, "/settings topics alerts governance", lang="en")
    assert f"Alert topics: {GOV}" in text and "Digest topics: all" in text
    text = await text_of(app, "/settings topics digest cybercrime", lang="en")
    assert f"Digest topics: {CYBER}" in text and f"Alert topics: {GOV}" in text
    text = await text_of(app, "/settings topics alerts all", lang="en")
    assert "Alert topics: all" in text and f"Digest topics: {CYBER}" in text
    text = await text_of(app, "/settings topics women-in-policing", lang="en")  # no kind: both
    assert "Digest topics: Women in policing" in text and "Alert topics: Women in policing" in text
    text = await text_of(app, "/settings topics all", lang="en")
    assert "Digest topics: all" in text and "Alert topics: all" in text
    await text_of(app, "/settings lang fr", lang="en")
    fr = await text_of(app, "/settings thèmes alertes gouvernance", lang="fr")
    assert "Thèmes des alertes\u00a0: Gouvernance" in fr and "Thèmes du récapitulatif\u00a0: tous" in fr
    fr = await text_of(app, "/settings thèmes récap cybercriminalité", lang="fr")
    assert "Thèmes du récapitulatif\u00a0: Cybercriminalité" in fr and "Thèmes des alertes\u00a0: Gouvernance" in fr
    assert "Quels thèmes pour «\u202falertes\u202f»\u202f?" in await text_of(app, "/settings topics alertes", lang="fr")
    await text_of(app, "/settings lang en", lang="en")
    assert "Which topics for “alerts”?" in await text_of(app, "/settings topics alerts", lang="en")
    assert "I don't understand “quidditch”" in await text_of(
        app, "/settings topics digest quidditch", lang="en")
    sub = await subscription(app)
    assert sub is not None and sub.digest_topics == ["cybercrime"] and sub.alerts_topics == ["governance"]
