"""The day's range (``indicators.ranges``): the fall to the day's low, to the next day's
low, the wick, point in time (a row never reads a later price), missing = NaN."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from riskoff.catalog import Catalog
from riskoff.diagnosis.derived import derive
from riskoff.diagnosis.versus import bitcoin_segment
from riskoff.indicators.ranges import (
    RANGE_CLASSES,
    calc_range_moves,
    next_day_lows,
    range_features,
    window_ranges,
)
from riskoff.panel import Panel, build_panel, range_levels, range_symbols

CAT = Catalog.default()
BTC = "yahoo:BTC-USD"


def _long(rows: list[tuple[str, dt.date, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "symbol": pd.Categorical([r[0] for r in rows]),
            "date": pd.to_datetime([r[1] for r in rows]),
            "value": [r[2] for r in rows],
        }
    )


def _btc(n: int = 120, seed: int = 3) -> tuple[list[dt.date], np.ndarray, np.ndarray]:
    """Closes and lows of a Bitcoin-like series over ``n`` calendar days."""
    rng = np.random.default_rng(seed)
    days = [dt.date(2021, 1, 1) + dt.timedelta(days=k) for k in range(n)]
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.03, n)))
    low = close * np.exp(-np.abs(rng.normal(0.0, 0.02, n)))
    return days, close, low


def _panel(days: list[dt.date], close: np.ndarray, low: np.ndarray, as_of: dt.date) -> Panel:
    closes = _long([(BTC, d, float(c)) for d, c in zip(days, close, strict=True)])
    lows = _long([(f"{BTC}@low", d, float(v)) for d, v in zip(days, low, strict=True)])
    lows = lows[lows["date"] <= pd.Timestamp(as_of)]  # what a store cut at as_of holds
    p = build_panel(closes, CAT, as_of=as_of, start=days[0])
    return dataclasses.replace(p, ranges=range_levels(lows, p.days))


def test_fall_to_the_low_against_the_previous_close() -> None:
    close = np.array([100.0, 63.0, 80.0])
    low = np.array([95.0, 52.0, 60.0])
    move = np.array([np.nan, math.log(0.63), math.log(80 / 63)])
    traded = np.array([True, True, True])
    vol = np.array([np.nan, 0.05, 0.05])
    out = calc_range_moves(close, low, move, traded, vol)
    assert out["tolow"][1] == pytest.approx(math.log(0.52))
    assert out["rebound"][1] == pytest.approx(math.log(63 / 52))
    assert out["wick_sigma"][1] == pytest.approx(math.log(63 / 52) / 0.05)
    # the next day's low against the close two sessions back (the README's 312 reading)
    assert out["tolow2"][2] == pytest.approx(math.log(0.60))
    assert math.isnan(out["tolow"][0])  # no previous close: no fall to the low


def test_a_low_above_the_close_is_read_as_the_close() -> None:
    out = calc_range_moves(
        np.array([100.0, 90.0]),
        np.array([99.0, 91.0]),
        np.array([np.nan, math.log(0.9)]),
        np.array([True, True]),
        np.array([0.02, 0.02]),
    )
    assert out["tolow"][1] == pytest.approx(math.log(0.9))
    assert out["rebound"][1] == 0.0


def test_missing_range_is_unavailable_not_zero() -> None:
    days, close, low = _btc()
    low[50] = np.nan
    p = _panel(days, close, low, days[-1])
    f = range_features(p)
    assert math.isnan(f["tolow.btc"].iloc[50])
    assert math.isnan(f["wick_sigma.btc"].iloc[50])
    assert not math.isnan(f["tolow.btc"].iloc[51])
    # a class whose source has no range at all: every row NaN
    assert f["tolow.gold"].isna().all()
    # a day without a session: no range (never the last one's carried)
    closes = _long([(BTC, d, float(c)) for d, c in zip(days, close, strict=True) if d != days[60]])
    q = build_panel(closes, CAT, as_of=days[-1], start=days[0])
    lows = _long([(f"{BTC}@low", d, float(v)) for d, v in zip(days, low, strict=True)])
    q = dataclasses.replace(q, ranges=range_levels(lows, q.days))
    g = range_features(q)
    assert math.isnan(g["tolow.btc"].loc[pd.Timestamp(days[60])])


def test_point_in_time_a_cut_store_gives_the_same_rows() -> None:
    days, close, low = _btc()
    full = range_features(_panel(days, close, low, days[-1]))
    cut_day = days[80]
    cut = range_features(_panel(days, close, low, cut_day))
    pd.testing.assert_frame_equal(full.loc[: pd.Timestamp(cut_day)], cut)
    # a crash in the next day's low changes nothing up to the day before it
    low2 = low.copy()
    low2[81] = close[80] * 0.5
    moved = range_features(_panel(days, close, low2, days[-1]))
    pd.testing.assert_frame_equal(
        moved.loc[: pd.Timestamp(cut_day)], full.loc[: pd.Timestamp(cut_day)]
    )
    assert moved["tolow2.btc"].iloc[81] == pytest.approx(math.log(0.5 * close[80] / close[79]))


def test_range_levels_never_reach_past_the_panel() -> None:
    days, close, low = _btc(30)
    p = build_panel(
        _long([(BTC, d, float(c)) for d, c in zip(days, close, strict=True)]),
        CAT,
        as_of=days[20],
        start=days[0],
    )
    lows = _long([(f"{BTC}@low", d, float(v)) for d, v in zip(days, low, strict=True)])
    r = range_levels(lows, p.days)
    assert r.index[-1] == pd.Timestamp(days[20])
    assert r[f"{BTC}@low"].iloc[-1] == pytest.approx(low[20])
    assert f"{BTC}@low" in range_symbols(CAT)


def test_next_day_low_only_once_that_day_closed() -> None:
    days, close, low = _btc()
    p = _panel(days, close, low, days[-1])
    table = range_features(p).assign(**{"open.btc": 1.0})
    day = pd.Timestamp(days[40])
    assert math.isnan(next_day_lows(table, day, day)["tolow_next.btc"])  # the morning after D
    nxt = next_day_lows(table, day, pd.Timestamp(days[41]))["tolow_next.btc"]
    assert nxt == pytest.approx(math.log(low[41] / close[39]))
    assert set(next_day_lows(table, day, day)) == {f"tolow_next.{c}" for c in RANGE_CLASSES}


def test_a_window_reads_its_deepest_low_from_the_close_before_it() -> None:
    days, close, low = _btc()
    low[61] = close[60] * 0.6  # the window's second day trades 40% under its first close
    p = _panel(days, close, low, days[-1])
    w = window_ranges(p, 60, 62)
    want = min(
        math.log(min(low[k], close[k]) / close[59]) for k in (60, 61, 62)
    )  # every low against the close before the window
    assert w["tolow.btc"] == pytest.approx(want)
    assert w["rebound.btc"] == pytest.approx(math.log(close[62] / close[59]) - want)
    assert math.isnan(w["tolow.gold"])
    # a one-day window is the day's row
    one = window_ranges(p, 70, 70)
    row = range_features(p).iloc[70]
    assert one["tolow.btc"] == pytest.approx(row["tolow.btc"])
    assert one["wick_sigma.btc"] == pytest.approx(row["wick_sigma.btc"])


def test_the_312_519_line_says_the_deeper_low() -> None:
    row = {"move.btc": -0.05, "tolow.btc": -0.07}
    refs: dict[str, dict[str, float] | None] = {
        "312": {"move.btc": -0.465, "tolow.btc": -0.49, "tolow_next.btc": -0.65},
        "519": {"move.btc": -0.148, "tolow.btc": -0.335, "tolow_next.btc": -0.2},
    }
    text, claims = bitcoin_segment(row, refs)
    assert text == (
        "Bitcoin −4.9% (312: −37.2%, 519: −13.8%), −6.8% at its low "
        "(312: −47.8% to the next day's low, 519: −28.5% at its low)"
    )
    assert {c.series for c in claims} == {
        "move.btc",
        "tolow.btc",
        "312:move.btc",
        "312:tolow_next.btc",
        "519:move.btc",
        "519:tolow.btc",
    }
    # without range data the line says the close only
    text, _ = bitcoin_segment({"move.btc": -0.05}, {"312": {"move.btc": -0.465}, "519": None})
    assert text == "Bitcoin −4.9% (312: −37.2%)"


def test_the_crowded_wick_counts_only_below_the_previous_close() -> None:
    base = {"sigma.silver": -4.0, "move.silver": -0.1, "open.silver": 1.0}
    deep = derive({**base, "tolow.silver": -0.2, "rebound.silver": 0.1, "wick_sigma.silver": 3.0})
    assert deep.labels["dx.crowded_class"] == "silver"
    assert deep.values["dx.crowded_wick"] == 3.0
    assert deep.values["dx.crowded_tolow"] == -0.2
    up = derive({**base, "tolow.silver": 0.01, "rebound.silver": 0.1, "wick_sigma.silver": 3.0})
    assert up.values["dx.crowded_wick"] == 0.0
    missing = derive(base)
    assert math.isnan(missing.values["dx.crowded_wick"])


def test_a_day_without_a_session_carries_no_range() -> None:
    from riskoff.usecases.day_inputs import feature_row

    idx = pd.DatetimeIndex(["2017-01-06", "2017-01-09"], name="date")  # Friday, Monday
    table = pd.DataFrame(
        {"move.btc": [-0.1, 0.0], "tolow.btc": [-0.2, -0.01], "wick_sigma.btc": [3.0, 0.1]},
        index=idx,
    )
    sat = feature_row(table, dt.date(2017, 1, 7))  # a weekend day the calendar lacks
    assert sat["move.btc"] == 0.0
    assert math.isnan(sat["tolow.btc"])  # never Friday's low carried into Saturday
    assert math.isnan(sat["wick_sigma.btc"])
    assert feature_row(table, dt.date(2017, 1, 6))["tolow.btc"] == -0.2
