"""Plain chart data: the numbers behind every report chart, as frozen dataclasses of lists.

The analytics behind the stress, "312 or 519?" and rotation charts (rebased paths, relative
performance, smoothed turbulence) are computed in the use-case layer
(:mod:`riskoff.usecases.charting`, from :mod:`riskoff.indicators.paths`) and arrive here as
a :class:`ChartSet`; the ``*_data`` functions left here only cut and label columns of the
feature table. Nothing here knows plotly or matplotlib: :mod:`riskoff.render.charts` draws
them with plotly for the page and the dashboard, :mod:`riskoff.render.png` with matplotlib
for ``--png``. Dates are ``YYYY-MM-DD`` strings; missing values are ``None`` in lists of
numbers that are written out as text, and ``NaN`` in float32 arrays that only feed charts.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from riskoff.knowledge.glossary import glossary
from riskoff.knowledge.suspects import SuspectName, suspect_label
from riskoff.knowledge.universe import universe

__all__ = [
    "CLASS_LABELS",
    "HEATMAP_CLASSES",
    "PATH_ASSETS",
    "REFERENCE_DAYS",
    "ROTATION_LEGS",
    "ChartSet",
    "Episode",
    "HeatmapData",
    "LiquidityData",
    "Path",
    "PathsData",
    "RotationData",
    "StressData",
    "SuspectBars",
    "TimeSeries",
    "heatmap_data",
    "liquidity_data",
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

    @classmethod
    def of(cls, name: str, s: pd.Series, unit: str = "") -> TimeSeries:
        """The line of a date-indexed series."""
        s = s.astype("float64")
        return cls(
            name=name,
            dates=[d.date().isoformat() for d in pd.DatetimeIndex(s.index)],
            values=_f32(s.to_numpy()),
            unit=unit,
        )


def _series(name: str, s: pd.Series, unit: str = "") -> TimeSeries:
    return TimeSeries.of(name, s, unit)


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
        # the traces and their hovers are named as the glossary names the features
        sofr_iorb=_named("funding.sofr_iorb_bp", t, "bp"),
        reserves=_named("reserves.level_bn", t, "$bn"),
        netliq=_named("netliq.level_bn", t, "$bn"),
        benchmark=_benchmark_name(bench_id),
    )


def _named(feature: str, t: pd.DataFrame, unit: str) -> TimeSeries:
    return _series(glossary().name_of(feature), _col(t, feature), unit)


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
    """Stress gauges over the whole history (weekly maxima) with past episodes.

    ``peak`` is the most stressed segment's sub-index (weekly maximum), drawn beside the
    index: one segment in extreme stress (metals on a gold crash) moves the systemic
    index little by design. ``view_start`` is where the chart opens (two years before the
    day, or the first data); the whole history stays one click away.
    """

    day: str
    index: TimeSeries
    stlfsi: TimeSeries
    ofr: TimeSeries
    turbulence: TimeSeries
    absorption: TimeSeries
    episodes: list[Episode] = field(default_factory=list)
    peak: TimeSeries | None = None
    view_start: str = ""


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


@dataclass(frozen=True)
class ChartSet:
    """The computed charts of a page (:func:`riskoff.usecases.charting.chart_set`)."""

    stress: StressData
    paths: PathsData
    rotation: RotationData
