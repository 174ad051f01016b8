"""Plain chart data: the numbers behind every report chart, cut from the feature table
and the panel's levels.

Each ``*_data`` function is pure (frames in, a frozen dataclass of lists out) and knows
nothing of plotly or matplotlib: :mod:`riskoff.render.charts` draws them with plotly for
the page and the dashboard, :mod:`riskoff.render.png` with matplotlib for ``--png``. Dates
are ``YYYY-MM-DD`` strings; missing values are ``None`` in lists of numbers that are
written out as text, and ``NaN`` in float32 arrays that only feed charts.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from riskoff.knowledge.suspects import SuspectName, suspect_label
from riskoff.knowledge.universe import universe

__all__ = [
    "CLASS_LABELS",
    "HEATMAP_CLASSES",
    "PATH_ASSETS",
    "REFERENCE_DAYS",
    "ROTATION_LEGS",
    "HeatmapData",
    "LiquidityData",
    "PathsData",
    "RotationData",
    "StressData",
    "SuspectBars",
    "TimeSeries",
    "heatmap_data",
    "liquidity_data",
    "paths_data",
    "rotation_data",
    "stress_data",
    "suspect_bars",
]

_U = universe()

REFERENCE_DAYS: dict[str, dt.date] = dict(_U.reference_days)
"""The two reference days the product spec compares every query with (never used to
score or tune anything: they only appear as comparison lines)."""

CLASS_LABELS: dict[str, str] = _U.labels
"""Human labels of the feature table's asset classes."""

HEATMAP_CLASSES: tuple[tuple[str, tuple[str, ...]], ...] = _U.heatmap_rows
"""Heatmap rows, grouped by asset class, top to bottom."""

YIELD_CLASSES = _U.yield_classes
"""Classes whose ``move`` is minus a change in percentage points (a yield)."""

PATH_ASSETS: tuple[tuple[str, str, tuple[str, ...]], ...] = tuple(
    (c, _U[c].label, _U[c].symbols) for c in ("us_equities", "gold", "btc")
)
"""Assets of the "a new 312 or a new 519?" chart: key, label, symbols in fallback order."""

ROTATION_LEGS: tuple[tuple[str, str, str], ...] = (
    ("xlp", "Staples (XLP)", "yahoo:XLP"),
    ("xle", "Energy (XLE)", "yahoo:XLE"),
    ("xlb", "Materials (XLB)", "yahoo:XLB"),
    ("smh", "Semis (SMH)", "yahoo:SMH"),
    ("igv", "Software (IGV)", "yahoo:IGV"),
    ("mag7", "Magnificent 7", ""),
)
"""Rotation legs: key, label, symbol (the Magnificent 7 come from the class basket)."""

BENCHMARK = "yahoo:^GSPC"


def _iso(d: Any) -> str:
    return pd.Timestamp(d).date().isoformat()


