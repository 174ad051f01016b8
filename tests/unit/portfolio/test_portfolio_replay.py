"""The replay maths on synthetic price frames built here (no store, no files)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskoff.catalog import Catalog
from riskoff.errors import InsufficientDataError
from riskoff.portfolio.interest import InterestTerms
from riskoff.portfolio.io import parse_portfolio
from riskoff.portfolio.replay import (
    LeverageMode,
    calc_drawdown_depth,
    measure_replay,
    replay,
    replay_path,
    replay_until,
)

START = dt.date(2021, 3, 1)  # a Monday


def frame(days: pd.DatetimeIndex, **cols: list[float] | np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in cols.items()}, index=days)


def bdays(n: int, first: dt.date = dt.date(2021, 2, 26)) -> pd.DatetimeIndex:
    """``n`` weekdays from ``first`` (a Friday: the base before START)."""
    return pd.bdate_range(first, periods=n)


# -- plain cases ------------------------------------------------------------------------


def test_drawdown_reference() -> None:
    assert calc_drawdown_depth(np.array([1.0, 2.0, 1.0, 3.0, 1.5])).tolist() == [0, 0, 0.5, 0, 0.5]


def test_base_is_last_close_before_start_so_the_first_day_counts() -> None:
    days = bdays(4)
    px = frame(days, a=[100, 90, 95, 101])
    path, stats = replay(
        px,
        {"a": 1.0},
        start=START,
        end=days[2].date(),
        until=days[3].date(),
        maintenance_margin=0.25,
    )
    assert path.dates[0] == days[0]
    assert stats.max_drawdown == pytest.approx(0.10)
    assert stats.peak_date == days[0].date()
    assert stats.trough_date == days[1].date()
    assert stats.worst_day == days[1].date()
    assert stats.worst_return == pytest.approx(-0.10)
    assert stats.recovery_days == 2
    assert stats.recovery_date == days[3].date()
    assert stats.contributions == {"a": pytest.approx(0.10)}
    assert stats.margin_call is None
    assert stats.cash_needed == 0


def test_not_recovered_counts_the_days_available() -> None:
    days = bdays(5)
    px = frame(days, a=[100, 80, 85, 90, 95])
    _, stats = replay(
        px,
        {"a": 1.0},
        start=START,
        end=days[1].date(),
        until=days[4].date(),
        maintenance_margin=0.25,
    )
    assert stats.recovery_days is None
    assert stats.days_after_trough == 3


def test_loan_leverage_is_a_fixed_loan() -> None:
    rng = np.random.default_rng(1)
    days = bdays(60)
    p = 100 * np.cumprod(1 + rng.normal(0, 0.02, len(days)))
    px = frame(days, a=p)
    path = replay_path(
        px, {"a": 2.0}, start=START, end=days[40].date(), until=days[-1].date(), mode="loan"
    )
    np.testing.assert_allclose(path.equity, 1 + 2 * (p / p[0] - 1))
    np.testing.assert_allclose(path.gross, 2 * p / p[0])
    # the first day's return is exactly doubled; later days are not (leverage drifts)
    assert path.equity[1] - 1 == pytest.approx(2 * (p[1] / p[0] - 1))


def test_daily_leverage_doubles_each_days_return_before_compounding() -> None:
    rng = np.random.default_rng(2)
    days = bdays(80)
    p = 100 * np.cumprod(1 + rng.normal(0, 0.02, len(days)))
    px = frame(days, a=p)
    path = replay_path(
        px, {"a": 2.0}, start=START, end=days[50].date(), until=days[-1].date(), mode="daily"
    )
    r = p[1:] / p[:-1] - 1
    np.testing.assert_allclose(path.equity, np.concatenate([[1.0], np.cumprod(1 + 2 * r)]))


def test_modes_agree_without_leverage_or_cash() -> None:
    rng = np.random.default_rng(3)
    days = bdays(40)
    px = frame(
        days,
        a=100 * np.cumprod(1 + rng.normal(0, 0.02, 40)),
        b=50 * np.cumprod(1 + rng.normal(0, 0.01, 40)),
    )
    kw = {"start": START, "end": days[20].date(), "until": days[-1].date()}
    loan = replay_path(px, {"a": 0.7, "b": 0.3}, mode="loan", **kw)  # type: ignore[arg-type]
    daily = replay_path(px, {"a": 0.7, "b": 0.3}, mode="daily", **kw)  # type: ignore[arg-type]
    np.testing.assert_allclose(loan.equity, daily.equity)


def test_margin_call_and_the_cash_that_prevents_it() -> None:
    days = bdays(6)
    px = frame(days, a=[100, 95, 85, 70, 80, 90])
    path, stats = replay(
        px,
        {"a": 2.0},
        start=START,
        end=days[-1].date(),
        until=days[-1].date(),
        maintenance_margin=0.3,
    )
    eq, gross = path.equity, path.gross
    assert (eq / gross < 0.3).any()
    first = int(np.flatnonzero(eq / gross < 0.3)[0])
    assert stats.margin_call == days[first].date()
    c = stats.cash_needed
    assert c == pytest.approx(float(np.max(0.3 * gross - eq)))
    assert ((eq + c) / gross >= 0.3 - 1e-12).all()
    assert ((eq + c - 1e-6) / gross < 0.3).any()
    assert stats.wiped_out is None


def test_wiped_out_when_equity_reaches_zero() -> None:
    days = bdays(3)
    px = frame(days, a=[100, 80, 60])
    _, stats = replay(
        px,
        {"a": 3.0},
        start=START,
        end=days[-1].date(),
        until=days[-1].date(),
        maintenance_margin=0.25,
    )
    assert stats.wiped_out == days[2].date()
    assert stats.max_drawdown > 1  # lost more than the equity


def test_contributions_sum_to_drawdown_and_a_hedge_is_negative() -> None:
    days = bdays(5)
    px = frame(days, stock=[100, 90, 80, 85, 100], bond=[100, 102, 104, 103, 101])
    _, stats = replay(
        px,
        {"stock": 0.6, "bond": 0.4},
        start=START,
        end=days[3].date(),
        until=days[-1].date(),
        maintenance_margin=0.25,
    )
    assert sum(stats.contributions.values()) == pytest.approx(stats.max_drawdown)
    assert stats.contributions["stock"] == pytest.approx(0.6 * 0.2)
    assert stats.contributions["bond"] == pytest.approx(-0.4 * 0.04)


def test_dry_powder_restores_exposure_at_the_trough() -> None:
    days = bdays(5)
    px = frame(days, a=[100, 80, 70, 84, 91])
    _, stats = replay(
        px,
        {"a": 1.0},
        start=START,
        end=days[2].date(),
        until=days[-1].date(),
        maintenance_margin=0.25,
    )
    dp = stats.dry_powder
    assert dp.bought_on == days[2].date()
    assert dp.cash == pytest.approx(0.30)
    assert dp.ret == pytest.approx(91 / 70 - 1)
    assert dp.value_at_end == pytest.approx(0.30 * 91 / 70)
    assert dp.end == days[-1].date()


def test_no_return_across_a_closed_market() -> None:
    """A stock closed over the weekend, crypto open: the stock's Monday return is from
    Friday's close, and its value is carried (not re-priced) on Saturday and Sunday."""
    days = pd.date_range(dt.date(2021, 2, 26), periods=10, freq="D")  # Fri ..
    stock = np.array([100, np.nan, np.nan, 95, 96, 97, 98, 99, np.nan, np.nan])
    coin = np.linspace(10, 12, 10)
    px = frame(days, stock=stock, coin=coin)
    path = replay_path(
        px,
        {"stock": 0.5, "coin": 0.5},
        start=dt.date(2021, 2, 27),
        end=days[7].date(),
        until=days[-1].date(),
    )
    pos = {d.date(): i for i, d in enumerate(path.dates)}
    sat, sun, mon = dt.date(2021, 2, 27), dt.date(2021, 2, 28), dt.date(2021, 3, 1)
    assert np.isnan(path.returns[pos[sun], 0])
    assert path.returns[pos[mon], 0] == pytest.approx(95 / 100 - 1)
    assert path.values[pos[sat], 0] == pytest.approx(0.5)
    assert path.values[pos[sun], 0] == pytest.approx(path.values[pos[sat], 0])
    assert not np.isnan(path.returns[pos[sun], 1])


