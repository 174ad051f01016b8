"""Plain words and the stress chart in a real headless Chromium: the report and the
dashboard explain their terms on hover (the glossary's one line), no internal name is
visible on either, and the stress chart opens on two years with its episodes named on
the chart itself."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from riskoff.config import Settings
from riskoff.knowledge.glossary import glossary
from tests.browser.driver import headless_chromium
from tests.helpers import serving

DAY = "2020-03-12"

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    with headless_chromium("1280,1600") as drv:
        yield drv


def _internal_names_visible(text: str) -> list[str]:
    ids = [t.id for t in glossary().terms if "." in t.id or "_" in t.id]
    return [i for i in ids if re.search(rf"(?<![\w.]){re.escape(i)}(?![\w])", text)]


def _hover_shows_the_explanation(driver: Any, scope: str) -> int:
    """Hover each of the first terms inside ``scope``: its tip appears with the glossary
    line, and is hidden before. Returns how many were checked."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    terms = driver.find_elements(By.CSS_SELECTOR, f"{scope} .term")
    assert terms, f"no explained term in {scope}"
    checked = 0
    for el in terms[:4]:
        tip = el.find_element(By.CSS_SELECTOR, ".tip")
        if not el.is_displayed():
            continue
        assert not tip.is_displayed()
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
        ActionChains(driver).move_to_element(el).perform()
        time.sleep(0.1)
        assert tip.is_displayed()
        term = glossary().get(str(el.get_attribute("data-term")))
        assert term is not None
        assert term.explain[:40] in tip.text
        ActionChains(driver).move_by_offset(0, 400).perform()
        checked += 1
    assert checked
    return checked


@pytest.fixture(scope="module")
def report(loaded_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from riskoff import usecases

    out: Path = tmp_path_factory.mktemp("words") / "r.html"
    usecases.report(DAY, out=out, settings=loaded_settings)
    return out


def test_the_report_explains_its_terms_on_hover(report: Path, driver: Any) -> None:
    from selenium.webdriver.common.by import By

    driver.get(report.as_uri())
    _hover_shows_the_explanation(driver, "#suspects")
    body = driver.find_element(By.TAG_NAME, "body").text
    assert _internal_names_visible(body) == []


@pytest.fixture(scope="module")
def server(loaded_settings: Settings) -> Iterator[str]:
    from riskoff.web import create_app

    with serving(create_app(loaded_settings)) as url:
        yield url


def test_the_dashboard_explains_its_terms_on_hover(server: str, driver: Any) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{server}/day/{DAY}")
    _hover_shows_the_explanation(driver, "main")
    body = driver.find_element(By.TAG_NAME, "body").text
    assert _internal_names_visible(body) == []
    assert "95th→99th" not in body  # a check's baseline is on hover only


def test_the_stress_chart_opens_on_two_years_and_names_its_episodes(
    report: Path, driver: Any
) -> None:
    import datetime as dt

    from selenium.webdriver.common.by import By

    from tests.browser.driver import wait_until_charts_drawn

    driver.get(report.as_uri())
    n = len(driver.find_elements(By.CSS_SELECTOR, "div.plotly-chart"))
    wait_until_charts_drawn(driver, n)
    chart = driver.find_element(By.CSS_SELECTOR, "#stress div.plotly-chart")
    lo, hi = driver.execute_script("return arguments[0]._fullLayout.xaxis.range;", chart)
    span = dt.date.fromisoformat(hi[:10]) - dt.date.fromisoformat(lo[:10])
    assert 700 <= span.days <= 740  # two years to the day, not 1990..
    assert hi[:10] == DAY
    buttons = [b.text for b in chart.find_elements(By.CSS_SELECTOR, "g.button text")]
    assert "all" in buttons
    # the episodes in view are named in the SVG itself (print and export keep them)
    names = [t.text for t in chart.find_elements(By.CSS_SELECTOR, "g.textpoint text") if t.text]
    assert any("COVID" in t or "Covid" in t for t in names), names
