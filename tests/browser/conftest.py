"""A headless Chromium driven by Selenium, or a skip saying why there is none.

Debian's ``chromium`` and ``chromium-driver`` (.ci/run installs them); NEWSBOT_CHROMIUM and
NEWSBOT_CHROMEDRIVER name other binaries."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest


def _binary(env: str, *names: str) -> str | None:
    given = os.environ.get(env)
    if given:
        return given if os.access(given, os.X_OK) else None
    return next((found for name in names if (found := shutil.which(name))), None)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service

    chromium = _binary("NEWSBOT_CHROMIUM", "chromium", "chromium-browser", "google-chrome")
    driver_path = _binary("NEWSBOT_CHROMEDRIVER", "chromedriver")
    if chromium is None or driver_path is None:
        pytest.skip("no browser: install chromium and chromium-driver (apt-get install "
                    "chromium chromium-driver) to run the browser tests")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=420,900",
                # telegram.org is out of reach in tests: fail its script at once; the page
                # reads initData from its #tgWebAppData fragment as Telegram passes it
                "--host-resolver-rules=MAP telegram.org ~NOTFOUND"):
        options.add_argument(arg)
    # a French browser: the shell speaks its Accept-Language until initData says otherwise
    options.add_experimental_option("prefs", {"intl.accept_languages": "fr-FR,fr"})
    options.page_load_strategy = "eager"
    try:
        driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    except WebDriverException as exc:
        pytest.skip(f"the browser did not start: {exc.msg}")
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
