"""Price paths and relative performance: the analytics behind the report's "a new 312
or a new 519?" and rotation charts, and the smoothed turbulence of its stress chart.

Pure functions of series; the use-case layer (:mod:`riskoff.usecases.charting`) calls
them and hands plain chart data to :mod:`riskoff.render`, which only formats.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "TURBULENCE_SMOOTHING",
    "basket_level",
    "rebased_path",
    "relative_performance",
    "smoothed_turbulence",
    "window_relative",
]

TURBULENCE_SMOOTHING = 21
"""Sessions in the moving average of turbulence drawn on the stress chart (a month: one
day's turbulence is noisy)."""


def rebased_path(
    levels: pd.Series,
    traded: pd.Series | None,
    day: pd.Timestamp,
    before: int,
    after: int,
) -> tuple[list[int], np.ndarray] | None:
    """One price path around ``day``, rebased to 100 at the close before day 0.

    Sessions are the days ``traded`` marks (every day with a level when None); day 0 is
    the first session on or after ``day`` and must fall within 7 days of the close
    before it. Returns the offsets ``-before..after`` and float32 values (NaN where the
    session is not in ``levels``), or None without such a base close.
    """
    s = levels
    if traded is not None:
        s = s[traded.reindex(s.index).fillna(False).astype(bool)]
    s = s.dropna()
    s = s[s > 0]
    if s.empty:
        return None
    idx = pd.DatetimeIndex(s.index)
    pos = int(idx.searchsorted(day, side="left"))
    if pos < 1 or pos > len(s) or (day - idx[pos - 1]).days > 7:
        return None
    base = float(s.iloc[pos - 1])
    offsets = list(range(-before, after + 1))
    vals = np.full(len(offsets), np.nan, dtype=np.float32)
    for k, off in enumerate(offsets):
        p = pos + off
        if 0 <= p < len(s):
            vals[k] = float(s.iloc[p]) / base * 100.0
    return offsets, vals


def basket_level(moves: pd.Series) -> pd.Series:
    """A level from log moves (1 at the first row, NaN before the first known move)."""
    out: pd.Series = np.exp(moves.fillna(0.0).cumsum()).where(moves.notna().cummax())
    return out


def relative_performance(leg: pd.Series, benchmark: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``(ratio, points)``: the leg's price ratio to the benchmark (carried over gaps) and
    its relative performance ``100 x (leg / leg0) / (bench / bench0) - 100`` from the
    first row where both are known (all NaN when they never are)."""
    ratio = (leg / benchmark).ffill()
    ok = ratio.dropna()
    if ok.empty:
        return ratio, ratio * np.nan
    return ratio, (ratio / float(ok.iloc[0]) - 1.0) * 100.0


def window_relative(ratio: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> float | None:
    """The relative performance over ``start..end`` in points, from the last ratio before
    ``start`` to the last on or before ``end`` (None when either is unknown)."""
    before = ratio.loc[ratio.index < start].dropna()
    upto = ratio.loc[ratio.index <= end].dropna()
    if not len(before) or not len(upto):
        return None
    v = (float(upto.iloc[-1]) / float(before.iloc[-1]) - 1.0) * 100.0
    return v if np.isfinite(v) else None


def smoothed_turbulence(turbulence: pd.Series) -> pd.Series:
    """Turbulence averaged over :data:`TURBULENCE_SMOOTHING` rows (at least half known)."""
    n = TURBULENCE_SMOOTHING
    return turbulence.rolling(n, min_periods=n // 2).mean()
