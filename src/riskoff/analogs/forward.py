"""What happened next: forward moves after a day, and the unconditional base rate.

Horizons are counted in US trading days (days with an S&P 500 close): +5 (a week), +21 (a
month), +63 (three months). An asset's value on a day is its own last close on or before
that day, if no older than :data:`MAX_STALE_DAYS` calendar days; a move is measured within
one series only (never across a fallback seam), so no return spans a gap or a splice.

Point in time: for a query day D every move ends on or before D. A horizon that would end
after D is cut at D and flagged incomplete; the base rate uses only anchors whose whole
horizon ends on or before D.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "FORWARD_ASSETS",
    "HORIZONS",
    "MAX_STALE_DAYS",
    "ForwardAsset",
    "ForwardMove",
    "ForwardTable",
    "quantile_summary",
]

MAX_STALE_DAYS = 7
"""A close older than this (calendar days) does not stand for a day's value."""

HORIZONS: tuple[tuple[str, int], ...] = (("1w", 5), ("1m", 21), ("3m", 63))
"""Horizon names and lengths in US trading days."""

CALENDAR_SYMBOL = "yahoo:^GSPC"


@dataclass(frozen=True)
class ForwardAsset:
    """One asset of the "what happened next" table.

    ``unit`` is ``pct`` (simple return in percent) or ``bp`` (change of a yield quoted in
    percent, in basis points). ``symbols`` are tried in order; the first with both ends
    of the move is used.
    """

    key: str
    label: str
    symbols: tuple[str, ...]
    unit: str = "pct"


FORWARD_ASSETS: tuple[ForwardAsset, ...] = (
    ForwardAsset("sp500", "S&P 500", ("yahoo:^GSPC",)),
    ForwardAsset("nasdaq100", "Nasdaq-100", ("yahoo:^NDX",)),
    ForwardAsset("gold", "gold", ("yahoo:GC=F", "spot:XAUUSD")),
    ForwardAsset("btc", "Bitcoin", ("yahoo:BTC-USD", "coinbase:BTC-USD")),
    ForwardAsset("us10y", "10y yield (bp)", ("fred:DGS10",), "bp"),
    ForwardAsset("usd", "dollar", ("yahoo:DX-Y.NYB", "fred:DTWEXBGS")),
)

FORWARD_SYMBOLS: tuple[str, ...] = tuple(s for a in FORWARD_ASSETS for s in a.symbols)


def _day(d: dt.date | pd.Timestamp | np.datetime64) -> np.datetime64:
    return np.datetime64(pd.Timestamp(d).date(), "D")


@dataclass(frozen=True)
class ForwardMove:
    """The forward moves of one anchor day, as known at ``as_of``."""

    anchor: dt.date
    values: dict[str, dict[str, float | None]]
    complete: bool
    known_through: dt.date | None
    """When incomplete: the last day whose data the truncated moves use (the query day)."""
    horizons_complete: dict[str, bool]
    """Per horizon: True when the whole horizon ended on or before ``as_of``."""


def quantile_summary(values: np.ndarray) -> dict[str, float | int | None]:
    """``{"median", "p25", "p75", "n"}`` of the finite values (None when there are none)."""
    v = values[np.isfinite(values)]
    if v.size == 0:
        return {"median": None, "p25": None, "p75": None, "n": 0}
    p25, med, p75 = np.quantile(v, [0.25, 0.5, 0.75])
    return {"median": float(med), "p25": float(p25), "p75": float(p75), "n": int(v.size)}


class _Series:
    """One symbol's observed closes as sorted numpy arrays."""

    __slots__ = ("dates", "values")

    def __init__(self, s: pd.Series) -> None:
        s = s.dropna()
        s = s[np.isfinite(s.to_numpy(dtype="float64"))]
        self.dates = s.index.to_numpy(dtype="datetime64[D]")
        self.values = s.to_numpy(dtype="float64")

    def at(self, days: np.ndarray) -> np.ndarray:
        """The last close on or before each day (NaN when none or too stale)."""
        out = np.full(days.shape, np.nan)
        if self.dates.size == 0:
            return out
        idx = np.searchsorted(self.dates, days, side="right") - 1
        ok = idx >= 0
        safe = np.where(ok, idx, 0)
        age = (days - self.dates[safe]).astype("int64")
        ok &= age <= MAX_STALE_DAYS
        out[ok] = self.values[safe[ok]]
        return out


def _move(v0: np.ndarray, v1: np.ndarray, unit: str) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        if unit == "bp":
            return np.asarray((v1 - v0) * 100.0, dtype="float64")
        ok = (v0 > 0) & (v1 > 0)
        return np.where(ok, (v1 / v0 - 1.0) * 100.0, np.nan)


