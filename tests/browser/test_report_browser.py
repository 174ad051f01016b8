"""End to end: ``riskoff report`` on the real data, opened in a real headless Chromium.

Never skipped: a missing Chromium is a failure (``make browser`` / scripts/ensure-chromium
installs it). The full-page screenshot and a print-to-PDF are written to ``artifacts/``.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from riskoff.config import Settings
from riskoff.render.html import plotly_js
from tests.browser.driver import (
    ARTIFACTS,
    headless_chromium,
    severe_console_errors,
    wait_until_charts_drawn,
)

DAY = "2020-03-12"
MAX_BYTES = 8 * 1024 * 1024

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def report_312(loaded_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of 2020-03-12 from the real-data store."""
    from riskoff import usecases

    out = tmp_path_factory.mktemp("report") / f"report-{DAY}.html"
    res = usecases.report(DAY, out=out, settings=loaded_settings)
    assert res.path == out
    return out


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    """A fresh headless Chromium with browser and network logs."""
    with headless_chromium("1200,900", performance_log=True) as drv:
        yield drv


def test_report_is_self_contained_and_small(report_312: Path) -> None:
    html = report_312.read_text(encoding="utf-8")
    assert report_312.stat().st_size < MAX_BYTES
    # plotly.js inlined exactly once, no loader from a CDN
    assert html.count("Plotly.newPlot(") == len(re.findall(r'class="plotly-chart"', html))
    assert len(re.findall(r"\* plotly\.js v\d", html)) == 1
    # no external resource of any kind outside plotly.js (whose map-attribution strings
    # name web sites; the browser test proves nothing is fetched)
    bundle = plotly_js()
    assert html.count(bundle) == 1
    html = html.replace(bundle, "")
    assert "cdn.plot.ly" not in html
    assert not re.search(r"<(script|img|iframe)[^>]+src=", html, re.I)
    assert not re.search(r"<link[^>]+href=", html, re.I)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html, re.I)
    assert "@import" not in html
    for section in ("moves", "suspects", "liquidity", "stress", "versus", "analogs", "rotation"):
        assert f'<section id="{section}">' in html
    assert f'Why is everything falling? <span class="date">{DAY}</span>' in html


def test_report_renders_in_headless_chromium(report_312: Path, driver: Any) -> None:
    from selenium.webdriver.common.by import By

    driver.get_log("browser")  # drain what the start page logged
    driver.get_log("performance")
    driver.get(report_312.as_uri())
    charts = driver.find_elements(By.CSS_SELECTOR, "div.plotly-chart")
    assert len(charts) >= 5
    wait_until_charts_drawn(driver, len(charts))
    # every chart is drawn, visible and holds data (traces or a heatmap image)
    for div in charts:
        cid = div.get_attribute("data-chart")
        assert div.find_elements(By.CSS_SELECTOR, "svg.main-svg"), f"{cid} not drawn"
        size = div.size
        assert size["height"] > 100, f"{cid} is {size}"
        assert size["width"] > 300, f"{cid} is {size}"
        marks = driver.execute_script(
            "var d=arguments[0]; return d.querySelectorAll("
            "'.scatterlayer .trace path.js-line, .barlayer .point, .hm image, .heatmaplayer image'"
            ").length",
            div,
        )
        assert marks > 0, f"{cid} has no data drawn"
    assert {c.get_attribute("data-chart") for c in charts} >= {
        "heatmap",
        "liquidity",
        "stress",
        "paths",
        "rotation",
    }
    # no console errors
    severe = severe_console_errors(driver)
    assert severe == []
    # nothing fetched from the network: only the file itself (and inline data: URIs)
    urls: list[str] = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    assert report_312.as_uri() in urls, "the performance log did not record the page"
    assert [u for u in urls if u.startswith(("http:", "https:", "ws:", "wss:", "//"))] == []

    # a full-page screenshot and a print to PDF, kept as test artefacts
    ARTIFACTS.mkdir(exist_ok=True)
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.set_window_size(1200, min(height + 40, 16000))
    time.sleep(0.5)
    shot = ARTIFACTS / f"report-{DAY}.png"
    assert driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 50_000
    pdf = driver.execute_cdp_cmd("Page.printToPDF", {"printBackground": True})
    (ARTIFACTS / f"report-{DAY}.pdf").write_bytes(base64.b64decode(pdf["data"]))


def test_early_report_without_sofr_bitcoin_or_etfs_renders_cleanly(
    loaded_settings: Settings, tmp_path: Path, driver: Any
) -> None:
    """1994: no SOFR, no Bitcoin, no sector ETFs. Empty panels say so, and nothing in
    the page makes the browser complain (shapes on empty axes once drew NaN paths)."""
    from selenium.webdriver.common.by import By

    from riskoff import usecases

    out = tmp_path / "report-1994-02-04.html"
    usecases.report("1994-02-04", out=out, settings=loaded_settings)
    html = out.read_text(encoding="utf-8")
    assert "no Bitcoin data" in html
    assert "No sector or factor series is available for this period." in html
    driver.get_log("browser")
    driver.get(out.as_uri())
    charts = driver.find_elements(By.CSS_SELECTOR, "div.plotly-chart")
    assert charts
    wait_until_charts_drawn(driver, len(charts))
    assert all(c.find_elements(By.CSS_SELECTOR, "svg.main-svg") for c in charts)
    assert severe_console_errors(driver) == []