def test_missing_base_price_is_an_error() -> None:
    days = bdays(30, first=dt.date(2021, 2, 1))
    a = np.full(30, np.nan)
    a[:3] = [100, 101, 102]  # stops three weeks before START
    px = frame(days, a=a, b=np.linspace(1, 2, 30))
    with pytest.raises(InsufficientDataError, match="no price for a"):
        replay_path(
            px,
            {"a": 0.5, "b": 0.5},
            start=START,
            end=dt.date(2021, 3, 5),
            until=dt.date(2021, 3, 10),
        )


def test_data_that_stops_truncates_the_replay() -> None:
    days = bdays(60)
    a = np.linspace(100, 120, 60)
    b = np.linspace(50, 40, 60)
    b[20:] = np.nan
    px = frame(days, a=a, b=b)
    path = replay_path(
        px, {"a": 0.5, "b": 0.5}, start=START, end=days[10].date(), until=days[-1].date()
    )
    assert path.truncated_at == days[19].date()
    assert path.dates[-1] == days[19]


def test_replay_until_counts_weekdays() -> None:
    assert replay_until(dt.date(2020, 3, 23), 5) == dt.date(2020, 3, 30)
    assert replay_until(dt.date(2020, 3, 21), 0) == dt.date(2020, 3, 23)