def _f(x: Any) -> float | None:
    """A finite float or None."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _f32(values: Any) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)


# --------------------------------------------------------------------------------------
# heatmap
@dataclass(frozen=True)
class HeatmapData:
    """Sigma-moves by asset class (rows) and horizon (columns).

    ``sigma[i][j]`` is the move in sigmas of the class's own trailing volatility;
    ``move[i][j]`` the move itself: a simple % change for prices, a change in basis
    points of the yield for the classes in :data:`YIELD_CLASSES` (``unit``
    says which per row; for those a *negative* sigma means yields rose).
    """

    day: str
    labels: list[str]
    classes: list[str]
    groups: list[str]
    horizons: list[str]
    sigma: list[list[float | None]]
    move: list[list[float | None]]
    unit: list[str]
    open: list[bool]

    @property
    def empty(self) -> bool:
        """True when no cell has a value."""
        return all(v is None for row in self.sigma for v in row)


def _move_value(cls: str, logmove: float | None) -> float | None:
    if logmove is None:
        return None
    if cls in YIELD_CLASSES:
        return -logmove * 100.0  # minus the change in pp -> change in bp
    return (math.exp(logmove) - 1.0) * 100.0


def heatmap_data(
    row: Mapping[str, float],
    *,
    day: dt.date,
    window_days: int = 1,
) -> HeatmapData:
    """The heatmap's numbers from one feature row (the day's, or a window's).

    The first column is the day (or the window, when ``window_days > 1``); the others
    are the 5- and 10-day moves ending on the day from the daily table's ``sigma5.*``
    and ``sigma10.*`` columns.
    """
    first = "1 day" if window_days <= 1 else f"window ({window_days} days)"
    horizons = [first, "5 days", "10 days"]
    keys = [("sigma", "move"), ("sigma5", "ret5"), ("sigma10", "ret10")]
    labels: list[str] = []
    classes: list[str] = []
    groups: list[str] = []
    sig: list[list[float | None]] = []
    mov: list[list[float | None]] = []
    unit: list[str] = []
    opened: list[bool] = []
    for group, members in HEATMAP_CLASSES:
        for cls in members:
            classes.append(cls)
            labels.append(CLASS_LABELS[cls])
            groups.append(group)
            sig.append([_f(row.get(f"{s}.{cls}")) for s, _ in keys])
            mov.append([_move_value(cls, _f(row.get(f"{m}.{cls}"))) for _, m in keys])
            unit.append("bp" if cls in YIELD_CLASSES else "pct")
            op = _f(row.get(f"open.{cls}"))
            opened.append(op is None or op >= 0.5)
    return HeatmapData(
        day=day.isoformat(),
        labels=labels,
        classes=classes,
        groups=groups,
        horizons=horizons,
        sigma=sig,
        move=mov,
        unit=unit,
        open=opened,
    )


# --------------------------------------------------------------------------------------
# suspects
@dataclass(frozen=True)
class SuspectBars:
    """Suspect scores (0..1), highest first, with their likelihood labels."""

    ids: list[str]
    labels: list[str]
    scores: list[float]
    likelihood: list[str]


def suspect_bars(
    diagnosis: Mapping[str, Any], names: Mapping[str, SuspectName] | None = None
) -> SuspectBars:
    """Bars from a diagnosis in the ``diagnose --json`` shape; ``names``: the loaded
    suspects' labels (default: those of ``$RISKOFF_HOME``)."""
    rows = sorted(diagnosis.get("suspects", []), key=lambda s: -float(s.get("score", 0.0) or 0.0))
    return SuspectBars(
        ids=[str(s["id"]) for s in rows],
        labels=[suspect_label(str(s["id"]), names=names) for s in rows],
        scores=[float(s.get("score", 0.0) or 0.0) for s in rows],
        likelihood=[str(s.get("label", "")) for s in rows],
    )


# --------------------------------------------------------------------------------------
# time series charts
@dataclass(frozen=True)
class TimeSeries:
    """One line: a name, ``YYYY-MM-DD`` dates and float32 values (NaN = gap)."""

    name: str
    dates: list[str]
    values: np.ndarray
    unit: str = ""

    @property
    def empty(self) -> bool:
        """True when the line has no finite value."""
        return not bool(np.isfinite(self.values).any()) if len(self.values) else True

    def last(self) -> float | None:
        """The last finite value."""
        ok = np.flatnonzero(np.isfinite(self.values))
        return float(self.values[ok[-1]]) if len(ok) else None


def _series(name: str, s: pd.Series, unit: str = "") -> TimeSeries:
    s = s.astype("float64")
    return TimeSeries(
        name=name,
        dates=[d.date().isoformat() for d in pd.DatetimeIndex(s.index)],
        values=_f32(s.to_numpy()),
        unit=unit,
    )


def _col(table: pd.DataFrame, name: str) -> pd.Series:
    if name in table.columns:
        return table[name].astype("float64")
    return pd.Series(np.nan, index=table.index, name=name)


def _weekdays(table: pd.DataFrame) -> pd.DataFrame:
    idx = pd.DatetimeIndex(table.index)
    return table.loc[idx.day_of_week < 5]


@dataclass(frozen=True)
class LiquidityData:
    """Dollar liquidity over the last two years: three lines and the day marked."""

    day: str
    start: str
    sofr_iorb: TimeSeries
    reserves: TimeSeries
    netliq: TimeSeries
    benchmark: str


def liquidity_data(table: pd.DataFrame, *, day: dt.date, years: int = 2) -> LiquidityData:
    """SOFR − IORB (bp), reserve balances and net liquidity (billions of dollars) for the
    ``years`` ending on ``day``, on weekdays, from the feature table."""
    end = pd.Timestamp(day)
    start = end - pd.DateOffset(years=years)
    t = _weekdays(table.loc[(table.index >= start) & (table.index <= end)])
    bench_id = _f(_col(t, "funding.benchmark_id").iloc[-1]) if len(t) else None
    return LiquidityData(
        day=day.isoformat(),
        start=start.date().isoformat(),
        sofr_iorb=_series("SOFR − IORB", _col(t, "funding.sofr_iorb_bp"), "bp"),
        reserves=_series("Reserve balances", _col(t, "reserves.level_bn"), "$bn"),
        netliq=_series("Net liquidity (WALCL − TGA − ON RRP)", _col(t, "netliq.level_bn"), "$bn"),
        benchmark=_benchmark_name(bench_id),
    )


