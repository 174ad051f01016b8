"""Causal statistics: every value at row t uses rows up to t only."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["asof_change", "calc_causal_percentile", "compress_apply", "on_observations"]


def calc_causal_percentile(
    x: pd.Series, window: int | None = None, min_periods: int = 20
) -> pd.Series:
    """Percentile (0..1) of each value among the non-missing values up to and including it.

    ``window=None`` uses all earlier values (expanding); otherwise the last ``window``
    non-missing values. Ties take their average rank. Missing stays missing.
    """
    obs = x.dropna()
    if obs.empty:
        return pd.Series(np.nan, index=x.index, name=x.name)
    roll = obs.expanding(min_periods) if window is None else obs.rolling(window, min_periods)
    pct = roll.rank(pct=True)
    return pct.reindex(x.index)


def on_observations(x: pd.Series, fresh: pd.Series | np.ndarray) -> pd.Series:
    """The values of ``x`` on the rows where ``fresh`` is true (for weekly/monthly series)."""
    mask = np.asarray(fresh, dtype=bool) & np.asarray(x.notna())
    out: pd.Series = x.loc[mask]
    return out


def compress_apply(
    values: np.ndarray, mask: np.ndarray, window: int, min_periods: int, how: str
) -> np.ndarray:
    """Rolling ``std``/``mean``/``max`` over the rows where ``mask`` holds, placed back on
    those rows (NaN elsewhere)."""
    out = np.full(len(values), np.nan)
    idx = np.flatnonzero(mask)
    if len(idx) == 0:
        return out
    roll = pd.Series(values[idx]).rolling(window, min_periods=min_periods)
    res = roll.std() if how == "std" else roll.mean() if how == "mean" else roll.max()
    out[idx] = res.to_numpy()
    return out


def asof_change(x: pd.Series, days: int) -> pd.Series:
    """``x`` minus its value as known ``days`` calendar days earlier (NaN if unknown)."""
    idx = pd.DatetimeIndex(x.index)
    past = x.reindex(idx - pd.Timedelta(days=days), method="ffill")
    return pd.Series(x.to_numpy() - past.to_numpy(), index=x.index, name=x.name)
