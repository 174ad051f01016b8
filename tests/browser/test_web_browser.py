"""End to end in a real headless Chromium: the dashboard served by uvicorn on 127.0.0.1,
driven with Selenium, on the real data. Never skipped: ``make test`` installs Chromium
(``scripts/ensure-chromium``) and a missing browser is an error.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from riskoff.config import Settings
from tests.browser.driver import ARTIFACTS, headless_chromium, severe_console_errors
from tests.helpers import serving

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(loaded_settings: Settings) -> Iterator[str]:
    """The real app under uvicorn in a thread; yields its base URL."""
    from riskoff.web import create_app

    with serving(create_app(loaded_settings, warm=True)) as url:
        yield url


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    """Headless Chromium through the system chromedriver (no network, fresh profile)."""
    with headless_chromium("1280,2400") as drv:
        yield drv


def _wait_charts(drv: Any, minimum: int, timeout: float = 60) -> int:
    """Wait until at least ``minimum`` plotly charts have drawn (``.main-svg`` present)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def drawn(d: Any) -> int | bool:
        n = len(d.find_elements(By.CSS_SELECTOR, "div.rk-chart .main-svg"))
        return n if n >= minimum else False

    return int(WebDriverWait(drv, timeout).until(drawn))


def test_overview_pick_a_day_and_see_the_diagnosis(server: str, driver: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(server + "/")
    assert "Why is everything falling?" in driver.find_element(By.TAG_NAME, "h1").text
    _wait_charts(driver, 1)  # the stress index with its episodes
    assert driver.find_elements(By.CSS_SELECTOR, "#episodes tbody tr")
    assert severe_console_errors(driver) == []

    # type the day into the form and submit it
    box = driver.find_element(By.ID, "pick-date")
    driver.execute_script("arguments[0].value = '';", box)
    box.send_keys("03122020")  # a date input takes the digits in the locale's order
    if box.get_attribute("value") != "2020-03-12":  # not en-US: set it directly
        driver.execute_script("arguments[0].value = '2020-03-12';", box)
    driver.find_element(By.ID, "pick-go").click()
    WebDriverWait(driver, 120).until(ec.url_contains("/day/2020-03-12"))

    verdict = WebDriverWait(driver, 60).until(ec.presence_of_element_located((By.ID, "verdict")))
    assert "liquidity" in verdict.text.lower(), verdict.text
    assert "2020-03-12" in driver.find_element(By.TAG_NAME, "h1").text
    n = _wait_charts(driver, 5)
    assert n >= 5
    assert driver.find_element(By.ID, "suspect-liquidity")
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "dashboard-2020-03-12.png"))
    assert severe_console_errors(driver) == []


def test_click_on_the_stress_chart_opens_that_day(server: str, driver: Any) -> None:
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(server + "/")
    _wait_charts(driver, 1)
    # a click on a point of the stress chart: fire plotly's own click event on a point
    driver.execute_script(
        """
        var div = document.querySelector('div.rk-chart[data-click="day"]');
        var x = div.data[0].x;
        div.emit('plotly_click', {points: [{x: x[x.length - 1]}]});
        """
    )
    WebDriverWait(driver, 120).until(ec.url_contains("/day/"))
    _wait_charts(driver, 3)
    assert severe_console_errors(driver) == []


def test_analogs_and_series_pages_render(server: str, driver: Any) -> None:
    from selenium.webdriver.common.by import By

    driver.get(server + "/analogs/2020-03-12")
    assert "Analogs of 2020-03-12" in driver.find_element(By.TAG_NAME, "h1").text
    _wait_charts(driver, 1)
    driver.get(server + "/series")
    rows = driver.find_elements(By.CSS_SELECTOR, "#coverage tbody tr")
    assert len(rows) > 50
    driver.get(server + "/series/yahoo%3A%5EGSPC")
    _wait_charts(driver, 1)
    assert severe_console_errors(driver) == []
