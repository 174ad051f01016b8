"""Broker reality: what an unmet margin call does, and holdings without history."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from riskoff.analogs.episodes import load_episodes
from riskoff.catalog import Catalog
from riskoff.portfolio.io import parse_portfolio
from riskoff.portfolio.replay import replay
from riskoff.portfolio.stress import stress

START = dt.date(2021, 3, 1)  # a Monday


def bdays(n: int, first: dt.date = dt.date(2021, 2, 26)) -> pd.DatetimeIndex:
    return pd.bdate_range(first, periods=n)


PRICES = [100.0, 95.0, 85.0, 70.0, 60.0, 80.0, 90.0]


def run(on_call: str, prices: list[float] = PRICES, lev: float = 2.0, m: float = 0.3):  # type: ignore[no-untyped-def]
    days = bdays(len(prices))
    px = pd.DataFrame({"a": prices}, index=days)
    return replay(
        px,
        {"a": lev},
        start=START,
        end=days[4].date(),
        until=days[-1].date(),
        maintenance_margin=m,
        on_call=on_call,  # type: ignore[arg-type]
    )


def test_reserve_is_the_unsold_path_and_its_cost_is_cash_needed() -> None:
    path, stats = run("reserve")
    p = np.array(PRICES)
    np.testing.assert_allclose(path.equity, 1 + 2 * (p / p[0] - 1))
    assert stats.forced_sales == ()
    assert stats.sold == 0
    assert stats.margin_call == bdays(7)[3].date()  # 70: (1.4 − 1) / 1.4 < 0.3
    assert stats.cash_needed == pytest.approx(max(0.3 * 2 * p / p[0] - (2 * p / p[0] - 1)))


def test_sell_brings_the_account_back_to_maintenance_and_replays_from_there() -> None:
    path, stats = run("sell")
    # row 3 (70): gross 1.4, equity 0.4; sold to gross = equity / m
    e3 = 2 * 0.70 - 1
    g3 = e3 / 0.3
    q = g3 / 1.4
    assert path.equity[3] == pytest.approx(e3)
    assert path.sold[3] == pytest.approx(1.4 - g3)
    assert path.held[3] == pytest.approx(q)
    # row 4 (60): the smaller position falls, the smaller loan stays
    loan = -1.0 + (1.4 - g3)
    e4 = q * 2 * 0.60 + loan
    assert path.equity[4] == pytest.approx(e4)
    # the fall brings a second call and a second sale
    assert path.sold[4] == pytest.approx(q * 1.2 - e4 / 0.3)
    assert [s.date for s in stats.forced_sales] == [bdays(7)[3].date(), bdays(7)[4].date()]
    assert stats.sold == pytest.approx(path.sold.sum())
    # a recovery no longer recovers what was sold: less than the unsold account
    _, reserve = run("reserve")
    assert stats.final_equity < reserve.final_equity
    # cash_needed is the reserve that would have avoided every sale: the same number
    assert stats.cash_needed == pytest.approx(reserve.cash_needed)
    assert stats.margin_call == reserve.margin_call


def test_close_sells_everything_and_the_rest_is_cash() -> None:
    path, stats = run("close")
    e3 = 2 * 0.70 - 1
    assert path.sold[3] == pytest.approx(1.4)
    assert (path.held[3:] == 0).all()
    np.testing.assert_allclose(path.equity[3:], e3)  # no interest in this replay
    assert stats.final_equity == pytest.approx(e3)
    assert len(stats.forced_sales) == 1


def test_equity_below_zero_is_closed_out_whatever_the_policy() -> None:
    path, stats = run("sell", prices=[100, 80, 60, 50, 45, 70, 90], lev=3.0, m=0.25)
    assert stats.wiped_out is not None
    first = int(np.flatnonzero(path.sold > 0)[0])
    # each sale keeps the account at maintenance until a gap takes equity below zero
    after = path.held[first:]
    assert (np.diff(after) <= 0).all()
    assert after[-1] == 0


@pytest.mark.parametrize("on_call", ["sell", "close", "reserve"])
def test_contributions_and_interest_still_add_up_with_sales(on_call: str) -> None:
    days = bdays(8)
    px = pd.DataFrame(
        {"a": [100, 90, 75, 65, 70, 60, 80, 85], "b": [50, 51, 49, 47, 48, 46, 50, 52]},
        index=days,
    )
    rates = pd.DataFrame({"fred:DFF": 5.0}, index=days)
    _, stats = replay(
        px,
        {"a": 1.5, "b": 0.7},
        start=START,
        end=days[5].date(),
        until=days[-1].date(),
        maintenance_margin=0.3,
        rates=rates,
        on_call=on_call,  # type: ignore[arg-type]
    )
    total = sum(stats.contributions.values()) + stats.interest_share
    assert total == pytest.approx(stats.max_drawdown, abs=1e-12)
    assert (stats.sold > 0) == (on_call != "reserve")


def _episode_and_prices() -> tuple[object, pd.DataFrame]:
    days = bdays(40)
    wide = pd.DataFrame(
        {
            "yahoo:SPY": np.linspace(400, 300, 40),
            "yahoo:^NDX": np.linspace(10_000, 7_000, 40),
        },
        index=days,
    )
    ep = replace(load_episodes().major()[0], start=START, end=days[10].date())
    return ep, wide


def _reader(wide: pd.DataFrame):  # type: ignore[no-untyped-def]
    def prices(symbols: object, start: dt.date, end: dt.date) -> pd.DataFrame:
        cols = [c for c in wide.columns if c in symbols]  # type: ignore[operator]
        got = wide.loc[(wide.index >= pd.Timestamp(start)) & (wide.index <= pd.Timestamp(end))]
        return got[cols]

    return prices


def test_a_holding_without_history_is_cash_or_a_proxy_or_skips() -> None:
    ep, wide = _episode_and_prices()
    cat = Catalog.default()
    pf = parse_portfolio("symbol,weight\nspy,0.9\nbtc,0.1\n", cat, source="p.csv")
    as_cash = stress(pf, [ep], _reader(wide), horizon=10)  # type: ignore[list-item]
    (e,) = as_cash.episodes
    assert e.as_cash == ("yahoo:BTC-USD",)
    assert e.proxies == {}
    same = parse_portfolio("symbol,weight\nspy,0.9\ncash,0.1\n", cat, source="q.csv")
    (c,) = stress(same, [ep], _reader(wide), horizon=10).episodes  # type: ignore[list-item]
    np.testing.assert_array_equal(e.path.equity, c.path.equity)
    assert as_cash.to_dict()["episodes"][0]["as_cash"] == ["yahoo:BTC-USD"]

    proxied = stress(pf, [ep], _reader(wide), horizon=10, no_history="proxy")  # type: ignore[list-item]
    (p,) = proxied.episodes
    assert p.proxies == {"yahoo:BTC-USD": "yahoo:^NDX"}
    assert p.as_cash == ()
    assert p.stats.max_drawdown > e.stats.max_drawdown

    with pytest.raises(Exception, match="no episode could be replayed"):
        stress(pf, [ep], _reader(wide), horizon=10, no_history="skip")  # type: ignore[list-item]


def test_daily_mode_sells_by_re_levering_and_close_closes_out() -> None:
    days = bdays(6)
    px = pd.DataFrame({"a": [100, 80, 85, 90, 95, 100]}, index=days)
    kw = {"start": START, "end": days[2].date(), "until": days[-1].date()}
    runs = {
        p: replay(px, {"a": 3.0}, maintenance_margin=0.3, mode="daily", on_call=p, **kw)  # type: ignore[arg-type]
        for p in ("sell", "reserve", "close")
    }
    # a 20% day at 3x: equity 0.4, gross 3 × 0.8 = 2.4, below 30%: a call on day 1
    np.testing.assert_array_equal(runs["sell"][0].equity, runs["reserve"][0].equity)
    assert runs["sell"][1].forced_sales == ()
    path, stats = runs["close"]
    assert stats.margin_call == days[1].date()
    np.testing.assert_allclose(path.equity[1:], 0.4)
    assert stats.forced_sales[0].sold == pytest.approx(2.4)
