"""Deadlines (issue 25): a provider that accepts connections and never answers (the
emulator's ``hang`` fault, a tarpit on 127.0.0.1) cannot hold ``riskoff update``.

Before the deadlines, ``update --symbols`` with 6 series against a tarpit took 317 s (each
series paid 5 read timeouts of 30 s plus back-off).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from riskoff.store import Store
from riskoff.testing.emulator import Emulator, Fault

pytestmark = pytest.mark.integration

FOUR = ["fred:DGS10", "fred:SOFR", "yahoo:SPY", "yahoo:^GSPC"]
SIX = [*FOUR, "coinbase:BTC-USD", "coinbase:ETH-USD"]  # the exchange's history is 15 pages
DEADLINE = "5"  # seconds: --deadline and $RISKOFF_DEADLINE in the tests below


@pytest.fixture(scope="module")
def emulator(data_dir: Path) -> Iterator[Emulator]:
    with Emulator(data_dir, fred_limit=None, preload=SIX) as e:
        yield e


def _update(
    emu: Emulator, home: Path, *args: str, symbols: list[str] = SIX, **env: str
) -> tuple[int, str, str, float]:
    full = {
        **{k: v for k, v in os.environ.items() if not k.startswith("RISKOFF_")},
        **emu.env(),
        "RISKOFF_HOME": str(home),
        "COLUMNS": "200",
        **env,
    }
    full.pop("FRED_API_KEY", None)
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "riskoff.cli", "update", "--symbols", ",".join(symbols), *args],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return proc.returncode, proc.stdout, proc.stderr, time.monotonic() - t0


@pytest.mark.slow
def test_a_tarpit_holds_update_no_longer_than_the_providers_budgets(
    emulator: Emulator, tmp_path: Path
) -> None:
    emulator.add_fault(Fault("hang", times=None))
    try:
        code, out, err, took = _update(emulator, tmp_path / "home")
    finally:
        emulator.clear_faults()
    # the default budgets: 20 s per provider plus what its rate limit needs (FRED: 2
    # series at 1.6 per second) -- providers run in parallel
    # (the bound leaves room for the subprocess's start-up on a loaded machine)
    assert took < 45, (took, out, err)
    assert code == 1
    assert "Traceback" not in err
    assert "6 series not reached before the deadline" in out
    for symbol in SIX:
        assert symbol in out
    # a request that got no answer counts toward fail-fast: at most 2 per provider
    assert emulator.count(status=0) <= 2 * 3


def test_deadline_option_stops_cleanly_and_keeps_what_was_fetched(
    emulator: Emulator, tmp_path: Path
) -> None:
    emulator.add_fault(Fault("hang", symbol="fred", times=None))
    home = tmp_path / "home"
    try:
        # 5 s: well under the hanging provider's own 20 s budget, and room enough for the
        # healthy provider to finish on a loaded machine (its two series take well under
        # a second from the local emulator; the whole healthy update, start-up included,
        # 1.6 s at a load average of 5 on two cores)
        code, out, err, took = _update(emulator, home, "--deadline", DEADLINE, symbols=FOUR)
    finally:
        emulator.clear_faults()
    # start-up included: the hanging provider's own budget alone would take 20 s
    assert took < 20, (took, out, err)
    assert code == 1
    assert "Traceback" not in err
    assert "2 series not reached before the deadline (fred:DGS10, fred:SOFR)" in out
    assert f"--deadline: {DEADLINE} s" in out
    with Store(home / "riskoff.duckdb", read_only=True) as st:
        stored = set(st.last_dates())
    assert stored == {"yahoo:SPY", "yahoo:^GSPC"}


def test_deadline_from_the_environment(emulator: Emulator, tmp_path: Path) -> None:
    emulator.add_fault(Fault("hang", symbol="yahoo", times=None))
    try:
        code, out, _, took = _update(
            emulator, tmp_path / "home", symbols=FOUR, RISKOFF_DEADLINE=DEADLINE
        )
    finally:
        emulator.clear_faults()
    assert took < 20, (took, out)  # Yahoo's own budget alone would take 20 s
    assert code == 1
    assert "2 series not reached before the deadline (yahoo:SPY, yahoo:^GSPC)" in out
    assert f"--deadline: {DEADLINE} s" in out  # the variable's deadline, not Yahoo's budget


@pytest.mark.parametrize("value", ["0", "-3", "soon", "nan", "inf"])
def test_a_bad_deadline_is_one_line_exit_2(emulator: Emulator, tmp_path: Path, value: str) -> None:
    code, _, err, _ = _update(emulator, tmp_path / "home", "--deadline", value)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "--deadline must be a number of seconds" in err
    assert not (tmp_path / "home" / "riskoff.duckdb").exists()
