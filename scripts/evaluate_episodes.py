"""Validation report: diagnose every episode of the catalogue and compare the primary
suspect with the catalogue's label (which cites the published explanation).

This is a check, not a tuning target: no threshold may be fitted to make a row come out
right. It prints, per episode, the primary suspect on its most severe day and over its
whole window, and the hit rates.

    .venv/bin/python scripts/evaluate_episodes.py [--json]
    .venv/bin/python scripts/evaluate_episodes.py --days scripts/probe_days.csv

``--days`` reads single days labelled elsewhere (``date,expected,why``; ``expected`` is a
suspect id or ``none`` for a calm day; a ``date`` written ``START:END`` is a window) and
reports the primary suspect of each.

    .venv/bin/python scripts/evaluate_episodes.py --days scripts/probe_windows.csv
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from pathlib import Path

import pandas as pd

from riskoff import usecases
from riskoff.analogs.episodes import load_episodes
from riskoff.config import Settings
from riskoff.dates import Window, parse_window
from riskoff.diagnosis import load_suspects, scan_table
from riskoff.errors import RiskoffError
from riskoff.indicators.features import daily_features


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--days", type=Path, help="a CSV of labelled single days instead")
    a = ap.parse_args()
    s = Settings.from_env()
    pnl = usecases.load_panel(s)
    ws = usecases.workspace_of(pnl, s)
    if a.days is not None:
        _days(a.days, s, ws)
        return
    table = daily_features(pnl)
    suspects = load_suspects(s.home)
    rows = []
    for ep in load_episodes(s.home).values():
        try:
            scanned = scan_table(table, suspects=suspects, start=ep.start, end=ep.end)
        except RiskoffError as exc:
            rows.append({"id": ep.id, "label": ep.suspect, "error": str(exc)})
            continue
        if not scanned:
            continue
        worst = max(scanned, key=lambda r: r.severity)
        day = usecases.diagnose(worst.date, settings=s, with_analogs=False, workspace=ws)
        win = usecases.diagnose(
            ep.end, window=Window(ep.start, ep.end), settings=s, with_analogs=False, workspace=ws
        )
        dd, wd = day.to_dict(), win.to_dict()
        rows.append(
            {
                "id": ep.id,
                "label": ep.suspect,
                "worst_day": str(worst.date),
                "severity": round(worst.severity, 2),
                "day_primary": dd["verdict"]["primary"],
                "day_top2": [x["id"] for x in dd["suspects"][:2]],
                "window_primary": wd["verdict"]["primary"],
            }
        )
    ok = [r for r in rows if "error" not in r]
    day_hits = sum(r["day_primary"] == r["label"] for r in ok)
    top2 = sum(r["label"] in r["day_top2"] for r in ok)
    win_hits = sum(r["window_primary"] == r["label"] for r in ok)
    if a.json:
        json.dump({"rows": rows, "day": day_hits, "window": win_hits, "n": len(ok)}, sys.stdout)
        return
    frame = pd.DataFrame(ok)
    with pd.option_context("display.width", 160, "display.max_rows", 100):
        print(frame.to_string(index=False))
    n = len(ok)
    print(
        f"\nworst day: {day_hits}/{n} primary, {top2}/{n} in the top two; "
        f"window: {win_hits}/{n} primary"
    )
    # Guard against fitting the catalogue: sorted ids, even positions = development (the
    # misses one may look at), odd positions = holdout (only ever reported).
    ids = sorted(r["id"] for r in ok)
    halves = {"development": set(ids[0::2]), "holdout": set(ids[1::2])}
    for name, members in halves.items():
        part = [r for r in ok if r["id"] in members]
        d = sum(r["day_primary"] == r["label"] for r in part)
        t = sum(r["label"] in r["day_top2"] for r in part)
        w = sum(r["window_primary"] == r["label"] for r in part)
        m = len(part)
        print(f"{name}: worst day {d}/{m} primary, {t}/{m} top two; window {w}/{m}")


def _days(path: Path, s: Settings, ws: usecases.Workspace) -> None:
    rows = []
    with path.open(newline="", encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            window = parse_window(rec["date"]) if ":" in rec["date"] else None
            day = window.end if window else dt.date.fromisoformat(rec["date"])
            d = usecases.diagnose(
                day, window=window, settings=s, with_analogs=False, workspace=ws
            ).to_dict()
            sell = d["selloff"]
            named = d["verdict"]["primary"]
            got = named if sell["is_selloff"] else "none"
            rows.append(
                {
                    "date": rec["date"],
                    "expected": rec["expected"],
                    "got": got,
                    "ok": got == rec["expected"],
                    "named": named == rec["expected"] and rec["expected"] != "none",
                    "severity": round(sell["severity"], 2),
                    "top3": ", ".join(f"{x['id']} {x['score']:.2f}" for x in d["suspects"][:3]),
                }
            )
    with pd.option_context("display.width", 200, "display.max_colwidth", 80):
        print(pd.DataFrame(rows).to_string(index=False))
    events = [r for r in rows if r["expected"] != "none"]
    print(
        f"\n{sum(r['ok'] for r in rows)}/{len(rows)} as expected; on the {len(events)} "
        f"events, the verdict names the expected suspect on {sum(r['named'] for r in events)}"
        " (whether or not the day is a sell-off)"
    )


if __name__ == "__main__":
    main()
