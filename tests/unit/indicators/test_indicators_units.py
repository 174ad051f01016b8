"""Pure indicator functions on small frames built here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskoff.indicators.cross import calc_breadth, calc_haven_failure
from riskoff.indicators.liquidity import (
    calc_net_liquidity,
    calc_policy_benchmark,
    calc_spread_bp,
)
from riskoff.indicators.moves import (
    calc_drawdown,
    calc_kday_moves,
    calc_log_returns,
    calc_trailing_vol,
)
from riskoff.indicators.stats import asof_change, calc_causal_percentile


def test_log_returns_only_between_positive_prices() -> None:
    p = pd.DataFrame({"a": [10.0, 11.0, -1.0, 12.0]})
    r = calc_log_returns(p)["a"].to_numpy()
    assert np.isnan(r[0])
    assert r[1] == pytest.approx(np.log(1.1))
    assert np.isnan(r[2])
    assert np.isnan(r[3])


def test_trailing_vol_excludes_today_and_closed_days() -> None:
    rng = np.random.default_rng(0)
    r = rng.standard_normal(100) * 0.01
    traded = np.ones(100, bool)
    traded[::7] = False
    r[~traded] = 0.0
    idx = pd.date_range("2020-01-01", periods=100)
    mv = pd.DataFrame({"a": r}, index=idx)
    tr = pd.DataFrame({"a": traded}, index=idx)
    vol = calc_trailing_vol(mv, tr, window=60)["a"]
    sess = np.flatnonzero(traded)
    i = sess[70]  # vol before session 70 = std of sessions 10..69
    assert vol.iloc[i] == pytest.approx(np.std(r[sess[10:70]], ddof=1))
    # a closed day sees the same vol as the next session
    closed = np.flatnonzero(~traded)[-1]
    nxt = sess[sess > closed][0]
    assert vol.iloc[closed] == pytest.approx(vol.iloc[nxt])


def test_kday_moves_count_sessions() -> None:
    idx = pd.date_range("2020-01-01", periods=80)
    r = np.full(80, 0.01)
    traded = np.ones(80, bool)
    traded[75] = False
    r[75] = 0.0
    mv = pd.DataFrame({"a": r}, index=idx)
    tr = pd.DataFrame({"a": traded}, index=idx)
    ret, _ = calc_kday_moves(mv, tr, 5)
    assert ret["a"].iloc[79] == pytest.approx(0.05)
    assert ret["a"].iloc[75] == pytest.approx(ret["a"].iloc[74])


@pytest.mark.parametrize("k", [3, 5, 10])
def test_kday_move_of_a_young_series_does_not_depend_on_later_sessions(k: int) -> None:
    # A series that has traded exactly k sessions has its first k-session move; the same
    # day read from a longer history must give the same number (point in time).
    idx = pd.date_range("2020-01-01", periods=k + 4)
    r = np.linspace(0.01, 0.02, k + 4)
    mv = pd.DataFrame({"a": r}, index=idx)
    tr = pd.DataFrame({"a": np.ones(k + 4, bool)}, index=idx)
    full, _ = calc_kday_moves(mv, tr, k)
    cut, _ = calc_kday_moves(mv.iloc[:k], tr.iloc[:k], k)
    assert cut["a"].iloc[k - 1] == pytest.approx(r[:k].sum())
    assert cut["a"].iloc[k - 1] == pytest.approx(full["a"].iloc[k - 1])
    assert np.isnan(cut["a"].iloc[: k - 1]).all()


def test_drawdown_from_high() -> None:
    mv = pd.DataFrame({"a": np.log([1.0, 1.1, 0.9 / 1.1 * 1.0, 1.0])})
    dd = calc_drawdown(mv)["a"].to_numpy()
    assert dd[1] == 0.0
    assert dd[2] == pytest.approx(0.9 / 1.1 - 1)


def test_breadth_and_haven_failure() -> None:
    sig = pd.DataFrame(
        {
            "us_equities": [-3.0, 1.0],
            "gold": [-2.0, -3.0],
            "treasuries": [-4.0, 0.0],
            "yen": [1.0, np.nan],
        }
    )
    br = calc_breadth(sig)
    assert br["down2"].tolist() == [3.0, 1.0]
    assert br["n"].tolist() == [4.0, 3.0]
    hf = calc_haven_failure(sig["us_equities"], sig[["gold", "treasuries", "yen"]])
    assert hf.iloc[0] == pytest.approx((1 + 1 + 0) / 3)
    assert hf.iloc[1] == 0.0


def test_policy_benchmark_schedule() -> None:
    idx = pd.DatetimeIndex(
        ["2008-12-15", "2015-01-02", "2018-06-14", "2019-09-17", "2019-09-19", "2021-07-29"]
    )
    target = pd.Series([1.0, np.nan, np.nan, np.nan, np.nan, np.nan], index=idx)
    top = pd.Series([np.nan, 0.25, 2.0, 2.25, 2.0, 0.25], index=idx)
    iorb = pd.Series([np.nan] * 5 + [0.15], index=idx)
    rate, code = calc_policy_benchmark(target, top, iorb)
    assert rate.round(4).tolist() == [1.0, 0.25, 1.95, 2.10, 1.80, 0.15]
    assert code.tolist() == [0.0, 1.0, 1.0, 1.0, 1.0, 2.0]
    assert calc_spread_bp(pd.Series([5.25]), pd.Series([2.10])).iloc[0] == pytest.approx(315)


def test_net_liquidity_units() -> None:
    # WALCL and TGA in millions, ON RRP in billions -> billions
    nl = calc_net_liquidity(pd.Series([8_900_000.0]), pd.Series([750_000.0]), pd.Series([2_300.0]))
    assert nl.iloc[0] == pytest.approx(5_850.0)
    assert calc_net_liquidity(pd.Series([1000.0]), pd.Series([0.0]), pd.Series([np.nan])).iloc[
        0
    ] == pytest.approx(1.0)


def test_causal_percentile_ignores_the_future() -> None:
    x = pd.Series(np.arange(50, dtype=float))
    full = calc_causal_percentile(x, min_periods=5)
    cut = calc_causal_percentile(x.iloc[:30], min_periods=5)
    pd.testing.assert_series_equal(full.iloc[:30], cut)
    assert full.iloc[-1] == 1.0


def test_asof_change() -> None:
    idx = pd.date_range("2020-01-01", periods=10)
    x = pd.Series(np.arange(10.0), index=idx)
    assert asof_change(x, 7).iloc[-1] == 7.0
    assert np.isnan(asof_change(x, 7).iloc[0])
