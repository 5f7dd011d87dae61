"""The Mini App in a real browser (headless Chromium through Selenium) against the App's own
HTTP server: what a reader sees in French and in Arabic, an admin publishing a draft, and
a forged initData. Telegram's script is out of reach, as in any test: the page reads initData
from the ``#tgWebAppData=`` fragment Telegram opens it with."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestServer

from bot.app import App
from handlers.i18n import t
from tests.helpers import send
from tests.miniapp_support import OWNER, READER, Clock, init_data, miniapp_server, miniapp_settings

pytestmark = pytest.mark.timeout(120)
WAIT = 20


@pytest.fixture
async def served(sqlite_url: str) -> AsyncIterator[tuple[App, TestServer]]:
    async with App(miniapp_settings(sqlite_url), clock=Clock()) as app, \
            miniapp_server(app) as server:
        yield app, server


def seen(text: str) -> str:
    """A text as WebDriver reads it off the page (no-break spaces read as spaces)."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


class Page:
    """The browser on the Mini App; each step runs in a thread so the server keeps serving."""

    def __init__(self, driver: Any, server: TestServer) -> None:
        self.driver, self.server = driver, server

    async def open(self, data: str | None) -> None:
        url = str(self.server.make_url("/app"))
        if data is not None:  # as Telegram opens a Mini App
            url += (f"#tgWebAppData={quote(data, safe='')}&tgWebAppVersion=8.0"
                    "&tgWebAppPlatform=tdesktop")
        await asyncio.to_thread(self.driver.get, url)

    async def until(self, condition: Callable[[Any], Any]) -> Any:
        from selenium.webdriver.support.ui import WebDriverWait

        return await asyncio.to_thread(WebDriverWait(self.driver, WAIT).until, condition)

    async def shown(self, css: str, text: str | None = None) -> Any:
        """The first visible element matching ``css`` (containing ``text``), once there."""
        from selenium.webdriver.common.by import By

        def found(d: Any) -> Any:
            for element in d.find_elements(By.CSS_SELECTOR, css):
                if element.is_displayed() and (text is None or text in element.text):
                    return element
            return False
        return await self.until(found)

    async def text(self, css: str) -> str:
        from selenium.webdriver.common.by import By

        return await asyncio.to_thread(
            lambda: " ".join(e.text for e in self.driver.find_elements(By.CSS_SELECTOR, css)))

    async def attribute(self, css: str, name: str) -> str | None:
        from selenium.webdriver.common.by import By

        return await asyncio.to_thread(
            lambda: self.driver.find_element(By.CSS_SELECTOR, css).get_attribute(name))

    async def click(self, element: Any) -> None:
        await asyncio.to_thread(element.click)


@pytest.fixture
def page(browser: Any, served: tuple[App, TestServer]) -> Page:
    return Page(browser, served[1])


async def latest_titles(app: App, lang: str, n: int = 3) -> list[str]:
    async with app.uow() as uow:
        return [i.title[lang] for i in await uow.items.latest(n)]


async def test_a_french_reader_sees_the_agenda_and_the_news(
        page: Page, served: tuple[App, TestServer]) -> None:
    app, _ = served
    await page.open(init_data(READER, "fr"))
    heading = await page.shown("#view-agenda h2")
    assert heading.text == "Programme"
    assert await page.attribute("html", "lang") == "fr"
    assert await page.attribute("html", "dir") == "ltr"
    agenda = await page.text("#view-agenda")
    assert "Cérémonie d’ouverture" in agenda and "lundi 24 novembre 2025" in agenda
    assert "Jour non précisé" in agenda
    tabs = await page.text("#tabs")
    assert "Dernières nouvelles" in tabs and "Brouillons" not in tabs  # not an admin
    assert await page.text("#view-news") == ""  # the other view is hidden until chosen
    await page.click(await page.shown("#tabs button", "Dernières nouvelles"))
    await page.shown("#view-news h2", "Dernières nouvelles")
    news = await page.text("#view-news")
    for title in await latest_titles(app, "fr"):
        assert title in news
    assert await page.text("#view-agenda") == ""


