"""The day's range: how far a market fell to its low, and how far it came back.

A close-to-close move hides the day's path. Bitcoin closed 2020-03-12 37% below the
previous close, but traded 48% below it at its low of the next (UTC) day; on 2021-05-19
it closed 14% down after trading 30% down. The range sources of each asset class
(``universe.toml`` ``range``, in fallback order: the S&P 500 reads SPY's range, gold
GLD's, silver the futures' ...) give, per day D on which the source traded:

* ``tolow.<class>``: the log move from the previous close to the day's low,
  ``log(low_D / close_prev)`` (= the day's move + ``log(low_D / close_D)``); at most the
  day's move.
* ``tolow2.<class>``: the log move from the close two sessions back to the day's low,
  ``log(low_D / close_prev2)``. Read on the day *after* a day P, it is "P's fall to the
  next day's low" (``close_{P-1}`` to ``low_{P+1}``): a number about P that is known
  only once the next session has closed, which is why it lives on the later row.
* ``rebound.<class>``: the log distance from the low back up to the close,
  ``log(close_D / low_D)`` (>= 0): the day's lower wick.
* ``wick_sigma.<class>``: the rebound in sigmas of the source's own daily volatility (the
  trailing 60 sessions strictly before D, as every sigma-move). Under a random walk
  the close's distance above the day's low is distributed as ``|N(0, 1)|`` daily
  sigmas (the reflection principle), so 2σ is its 95th percentile, 3σ its 99.7th.

Each value reads only the source's close and low of D and its closes before D: a row
never holds a later price (point in time). A class whose range source did not trade on
D, or has no range data, is NaN (unavailable, never zero).

**Bitcoin's day.** Crypto's day D is the UTC day D (its close at 00:00 UTC of D+1, the
calendar's crypto close, ``docs/calendar.md``), and its low is that UTC day's low: read
with its close, under every moment of the diagnosis. The UTC day D+1 has not even begun
at the US close of D and ends at 00:00 UTC of D+2, after the morning after D, so a
diagnosis of D never reads D+1's low; "−48% to the 03-13 low" is said only by a
diagnosis whose prices run through 2020-03-13 (a later day's, comparing with 312, or a
window that spans 03-13).

A window START..END reads its deepest low: the lowest of ``tolow`` over the window's
sessions, each measured from the close before START (:func:`window_ranges`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from riskoff.indicators.moves import VOL_WINDOW, calc_trailing_vol
from riskoff.knowledge.universe import universe

if TYPE_CHECKING:
    from riskoff.panel import Panel

__all__ = [
    "RANGE_CLASSES",
    "RANGE_PREFIXES",
    "calc_range_moves",
    "next_day_lows",
    "range_features",
    "window_ranges",
]

RANGE_CLASSES: Final[dict[str, tuple[str, ...]]] = {
    c.id: c.range_symbols for c in universe().classes if c.range_symbols
}
"""Class id -> its range sources in fallback order (``universe.toml`` ``range``)."""

RANGE_PREFIXES: Final[tuple[str, ...]] = ("tolow.", "tolow2.", "rebound.", "wick_sigma.")
"""The feature-table columns of the day's range (``<prefix><class>``)."""

NEXT_LOW: Final[str] = "tolow_next."
"""``tolow_next.<class>`` (:func:`next_day_lows`): a reference day's fall to the next
session's low, added to a reference row only when that session closed in time."""


