"""The ``riskoff evaluate --html`` page in real headless Chromium: both charts drawn, no
console error, nothing fetched from the network."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from riskoff.config import Settings
from tests.browser.driver import headless_chromium, severe_console_errors, wait_until_charts_drawn

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]


def test_evaluation_page_renders_offline(
    loaded_settings: Settings, workspace: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    from riskoff import usecases
    from riskoff.render.evaluation import evaluation_html

    ev = usecases.evaluate(set_name="probe-windows", settings=loaded_settings, workspace=workspace)
    page = tmp_path / "evaluation.html"
    page.write_text(evaluation_html(ev), encoding="utf-8")
    with headless_chromium("1200,900", performance_log=True) as drv:
        drv.get_log("browser")
        drv.get_log("performance")
        drv.get(page.as_uri())
        charts = drv.find_elements(By.CSS_SELECTOR, "div.plotly-chart")
        assert {c.get_attribute("data-chart") for c in charts} == {"confusion", "reliability"}
        wait_until_charts_drawn(drv, len(charts))
        for div in charts:
            marks = drv.execute_script(
                "return arguments[0].querySelectorAll("
                "'.scatterlayer .trace path, .scatterlayer .point, .hm image, "
                ".heatmaplayer image').length",
                div,
            )
            assert marks > 0, f"{div.get_attribute('data-chart')} has no data drawn"
        assert severe_console_errors(drv) == []
        urls = [
            json.loads(e["message"])["message"]["params"]["request"]["url"]
            for e in drv.get_log("performance")
            if json.loads(e["message"])["message"].get("method") == "Network.requestWillBeSent"
        ]
        assert page.as_uri() in urls
        assert [u for u in urls if u.startswith(("http:", "https:", "ws:", "wss:", "//"))] == []
