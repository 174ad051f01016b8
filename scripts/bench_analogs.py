"""Time the analog search, and check whether analogs beat the base rate.

Usage::

    .venv/bin/python scripts/bench_analogs.py [--home DIR] [--queries N] [--evaluate]

Builds the panel, the daily feature table and the analog engine once from the store at
``$RISKOFF_HOME`` (or ``--home``; when that store is empty the shared data folder is
ingested into a temporary home first), then times ``engine.search(day)`` for N days spread
over the history. The budget is 200 ms per search once the features are built.

``--evaluate`` also asks, out of sample, whether the analogs' median forecast of the
S&P 500 one month ahead beats the unconditional base rate's median on stressed days
(the 2% of days with the highest signature severity, one per 30 days): for each such day
D both forecasts use only data up to D and are scored against what happened after D.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import sys
import time

import numpy as np
from _benchlib import bench_settings

BUDGET_MS = 200.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", help="RISKOFF_HOME holding riskoff.duckdb")
    ap.add_argument("--queries", type=int, default=40, help="number of timed searches")
    ap.add_argument("--evaluate", action="store_true", help="analogs vs base rate, out of sample")
    ap.add_argument("--json", action="store_true", help="one JSON row for make bench")
    args = ap.parse_args(argv)

    from riskoff import panel as panel_mod
    from riskoff import usecases
    from riskoff.analogs.search import AnalogEngine, similarity
    from riskoff.analogs.signature import robust_scale, standardise
    from riskoff.config import Settings
    from riskoff.indicators.features import daily_features
    from riskoff.store import Store

    s = bench_settings(args.home or os.environ.get("BENCH_HOME"))
    assert isinstance(s, Settings)
    t0 = time.perf_counter()
    with Store(s.store_path, read_only=True) as st:
        pnl = panel_mod.load_panel(st, usecases.load_catalog(s))
    t1 = time.perf_counter()
    table = daily_features(pnl)
    t2 = time.perf_counter()
    from riskoff.analogs import load_episodes
    from riskoff.usecases.workspace import build_engine

    engine = build_engine(pnl, table, load_episodes(s.home))
    assert isinstance(engine, AnalogEngine)
    t3 = time.perf_counter()
    print(f"panel {t1 - t0:.2f} s, features {t2 - t1:.2f} s, engine {(t3 - t2) * 1000:.0f} ms")
    print(f"table: {len(table):,} days x {table.shape[1]} columns, {len(engine.episodes)} episodes")

    days = engine.dates
    lo = int(np.searchsorted(days, np.datetime64("1991-06-01")))
    picks = np.linspace(lo, len(days) - 1, args.queries).astype(int)
    engine.search(dt.date.fromisoformat(str(days[-1])))  # warm-up
    times: list[float] = []
    for i in picks:
        d = dt.date.fromisoformat(str(days[i]))
        a = time.perf_counter()
        engine.search(d, top=5)
        times.append((time.perf_counter() - a) * 1000)
    # the all-days similarity alone: scale, standardise, one matrix product
    raw = engine.bounded
    a = time.perf_counter()
    med, scale = robust_scale(raw)
    z = standardise(raw, med, scale)
    similarity(z, z[-1])
    core = (time.perf_counter() - a) * 1000
    med_ms = statistics.median(times)
    # baseline: the same similarity with a Python loop over the days
    q = z[-1]
    a = time.perf_counter()
    [float(np.sqrt(np.nansum((row - q) ** 2))) for row in z]
    loop = (time.perf_counter() - a) * 1000
    if args.json:
        print(
            json.dumps(
                {
                    "name": "search",
                    "what": f"analog search over {len(days):,} days (median of {len(times)})",
                    "median": med_ms / 1000,
                    "budget": BUDGET_MS / 1000,
                    "baseline": loop / 1000,
                    "baseline_what": "distance to every day in a Python loop",
                    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                }
            )
        )
        return 0
    print(
        f"search over {len(days):,} days: median {med_ms:.1f} ms, max {max(times):.1f} ms "
        f"({len(times)} queries); similarity of all days in one matrix op: {core:.1f} ms"
    )
    print(f"budget {BUDGET_MS:.0f} ms: {'OK' if med_ms < BUDGET_MS else 'OVER'}")
    if args.evaluate:
        evaluate(engine)
    return 0 if med_ms < BUDGET_MS else 1


def evaluate(engine: object) -> None:
    """Out-of-sample: analogs' median vs the base rate's median as a 1-month S&P forecast."""
    from riskoff.analogs.search import AnalogEngine
    from riskoff.analogs.signature import robust_scale, severity, standardise

    assert isinstance(engine, AnalogEngine)
    med, scale = robust_scale(engine.bounded)  # only to choose the stressed days
    sev = severity(standardise(engine.bounded, med, scale))
    order = np.argsort(-sev)
    chosen: list[int] = []
    n_target = max(1, int(0.02 * len(sev)))
    for i in order:
        d = engine.dates[i]
        if d < np.datetime64("1995-01-01") or d > engine.dates[-1] - np.timedelta64(100, "D"):
            continue
        if any(abs((d - engine.dates[j]).astype(int)) <= 30 for j in chosen):
            continue
        chosen.append(int(i))
        if len(chosen) >= n_target:
            break
    last = dt.date.fromisoformat(str(engine.dates[-1]))
    err_a: list[float] = []
    err_b: list[float] = []
    sign_a = sign_b = 0
    for i in sorted(chosen):
        d = dt.date.fromisoformat(str(engine.dates[i]))
        rep = engine.search(d, top=5)
        fa = rep.analog_forward["sp500"]["1m"]["median"]
        fb = rep.base_rate["sp500"]["1m"]["median"]
        (real,) = engine.forward_table.forward([d], last)
        y = real.values["sp500"]["1m"]
        if fa is None or fb is None or y is None:
            continue
        err_a.append(abs(float(fa) - y))
        err_b.append(abs(float(fb) - y))
        sign_a += int(np.sign(float(fa)) == np.sign(y))
        sign_b += int(np.sign(float(fb)) == np.sign(y))
    n = len(err_a)
    if n == 0:
        print("evaluation: no stressed day with complete outcomes")
        return
    ma, mb = statistics.mean(err_a), statistics.mean(err_b)
    diff = np.array(err_a) - np.array(err_b)  # paired: < 0 means the analogs did better
    se = float(diff.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
    better = int((diff < 0).sum())
    if ma < mb and (mb - ma) > 2 * se:
        verdict = "The analogs beat the base rate here (more than two standard errors)."
    elif ma < mb:
        verdict = (
            "The analogs' error is lower, but by less than two standard errors: "
            "not distinguishable from the base rate."
        )
    else:
        verdict = "The analogs do not beat the base rate here."
    print(
        f"evaluation on {n} stressed days (top 2% severity, 30+ days apart, 1995 on): "
        f"S&P +1m mean absolute error analogs {ma:.2f} pp vs base rate {mb:.2f} pp "
        f"(paired difference {ma - mb:+.2f} pp, standard error {se:.2f} pp; analogs closer "
        f"on {better}/{n} days); direction right analogs {sign_a}/{n} vs base rate "
        f"{sign_b}/{n}. {verdict}"
    )


if __name__ == "__main__":
    sys.exit(main())
