"""A process killed with SIGKILL in the middle of ``ingest`` leaves a store that opens,
holds either the old or the new data for each series, and lets the next run complete."""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from riskoff import usecases
from riskoff.catalog import Catalog
from riskoff.config import Settings
from riskoff.providers.folder import read_folder
from riskoff.store import Store

pytestmark = [pytest.mark.integration, pytest.mark.slow]

OLD_CUT = dt.date(2012, 12, 31)


def _fingerprints(store: Store) -> dict[str, tuple[int, float]]:
    frame = store.read(store.symbols())  # the day's range series (SYMBOL@low) too
    grouped = frame.groupby("symbol", observed=True)["value"].agg(["count", "sum"])
    return {str(k): (int(r["count"]), round(float(r["sum"]), 3)) for k, r in grouped.iterrows()}


def _expected(data_dir: Path, until: dt.date | None) -> dict[str, tuple[int, float]]:
    data = read_folder(data_dir, until=until, catalog=Catalog.default())
    return {
        s: (len(f), round(float(f["value"].sum()), 3)) for s, f in data.frames.items() if len(f)
    }


def test_sigkill_during_ingest_keeps_old_or_new(tmp_path: Path, data_dir: Path) -> None:
    seed = int.from_bytes(os.urandom(4), "little")
    rng = random.Random(seed)
    home = tmp_path / "home"
    settings = Settings.from_env({"RISKOFF_HOME": str(home)})
    usecases.ingest(data_dir, until=OLD_CUT, settings=settings)
    old = _expected(data_dir, OLD_CUT)
    new = _expected(data_dir, None)
    env = {**os.environ, "RISKOFF_HOME": str(home)}
    riskoff = str(Path(sys.executable).parent / "riskoff")
    kills = []
    for _attempt in range(3):
        delay = rng.uniform(0.5, 7.0)
        proc = subprocess.Popen(
            [riskoff, "ingest", str(data_dir)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:  # killed after the delay, unless it finished first (no idle wait after that)
            proc.wait(timeout=delay)
            finished = True
        except subprocess.TimeoutExpired:
            finished = False
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        kills.append((round(delay, 2), "finished" if finished else "killed"))
        with Store(settings.store_path) as st:  # opens (and recovers) after the kill
            got = _fingerprints(st)
        for symbol, fp in got.items():
            assert fp in (old.get(symbol), new.get(symbol)), (
                f"{symbol} is neither old nor new after {kills} (seed {seed})"
            )
        # a series the cut does not change (it ended before OLD_CUT) is both old and new:
        # only the others can tell which load the store holds
        telling = [s for s in got if old.get(s) != new.get(s)]
        states = {"old" if got[s] == old.get(s) else "new" for s in telling}
        assert len(states) == 1, f"a half-written load after {kills} (seed {seed})"
    # the next run completes and yields exactly the new data
    result = usecases.ingest(data_dir, settings=settings)
    assert not result.errors
    with Store(settings.store_path, read_only=True) as st:
        assert _fingerprints(st) == new
