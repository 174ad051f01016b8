"""Time ``riskoff report`` from a warm store, stage by stage, and as a fresh process.

Usage::

    .venv/bin/python scripts/bench_report.py [--home DIR] [--day 2020-03-12] [--runs N] [--json]

Uses the store at ``$RISKOFF_HOME`` (or ``--home``; when that store is empty the shared data
folder is ingested into a temporary home first). Prints, for one report day: the import
time of the heavy libraries, then the median of each stage in one process (panel,
feature table, diagnosis, analogs, chart data and prose, HTML), and the fresh-process
``riskoff report DAY -o FILE`` total against the 5 s budget. With ``--json`` each row is
one JSON line (``make bench`` reads them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _benchlib import bench_settings

BUDGET_S = 5.0


def _median(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times: list[float] = []
    out: Any = None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--home", help="RISKOFF_HOME holding riskoff.duckdb")
    ap.add_argument("--day", default="2020-03-12")
    ap.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "3")))
    ap.add_argument("--json", action="store_true", help="one JSON line per row")
    args = ap.parse_args(argv)
    rows: list[dict[str, Any]] = []

    t0 = time.perf_counter()
    import jinja2  # noqa: F401
    import numpy  # noqa: F401
    import pandas  # noqa: F401

    from riskoff import usecases
    from riskoff.indicators.features import daily_features
    from riskoff.render.html import ReportInput, build_report, render_html
    from riskoff.usecases.charting import chart_set

    rows.append(
        {"what": "imports (pandas, numpy, jinja2, riskoff)", "median": time.perf_counter() - t0}
    )

    s = bench_settings(args.home)
    day = dt.date.fromisoformat(args.day)
    t_panel, pnl = _median(lambda: usecases.load_panel(s, as_of=day), args.runs)
    rows.append({"what": "panel from the store", "median": t_panel})

    def features() -> Any:
        return daily_features(pnl)

    t_feat, table = _median(features, args.runs)
    rows.append({"what": "daily feature table", "median": t_feat})
    ws = usecases.workspace_of(pnl, s)
    t_diag, diag = _median(
        lambda: usecases.diagnose(day, settings=s, with_analogs=False, workspace=ws), args.runs
    )
    rows.append({"what": "diagnosis", "median": t_diag})
    t_an, _ = _median(lambda: ws.engine.search(day, top=5), args.runs)
    rows.append({"what": "analogs", "median": t_an})

    out = Path(tempfile.mkdtemp(prefix="riskoff_report_")) / "r.html"
    res = usecases.report(day, out=out, settings=s)
    inp = ReportInput(
        day=day,
        start=day,
        as_of=day,
        row=table.loc[str(day)].to_dict(),
        table=table.loc[: str(day)],
        charts=chart_set(
            table=table.loc[: str(day)],
            levels=pnl.levels.loc[: str(day)],
            traded=pnl.traded.loc[: str(day)],
            class_moves=pnl.class_moves.loc[: str(day)],
            day=day,
            start=day,
        ),
        diagnosis=diag.to_dict(),
    )
    t_build, rep = _median(lambda: build_report(inp), args.runs)
    rows.append({"what": "chart data and prose", "median": t_build})
    t_html, page = _median(lambda: render_html(rep), args.runs)
    rows.append({"what": f"HTML page ({len(page) / 1e6:.1f} MB)", "median": t_html})

    cli = str(Path(sys.executable).parent / "riskoff")
    env = {**os.environ, "RISKOFF_HOME": str(s.home)}
    cmd = [cli, "report", args.day, "-o", str(out)]
    subprocess.run(cmd, check=True, capture_output=True, env=env)  # warm the page cache
    t_cli, _ = _median(
        lambda: subprocess.run(cmd, check=True, capture_output=True, env=env), args.runs
    )
    rows.append(
        {
            "what": f"riskoff report {args.day} (fresh process, {res.bytes / 1e6:.1f} MB)",
            "median": t_cli,
            "budget": BUDGET_S,
        }
    )
    for r in rows:
        if args.json:
            print(json.dumps(r))
        else:
            budget = f"  (budget {r['budget']:.1f} s)" if "budget" in r else ""
            print(f"{r['what']:<60} {r['median']:7.2f} s{budget}")
    return 0 if t_cli <= BUDGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
