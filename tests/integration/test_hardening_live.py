"""Hardening with real processes: SIGKILL in the middle of ``update``, ``serve`` reading
while ``update`` writes, and a canary FRED key that must reach no report, API answer,
store row or log line."""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from riskoff import usecases
from riskoff.config import Settings
from riskoff.providers.folder import read_folder
from riskoff.store import Store
from riskoff.testing.emulator import Emulator

LOCAL = "http://127.0.0.1"
"""The dashboard answers only to the names it serves (``Host`` is checked)."""

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SYMBOLS = ["fred:SOFR", "fred:WALCL", "yahoo:^GSPC", "yahoo:SPY", "yahoo:GC=F", "coinbase:BTC-USD"]
OLD_CUT = dt.date(2015, 12, 31)
RISKOFF = str(Path(sys.executable).parent / "riskoff")


@pytest.fixture(scope="module")
def emu(data_dir: Path) -> Iterator[Emulator]:
    with Emulator(data_dir, fred_limit=None, preload=SYMBOLS, latency_ms=40) as e:
        yield e


def _fingerprints(path: Path) -> dict[str, tuple[int, float]]:
    with Store(path, read_only=True) as st:
        frame = st.read(SYMBOLS)
    g = frame.groupby("symbol", observed=True)["value"].agg(["count", "sum"])
    return {str(k): (int(r["count"]), round(float(r["sum"]), 2)) for k, r in g.iterrows()}


def _seed(home: Path, data_dir: Path, until: dt.date | None) -> None:
    data = read_folder(data_dir, symbols=SYMBOLS, until=until)
    with Store(home / "riskoff.duckdb") as st:
        st.load(data.frames, {}, kind="ingest", source="test")


def test_sigkill_during_update_keeps_old_or_new(
    tmp_path: Path, data_dir: Path, emu: Emulator
) -> None:
    seed = int.from_bytes(os.urandom(4), "little")
    rng = random.Random(seed)
    expected_home = tmp_path / "expected"
    expected_home.mkdir()
    _seed(expected_home, data_dir, None)
    new = _fingerprints(expected_home / "riskoff.duckdb")
    home = tmp_path / "home"
    home.mkdir()
    _seed(home, data_dir, OLD_CUT)
    old = _fingerprints(home / "riskoff.duckdb")
    env = {**os.environ, **emu.env(), "RISKOFF_HOME": str(home)}
    env.pop("FRED_API_KEY", None)
    outcomes = []
    for _ in range(3):
        delay = rng.uniform(0.3, 4.0)
        proc = subprocess.Popen(
            [RISKOFF, "update", "--symbols", ",".join(SYMBOLS)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        done = proc.poll() is not None
        if not done:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        outcomes.append((round(delay, 2), "finished" if done else "killed"))
        got = _fingerprints(home / "riskoff.duckdb")
        states = {
            "old" if got.get(s) == old.get(s) else "new" if got.get(s) == new.get(s) else "?"
            for s in SYMBOLS
        }
        assert states in ({"old"}, {"new"}), f"half-written after {outcomes} (seed {seed})"
    code = subprocess.run(
        [RISKOFF, "update", "--symbols", ",".join(SYMBOLS)], env=env, capture_output=True
    ).returncode
    assert code == 0
    assert _fingerprints(home / "riskoff.duckdb") == new


def test_serve_reads_while_update_writes(
    tmp_path: Path, data_dir: Path, emu: Emulator, loaded_home: Path
) -> None:
    from fastapi.testclient import TestClient

    from riskoff.web.app import create_app

    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(loaded_home / "riskoff.duckdb", home / "riskoff.duckdb")
    # cut the copy back so that each update has a year of news to write for SYMBOLS
    with Store(home / "riskoff.duckdb") as st:
        cut = read_folder(data_dir, symbols=SYMBOLS, until=dt.date(2025, 6, 30))
        st.load(
            cut.frames,
            {},
            kind="ingest",
            source="t",
            replace_after=dt.date(2025, 6, 30),
            force=True,
        )
    settings = Settings.from_env({"RISKOFF_HOME": str(home)})
    client = TestClient(create_app(settings), base_url=LOCAL)
    counts_seen: dict[str, set[int]] = {s: set() for s in ("yahoo:SPY", "fred:WALCL")}
    statuses: Counter[int] = Counter()
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            for sym in counts_seen:
                r = client.get(f"/api/series/{sym}", params={"start": "2025-01-01"})
                statuses[r.status_code] += 1
                if r.status_code == 200:
                    body = r.json()
                    rows = body.get("observations") or body.get("data") or body.get("values")
                    if isinstance(rows, list):
                        counts_seen[sym].add(len(rows))

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    env = {**os.environ, **emu.env(), "RISKOFF_HOME": str(home)}
    env.pop("FRED_API_KEY", None)
    try:
        for _ in range(2):
            done = subprocess.run(
                [RISKOFF, "update", "--symbols", ",".join(SYMBOLS)],
                env=env,
                capture_output=True,
                text=True,
                timeout=240,
            )
            assert done.returncode == 0, done.stderr
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert statuses[500] == 0
    assert set(statuses) <= {200, 503}, statuses
    assert statuses[200] > 0
    # a read saw the old or the new series, never a half-written one: at most two sizes
    for sym, seen in counts_seen.items():
        assert 1 <= len(seen) <= 2, (sym, seen)


def test_canary_key_reaches_no_report_api_store_or_log(
    tmp_path: Path,
    data_dir: Path,
    emu: Emulator,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from fastapi.testclient import TestClient

    from riskoff.web.app import create_app

    canary = "canary-7f3e9c1d2b4a5e6f7a8b9c0d1e2f3a4b"
    home = tmp_path / "home"
    home.mkdir()
    _seed(home, data_dir, OLD_CUT)
    monkeypatch.setenv("FRED_API_KEY", canary)
    for k, v in emu.env().items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("RISKOFF_HOME", str(home))
    settings = Settings.from_env()
    assert settings.fred_api_key == canary
    assert canary not in repr(settings)
    caplog.set_level(logging.DEBUG)
    result = usecases.update(symbols=SYMBOLS, settings=settings)
    assert not [r for r in result.results if not r.ok]
    assert emu.requests_with_key() if hasattr(emu, "requests_with_key") else True
    out = tmp_path / "r.html"
    usecases.report(None, out=out, settings=settings)
    client = TestClient(create_app(settings), base_url=LOCAL)
    bodies = [
        client.get(u).text
        for u in ("/api/series", "/api/series/fred:SOFR", "/api/stress-index", "/", "/series")
    ]
    haystacks = {
        "report": out.read_text(),
        "api": "\n".join(bodies),
        "log": "\n".join(r.getMessage() for r in caplog.records),
        "store": (home / "riskoff.duckdb").read_bytes().decode("latin-1"),
    }
    for where, text in haystacks.items():
        assert canary not in text, f"the FRED key leaked into the {where}"
