"""Bench of ``riskoff stress --book``: one by one, vectorised, Dask (``make bench``).

Synthetic books of 1,000 and 10,000 accounts are built from ``examples/portfolio.csv``'s
holdings (SPY, QQQ, IEF, GLD, BTC-USD and cash) with seeded random weights (Dirichlet)
and leverage (uniform 1 to 3, capped below the maintenance margin), replayed through the
catalogue's major episodes. The price and rate panels are read once from the store and
shared by the three ways, so what is timed is the replay:

* one by one: ``riskoff.portfolio.stress`` per account (the single-account replay) on a
  seeded subsample of accounts, its time per account scaled to the whole book;
* vectorised: ``riskoff.portfolio.book.replay_book`` on the whole book in this process;
* Dask: the blocks of 500 accounts on a local cluster of 2 worker processes, panels
  scattered once (broadcast), results gathered as they complete (cluster start-up timed
  apart).

Every account of the subsample is checked to give the same numbers both ways.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time
from typing import Any

import numpy as np
from _benchlib import bench_settings

SUBSAMPLE = 25
BLOCK = 500


def synthetic_book(n: int, seed: int = 24) -> list[Any]:
    """``n`` accounts from the example portfolio's holdings, random weights and leverage."""
    from riskoff.catalog import Catalog
    from riskoff.portfolio.book import BookAccount
    from riskoff.portfolio.io import parse_portfolio

    catalog = Catalog.default()
    rng = np.random.default_rng(seed)
    syms = ["yahoo:SPY", "yahoo:QQQ", "yahoo:IEF", "yahoo:GLD", "yahoo:BTC-USD"]
    out = []
    for a in range(n):
        w = np.round(rng.dirichlet(np.ones(6) * 2), 6)
        cash = round(1.0 - float(w[:5].sum()), 6)
        invested = 1.0 - cash
        lev = min(float(rng.uniform(1.0, 3.0)), 0.95 / 0.25 / invested)
        lines = ["symbol,weight", *(f"{s},{x}" for s, x in zip(syms, w[:5], strict=True))]
        lines += [f"cash,{cash}", f"leverage,{lev:.4f}", "maintenance_margin,0.25"]
        lines += ["loan_spread,0.01", f"equity,{int(rng.integers(10_000, 2_000_000))}"]
        out.append(BookAccount(f"a{a:05d}", parse_portfolio("\n".join(lines), catalog)))
    return out


def _panels(settings: Any, accounts: list[Any]) -> tuple[Any, list[Any]]:
    from riskoff.analogs.episodes import load_episodes
    from riskoff.portfolio.book import BookTerms, make_panels, panel_symbols
    from riskoff.store import Store
    from riskoff.usecases.common import load_catalog
    from riskoff.usecases.portfolio import policy_rate_reader

    episodes = load_episodes(settings.home).major()
    with Store(settings.store_path, read_only=True) as st:
        panels = make_panels(
            episodes,
            panel_symbols([a.portfolio for a in accounts], BookTerms().no_history),
            st.read_wide,
            policy_rate_reader(st, load_catalog(settings)),
            horizon=BookTerms().horizon,
        )
    return panels, episodes


def one_by_one(accounts: list[Any], panels: Any, episodes: list[Any]) -> tuple[float, list[Any]]:
    """Seconds per account of the single-account replay, and its reports."""
    import pandas as pd

    from riskoff.portfolio.stress import stress

    by_id = {p.episode.id: p for p in panels.episodes}

    def prices(symbols: Any, start: Any, end: Any) -> pd.DataFrame:
        for p in panels.episodes:
            if p.until == end:
                w = p.prices
                return w.loc[w.index >= pd.Timestamp(start), [c for c in symbols if c in w]]
        raise LookupError(end)

    def rates(start: Any, end: Any) -> pd.DataFrame:
        for p in by_id.values():
            if p.until == end and p.rates is not None:
                return p.rates
        raise LookupError(end)

    t0 = time.perf_counter()
    reports = [stress(a.portfolio, episodes, prices, read_rates=rates) for a in accounts]
    return (time.perf_counter() - t0) / len(accounts), reports


