"""Real headless Chromium for the end-to-end tests (Debian's chromium + chromedriver).

Never skipped: a missing browser is a failure (``make browser`` / scripts/ensure-chromium
installs it). Flags keep Chromium off the network: this machine has none, and a browser
that tries anyway floods the logs with refused connections.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER_PATHS = (Path("/usr/bin/chromedriver"), Path("/usr/lib/chromium/chromedriver"))
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)


def chromedriver() -> str:
    """The chromedriver executable, or a test failure saying how to install it."""
    for p in CHROMEDRIVER_PATHS:
        if p.exists():
            return str(p)
    found = shutil.which("chromedriver")
    if found:
        return found
    pytest.fail("chromedriver is missing: run scripts/ensure-chromium (make browser)")


@contextmanager
def headless_chromium(window: str, *, performance_log: bool = False) -> Iterator[Any]:
    """A fresh headless Chromium (new profile) with the browser console log enabled."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-chromium (make browser)")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="riskoff-chromium-")
    opts = Options()
    opts.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={profile}")
    opts.add_argument(f"--window-size={window}")
    logs = {"browser": "ALL", **({"performance": "ALL"} if performance_log else {})}
    opts.set_capability("goog:loggingPrefs", logs)
    drv = webdriver.Chrome(options=opts, service=Service(chromedriver()))
    drv.set_page_load_timeout(120)
    try:
        yield drv
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)


def severe_console_errors(drv: Any) -> list[str]:
    """The SEVERE entries of the browser console log since the last call."""
    return [str(e.get("message", "")) for e in drv.get_log("browser") if e.get("level") == "SEVERE"]


def wait_until_charts_drawn(drv: Any, count: int, timeout: float = 30.0) -> None:
    """Wait (at most ``timeout`` seconds) until ``count`` plotly charts have drawn their SVG;
    the assertions that follow say which chart did not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        drawn = drv.execute_script(
            "return Array.from(document.querySelectorAll('div.plotly-chart'))"
            ".filter(d => d.querySelector('svg.main-svg')).length"
        )
        if drawn == count:
            return
        time.sleep(0.2)
