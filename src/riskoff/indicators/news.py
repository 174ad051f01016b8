"""What the newspapers said: news indices read against their own trailing level.

The newspaper-based daily indices (the Caldara-Iacoviello Geopolitical Risk index, its
Acts and Threats parts, and the Baker-Bloom-Davis trade- and economic-policy uncertainty
indices) are dated by **newspaper date**: the papers of D+1 report day D's events. They
drift and were re-based, so a level means nothing on its own; each paper is read against
the index's own earlier papers:

* ``<name>_base``: the median of the papers of the previous 365 days (at least 180):
  "a normal day" of this index, as it stood then.
* ``<name>_x``: the paper's value over that median ("5.1x its one-year median").

Both use only papers dated before the one read (point in time in newspaper dates).

**Which papers a diagnosis of day D reads** (the *moment* of the diagnosis, ``MOMENTS``):

* ``next-morning`` (the default): the papers dated D and D+1, the morning after the
  close; no price after the close of D. That is the moment the motivating question is
  asked and the moment the labelled newspaper set was coded (from the next day's papers).
  The index publishers release later (GPR about weekly, the policy indices a day or two
  on), so for history this reads the papers as a reader of them did, not the index as
  it was released: it is a retrospective reading, and live the papers of D+1 are not
  yet in (the diagnosis says so).
* ``close``: what was printed by the close of D: the papers dated D.
* ``published``: only index values the publishers had released by the close of D
  (each series' catalogue lag): live reality; in practice no paper about D itself.

A window START..END reads the papers from START to END (+1 for ``next-morning``), each
index at its most unusual paper. The graded numbers are in ``docs/suspects.md``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_MOMENT",
    "INDICES",
    "MOMENTS",
    "Moment",
    "news_daily",
    "news_values",
    "paper_horizon",
    "paper_readings",
    "papers_frame",
]

Moment = Literal["next-morning", "close", "published"]
MOMENTS: Final[dict[str, str]] = {
    "next-morning": "the morning after: no price after the close of D, newspapers dated D and D+1",
    "close": "the close of D: prices and the newspapers dated D",
    "published": "the close of D, news indices only as their publishers had released them",
}
"""The moments a diagnosis of day D can be made at, and what each reads."""
DEFAULT_MOMENT: Final[Moment] = "next-morning"

INDICES: Final[dict[str, str]] = {
    "gpr_acts": "gpr:GPRD_ACT",
    "gpr_threats": "gpr:GPRD_THREAT",
    "tpu": "policyuncertainty:TPU_DAILY",
    "epu": "policyuncertainty:EPU_DAILY",
}
"""Feature name -> catalogue symbol of each newspaper index the diagnosis reads."""

# combined readings: the stronger of several indices' ``_x`` (the quiet-papers checks)
COMBINED: Final[dict[str, tuple[str, ...]]] = {
    "geo": ("gpr_acts", "gpr_threats"),
    "policy": ("tpu", "epu"),
}

YEAR_DAYS = 365
YEAR_MIN = 180
NAN = float("nan")


def paper_horizon(moment: str) -> int:
    """Days after D whose papers a diagnosis of D made at ``moment`` may read."""
    return 1 if moment == "next-morning" else 0


def papers_frame(long: pd.DataFrame) -> pd.DataFrame:
    """A long frame ``symbol, date, value`` (``Store.read``) as ``Panel.papers`` is laid
    out: a calendar-day index, one column per symbol, NaN where no paper."""
    import pandas as pd

    if long.empty:
        return pd.DataFrame(index=pd.DatetimeIndex([], name="date"))
    wide = long.assign(symbol=long["symbol"].astype(str)).pivot_table(
        index="date", columns="symbol", values="value", aggfunc="last"
    )
    wide.columns.name = None
    grid = pd.date_range(wide.index.min(), wide.index.max(), freq="D", name="date")
    return wide.reindex(grid)


def paper_readings(papers: pd.DataFrame) -> pd.DataFrame:
    """Per newspaper date: each index's value, baseline and multiple of the baseline.

    ``papers``: the panel's newspaper-dated values (``Panel.papers``: a calendar-day
    index, one column per catalogue symbol, NaN where no paper). Returns columns
    ``<name>``, ``<name>_base``, ``<name>_x`` for each of :data:`INDICES` the frame holds.
    Each baseline reads only earlier papers.
    """
    import numpy as np
    import pandas as pd

    out: dict[str, pd.Series] = {}
    for name, sym in INDICES.items():
        if sym not in papers.columns:
            continue
        s = papers[sym].astype(float)
        prev = s.shift(1)
        year = prev.rolling(YEAR_DAYS, min_periods=YEAR_MIN).median()
        base = year
        with np.errstate(divide="ignore", invalid="ignore"):
            x = (s / base).where(base > 0)
        out[name] = s
        out[f"{name}_base"] = base
        out[f"{name}_x"] = x
    return pd.DataFrame(out, index=papers.index)


def _pick(frame: pd.DataFrame, name: str) -> dict[str, float]:
    """The paper of ``frame`` on which index ``name`` read highest against its baseline."""
    col = f"{name}_x"
    if col not in frame.columns:
        return {}
    xs = frame[col].dropna()
    if xs.empty:
        return {}
    k = int(xs.to_numpy().argmax())
    row = frame.loc[xs.index[k]]
    return {
        f"news.{name}": float(row[name]),
        f"news.{name}_base": float(row[f"{name}_base"]),
        f"news.{name}_x": float(xs.iloc[k]),
    }


def _combine(values: dict[str, float]) -> None:
    for combo, names in COMBINED.items():
        have = [values[f"news.{n}_x"] for n in names if f"news.{n}_x" in values]
        xs = [x for x in have if not math.isnan(x)]
        if have:
            values[f"news.{combo}_x"] = max(xs) if xs else NAN


def news_values(
    readings: pd.DataFrame,
    start: dt.date,
    end: dt.date,
    moment: str = DEFAULT_MOMENT,
    lags: Mapping[str, int] | None = None,
) -> dict[str, float]:
    """The ``news.*`` values of a diagnosis of ``start..end`` made at ``moment``.

    Each index is read at its most unusual paper among those the moment allows (see the
    module doc); ``lags`` (feature name -> publication lag in days) is used by
    ``published``. An index with no such paper is absent (the check says unavailable).
    """
    import pandas as pd

    if readings.empty:
        return {}
    hi = end + dt.timedelta(days=paper_horizon(moment))
    frame = readings.loc[pd.Timestamp(start) : pd.Timestamp(hi)]
    out: dict[str, float] = {}
    for name in INDICES:
        if f"{name}_x" in readings.columns:  # held by the store: NaN until a paper says more
            out.update(dict.fromkeys((f"news.{name}", f"news.{name}_base", f"news.{name}_x"), NAN))
        part = frame
        if moment == "published":
            lag = (lags or {}).get(name, 0)
            part = frame.loc[: pd.Timestamp(end - dt.timedelta(days=lag))]
        out.update(_pick(part, name))
    _combine(out)
    return out


def news_daily(
    readings: pd.DataFrame,
    days: pd.DatetimeIndex,
    moment: str = DEFAULT_MOMENT,
    lags: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """:func:`news_values` of every single day of ``days`` at once (for scans and
    window paths): one row per day, the ``news.*`` columns."""
    import numpy as np
    import pandas as pd

    cols: dict[str, np.ndarray] = {}
    if readings.empty or len(days) == 0:
        return pd.DataFrame(index=days)
    idx = pd.DatetimeIndex(readings.index)
    for name in INDICES:
        if f"{name}_x" not in readings.columns:
            continue
        shifts = [0, 1] if moment == "next-morning" else [0]
        if moment == "published":
            lag = (lags or {}).get(name, 0)
            shifts = [] if lag > 0 else [0]  # no paper about D was out by its close
        best_x = np.full(len(days), np.nan)
        best_v = np.full(len(days), np.nan)
        best_b = np.full(len(days), np.nan)
        for k in shifts:
            at = days + pd.Timedelta(days=k)
            pos = idx.get_indexer(at)
            ok = pos >= 0
            x = np.full(len(days), np.nan)
            v = np.full(len(days), np.nan)
            b = np.full(len(days), np.nan)
            x[ok] = readings[f"{name}_x"].to_numpy()[pos[ok]]
            v[ok] = readings[name].to_numpy()[pos[ok]]
            b[ok] = readings[f"{name}_base"].to_numpy()[pos[ok]]
            better = ~np.isnan(x) & (np.isnan(best_x) | (x > best_x))
            best_x = np.where(better, x, best_x)
            best_v = np.where(better, v, best_v)
            best_b = np.where(better, b, best_b)
        cols[f"news.{name}"] = best_v
        cols[f"news.{name}_base"] = best_b
        cols[f"news.{name}_x"] = best_x
    for combo, names in COMBINED.items():
        parts = [cols[f"news.{n}_x"] for n in names if f"news.{n}_x" in cols]
        if parts:
            with np.errstate(invalid="ignore"):
                stacked = np.vstack(parts)
                all_nan = np.isnan(stacked).all(axis=0)
                cols[f"news.{combo}_x"] = np.where(
                    all_nan, np.nan, np.nanmax(np.where(np.isnan(stacked), -np.inf, stacked), 0)
                )
    return pd.DataFrame(cols, index=days)
