"""The public pages as a reader's browser gets them: the real App, the real aiohttp server."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient, TestServer

from bot.app import App
from bot.http import OperatorHTTP
from tests.conftest import make_settings
from tests.helpers import send
from tests.web_support import OWNER, h1s, html_tag, published_item, site

PAGES = ("/", "/news", "/news/10", "/agenda", "/search", "/search?q=cybercriminalite")


async def test_every_page_answers_with_one_h1_in_each_language(db_url: str) -> None:
    async with site(db_url) as (_, client):
        for path in PAGES:
            r = await client.get(path)
            html = await r.text()
            assert r.status == 200, (path, html[:300])
            assert len(h1s(html)) == 1, path
            assert html_tag(html) == '<html lang="fr" dir="ltr">'  # [bot] default_language
            for landmark in ("<header>", "<nav ", "<main ", "<footer>", 'name="viewport"',
                             'class="skip" href="#content"'):
                assert landmark in html, (path, landmark)
            assert "<script" not in html  # readable without any script
        r = await client.get("/?lang=ar")
        html = await r.text()
        assert html_tag(html) == '<html lang="ar" dir="rtl">'
        assert "الأخبار" in html  # the navigation in Arabic
        r = await client.get("/agenda", headers={"Accept-Language": "de-DE,es;q=0.8,en;q=0.5"})
        assert html_tag(await r.text()) == '<html lang="es" dir="ltr">'
        r = await client.get("/news?lang=en", headers={"Accept-Language": "es"})
        html = await r.text()
        assert html_tag(html) == '<html lang="en" dir="ltr">' and "<h1>News</h1>" in html
        assert 'href="/news/10?lang=en"' in html  # links keep the language asked for
        assert 'href="/news?lang=ar"' in html  # the language switcher


async def test_event_page_shows_phase_figures_with_sources_and_latest_news(db_url: str) -> None:
    async with site(db_url) as (_, client):
        html = await (await client.get("/?lang=en")).text()
    assert h1s(html) == ["<bdi>93rd INTERPOL General Assembly</bdi>"]
    assert "took place in Marrakesh, Morocco" in html and "<dd>over</dd>" in html
    # the sources disagree on the countries: both values, each with its source
    countries = html.split("Countries represented")[1].split("</ul>")[0]
    assert "The sources disagree" in countries
    assert "179 countries" in countries and "196 countries" in countries
    assert countries.count('class="sources"') == 2
    assert html.count('href="/news/') >= 10


async def test_search_finds_an_item_and_escapes_its_script_title(db_url: str) -> None:
    async with site(db_url) as (app, client):
        item_id = await published_item(app, "<script>alert(1)</script> Marrakech",
                                       body="Un texte <b>gras</b> sur Zanzibarique.")
        html = await (await client.get("/search", params={"q": "zanzibarique"})).text()
        assert f'href="/news/{item_id}"' in html
        assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        page = await (await client.get(f"/news/{item_id}")).text()
        assert "<script>" not in page and "&lt;script&gt;" in page and "<b>" not in page
        query = await (await client.get("/search", params={"q": "<script>x"})).text()
        assert "<script>x" not in query and 'value="&lt;script&gt;x"' in query
        hint = await (await client.get("/search?q=a")).text()
        assert "Tapez au moins deux lettres." in hint and '<label for="q">' in hint
        assert 'href="/news/' not in hint.split("<main")[1]


async def test_item_page_sources_corrections_and_404s(db_url: str) -> None:
    async with site(db_url) as (app, client):
        item_id = await published_item(app, "Interpol adopte la résolution",
                                       body="Premier paragraphe.\n\nSecond paragraphe.")
        html = await (await client.get(f"/news/{item_id}?lang=fr")).text()
        assert h1s(html) == ["<bdi>Interpol adopte la résolution</bdi>"]
        assert "<p><bdi>Premier paragraphe.</bdi></p>" in html
        assert "<p><bdi>Second paragraphe.</bdi></p>" in html
        assert '<a href="https://lematin.ma/a"><bdi>Le Matin</bdi></a>' in html
        assert "Corrections" not in html
        await send(app, f"/edititem {item_id} title Résolution adoptée", **OWNER)
        html = await (await client.get(f"/news/{item_id}")).text()
        assert "Résolution adoptée" in html and "Corrigé le" in html and "titre (fr)" in html
        english = await (await client.get(f"/news/{item_id}?lang=en")).text()
        assert "Corrected on" in english and "title (fr)" in english
        assert "(in French)" in english  # no English text yet: the fallback is marked
        draft = await send(app, "/additem Brouillon topics=cybercrime\nTexte.", **OWNER)
        draft_id = int(draft.buttons[0].args)
        for gone in (f"/news/{draft_id}", "/news/99999", "/news/abc", "/agenda?event=nope"):
            r = await client.get(gone)
            assert r.status == 404 and "Page introuvable" in await r.text(), gone
        await send(app, f"/delitem {item_id}", **OWNER)
        r = await client.get(f"/news/{item_id}?lang=en")
        assert r.status == 404 and "<h1>Page not found</h1>" in await r.text()


async def test_agenda_by_day_with_status_and_no_invented_times(db_url: str) -> None:
    async with site(db_url) as (_, client):
        html = await (await client.get("/agenda?lang=en")).text()
    assert len(h1s(html)) == 1
    assert "<h2>Monday 24 November 2025</h2>" in html
    assert "time not given by the sources" in html  # the 93rd Assembly's sessions have no times


async def test_304_on_etag_and_last_modified(db_url: str) -> None:
    async with site(db_url) as (_, client):
        for path in ("/", "/news", "/news/10", "/feed.atom"):
            r = await client.get(path)
            etag, modified = r.headers["ETag"], r.headers["Last-Modified"]
            again = await client.get(path, headers={"If-None-Match": etag})
            assert again.status == 304 and await again.read() == b"", path
            since = await client.get(path, headers={"If-Modified-Since": modified})
            assert since.status == 304, path
            other = await client.get(path, headers={"If-None-Match": '"other"'})
            assert other.status == 200 and await other.read()


async def test_rate_limit_method_body_and_metrics(db_url: str) -> None:
    async with site(db_url, public_per_minute=3) as (_, client):
        assert [(await client.get("/news")).status for _ in range(3)] == [200, 200, 200]
        r = await client.get("/news")
        assert r.status == 429 and int(r.headers["Retry-After"]) >= 1
        # behind our own proxy (a request from 127.0.0.1), the first X-Forwarded-For counts
        r = await client.get("/news", headers={"X-Forwarded-For": "203.0.113.9, 10.0.0.1"})
        assert r.status == 200
        assert (await client.post("/news", data=b"x")).status == 405
        assert (await client.get("/feed.atom", data=b"x" * 10, headers={
            "X-Forwarded-For": "198.51.100.7"})).status == 413  # no bodies
        r = await client.get("/healthz")  # the operators' routes are not limited
        assert r.status == 200
        metrics = (await client.get("/metrics")).text
        body = await metrics()
    assert re.search(r'newsbot_web_requests_total\{route="news",status="200"\} 4\.0', body)
    assert re.search(r'newsbot_web_requests_total\{route="feed",status="413"\} 1\.0', body)
    assert re.search(r'newsbot_web_requests_total\{route="news",status="429"\} 1\.0', body)


async def test_public_off_means_no_pages(db_url: str) -> None:
    async with App(make_settings(db_url)) as app, \
            TestClient(TestServer(OperatorHTTP(app).web_app())) as client:
        assert (await client.get("/")).status == 404
        assert (await client.get("/feed.atom")).status == 404
        assert (await client.get("/healthz")).status == 200


def test_templates_say_only_listed_catalog_keys() -> None:
    from bot.web.site import TEMPLATE_KEYS, TEMPLATES
    from handlers.catalog import CATALOG

    said = set()
    for path in TEMPLATES.glob("*.html"):
        said |= set(re.findall(r"page\.(?:t|label)\('([a-z_.]+)'", path.read_text()))
        said |= set(re.findall(r"page\.t\('([a-z_.]+)' if", path.read_text()))
    said |= {"source"}  # page.t('sources' if … else 'source')
    assert said <= set(TEMPLATE_KEYS) and all(k in CATALOG for k in TEMPLATE_KEYS)


def test_accept_language_by_quality() -> None:
    from bot.web.site import accepted_language

    assert accepted_language("de-CH, ar-MA;q=0.9, en;q=0.8") == "ar"
    assert accepted_language("en;q=0.2, es-419;q=0.7") == "es"
    assert accepted_language("fr;q=0, de") is None  # q=0: not acceptable
    assert accepted_language("*, ;q=x,,") is None


def test_templates_ship_as_package_data() -> None:
    import tomllib

    from bot.web.site import TEMPLATES
    from tests.conftest import ROOT

    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = data["tool"]["setuptools"]["package-data"]["bot"]
    shipped = {p for pattern in patterns for p in (ROOT / "bot").glob(pattern)}
    assert set(TEMPLATES.glob("*.html")) <= shipped


async def test_head_and_a_failing_page(db_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bot.web import site as site_module

    async with site(db_url) as (_, client):
        r = await client.head("/news")
        assert r.status == 200 and r.headers["ETag"] and await r.read() == b""

        async def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("database gone")
        monkeypatch.setattr(site_module.Site, "_event", broken)
        r = await client.get("/?lang=en")
        assert r.status == 500 and "<h1>Page unavailable</h1>" in await r.text()


async def test_agenda_of_another_event_with_times_rooms_and_status(db_url: str) -> None:
    from tests.programme_support import EVENT_KEY, add_programme

    async with site(db_url) as (app, client):
        await add_programme(app.uow)
        html = await (await client.get(f"/agenda?event={EVENT_KEY}&lang=en")).text()
    assert "<bdi>Rehearsal Conference 2026</bdi>" in html
    days = re.findall(r"<h2>(.*?)</h2>", html)
    assert days == ["Wednesday 10 June 2026", "Thursday 11 June 2026", "Friday 12 June 2026"]
    first = html.split("<h2>Wednesday 10 June 2026</h2>")[1].split("</section>")[0]
    assert first.index("09:00–09:45") < first.index("10:20–11:00") < first.index("14:00–15:00")
    assert "Room B" in first and "time not given" not in first
    cancelled = re.search(r'<li class="cancelled">(.*?)</li>', first, re.S)
    assert cancelled and "Drone session" in cancelled.group(1) and "(cancelled)" in cancelled.group(1)
