"""Time the panel, the feature table and the matrix kernels against pandas baselines.

Usage: ``.venv/bin/python scripts/bench_indicators.py [DATA_DIR]`` (default ../shared/data).
Ingests the folder into a temporary store, then prints seconds for each step and the
peak resident memory.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from riskoff import pipeline
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


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parents[2] / "shared/data"
    with tempfile.TemporaryDirectory() as home:
        s = Settings.from_env({"RISKOFF_HOME": home})
        pipeline.ingest(data, settings=s)
        cat = Catalog.default()
        with Store(s.store_path, read_only=True) as st:
            load_panel(st, cat)  # warm imports
            holder: dict[str, object] = {}
            t1 = _t("load_panel (whole history)", lambda: holder.update(p=load_panel(st, cat)))
            p = holder["p"]
            t2 = _t("daily_features (whole history)", lambda: daily_features(p))  # type: ignore[arg-type]
            print(f"{'panel + daily_features':<55} {t1 + t2:8.3f} s")
    x = _stock_returns(data)
    print(f"S&P 500 constituent returns: {x.shape[0]} days x {x.shape[1]} stocks")
    _t("turbulence 504d (numpy, batched cov updates + solve)", lambda: calc_turbulence(x, 504))
    _t("absorption ratio 250d (numpy, dual Gram eigvalsh)", lambda: calc_absorption_ratio(x, 250))
    _t("avg pairwise corr 60d (numpy, sum of z)", lambda: calc_avg_pairwise_corr(x, 60))
    _t("baseline: turbulence (pandas .cov + inv per day)", lambda: _pandas_turbulence(x, 504))
    _t("baseline: absorption (pandas .cov + eigvalsh)", lambda: _pandas_ar(x, 250))
    _t(
        "baseline: avg corr (pandas rolling .corr)",
        lambda: pd.DataFrame(x[:, :100]).rolling(60).corr(),
    )
    print("  (the rolling .corr baseline runs on 100 stocks; all 500 need ~10 GB)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