async def test_an_arabic_reader_reads_right_to_left(page: Page, served: tuple[App, TestServer],
                                                   ) -> None:
    app, _ = served
    await page.open(init_data(READER, "ar"))
    heading = await page.shown("#view-agenda h2")
    assert heading.text == "جدول الأعمال"
    assert await page.attribute("html", "dir") == "rtl"
    assert await page.attribute("html", "lang") == "ar"
    assert await page.attribute("#view-agenda .reply", "dir") == "rtl"
    assert "حفل الافتتاح" in await page.text("#view-agenda")
    await page.click(await page.shown("#tabs button", "آخر الأخبار"))
    await page.shown("#view-news h2")
    news = await page.text("#view-news")
    for title in await latest_titles(app, "ar"):
        assert title in news


async def test_an_admin_publishes_a_draft_and_it_appears_in_the_news(
        page: Page, served: tuple[App, TestServer]) -> None:
    app, _ = served
    owner = {"platform": "telegram", "chat_id": str(OWNER), "user_id": str(OWNER)}
    reply = await send(app, "/additem Vote du rapport <annuel>\nLe texte du brouillon.", **owner)
    item_id = int(reply.buttons[0].args)
    await page.open(init_data(OWNER, "fr"))
    await page.shown("#view-agenda h2")
    await page.click(await page.shown("#tabs button", "Brouillons"))
    draft = await page.shown(f"#draft-{item_id}")
    assert "Vote du rapport <annuel>" in draft.text  # the text as written, not markup
    assert "Le texte du brouillon." in draft.text
    assert "Vote du rapport <annuel>" not in await page.text("#view-news")
    await page.click(await page.shown(f'button[data-publish="{item_id}"]'))
    done = await page.shown("#publish-result", f"#{item_id} publiée")
    assert "Alertes en file" in done.text
    await page.until(lambda d: not d.find_elements("css selector", f"#draft-{item_id}"))
    async with app.uow() as uow:
        item = await uow.items.get(item_id)
        assert item is not None and item.status == "published"
    await page.click(await page.shown("#tabs button", "Dernières nouvelles"))
    await page.shown("#view-news", "Vote du rapport <annuel>")


@pytest.mark.parametrize("data", [init_data(READER, "fr", token="999:FORGED"), None],
                         ids=["forged", "none"])
async def test_without_a_genuine_init_data_the_page_says_not_authorised(
        page: Page, data: str | None) -> None:
    await page.open(data)
    message = seen(t("miniapp.unauthorised", "fr"))
    status = await page.shown("#status", message)
    assert "error" in (await page.attribute("#status", "class") or "")
    assert status.text == message
    assert await page.text("#view-agenda") == "" and await page.text("#tabs") == ""


@pytest.mark.parametrize(("lang", "direction"), [("fr", "ltr"), ("ar", "rtl")])
async def test_the_public_news_page_reads_in_a_browser(
        page: Page, served: tuple[App, TestServer], lang: str, direction: str) -> None:
    """The public site's /news (bot/web/site.py) on the same server, as a reader sees it."""
    app, server = served
    await asyncio.to_thread(page.driver.get, str(server.make_url(f"/news?lang={lang}")))
    await page.shown("h1")
    assert await page.attribute("html", "dir") == direction
    assert await page.attribute("html", "lang") == lang
    body = await page.text("main")
    for title in await latest_titles(app, lang):
        assert seen(title) in seen(body)


@pytest.mark.parametrize(("lang", "direction"), [("fr", "ltr"), ("ar", "rtl")])
async def test_the_event_page_and_a_search_in_a_browser(
        page: Page, served: tuple[App, TestServer], lang: str, direction: str) -> None:
    """The public event page (/) as a reader sees it, then the search form typed into and
    sent: the item searched for is among the results."""
    from selenium.webdriver.common.by import By

    app, server = served
    async with app.uow() as uow:
        event = await uow.content.event()
        (item,) = await uow.items.latest(1)
    assert event is not None
    await asyncio.to_thread(page.driver.get, str(server.make_url(f"/?lang={lang}")))
    heading = await page.shown("h1")
    assert seen(event.name[lang]) in seen(heading.text)
    assert await page.attribute("html", "dir") == direction
    await asyncio.to_thread(page.driver.get, str(server.make_url(f"/search?lang={lang}")))
    box = await page.shown("input#q")
    word = max(item.title[lang].split(), key=len).strip(".,:;«»“”\"'()")
    await asyncio.to_thread(box.send_keys, word)
    await asyncio.to_thread(page.driver.find_element(By.CSS_SELECTOR,
                                                     "form[role=search] button").click)
    await page.shown("main a", seen(item.title[lang])[:20])
    assert await page.attribute("html", "dir") == direction
    assert seen(item.title[lang]) in seen(await page.text("main"))
