"""One question, one answer, as a person sees it (issue 20): for the same query (a day
drawn at random among sell-offs nobody named, and a window), the HTML report and the
dashboard show, in a real headless Chromium, the same verdict, the same window and the same
312/519 similarity, and that similarity is the JSON API's."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from riskoff import usecases
from riskoff.config import Settings
from tests.browser.driver import headless_chromium
from tests.helpers import serving
from tests.integration.page_audit import named_days

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

SEED = 519_312
WINDOW = ("2026-01-28", "2026-02-06")  # issue 20's window: it ends in a rebound


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    with headless_chromium("1280,1600") as drv:
        yield drv


@pytest.fixture(scope="module")
def server(loaded_settings: Settings) -> Iterator[str]:
    from riskoff.web import create_app

    with serving(create_app(loaded_settings)) as url:
        yield url


def _random_selloff_day(workspace: Any) -> dt.date:
    """A day the S&P 500 fell 2.5 sigma or more since 2021 (both references exist) that no
    file of the project names."""
    t = workspace.table
    idx = t.index[(t.index >= pd.Timestamp(2021, 6, 1)) & (t.index.day_of_week < 5)]
    falls = idx[t.loc[idx, "sigma.us_equities"].to_numpy() <= -2.5]
    named = named_days()
    pool = [ts for ts in falls if ts.date() not in named]
    return pd.Timestamp(random.Random(SEED).choice(pool)).date()


def _seen(driver: Any) -> dict[str, Any]:
    """What a reader sees: the verdict line, the window in the title, the chips and the
    312/519 similarity."""
    from selenium.webdriver.common.by import By

    verdict = driver.find_element(By.ID, "verdict").text
    window = driver.find_element(By.CSS_SELECTOR, "h1 .date").text
    chips = [
        c.text
        for c in driver.find_elements(By.CSS_SELECTOR, "header .chips li")
        if c.text.startswith(("severity", "confidence"))
    ]
    versus = driver.find_element(By.ID, "versus").text
    m312 = re.search(r"similarity (\d\.\d\d) to 312", versus)
    m519 = re.search(r"(\d\.\d\d) to 519", versus)
    return {
        "verdict": verdict,
        "window": window,
        "chips": chips,
        "312": m312.group(1) if m312 else None,
        "519": m519.group(1) if m519 else None,
    }


@pytest.mark.parametrize("which", ["random day", "window"])
def test_report_and_dashboard_give_one_answer(
    which: str,
    loaded_settings: Settings,
    workspace: Any,
    server: str,
    driver: Any,
    tmp_path: Path,
) -> None:
    import httpx

    if which == "window":
        day, window = WINDOW[1], f"{WINDOW[0]}:{WINDOW[1]}"
        url, api = f"/day/{day}?window={window}", f"/api/diagnose/{day}?window={window}"
    else:
        day, window = _random_selloff_day(workspace).isoformat(), ""
        url, api = f"/day/{day}", f"/api/diagnose/{day}"
    out = tmp_path / "r.html"
    usecases.report(day, out=out, window=window or None, settings=loaded_settings)
    driver.get(out.as_uri())
    report = _seen(driver)
    driver.get(server + url)
    dashboard = _seen(driver)
    assert report == dashboard, f"{which} {day}: report {report} != dashboard {dashboard}"
    want = f"{WINDOW[0]} to {WINDOW[1]}" if window else day
    assert report["window"] == want
    assert report["verdict"]
    assert report["chips"]
    sims = httpx.get(server + api, timeout=120).json()["verdict"]["versus_312_519"]["similarity"]
    assert report["312"] == f"{sims['2020-03-12']:.2f}"
    assert report["519"] == f"{sims['2021-05-19']:.2f}"