class ForwardTable:
    """Forward moves of every asset from any anchor, plus precomputed base-rate arrays.

    Args:
        levels: observed closes, one column per symbol, a DatetimeIndex of days; ``NaN``
            where a series has no observation (do not forward-fill).
        start: first anchor day of the base rate (default: the first day of ``levels``).
    """

    def __init__(self, levels: pd.DataFrame, *, start: dt.date | None = None) -> None:
        self._series: dict[str, _Series] = {
            sym: _Series(levels[sym]) for sym in FORWARD_SYMBOLS if sym in levels.columns
        }
        cal_src = self._series.get(CALENDAR_SYMBOL)
        if cal_src is not None and cal_src.dates.size:
            cal = cal_src.dates
        else:  # no S&P 500: weekdays of the table stand in
            idx = pd.DatetimeIndex(levels.index)
            cal = idx[idx.dayofweek < 5].to_numpy(dtype="datetime64[D]")
        first = _day(start) if start is not None else None
        self.calendar: np.ndarray = np.unique(cal)
        self._first = (
            int(np.searchsorted(self.calendar, first, side="left")) if first is not None else 0
        )
        # base-rate arrays: move from calendar[i] to calendar[i + h] for every i
        self._base: dict[str, dict[str, np.ndarray]] = {}
        for asset in FORWARD_ASSETS:
            per: dict[str, np.ndarray] = {}
            for hname, h in HORIZONS:
                arr = np.full(self.calendar.size, np.nan)
                if self.calendar.size > h:
                    arr[:-h] = self._moves(asset, self.calendar[:-h], self.calendar[h:])
                per[hname] = arr
            self._base[asset.key] = per

    def _moves(self, asset: ForwardAsset, d0: np.ndarray, d1: np.ndarray) -> np.ndarray:
        out = np.full(d0.shape, np.nan)
        for sym in asset.symbols:
            s = self._series.get(sym)
            if s is None:
                continue
            m = _move(s.at(d0), s.at(d1), asset.unit)
            fill = np.isnan(out) & np.isfinite(m)
            out[fill] = m[fill]
        return out

    def _last_index(self, as_of: np.datetime64) -> int:
        """Index of the last trading day on or before ``as_of`` (-1 if none)."""
        return int(np.searchsorted(self.calendar, as_of, side="right")) - 1

    def forward(self, anchors: list[dt.date], as_of: dt.date) -> list[ForwardMove]:
        """Forward moves after each anchor, using nothing after ``as_of``."""
        if not anchors:
            return []
        a = np.array([_day(x) for x in anchors])
        cut = _day(as_of)
        last = self._last_index(cut)
        pos = np.searchsorted(self.calendar, a, side="right") - 1
        values: list[dict[str, dict[str, float | None]]] = [{} for _ in anchors]
        complete = np.ones(a.size, dtype=bool)
        per_h: list[dict[str, bool]] = [{} for _ in anchors]
        for hname, h in HORIZONS:
            tgt = pos + h
            full = (pos >= 0) & (tgt <= last)
            complete &= full
            for i, ok in enumerate(full):
                per_h[i][hname] = bool(ok)
            ends = np.where(full, self.calendar[np.clip(tgt, 0, self.calendar.size - 1)], cut)
            for asset in FORWARD_ASSETS:
                m = self._moves(asset, a, ends)
                for i, v in enumerate(m):
                    values[i].setdefault(asset.key, {})[hname] = (
                        round(float(v), 4) if np.isfinite(v) else None
                    )
        out: list[ForwardMove] = []
        for i, anchor in enumerate(anchors):
            done = bool(complete[i])
            out.append(
                ForwardMove(
                    anchor=anchor,
                    values=values[i],
                    complete=done,
                    known_through=None if done else as_of,
                    horizons_complete=per_h[i],
                )
            )
        return out

    def base_rate(self, as_of: dt.date) -> dict[str, dict[str, dict[str, float | int | None]]]:
        """Median, quartiles and count of every asset's forward move from every trading
        day since ``start`` whose horizon ends on or before ``as_of``."""
        last = self._last_index(_day(as_of))
        out: dict[str, dict[str, dict[str, float | int | None]]] = {}
        for asset in FORWARD_ASSETS:
            per: dict[str, dict[str, float | int | None]] = {}
            for hname, h in HORIZONS:
                stop = last - h + 1
                arr = self._base[asset.key][hname]
                vals = arr[self._first : stop] if stop > self._first else arr[:0]
                per[hname] = quantile_summary(vals)
            out[asset.key] = per
        return out
