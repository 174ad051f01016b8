"""The indicators are pure: computing features never writes into the panel, and the
state a caller keeps gives the same table and window rows as a fresh computation."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

from riskoff.catalog import Catalog
from riskoff.dates import Window
from riskoff.indicators.features import (
    daily_features,
    feature_state,
    kernel_moves,
    window_features,
)
from riskoff.indicators.stress import stress_components
from riskoff.panel import Panel, build_panel

CAT = Catalog.default()


def _panel() -> Panel:
    rng = np.random.default_rng(7)
    days = pd.bdate_range("2022-01-03", "2023-06-30")
    rows = []
    for sym in ("yahoo:^GSPC", "yahoo:GC=F", "yahoo:DX-Y.NYB", "yahoo:TLT"):
        px = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, len(days))))
        rows += [(sym, d, v) for d, v in zip(days, px, strict=True)]
    long = pd.DataFrame(
        {
            "symbol": pd.Categorical([r[0] for r in rows]),
            "date": pd.to_datetime([r[1] for r in rows]),
            "value": [r[2] for r in rows],
        }
    )
    return build_panel(long, CAT, as_of=dt.date(2023, 6, 30), start=dt.date(2022, 1, 1))


def _snapshot(p: Panel) -> dict[str, object]:
    return {
        f.name: (v.copy(deep=True) if isinstance(v := getattr(p, f.name), pd.DataFrame) else v)
        for f in dataclasses.fields(p)
    }


def test_computing_features_leaves_the_panel_unchanged() -> None:
    p = _panel()
    before = _snapshot(p)
    names = {f.name for f in dataclasses.fields(p)}
    state = feature_state(p)
    table = daily_features(p, state)
    window_features(p, Window(dt.date(2023, 3, 6), dt.date(2023, 3, 10)))
    stress_components(p)
    kernel_moves(p)
    assert {f.name for f in dataclasses.fields(p)} == names
    assert "cache" not in names  # no shared memo for indicators to write into
    for name, value in before.items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(getattr(p, name), value)
    # the state a caller keeps gives what a fresh computation gives
    pd.testing.assert_frame_equal(daily_features(p), table)
    win = Window(dt.date(2023, 3, 6), dt.date(2023, 3, 10))
    kept = window_features(p, win, table=table, state=state)
    fresh = window_features(p, win)
    assert kept.keys() == fresh.keys()
    np.testing.assert_array_equal(list(kept.values()), list(fresh.values()))


def test_ciss_waits_for_entered_segments() -> None:
    from riskoff.indicators.stress import calc_ciss

    idx = pd.RangeIndex(6)
    sub = pd.DataFrame({"a": [0.9] * 6, "b": [0.8] * 6, "c": [np.nan, 0.7, 0.7, 0.7, 0.7, 0.7]})
    entered = pd.DataFrame(
        {"a": [True] * 6, "b": [False, False, True, True, True, True], "c": [False] * 6},
        index=idx,
    )
    out = calc_ciss(sub, entered=entered, min_segments=2)
    assert out.iloc[:2].isna().all()  # only one segment has entered
    assert out.iloc[2:].notna().all()
    # a segment not entered has no weight: the same as aggregating the two alone
    both = calc_ciss(sub[["a", "b"]])
    np.testing.assert_allclose(out.iloc[2:].to_numpy(), both.iloc[2:].to_numpy())