def calc_range_moves(
    close: np.ndarray,
    low: np.ndarray,
    move: np.ndarray,
    traded: np.ndarray,
    vol: np.ndarray,
) -> dict[str, np.ndarray]:
    """The range columns of one source (arrays over the same days, pure).

    Args:
        close: the source's close known at the end of each day.
        low: the day's low observed that day (NaN on days without one).
        move: the log move released that day (from the previous close).
        traded: True where the source published a close that day.
        vol: the trailing daily volatility strictly before each day.

    Returns ``tolow``, ``tolow2``, ``rebound`` and ``wick_sigma`` (see the module doc).
    """
    ok = traded.astype(bool) & ~np.isnan(low) & ~np.isnan(move) & (low > 0) & (close > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.minimum(low, close)  # a low above the close is a bad tick: the close is lower
        rebound = np.where(ok, np.log(close / np.where(ok, lo, 1.0)), np.nan)
        tolow = np.where(ok, move - rebound, np.nan)
        # the previous session's move: the move of the last earlier traded day
        sessions = np.flatnonzero(traded.astype(bool))
        prev = np.full(len(move), np.nan)
        if len(sessions) > 1:
            prev[sessions[1:]] = move[sessions[:-1]]
        tolow2 = tolow + prev
        wick = np.where(ok & (vol > 0), rebound / vol, np.nan)
    return {"tolow": tolow, "tolow2": tolow2, "rebound": rebound, "wick_sigma": wick}


def _source_frames(panel: Panel, sym: str) -> dict[str, np.ndarray] | None:
    """The range columns of one source symbol over the panel's days (None: no data)."""
    col = f"{sym}@low"
    if col not in panel.ranges.columns or sym not in panel.levels.columns:
        return None
    mv = panel.moves[[sym]]
    tr = panel.traded[[sym]].astype(bool)
    vol = calc_trailing_vol(mv, tr)[sym].to_numpy(dtype=np.float64)
    return calc_range_moves(
        panel.levels[sym].to_numpy(dtype=np.float64),
        panel.ranges[col].to_numpy(dtype=np.float64),
        mv[sym].to_numpy(dtype=np.float64),
        tr[sym].to_numpy(dtype=bool),
        vol,
    )


def range_features(panel: Panel) -> pd.DataFrame:
    """The range columns of every class with range sources, on the panel's days: per day,
    the first source in the class's fallback order with a range that day (pure)."""
    n = len(panel.days)
    out: dict[str, np.ndarray] = {}
    cache: dict[str, dict[str, np.ndarray] | None] = {}
    for cls, syms in RANGE_CLASSES.items():
        cols = {k: np.full(n, np.nan) for k in ("tolow", "tolow2", "rebound", "wick_sigma")}
        for sym in reversed(syms):  # the first source wins where it has a range
            if sym not in cache:
                cache[sym] = _source_frames(panel, sym)
            src = cache[sym]
            if src is None:
                continue
            has = ~np.isnan(src["tolow"])
            for k, acc in cols.items():
                cols[k] = np.where(has, src[k], acc)
        for k, v in cols.items():
            out[f"{k}.{cls}"] = v
    return pd.DataFrame(out, index=panel.days)


def window_ranges(panel: Panel, a: int, b: int) -> dict[str, float]:
    """The range values of the window of panel rows ``a..b``: per class, the deepest low
    of its first range source with a range in the window, measured from the close
    before the window (``tolow``), the close's distance above it (``rebound``) and that
    in sigmas of the source's volatility before the window scaled by the square root of
    its sessions (``wick_sigma``); ``tolow2`` is that deepest low measured from the close
    one session earlier (so a one-day window is its day's row). NaN where no source has
    a range in the window."""
    out: dict[str, float] = {}
    for cls, syms in RANGE_CLASSES.items():
        vals = dict.fromkeys(("tolow", "tolow2", "rebound", "wick_sigma"), math.nan)
        for sym in syms:
            col = f"{sym}@low"
            if col not in panel.ranges.columns or sym not in panel.levels.columns:
                continue
            # only the window's rows and the sessions before it that its numbers read:
            # the session before (tolow2) and the volatility window before its first day
            tr_all = panel.traded[sym].to_numpy(dtype=bool)
            mv_all = panel.moves[sym].to_numpy(dtype=np.float64)
            earlier = np.flatnonzero(tr_all[:a])
            counted = np.flatnonzero(tr_all[:a] & ~np.isnan(mv_all[:a]))  # as the vol counts
            s0 = int(counted[-(VOL_WINDOW + 1)]) if len(counted) > VOL_WINDOW else 0
            mv, tr = mv_all[a : b + 1], tr_all[a : b + 1]
            span = calc_range_moves(
                panel.levels[sym].to_numpy(dtype=np.float64)[a : b + 1],
                panel.ranges[col].to_numpy(dtype=np.float64)[a : b + 1],
                mv,
                tr,
                np.full(b + 1 - a, np.nan),  # the wick's volatility is the window's own, below
            )["tolow"]
            if np.isnan(span).all():
                continue
            step = np.where(tr, np.nan_to_num(mv), 0.0)
            before = np.concatenate([[0.0], np.cumsum(step)[:-1]])  # close before each day
            depth = before + span
            at = int(np.nanargmin(depth))
            deepest = float(depth[at])
            total = float(step.sum())
            vol = calc_trailing_vol(
                panel.moves[[sym]].iloc[s0 : a + 1],
                panel.traded[[sym]].iloc[s0 : a + 1].astype(bool),
            )
            v0 = float(vol[sym].to_numpy(dtype=np.float64)[-1])
            n = max(int(tr.sum()), 1)
            rebound = total - deepest
            # the session before the window: its move turns the window's fall into one
            # from the close two sessions back, as the row's tolow2 (a one-day window
            # is its day's row)
            prev = float(mv_all[earlier[-1]]) if len(earlier) else math.nan
            vals = {
                "tolow": deepest,
                "tolow2": deepest + prev,
                "rebound": rebound,
                "wick_sigma": rebound / (v0 * math.sqrt(n)) if v0 > 0 else math.nan,
            }
            break
        for k, v in vals.items():
            out[f"{k}.{cls}"] = v
    return out


def next_day_lows(table: pd.DataFrame, day: pd.Timestamp, until: pd.Timestamp) -> dict[str, float]:
    """``tolow_next.<class>``: day's fall from the previous close to the low of the next
    session of the class (that session's ``tolow2``), for each range class whose next
    session after ``day`` closed on or before ``until`` (the last close the diagnosis may
    read); NaN otherwise. The next session of Bitcoin is the next UTC day."""
    out: dict[str, float] = {}
    later = table.loc[(table.index > day) & (table.index <= until)]
    for cls in RANGE_CLASSES:
        key, opn = f"tolow2.{cls}", f"open.{cls}"
        value = math.nan
        if key in later.columns and opn in later.columns and len(later):
            sess = later[later[opn] == 1]
            if len(sess):
                value = float(sess[key].iloc[0])
        out[f"{NEXT_LOW}{cls}"] = value
    return out
