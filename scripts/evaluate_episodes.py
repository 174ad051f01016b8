"""Validation report: diagnose every episode of the catalogue and compare the primary
suspect with the catalogue's label (which cites the published explanation).

This is a check, not a tuning target: no threshold may be fitted to make a row come out
right. It prints, per episode, the primary suspect on its most severe day and over its
whole window, and the hit rates.

    .venv/bin/python scripts/evaluate_episodes.py [--json]
"""

from __future__ import annotations

import argparse
import json
import sys

import pandas as pd

from riskoff import pipeline
from riskoff.analogs.episodes import load_episodes
from riskoff.config import Settings
from riskoff.dates import Window
from riskoff.diagnosis import load_suspects, scan_table
from riskoff.errors import RiskoffError
from riskoff.indicators.features import daily_features


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    s = Settings.from_env()
    pnl = pipeline.load_panel(s)
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
        day = pipeline.diagnose(worst.date, settings=s, with_analogs=False, panel=pnl)
        win = pipeline.diagnose(
            ep.end, window=Window(ep.start, ep.end), settings=s, with_analogs=False, panel=pnl
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


if __name__ == "__main__":
    main()
