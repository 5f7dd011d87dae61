"""The Telegram Mini App's API through the App's real HTTP server: initData forged, expired,
in the future, missing or malformed gets 401 and nothing else; the agenda and the news in
the reader's language (French, Arabic right to left); an admin's drafts and Publish, which
queues the alerts exactly as /publish does from chat."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from bot.app import App
from bot.web.initdata import sign
from storage.models import Chat, NewsItem, OutboxMessage
from tests.helpers import send, text_of
from tests.miniapp_support import (
    NOW,
    OWNER,
    READER,
    TOKEN,
    Clock,
    init_data,
    miniapp_server,
    miniapp_settings,
)

API = ("/app/api/me", "/app/api/agenda", "/app/api/news", "/app/api/drafts")
OWNER_CHAT = {"platform": "telegram", "chat_id": str(OWNER), "user_id": str(OWNER)}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def mini(db_url: str, clock: Clock) -> AsyncIterator[tuple[App, TestServer]]:
    async with App(miniapp_settings(db_url), clock=clock) as app, miniapp_server(app) as server:
        yield app, server


async def fetch(server: TestServer, path: str, data: str | None, method: str = "GET",
                ) -> tuple[int, str, dict[str, str]]:
    headers = {} if data is None else {"X-Telegram-Init-Data": data}
    async with aiohttp.ClientSession() as s, s.request(method, server.make_url(path),
                                                       headers=headers) as r:
        return r.status, await r.text(), dict(r.headers)


def _forged_fields(**change: str) -> dict[str, str]:
    fields = {"auth_date": str(int(NOW.timestamp())), "query_id": "AAH",
              "user": '{"id":4242,"first_name":"Amina","language_code":"fr"}'}
    return {**fields, **change}


BAD = {
    "missing": None,
    "empty": "",
    "forged (another bot's token)": init_data(OWNER, token="999:OTHER"),
    "no hash": urlencode(_forged_fields()),
    "hash of other fields": init_data(OWNER).replace("Amina", "Eve"),
    "another user, same hash": init_data(READER).replace(f"%22id%22%3A{READER}",
                                                         f"%22id%22%3A{OWNER}"),
    "malformed query string": "user=%7B&&hash",
    "repeated field": init_data(OWNER) + "&auth_date=1",
    "user not JSON": sign(_forged_fields(user="{not json"), TOKEN),
    "user without an id": sign(_forged_fields(user='{"first_name":"A"}'), TOKEN),
    "user id a string": sign(_forged_fields(user='{"id":"4242"}'), TOKEN),
    "auth_date not a number": sign(_forged_fields(auth_date="yesterday"), TOKEN),
    "no auth_date": sign({k: v for k, v in _forged_fields().items() if k != "auth_date"}, TOKEN),
    "expired (over an hour old)": init_data(OWNER, at=NOW - dt.timedelta(seconds=3601)),
    "from the future": init_data(OWNER, at=NOW + dt.timedelta(minutes=2)),
    "too long": init_data(OWNER, first_name="A" * 5000),
}


@pytest.mark.parametrize("case", list(BAD))
async def test_bad_init_data_gets_401_and_an_empty_body(mini: tuple[App, TestServer],
                                                        case: str) -> None:
    _, server = mini
    for path in API:
        status, body, headers = await fetch(server, path, BAD[case])
        assert (status, body) == (401, ""), (case, path)
        assert headers["Cache-Control"] == "no-store"
    status, body, _ = await fetch(server, "/app/api/publish/1", BAD[case], "POST")
    assert (status, body) == (401, "")


async def test_init_data_within_the_age_and_the_clock_skew_is_accepted(
        mini: tuple[App, TestServer]) -> None:
    _, server = mini
    for at in (NOW - dt.timedelta(seconds=3590), NOW + dt.timedelta(seconds=50)):
        status, body, _ = await fetch(server, "/app/api/news", init_data(READER, at=at))
        assert status == 200 and "Dernières nouvelles" in body


async def test_the_age_limit_is_the_configured_one(db_url: str) -> None:
    async with App(miniapp_settings(db_url, miniapp_max_age_seconds=120), clock=Clock()) as app, \
            miniapp_server(app) as server:
        old = init_data(READER, at=NOW - dt.timedelta(seconds=180))
        assert (await fetch(server, "/app/api/news", old))[0] == 401
        fresh = init_data(READER, at=NOW - dt.timedelta(seconds=60))
        assert (await fetch(server, "/app/api/news", fresh))[0] == 200


async def test_an_init_data_expires_as_the_apps_clock_moves(mini: tuple[App, TestServer],
                                                            clock: Clock) -> None:
    _, server = mini
    data = init_data(READER)
    assert (await fetch(server, "/app/api/agenda", data))[0] == 200
    clock.now = NOW + dt.timedelta(hours=1, seconds=1)
    assert (await fetch(server, "/app/api/agenda", data))[0] == 401


async def test_french_reader_sees_the_agenda_by_day_and_the_latest_news(
        mini: tuple[App, TestServer]) -> None:
    app, server = mini
    status, agenda, headers = await fetch(server, "/app/api/agenda", init_data(READER, "fr-FR"))
    assert status == 200 and headers["Cache-Control"] == "no-store"
    assert headers["Content-Language"] == "fr"
    assert 'lang="fr" dir="ltr"' in agenda
    assert "<h2>Programme</h2>" in agenda
    assert "lundi 24 novembre 2025" in agenda.lower()
    assert "Cérémonie d’ouverture" in agenda
    assert "Jour non précisé" in agenda  # sessions the sources give no day for
    assert "heure non précisée par les sources" in agenda
    _, news, _ = await fetch(server, "/app/api/news", init_data(READER, "fr"))
    async with app.uow() as uow:
        latest = (await uow.items.latest(1))[0]
    assert "<h2>Dernières nouvelles</h2>" in news
    assert latest.title["fr"] in news
    assert "Sources" in news or "Source" in news


async def test_arabic_reader_reads_right_to_left_in_arabic(mini: tuple[App, TestServer]) -> None:
    app, server = mini
    data = init_data(READER, "ar")
    _, nav, _ = await fetch(server, "/app/api/me", data)
    assert 'data-dir="rtl"' in nav and 'data-lang="ar"' in nav
    status, agenda, headers = await fetch(server, "/app/api/agenda", data)
    assert status == 200 and headers["Content-Language"] == "ar"
    assert 'lang="ar" dir="rtl"' in agenda
    assert "<h2>جدول الأعمال</h2>" in agenda
    assert "حفل الافتتاح" in agenda
    _, news, _ = await fetch(server, "/app/api/news", data)
    async with app.uow() as uow:
        latest = (await uow.items.latest(1))[0]
    assert 'dir="rtl"' in news and latest.title["ar"] in news


async def test_an_unknown_or_absent_language_reads_in_the_default_one(
        mini: tuple[App, TestServer]) -> None:
    _, server = mini
    for lang in ("de", None):
        _, agenda, headers = await fetch(server, "/app/api/agenda", init_data(READER, lang))
        assert headers["Content-Language"] == "fr" and "<h2>Programme</h2>" in agenda


async def test_readers_get_no_drafts_and_cannot_publish(mini: tuple[App, TestServer]) -> None:
    app, server = mini
    reply = await send(app, "/additem Brouillon secret\nTexte.", **OWNER_CHAT)
    item_id = int(reply.buttons[0].args)
    data = init_data(READER)
    _, nav, _ = await fetch(server, "/app/api/me", data)
    assert 'data-view="news"' in nav and "drafts" not in nav
    assert (await fetch(server, "/app/api/drafts", data))[:2] == (403, "")
    assert (await fetch(server, f"/app/api/publish/{item_id}", data, "POST"))[:2] == (403, "")
    async with app.uow() as uow:
        assert (await uow.items.get(item_id)).status == "draft"  # type: ignore[union-attr]


async def _alerts_of(app: App, item_id: int) -> list[tuple[str, str, str]]:
    async with app.uow() as uow:
        rows = (await uow.session.execute(
            select(Chat.platform, Chat.platform_chat_id, OutboxMessage.kind)
            .join(Chat, Chat.id == OutboxMessage.chat_id)
            .where(OutboxMessage.item_id == item_id).order_by(Chat.id))).all()
    return [(platform, chat, kind) for platform, chat, kind in rows]


async def test_an_admin_publishes_a_draft_and_alerts_are_queued_as_from_publish(
        mini: tuple[App, TestServer]) -> None:
    app, server = mini
    for reader in ("r1", "r2"):
        await text_of(app, "/subscribe alerts", platform="telegram", chat_id=reader,
                      user_id=reader)
    from_chat = int((await send(app, "/additem Publiée depuis le chat\nTexte.",
                                **OWNER_CHAT)).buttons[0].args)
    from_app = int((await send(app, "/additem Publiée depuis <b>l’app</b>\nTexte & suite.",
                               **OWNER_CHAT)).buttons[0].args)
    assert "publiée" in await text_of(app, f"/publish {from_chat} confirm", **OWNER_CHAT)

    data = init_data(OWNER)
    _, nav, _ = await fetch(server, "/app/api/me", data)
    assert 'data-view="drafts"' in nav and "Brouillons" in nav
    status, drafts, headers = await fetch(server, "/app/api/drafts", data)
    assert status == 200 and headers["Cache-Control"] == "no-store"
    assert f'data-publish="{from_app}"' in drafts
    assert "Publiée depuis &lt;b&gt;l’app&lt;/b&gt;" in drafts  # escaped, never markup
    assert "<b>" not in drafts
    assert "Texte &amp; suite." in drafts

    status, answer, _ = await fetch(server, f"/app/api/publish/{from_app}", data, "POST")
    assert status == 200 and f"Nouvelle #{from_app} publiée. Alertes en file : 2" in answer.replace("\u00a0", " ")
    async with app.uow() as uow:
        item = await uow.items.get(from_app)
        assert item is not None and item.status == "published"
    chat_alerts = await _alerts_of(app, from_chat)
    app_alerts = await _alerts_of(app, from_app)
    assert chat_alerts == app_alerts
    assert [chat for _, chat, _ in app_alerts] == ["r1", "r2"]

    _, news, _ = await fetch(server, "/app/api/news", init_data(READER))
    assert "Publiée depuis &lt;b&gt;l’app&lt;/b&gt;" in news
    _, drafts, _ = await fetch(server, "/app/api/drafts", data)
    assert f'data-publish="{from_app}"' not in drafts
    # a second click: the command's own answer, nothing queued twice
    status, again, _ = await fetch(server, f"/app/api/publish/{from_app}", data, "POST")
    assert status == 400 and "déjà publiée" in again
    assert await _alerts_of(app, from_app) == app_alerts


async def test_a_draft_changed_after_the_admin_saw_it_is_shown_again_not_published(
        mini: tuple[App, TestServer]) -> None:
    app, server = mini
    item_id = int((await send(app, "/additem Version une\nTexte.", **OWNER_CHAT)).buttons[0].args)
    data = init_data(OWNER)
    await fetch(server, "/app/api/drafts", data)  # the admin sees "Version une"
    async with app.uow() as uow:  # another admin's change, after that look
        from handlers.base import Request
        from handlers.desk import audit
        item = await uow.items.get(item_id)
        assert item is not None
        before = {"title": dict(item.title)}
        item.title = {**item.title, "fr": "Version deux"}
        await audit(uow, Request(platform="telegram", chat_id="9", user_id="9", command="edititem"),
                    "item.edit", f"item:{item_id}", before, {"title": dict(item.title)},
                    deps=app.deps)
    status, answer, _ = await fetch(server, f"/app/api/publish/{item_id}", data, "POST")
    assert status == 200 and "Version deux" in answer
    async with app.uow() as uow:
        count = await uow.session.scalar(select(func.count()).select_from(NewsItem).where(
            NewsItem.id == item_id, NewsItem.status == "draft"))
    assert count == 1  # not published: the admin now has seen the new state
    status, answer, _ = await fetch(server, f"/app/api/publish/{item_id}", data, "POST")
    assert status == 200 and "publiée" in answer


async def test_the_shell_loads_telegrams_script_and_follows_its_theme(
        mini: tuple[App, TestServer]) -> None:
    _, server = mini
    async with aiohttp.ClientSession() as s:
        async with s.get(server.make_url("/app"), headers={"Accept-Language": "ar-MA,fr;q=0.5"}) as r:
            shell, headers = await r.text(), r.headers
        async with s.get(server.make_url("/app/miniapp.js")) as r:
            script = await r.text()
            assert r.status == 200 and r.content_type == "application/javascript"
    assert '<script src="https://telegram.org/js/telegram-web-app.js" async></script>' in shell
    assert "var(--tg-theme-bg-color" in shell and "var(--tg-theme-text-color" in shell
    assert '<html lang="ar" dir="rtl">' in shell
    assert "script-src 'self' https://telegram.org" in headers["Content-Security-Policy"]
    assert "X-Telegram-Init-Data" in script and "tgWebAppData" in script
    assert "Telegram.WebApp" in script


async def test_publish_of_an_unknown_item_is_the_commands_message(
        mini: tuple[App, TestServer]) -> None:
    _, server = mini
    status, answer, _ = await fetch(server, "/app/api/publish/999999", init_data(OWNER), "POST")
    assert status == 400 and "999999" in answer
    assert (await fetch(server, "/app/api/publish/abc", init_data(OWNER), "POST"))[0] == 404


async def test_the_mini_app_shares_the_public_parts_rate_limit(sqlite_url: str) -> None:
    """Beyond ``public_per_minute`` a client gets 429 from the shell and the API alike."""
    settings = miniapp_settings(sqlite_url, public_per_minute=2)
    async with App(settings, clock=Clock()) as app, miniapp_server(app) as server:
        async with aiohttp.ClientSession() as client:
            statuses = [(await client.get(server.make_url("/app"))).status for _ in range(2)]
            limited = await client.get(server.make_url("/app/api/agenda"))
        assert statuses == [200, 200] and limited.status == 429
        assert int(limited.headers["Retry-After"]) > 0