def check_same(reports: list[Any], accounts: list[Any], book: Any) -> None:
    """The subsample's single replays equal the book's rows exactly."""
    for acc, rep in zip(accounts, reports, strict=True):
        rows = book[book["account"] == acc.id].set_index("episode")
        for e in rep.episodes:
            got = rows.loc[e.id]
            assert got["max_drawdown"] == e.stats.max_drawdown, (acc.id, e.id)
            assert got["cash_needed"] == e.stats.cash_needed, (acc.id, e.id)
            assert got["final_equity"] == e.stats.final_equity, (acc.id, e.id)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", help="RISKOFF_HOME holding riskoff.duckdb")
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--json", action="store_true", help="JSON rows for make bench")
    args = ap.parse_args(argv)
    runs = int(os.environ.get("BENCH_RUNS", "3"))

    from riskoff.portfolio.book import BookTerms, replay_book

    settings = bench_settings(args.home or os.environ.get("BENCH_HOME"))
    sizes = [int(x) for x in args.sizes.split(",")]
    accounts_all = synthetic_book(max(sizes))
    panels, episodes = _panels(settings, accounts_all)
    rows: list[dict[str, Any]] = []
    rng = np.random.default_rng(1)
    cluster = client = shared = None
    start_s = scatter_s = 0.0
    if not args.no_dask:
        from distributed import Client, LocalCluster

        t0 = time.perf_counter()
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",
            silence_logs=40,
        )
        client = Client(cluster)
        start_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        shared = client.scatter(panels, broadcast=True)
        scatter_s = time.perf_counter() - t0
    try:
        for n in sizes:
            accounts = accounts_all[:n]
            sub = [accounts[int(i)] for i in rng.choice(n, SUBSAMPLE, replace=False)]
            per_single, reports = one_by_one(sub, panels, episodes)
            times = []
            book = None
            for _ in range(runs):
                t0 = time.perf_counter()
                book = replay_book(accounts, panels, BookTerms())
                times.append(time.perf_counter() - t0)
            vec = statistics.median(times)
            check_same(reports, sub, book)
            speedup = per_single / (vec / n)
            rows.append(
                {
                    "name": f"{n // 1000}k vectorised",
                    "what": f"{n:,} accounts x {len(episodes)} episodes in one process, "
                    f"{vec / n * 1e6:.0f} us per account; one by one "
                    f"{per_single * 1e3:.1f} ms per account ({SUBSAMPLE}-account sample, "
                    f"scaled): {speedup:.0f}x faster per account (median of {runs})",
                    "median": vec,
                    "baseline": per_single * n,
                    "baseline_what": f"one by one, {SUBSAMPLE} accounts x {n:,}",
                    "budget": None,
                    "speedup": speedup,
                    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                }
            )
            if client is not None:
                from distributed import as_completed

                blocks = [accounts[i : i + BLOCK] for i in range(0, n, BLOCK)]
                dtimes = []
                for _ in range(runs):
                    t0 = time.perf_counter()
                    futs = [
                        client.submit(replay_book, b, shared, BookTerms(), pure=False)
                        for b in blocks
                    ]
                    parts = [f.result() for f in as_completed(futs)]
                    dtimes.append(time.perf_counter() - t0)
                assert sum(len(p) for p in parts) == len(book)  # type: ignore[arg-type]
                dmed = statistics.median(dtimes)
                rows.append(
                    {
                        "name": f"{n // 1000}k dask 2 workers",
                        "what": f"{n:,} accounts, {len(blocks)} blocks of {BLOCK} on a local "
                        f"cluster of 2 worker processes; panels scattered to both once "
                        f"({scatter_s:.2f} s) and cluster start-up ({start_s:.1f} s) not "
                        f"counted; median of {runs}",
                        "median": dmed,
                        "baseline": vec,
                        "baseline_what": "vectorised, one process",
                        "budget": None,
                        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                    }
                )
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    for r in rows:
        if args.json:
            print(json.dumps(r))
        else:
            base = r["baseline"]
            print(f"{r['name']}: {r['median']:.3f} s (baseline {base:.3f} s) {r['what']}")
    worst = min(r.get("speedup", np.inf) for r in rows)
    if not args.json and worst < 50:
        print(f"vectorised only {worst:.0f}x faster per account than one by one (goal 50x)")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
