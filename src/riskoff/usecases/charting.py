"""The numbers behind the report's and the dashboard's analytic charts.

The stress chart (weekly gauges with the smoothed turbulence), the "a new 312 or a new
519?" price paths and the rotation against the S&P 500 are computed here, with the
pure analytics of :mod:`riskoff.indicators.paths`, from frames cut at the day; the
results are the plain chart data of :mod:`riskoff.render.chartdata`, which render only
formats. ``riskoff report`` and the dashboard call the same functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.render.chartdata import ChartSet, PathsData, RotationData, StressData

__all__ = ["VIEW_YEARS", "chart_set", "paths_data", "rotation_data", "stress_data"]

VIEW_YEARS = 2
"""The stress chart opens on this many years up to the day (the whole history is one
click away)."""


def _iso(d: Any) -> str:
    import pandas as pd

    return pd.Timestamp(d).date().isoformat()


def _col(table: pd.DataFrame, name: str) -> pd.Series:
    import numpy as np
    import pandas as pd

    if name in table.columns:
        return table[name].astype("float64")
    return pd.Series(np.nan, index=table.index, name=name)


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
    import pandas as pd

    from riskoff.indicators.paths import smoothed_turbulence
    from riskoff.knowledge.glossary import glossary
    from riskoff.render.chartdata import Episode, StressData, TimeSeries

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

    # one weekly pass over the six columns (resampling them one by one is slow);
    # stress.peak: the most stressed segment that has entered the index (indicators.stress)
    cols = {
        "stress.index": "max",
        "stress.stlfsi": "last",
        "stress.ofr_fsi": "last",
        "turbulence.value": "last",
        "absorption.ratio": "last",
        "stress.peak": "max",
    }
    frame = pd.DataFrame({c: _col(t, c) for c in cols})
    frame["turbulence.value"] = smoothed_turbulence(frame["turbulence.value"])
    weekly = frame.resample("W-FRI").agg(cols) if len(frame) else frame
    # the last week ends on the day itself, not on a Friday after it
    weekly.index = pd.DatetimeIndex(weekly.index).where(weekly.index <= end, end)

    def wk(col: str, how: str = "") -> TimeSeries:
        # the trace and its hover are named as the glossary names the feature
        return TimeSeries.of(glossary().name_of(col) + how, weekly[col])

    return StressData(
        day=day.isoformat(),
        index=wk("stress.index"),
        stlfsi=wk("stress.stlfsi"),
        ofr=wk("stress.ofr_fsi"),
        turbulence=wk("turbulence.value", " (21-day average)"),
        absorption=wk("absorption.ratio"),
        episodes=eps,
        peak=wk("stress.peak"),
        view_start=_iso(max(first, end - pd.DateOffset(years=VIEW_YEARS))),
    )


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
    import pandas as pd

    from riskoff.indicators.paths import rebased_path
    from riskoff.render.chartdata import PATH_ASSETS, REFERENCE_DAYS, Path, PathsData

    def path(lv: pd.Series, tr: pd.Series | None, at: pd.Timestamp, n_after: int) -> Path | None:
        got = rebased_path(lv, tr, at, before, n_after)
        if got is None:
            return None
        offsets, values = got
        return Path(day=_iso(at), offsets=offsets, values=values, symbol=str(lv.name))

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
        row: dict[str, Path | None] = {"query": path(lv, tr, q, 0)}
        for name, ref in refs.items():
            r = pd.Timestamp(ref)
            row[name] = path(lv, tr, r, after) if r <= q else None
        out[key] = row
    return PathsData(query=day.isoformat(), assets=assets, paths=out, before=before, after=after)


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
    import math

    import pandas as pd

    from riskoff.indicators.paths import basket_level, relative_performance, window_relative
    from riskoff.render.chartdata import BENCHMARK, ROTATION_LEGS, RotationData, TimeSeries

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
            legs[key] = basket_level(class_moves["mag7"].loc[lv.index])
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
        ratio, rel = relative_performance(leg, bench)
        if rel.dropna().empty:
            total[key] = window[key] = None
            continue
        keys.append(key)
        lines.append(TimeSeries.of(labels[key], rel, "pts"))
        last = float(rel.dropna().iloc[-1])
        total[key] = last if math.isfinite(last) else None
        window[key] = window_relative(ratio, ws, e)
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


def chart_set(
    *,
    table: pd.DataFrame,
    levels: pd.DataFrame,
    traded: pd.DataFrame | None,
    class_moves: pd.DataFrame | None,
    day: dt.date,
    start: dt.date,
    episodes: Sequence[Mapping[str, Any]] = (),
    anchor: dt.date | None = None,
) -> ChartSet:
    """The stress, paths and rotation charts of a page on ``start..day``, from frames
    already cut at the end of ``day``; the 312/519 paths read ``anchor`` (a window's
    worst day; default ``day``)."""
    from riskoff.render.chartdata import ChartSet

    return ChartSet(
        stress=stress_data(table, day=day, episodes=episodes),
        paths=paths_data(levels, day=anchor or day, traded=traded),
        rotation=rotation_data(levels, class_moves, start=start, end=day),
    )
