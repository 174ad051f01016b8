"""Which New York day does a Yahoo FX row hold? The measurement behind ``row_holds``.

Reads the raw rows of a data folder (no store), correlates each pair's daily log change
with a New York reference on the same row and on the row before, before and after the
catalogue's ``row_holds_from`` day, and again after re-dating. It also locates the switch
in EURUSD=X with a CUSUM: the day after which "matches the day before" beats "matches the
same day" for good.

    .venv/bin/python scripts/fx_timing.py [DATA_FOLDER]   (default $RISKOFF_DATA)
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pandas as pd

from riskoff.catalog import Catalog
from riskoff.providers.folder import read_folder

REFERENCE = {  # a New York close (the dollar index future) or noon (the Fed's H.10 rate)
    "yahoo:EURUSD=X": "yahoo:DX-Y.NYB",
    "yahoo:AUDUSD=X": "yahoo:DX-Y.NYB",
    "yahoo:EURJPY=X": "yahoo:DX-Y.NYB",
    "yahoo:JPY=X": "fred:DEXJPUS",
}


def _changes(frame: pd.DataFrame) -> pd.Series:
    s = frame.set_index("date")["value"].astype(float)
    return pd.Series(np.log(s), index=s.index).diff()


def _corr(a: pd.Series, b: pd.Series) -> tuple[float, float]:
    """Correlations of ``a`` with ``b`` on the same day and with ``b``'s previous row."""
    prev = b.dropna().shift(1)
    return float(a.corr(b.reindex(a.index))), float(a.corr(prev.reindex(a.index)))


def main() -> None:
    folder = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("RISKOFF_DATA", "")
    if not folder:
        sys.exit("usage: fx_timing.py DATA_FOLDER (or set RISKOFF_DATA)")
    catalog = Catalog.default()
    symbols = sorted(set(REFERENCE) | set(REFERENCE.values()))
    raw = read_folder(folder, symbols=symbols)
    fixed = read_folder(folder, symbols=symbols, catalog=catalog)
    rows = []
    for pair, ref in REFERENCE.items():
        since = pd.Timestamp(catalog[pair].row_holds_from or "1900-01-01")
        a, b = _changes(raw.frames[pair]), _changes(raw.frames[ref])
        fa = _changes(fixed.frames[pair])
        for era, part, other in (
            ("raw, before", a[a.index < since], b),
            ("raw, after", a[a.index >= since], b),
            ("re-dated, after", fa[fa.index >= since], b),
        ):
            same, before = _corr(part, other)
            monday = part[pd.DatetimeIndex(part.index).day_of_week == 0]
            mon_same, mon_before = _corr(monday, other)
            rows.append(
                {
                    "pair": pair,
                    "reference": ref,
                    "rows": era,
                    "n": int(part.notna().sum()),
                    "same day": round(same, 2),
                    "day before": round(before, 2),
                    "Mondays: same day": round(mon_same, 2),
                    "Mondays: day before": round(mon_before, 2),
                }
            )
    with pd.option_context("display.width", 160):
        print(pd.DataFrame(rows).to_string(index=False))

    eur, dxy = _changes(raw.frames["yahoo:EURUSD=X"]), _changes(raw.frames["yahoo:DX-Y.NYB"])
    both = pd.concat([eur, dxy], axis=1, join="inner").dropna()
    x, y = both.iloc[:, 0], both.iloc[:, 1]
    gain = ((x * y.shift(1)).abs() - (x * y).abs()).fillna(0.0)
    cusum = gain.cumsum()
    last_aligned = cusum.idxmin()
    first_moved = both.index[both.index.get_loc(last_aligned) + 1]
    print(
        f"\nEURUSD=X switch (CUSUM over {both.index[0].date()}..{both.index[-1].date()}): "
        f"last row holding its own day {last_aligned.date()}, first holding the day before "
        f"{first_moved.date()}; catalogue row_holds_from = "
        f"{catalog['yahoo:EURUSD=X'].row_holds_from}"
    )


if __name__ == "__main__":
    main()
