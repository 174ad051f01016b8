"""Time the panel, the feature table and the matrix kernels against pandas baselines.

Usage: ``.venv/bin/python scripts/bench_indicators.py [DATA_DIR]`` (default ../shared/data).
Ingests the folder into a temporary store, then prints seconds for each step and the
peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from riskoff import usecases
from riskoff.catalog import Catalog
from riskoff.config import Settings
from riskoff.indicators.features import daily_features
from riskoff.indicators.matrix import (
    calc_absorption_ratio,
    calc_avg_pairwise_corr,
    calc_turbulence,
)
from riskoff.panel import load_panel
from riskoff.store import Store


def _t(label: str, fn: object) -> float:
    t0 = time.perf_counter()
    fn()  # type: ignore[operator]
    dt = time.perf_counter() - t0
    print(f"{label:<55} {dt:8.3f} s")
    return dt


def _stock_returns(data: Path) -> np.ndarray:
    f = next((data / "stocks").glob("SP500_constituents_close_*.parquet"))
    df = duckdb.connect().execute("SELECT * FROM read_parquet(?)", [str(f)]).df()
    px = df.select_dtypes("number").to_numpy(dtype=np.float64)
    r = np.diff(np.log(np.where(px > 0, px, np.nan)), axis=0)
    r = r[:, ~np.isnan(r).any(axis=0)]  # complete columns only
    return np.asarray(r)


def _pandas_turbulence(x: np.ndarray, w: int) -> np.ndarray:
    df = pd.DataFrame(x)
    n = x.shape[1]
    out = np.full(len(x), np.nan)
    for t in range(w, len(x)):
        h = df.iloc[t - w : t]
        cov = h.cov().to_numpy()
        if n >= w:
            cov = 0.9 * cov + 0.1 * np.trace(cov) / n * np.eye(n)
        y = x[t] - h.mean().to_numpy()
        out[t] = y @ np.linalg.inv(cov) @ y
    return out


def _pandas_ar(x: np.ndarray, w: int) -> np.ndarray:
    df = pd.DataFrame(x)
    k = max(1, round(x.shape[1] / 5))
    out = np.full(len(x), np.nan)
    for t in range(w - 1, len(x)):
        ev = np.linalg.eigvalsh(df.iloc[t - w + 1 : t + 1].cov().to_numpy())
        out[t] = ev[-k:].sum() / ev.sum()
    return out


def _median(fn: object, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    default = os.environ.get("RISKOFF_TEST_DATA") or Path(__file__).parents[2] / "shared/data"
    ap.add_argument("data", nargs="?", type=Path, default=Path(default))
    ap.add_argument("--json", action="store_true", help="one JSON row per measurement")
    ap.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "3")))
    a = ap.parse_args()
    runs = max(1, a.runs)
    say = (lambda *_: None) if a.json else print
    with tempfile.TemporaryDirectory() as tmp:
        home = os.environ.get("BENCH_HOME") or tmp
        s = Settings.from_env({"RISKOFF_HOME": home})
        if not s.store_path.exists():
            usecases.ingest(a.data, settings=s)
        cat = Catalog.default()
        with Store(s.store_path, read_only=True) as st:
            p = load_panel(st, cat)  # warm imports and the page cache
            t_panel = _median(lambda: load_panel(st, cat), runs)
            t_feat = _median(lambda: daily_features(p), runs)
    x = _stock_returns(a.data)
    t_turb = _median(lambda: calc_turbulence(x, 504), runs)
    t_ar = _median(lambda: calc_absorption_ratio(x, 250), runs)
    t_corr = _median(lambda: calc_avg_pairwise_corr(x, 60), runs)
    b_turb = _median(lambda: _pandas_turbulence(x, 504), 1)
    b_ar = _median(lambda: _pandas_ar(x, 250), 1)
    b_corr = _median(lambda: pd.DataFrame(x[:, :100]).rolling(60).corr(), 1)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    shape = f"{x.shape[0]} days x {x.shape[1]} stocks"
    rows = [
        {
            "name": "panel+features",
            "what": "load_panel + daily_features, whole history",
            "median": t_panel + t_feat,
            "budget": 3.0,
            "baseline": None,
            "baseline_what": "",
        },
        {
            "name": "turbulence",
            "what": f"turbulence 504d, S&P 500 table ({shape})",
            "median": t_turb,
            "budget": None,
            "baseline": b_turb,
            "baseline_what": "pandas .cov + inv per day",
        },
        {
            "name": "absorption",
            "what": f"absorption ratio 250d, S&P 500 table ({shape})",
            "median": t_ar,
            "budget": None,
            "baseline": b_ar,
            "baseline_what": "pandas .cov + eigvalsh per day",
        },
        {
            "name": "turb+absorption",
            "what": "turbulence + absorption ratio, S&P 500 table",
            "median": t_turb + t_ar,
            "budget": 5.0,
            "baseline": b_turb + b_ar,
            "baseline_what": "the two pandas loops",
        },
        {
            "name": "avg-corr",
            "what": "average pairwise correlation 60d, 100 stocks baseline",
            "median": t_corr,
            "budget": None,
            "baseline": b_corr,
            "baseline_what": "pandas rolling .corr on 100 stocks (500 need ~10 GB)",
        },
    ]
    for r in rows:
        r["peak_mb"] = peak
        if a.json:
            print(json.dumps(r))
        else:
            base = f"   baseline {r['baseline']:8.3f} s" if r["baseline"] else ""
            say(f"{r['what']:<60} {r['median']:8.3f} s{base}")
    say(f"peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