def test_all_cash_never_draws_down() -> None:
    days = bdays(5)
    px = frame(days, a=[100, 50, 40, 30, 20])
    _, stats = replay(
        px,
        {"a": 0.0},
        start=START,
        end=days[-1].date(),
        until=days[-1].date(),
        maintenance_margin=0.25,
    )
    assert stats.max_drawdown == 0
    assert stats.recovery_days == 0


# -- properties -------------------------------------------------------------------------

_returns = st.lists(st.floats(-0.25, 0.25, allow_nan=False), min_size=4, max_size=50)


@st.composite
def portfolios(draw: st.DrawFn) -> tuple[pd.DataFrame, dict[str, float], int, int]:
    """Up to three random price paths with closed-market holes, weights and an episode end."""
    n = draw(st.integers(1, 3))
    rets = [draw(_returns) for _ in range(n)]
    size = min(len(r) for r in rets)
    end_pos = draw(st.integers(1, size - 1))
    cols = {f"h{i}": 100 * np.cumprod(1 + np.array(r[:size])) for i, r in enumerate(rets)}
    # holdings skip some days (closed markets); never the base row, and the first
    # holding trades on the episode's last day so the episode has a day to replay
    for i in range(n):
        holes = draw(st.lists(st.integers(1, size - 1), max_size=size // 3))
        holes = [h for h in holes if i or h != end_pos]
        cols[f"h{i}"][holes] = np.nan
    raw = np.array([draw(st.floats(0.0, 1.0)) for _ in range(n)])
    invested = draw(st.floats(0.0, 1.0))
    w = raw / raw.sum() * invested if raw.sum() > 0 else raw
    return frame(bdays(size), **cols), {f"h{i}": float(w[i]) for i in range(n)}, end_pos, size


@settings(max_examples=150, deadline=None)
@given(portfolios())
def test_drawdown_is_a_fraction_without_leverage(
    case: tuple[pd.DataFrame, dict[str, float], int, int],
) -> None:
    px, w, end_pos, _ = case
    days = px.index
    _, stats = replay(
        px, w, start=START, end=days[end_pos].date(), until=days[-1].date(), maintenance_margin=0.25
    )
    assert 0.0 <= stats.max_drawdown <= 1.0
    assert stats.margin_call is None
    assert stats.cash_needed == 0.0


@settings(max_examples=150, deadline=None)
@given(portfolios(), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_adding_cash_never_increases_the_drawdown(
    case: tuple[pd.DataFrame, dict[str, float], int, int], c1: float, c2: float
) -> None:
    px, w, end_pos, _ = case
    lo, hi = sorted((c1, c2))
    days = px.index
    kw = {
        "start": START,
        "end": days[end_pos].date(),
        "until": days[-1].date(),
        "maintenance_margin": 0.25,
    }
    less = {k: v * (1 - lo) for k, v in w.items()}
    more = {k: v * (1 - hi) for k, v in w.items()}
    _, s_less = replay(px, less, **kw)
    _, s_more = replay(px, more, **kw)
    assert s_more.max_drawdown <= s_less.max_drawdown + 1e-12


@settings(max_examples=100, deadline=None)
@given(portfolios(), st.sampled_from(["nan", "absurd", "negative"]), st.floats(0.5, 3.0))
def test_a_replay_never_reads_past_its_end(
    case: tuple[pd.DataFrame, dict[str, float], int, int], poison: str, lev: float
) -> None:
    px, w, end_pos, _size = case
    days = px.index
    until = days[-1].date()
    exposure = {k: v * lev for k, v in w.items()}
    # the same data plus 30 poisoned weekdays after `until`
    more = pd.bdate_range(days[-1] + pd.offsets.BDay(1), periods=30)
    fill = {"nan": np.nan, "absurd": 1e12, "negative": -5.0}[poison]
    poisoned = pd.concat([px, pd.DataFrame(fill, index=more, columns=px.columns)])
    kw = {"start": START, "end": days[end_pos].date(), "until": until}
    # the policy rate too: 4% up to `until`, poison after it
    rates = pd.DataFrame({"fred:EFFR": 4.0}, index=days)
    dirty_rates = pd.concat([rates, pd.DataFrame({"fred:EFFR": fill}, index=more)])
    for mode in ("loan", "daily"):
        clean_path = replay_path(px, exposure, mode=mode, rates=rates, **kw)
        dirty_path = replay_path(poisoned, exposure, mode=mode, rates=dirty_rates, **kw)
        np.testing.assert_array_equal(clean_path.equity, dirty_path.equity)
        np.testing.assert_array_equal(clean_path.interest, dirty_path.interest)
        assert list(clean_path.dates) == list(dirty_path.dates)
        a = measure_replay(clean_path, maintenance_margin=0.25)
        b = measure_replay(dirty_path, maintenance_margin=0.25)
        assert a == b


# -- interest on the cash balance ---------------------------------------------------------

FRI = pd.Timestamp("2021-02-26")  # the base of most interest cases (START is the Monday after)


def rates_on(days: pd.DatetimeIndex, percent: float | list[float]) -> pd.DataFrame:
    """The policy rate as known at each day's close, in percent a year (as stored)."""
    return pd.DataFrame({"fred:EFFR": np.asarray(percent, dtype=float)}, index=days)


def test_a_loan_over_360_days_pays_the_rate_plus_the_spread_actual_360() -> None:
    """2× on a flat price, one row 360 calendar days after the base, 5% + 1%: the loan of one
    equity grows by 6% × 360 / 360, so equity is 2 − 1.06 = 0.94."""
    d1 = FRI + pd.Timedelta(days=360)
    days = pd.DatetimeIndex([FRI, d1])
    path = replay_path(
        frame(days, a=[100, 100]),
        {"a": 2.0},
        start=START,
        end=d1.date(),
        until=d1.date(),
        rates=rates_on(days, 5.0),
        interest=InterestTerms(loan_spread=0.01),
    )
    assert path.accrual.days.tolist() == [0, 360]
    assert path.equity.tolist() == pytest.approx([1.0, 0.94], abs=1e-15)
    assert path.interest.tolist() == pytest.approx([0.0, -0.06], abs=1e-15)
    assert path.accrual.modelled
    assert path.accrual.sources == ("fred:EFFR",)
    assert path.accrual.mean_policy == pytest.approx(0.05)


def test_interest_compounds_from_row_to_row() -> None:
    """The same loan with a row every calendar day: 360 daily steps of 6% / 360 compound."""
    days = pd.date_range(FRI, periods=361, freq="D")
    path, stats = replay(
        frame(days, a=np.full(361, 100.0)),
        {"a": 2.0},
        start=days[1].date(),
        end=days[-1].date(),
        until=days[-1].date(),
        maintenance_margin=0.25,
        rates=rates_on(days, 5.0),
    )
    paid = (1 + 0.06 / 360) ** 360 - 1  # 6.1831%, a little more than 6%
    assert path.interest[-1] == pytest.approx(-paid, rel=1e-12)
    assert path.equity[-1] == pytest.approx(1 - paid, rel=1e-12)
    assert stats.interest_episode == pytest.approx(-paid, rel=1e-12)
    assert stats.interest_replay == pytest.approx(-paid, rel=1e-12)
    # on a flat price the whole fall is interest
    assert stats.max_drawdown == pytest.approx(paid, rel=1e-12)
    assert stats.contributions == {"a": 0.0}
    assert stats.interest_share == pytest.approx(paid, rel=1e-12)


def test_a_weekend_accrues_three_days_at_the_rate_known_on_friday() -> None:
    """Fri → Mon accrues 3 days at Friday's rate; a cut known at Monday's close prices
    Monday night, not the weekend before it."""
    days = pd.DatetimeIndex([FRI, FRI + pd.Timedelta(days=3), FRI + pd.Timedelta(days=4)])
    path = replay_path(
        frame(days, a=[100, 100, 100]),
        {"a": 2.0},
        start=START,
        end=days[-1].date(),
        until=days[-1].date(),
        rates=rates_on(days, [5.0, 2.0, 2.0]),
        interest=InterestTerms(loan_spread=0.01),
    )
    assert path.accrual.days.tolist() == [0, 3, 1]
    monday = 0.06 * 3 / 360  # 5% + 1%, three days
    tuesday = 0.03 * 1 / 360  # 2% + 1%, one day
    assert path.accrual.step.tolist() == pytest.approx([0.0, monday, tuesday], rel=1e-15)
    expected = [0.0, -monday, -((1 + monday) * (1 + tuesday) - 1)]
    assert path.interest.tolist() == pytest.approx(expected, rel=1e-12)
    assert path.equity.tolist() == pytest.approx([1 + x for x in expected], rel=1e-12)


def test_positive_cash_earns_the_rate_less_the_haircut_never_below_zero() -> None:
    days = bdays(10)
    px = frame(days, a=np.full(10, 100.0))
    kw: dict[str, Any] = {"start": START, "end": days[-1].date(), "until": days[-1].date()}
    path = replay_path(
        px, {"a": 0.5}, rates=rates_on(days, 4.0), interest=InterestTerms(cash_haircut=0.005), **kw
    )
    gaps = np.diff(days.to_numpy()).astype("timedelta64[D]").astype(int)
    grown = 0.5 * np.prod(1 + 0.035 * gaps / 360)  # 4% − 0.5%, actual/360, compounded
    assert path.equity[-1] == pytest.approx(0.5 + grown, rel=1e-12)
    assert path.interest[-1] == pytest.approx(grown - 0.5, rel=1e-12)
    assert path.interest[-1] > 0
    # a haircut above the rate earns nothing; it never charges for holding cash
    low = replay_path(
        px, {"a": 0.5}, rates=rates_on(days, 0.2), interest=InterestTerms(cash_haircut=0.005), **kw
    )
    assert low.equity.tolist() == [1.0] * 10
    assert low.accrual.modelled


def test_daily_mode_charges_the_borrowed_part_of_each_days_equity() -> None:
    rng = np.random.default_rng(4)
    days = bdays(30)
    p = 100 * np.cumprod(1 + rng.normal(0, 0.02, 30))
    rates = rates_on(days, 5.0)
    kw: dict[str, Any] = {
        "start": START,
        "end": days[20].date(),
        "until": days[-1].date(),
        "mode": "daily",
    }
    gaps = np.diff(days.to_numpy()).astype("timedelta64[D]").astype(int)
    r = p[1:] / p[:-1] - 1
    # 2×: one equity borrowed at every close, at 5% + 1%
    path = replay_path(frame(days, a=p), {"a": 2.0}, rates=rates, **kw)
    growth = 1 + 2 * r - 1 * 0.06 * gaps / 360
    np.testing.assert_allclose(path.equity, np.concatenate([[1.0], np.cumprod(growth)]))
    paid = np.cumsum(path.equity[:-1] * 0.06 * gaps / 360)
    np.testing.assert_allclose(path.interest, np.concatenate([[0.0], -paid]))
    # half in cash: it earns the policy rate on half of each day's equity
    cash = replay_path(frame(days, a=p), {"a": 0.5}, rates=rates, **kw)
    growth = 1 + 0.5 * r + 0.5 * 0.05 * gaps / 360
    np.testing.assert_allclose(cash.equity, np.concatenate([[1.0], np.cumprod(growth)]))
    assert cash.interest[-1] > 0


def test_a_missing_rate_is_flagged_and_never_invented() -> None:
    days = bdays(20)
    px = frame(days, a=np.linspace(100, 90, 20))
    kw: dict[str, Any] = {"start": START, "end": days[10].date(), "until": days[-1].date()}
    off = replay_path(px, {"a": 2.0}, interest=InterestTerms(disabled_by="a test"), **kw)
    assert not off.accrual.modelled
    assert "turned off (a test)" in (off.accrual.reason or "")

    none = replay_path(px, {"a": 2.0}, **kw)
    np.testing.assert_array_equal(none.equity, off.equity)
    assert none.interest.tolist() == [0.0] * 20
    assert not none.accrual.modelled
    assert "no policy rate" in (none.accrual.reason or "")
    assert none.accrual.days_without_rate == (days[-1] - days[0]).days

    # known only from the 10th row on: before it nothing accrues, after it the loan pays
    known = np.full(20, np.nan)
    known[10:] = 5.0
    part = replay_path(px, {"a": 2.0}, rates=rates_on(days, known.tolist()), **kw)
    np.testing.assert_array_equal(part.equity[:11], off.equity[:11])
    assert (part.equity[11:] < off.equity[11:]).all()
    assert not part.accrual.modelled
    assert part.accrual.days_without_rate == (days[10] - days[0]).days
    assert f"{part.accrual.days_without_rate} of {(days[-1] - days[0]).days} days" in (
        part.accrual.reason or ""
    )
    stats = measure_replay(part, maintenance_margin=0.25)
    assert stats.interest_episode == 0.0  # the episode itself had no rate
    assert stats.interest_replay < 0

    # a rate is not carried for ever: one reading at the base covers 10 days, no more
    daily = pd.date_range(FRI, periods=21, freq="D")
    px_d = frame(daily, a=np.full(21, 100.0))
    once = replay_path(
        px_d,
        {"a": 2.0},
        start=daily[1].date(),
        end=daily[-1].date(),
        until=daily[-1].date(),
        rates=rates_on(daily[:1], 5.0),
    )
    assert once.accrual.days_without_rate == 9
    assert once.accrual.step[1:12].tolist() == pytest.approx([0.06 / 360] * 11)

    # no balance, nothing to accrue: nothing is missing either
    flat = replay_path(px, {"a": 1.0}, **kw)
    assert flat.accrual.modelled
    assert flat.accrual.reason is None


def test_cash_needed_with_interest_is_just_enough_in_a_real_replay() -> None:
    """The top-up shrinks the loan, so it saves the loan's interest: replaying the account
    with it (exposure 2 / (1 + c) of the larger equity) keeps every close at maintenance."""
    days = bdays(6)
    px = frame(days, a=[100, 95, 85, 70, 80, 90])
    rates = rates_on(days, 5.0)
    kw: dict[str, Any] = {"start": START, "end": days[-1].date(), "until": days[-1].date()}
    _, plain = replay(px, {"a": 2.0}, maintenance_margin=0.3, **kw)
    path, stats = replay(px, {"a": 2.0}, maintenance_margin=0.3, rates=rates, **kw)
    c = stats.cash_needed
    assert c > plain.cash_needed  # interest deepens the hole
    assert stats.margin_call is not None

    def ratio(top_up: float) -> np.ndarray:
        topped = replay_path(px, {"a": 2.0 / (1 + top_up)}, rates=rates, **kw)
        return np.asarray(topped.equity / topped.gross)

    assert (ratio(c) >= 0.3 - 1e-12).all()
    assert (ratio(c - 1e-6) < 0.3).any()
    growth = path.balance_growth
    assert growth[0] == 1.0
    assert (np.diff(growth) > 0).all()


@pytest.mark.parametrize("mode", ["loan", "daily"])
def test_contributions_and_interest_add_up_to_the_drawdown(mode: LeverageMode) -> None:
    days = bdays(8)
    px = frame(
        days, stock=[100, 96, 90, 85, 88, 80, 86, 95], bond=[100, 101, 102, 102, 101, 103, 102, 100]
    )
    _, stats = replay(
        px,
        {"stock": 1.2, "bond": 0.6},
        start=START,
        end=days[-2].date(),
        until=days[-1].date(),
        maintenance_margin=0.25,
        mode=mode,
        rates=rates_on(days, 5.0),
    )
    assert stats.interest_share > 0
    total = sum(stats.contributions.values()) + stats.interest_share
    assert total == pytest.approx(stats.max_drawdown, rel=1e-12)


EPISODE_KEYS_0_1 = (
    "id",
    "name",
    "window",
    "replay",
    "max_drawdown",
    "max_drawdown_date",
    "peak_date",
    "recovery_days",
    "recovery_date",
    "recovery",
    "worst_day",
    "contributions",
    "margin_call",
    "wiped_out",
    "cash_needed",
    "cash_needed_amount",
    "cash_needed_unit",
    "dry_powder",
    "final_equity",
    "proxies",
    "path",
    "notes",
)
PORTFOLIO_KEYS_0_1 = (
    "source",
    "basis",
    "equity",
    "cash",
    "leverage",
    "maintenance_margin",
    "gross_exposure",
    "leverage_mode",
    "holdings",
)


def test_stress_says_when_interest_is_not_modelled() -> None:
    """Through ``stress``: no rate in the store gives zero interest and a flag in the JSON
    and the text; the JSON keeps its keys and adds ``interest``."""
    from dataclasses import replace

    from rich.console import Console

    from riskoff.analogs.episodes import load_episodes
    from riskoff.portfolio.stress import stress

    days = bdays(40)
    wide = frame(days, **{"yahoo:SPY": np.linspace(400, 380, 40)})
    ep = replace(load_episodes().major()[0], start=START, end=days[5].date())
    pf = parse_portfolio(
        "symbol,weight\nspy,1\nleverage,2\nloan_spread,0.015\n", Catalog.default(), source="p.csv"
    )

    def prices(symbols: object, start: dt.date, end: dt.date) -> pd.DataFrame:
        return wide.loc[(wide.index >= pd.Timestamp(start)) & (wide.index <= pd.Timestamp(end))]

    def no_rates(start: dt.date, end: dt.date) -> pd.DataFrame:
        return pd.DataFrame(index=pd.DatetimeIndex([]))

    def five(start: dt.date, end: dt.date) -> pd.DataFrame:
        idx = pd.bdate_range(start, end)
        return pd.DataFrame({"fred:DFF": 5.0}, index=idx)

    missing = stress(pf, [ep], prices, horizon=20, read_rates=no_rates)
    doc = missing.to_dict()
    (e,) = doc["episodes"]
    assert e["interest"]["modelled"] is False
    assert "no policy rate (fred:EFFR, fred:DFF)" in e["interest"]["reason"]
    assert e["interest"]["within_episode"] == 0.0
    assert doc["portfolio"]["interest"]["loan_spread"] == 0.015
    buf = io.StringIO()
    Console(file=buf, width=200).print(missing)
    text = buf.getvalue()
    assert f"{ep.id}: interest not modelled: no policy rate" in text
    assert "n/a" in text
    assert "interest not modelled" in missing.to_html()

    charged = stress(pf, [ep], prices, horizon=20, read_rates=five)
    c = charged.to_dict()["episodes"][0]
    assert c["interest"]["modelled"] is True
    assert c["interest"]["sources"] == ["fred:DFF"]
    assert c["interest"]["within_episode"] < 0
    assert c["final_equity"] < e["final_equity"]
    # additive: every key of riskoff 0.1 is still there, beside the new ones
    assert set(c) == {*EPISODE_KEYS_0_1, "interest", "margin", "as_cash"}
    assert set(charged.to_dict()["portfolio"]) == {*PORTFOLIO_KEYS_0_1, "interest"}
    assert stress(pf, [ep], prices, horizon=20, read_rates=five, interest=False).to_dict()[
        "episodes"
    ][0]["final_equity"] == pytest.approx(e["final_equity"], abs=0)