def _benchmark_name(code: float | None) -> str:
    """What SOFR is compared with (``funding.benchmark_id`` of the feature table)."""
    if code is None:
        return "the policy benchmark"
    return {0.0: "the fed funds target", 1.0: "IOER", 2.0: "IORB"}.get(
        round(code), "the policy benchmark"
    )


@dataclass(frozen=True)
class Episode:
    """A past sell-off window to shade on a long chart."""

    id: str
    name: str
    start: str
    end: str


@dataclass(frozen=True)
class StressData:
    """Stress gauges over the whole history (weekly maxima) with past episodes."""

    day: str
    index: TimeSeries
    stlfsi: TimeSeries
    ofr: TimeSeries
    turbulence: TimeSeries
    absorption: TimeSeries
    episodes: list[Episode] = field(default_factory=list)


def stress_data(
    table: pd.DataFrame,
    *,
    day: dt.date,
    episodes: Sequence[Mapping[str, Any]] = (),
    start: dt.date | None = None,
) -> StressData:
    """riskoff's stress index beside fred:STLFSI4 and ofr:FSI, turbulence and the
    absorption ratio, weekly (the week's maximum, so spikes survive the downsampling),
    from ``start`` (default: the first row) to ``day``. ``episodes`` are dicts with
    ``id``, ``name`` and ``start``/``end`` (dates or ISO strings), as in episodes.toml."""
    end = pd.Timestamp(day)
    t = table.loc[table.index <= end]
    if start is not None:
        t = t.loc[t.index >= pd.Timestamp(start)]
    first = pd.Timestamp(t.index[0]) if len(t) else end
    eps: list[Episode] = []
    for e in episodes:
        a, b = pd.Timestamp(e["start"]), pd.Timestamp(e["end"])
        if b < first or a > end:
            continue
        # an episode still running on the day is drawn up to the day: how long it went on
        # was not known yet
        eps.append(Episode(str(e["id"]), str(e["name"]), _iso(a), _iso(min(b, end))))

    # one weekly pass over the five columns (resampling them one by one is slow)
    cols = {
        "stress.index": "max",
        "stress.stlfsi": "last",
        "stress.ofr_fsi": "last",
        "turbulence.value": "last",
        "absorption.ratio": "last",
    }
    frame = pd.DataFrame({c: _col(t, c) for c in cols})
    frame["turbulence.value"] = frame["turbulence.value"].rolling(21, min_periods=10).mean()
    weekly = frame.resample("W-FRI").agg(cols) if len(frame) else frame
    # the last week ends on the day itself, not on a Friday after it
    weekly.index = pd.DatetimeIndex(weekly.index).where(weekly.index <= end, end)

    def wk(col: str, name: str) -> TimeSeries:
        return _series(name, weekly[col])

    return StressData(
        day=day.isoformat(),
        index=wk("stress.index", "riskoff stress index"),
        stlfsi=wk("stress.stlfsi", "St. Louis Fed FSI (STLFSI4)"),
        ofr=wk("stress.ofr_fsi", "OFR FSI"),
        turbulence=wk("turbulence.value", "Turbulence (21-day average)"),
        absorption=wk("absorption.ratio", "Absorption ratio"),
        episodes=eps,
    )


# --------------------------------------------------------------------------------------
# a new 312 or a new 519?
@dataclass(frozen=True)
class Path:
    """One price path around a day 0, rebased to 100 at the close before day 0.

    ``offsets`` count the asset's own trading sessions from day 0 (calendar days for
    crypto, which trades every day); ``values`` is NaN where unknown.
    """

    day: str
    offsets: list[int]
    values: np.ndarray
    symbol: str

    def at(self, offset: int) -> float | None:
        """The rebased value at an offset, if known."""
        if offset in self.offsets:
            return _f(self.values[self.offsets.index(offset)])
        return None


@dataclass(frozen=True)
class PathsData:
    """Per asset (key, label): paths of the query and the two reference days."""

    query: str
    assets: list[tuple[str, str]]
    paths: dict[str, dict[str, Path | None]]
    before: int
    after: int


def _path(
    levels: pd.Series, traded: pd.Series | None, day: pd.Timestamp, before: int, after: int
) -> Path | None:
    s = levels
    if traded is not None:
        s = s[traded.reindex(s.index).fillna(False).astype(bool)]
    s = s.dropna()
    s = s[s > 0]
    if s.empty:
        return None
    idx = pd.DatetimeIndex(s.index)
    # day 0 is the first session on or after `day` (the day itself when the market was
    # open); the base is the close before it
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
    return Path(day=_iso(day), offsets=offsets, values=vals, symbol=str(levels.name))


def paths_data(
    levels: pd.DataFrame,
    *,
    day: dt.date,
    traded: pd.DataFrame | None = None,
    before: int = 10,
    after: int = 20,
    references: Mapping[str, dt.date] | None = None,
) -> PathsData:
    """Price paths of equities, gold and Bitcoin around the query day and around each
    reference day, aligned at day 0 and rebased to 100 at the close before day 0.

    ``levels`` holds one column per symbol (the panel's levels); ``traded`` marks the
    days each symbol published a new close (so a holiday's carried close is not a
    session). The query's path stops at ``day``: nothing after it is used.
    """
    refs = dict(references or REFERENCE_DAYS)
    q = pd.Timestamp(day)
    out: dict[str, dict[str, Path | None]] = {}
    assets: list[tuple[str, str]] = []
    for key, label, symbols in PATH_ASSETS:
        sym = next((s for s in symbols if s in levels.columns and levels[s].notna().any()), None)
        assets.append((key, label))
        if sym is None:
            out[key] = {"query": None, **dict.fromkeys(refs)}
            continue
        lv = levels[sym].loc[levels.index <= q]
        tr = traded[sym] if traded is not None and sym in traded.columns else None
        row: dict[str, Path | None] = {"query": _path(lv, tr, q, before, 0)}
        for name, ref in refs.items():
            r = pd.Timestamp(ref)
            row[name] = _path(lv, tr, r, before, after) if r <= q else None
        out[key] = row
    return PathsData(query=day.isoformat(), assets=assets, paths=out, before=before, after=after)


# --------------------------------------------------------------------------------------
# rotation
@dataclass(frozen=True)
class RotationData:
    """Relative performance against the S&P 500 (percentage points, 0 at ``start``)."""

    start: str
    end: str
    window_start: str
    window_end: str
    lines: list[TimeSeries]
    keys: list[str]
    total: dict[str, float | None]
    window: dict[str, float | None]


def rotation_data(
    levels: pd.DataFrame,
    class_moves: pd.DataFrame | None = None,
    *,
    start: dt.date,
    end: dt.date,
    lookback_days: int = 91,
) -> RotationData:
    """Staples, energy, materials, semis, software and the Magnificent 7 basket, each
    relative to the S&P 500: ``100 × (asset / asset₀) / (S&P / S&P₀) − 100``, from
    ``lookback_days`` before the window to its end, on weekdays. ``total`` is each leg's
    relative performance over the whole chart, ``window`` over the window itself (from
    the close before ``start``)."""
    e = pd.Timestamp(end)
    ws = pd.Timestamp(start)
    s0 = min(ws, e) - pd.Timedelta(days=lookback_days)
    lv = levels.loc[(levels.index >= s0) & (levels.index <= e)]
    lv = lv.loc[pd.DatetimeIndex(lv.index).day_of_week < 5]
    legs: dict[str, pd.Series] = {}
    for key, _label, sym in ROTATION_LEGS:
        if key == "mag7":
            if class_moves is None or "mag7" not in class_moves.columns:
                continue
            cm = class_moves["mag7"].loc[lv.index]
            legs[key] = np.exp(cm.fillna(0.0).cumsum()).where(cm.notna().cummax())
        elif sym in lv.columns:
            legs[key] = lv[sym].astype("float64")
    bench = lv[BENCHMARK].astype("float64") if BENCHMARK in lv.columns else None
    lines: list[TimeSeries] = []
    keys: list[str] = []
    total: dict[str, float | None] = {}
    window: dict[str, float | None] = {}
    labels = {k: lab for k, lab, _ in ROTATION_LEGS}
    for key, _, _ in ROTATION_LEGS:
        leg = legs.get(key)
        if bench is None or leg is None:
            total[key] = window[key] = None
            continue
        ratio = (leg / bench).ffill()
        ok = ratio.dropna()
        if ok.empty:
            total[key] = window[key] = None
            continue
        rel = (ratio / float(ok.iloc[0]) - 1.0) * 100.0
        keys.append(key)
        lines.append(_series(labels[key], rel, "pts"))
        total[key] = _f(rel.dropna().iloc[-1])
        before = ratio.loc[ratio.index < ws].dropna()
        w_end = ratio.loc[ratio.index <= e].dropna()
        window[key] = (
            _f((float(w_end.iloc[-1]) / float(before.iloc[-1]) - 1.0) * 100.0)
            if len(before) and len(w_end)
            else None
        )
    return RotationData(
        start=_iso(lv.index[0]) if len(lv) else _iso(s0),
        end=_iso(e),
        window_start=_iso(ws),
        window_end=_iso(e),
        lines=lines,
        keys=keys,
        total=total,
        window=window,
    )
