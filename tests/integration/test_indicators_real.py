"""Indicators on the real data folder: funding spreads, net liquidity units."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from riskoff.config import Settings
from riskoff.indicators.features import turbulence_contributions
from riskoff.indicators.liquidity import calc_policy_benchmark, calc_spread_bp
from riskoff.panel import Panel
from riskoff.store import Store

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def store(loaded_settings: Settings) -> Iterator[Store]:
    with Store(loaded_settings.store_path, read_only=True) as s:
        yield s


def _obs(store: Store, sym: str) -> pd.Series:
    df = store.read([sym])
    return df.set_index("date")["value"]


@pytest.mark.parametrize(
    ("day", "want", "tol"), [("2025-10-31", 32.0, 0.5), ("2019-09-17", 315.0, 3.0)]
)
def test_sofr_minus_iorb_at_observation_date(
    store: Store, day: str, want: float, tol: float
) -> None:
    # the pure function on observation-dated series (SOFR itself is published 1B later)
    idx = pd.DatetimeIndex([day])

    def at(sym: str) -> pd.Series:
        s = _obs(store, sym)
        return (
            s.reindex(s.index.union(idx)).ffill().reindex(idx)
            if len(s)
            else pd.Series(float("nan"), index=idx)
        )

    bench, _ = calc_policy_benchmark(at("fred:DFEDTAR"), at("fred:DFEDTARU"), at("fred:IORB"))
    sofr = _obs(store, "fred:SOFR").reindex(idx)
    assert calc_spread_bp(sofr, bench).iloc[0] == pytest.approx(want, abs=tol)


def test_sofr_spread_in_the_panel_is_known_the_next_business_day(table: pd.DataFrame) -> None:
    assert table.loc["2025-11-03", "funding.sofr_iorb_bp"] == pytest.approx(32.0, abs=0.5)
    assert table.loc["2025-11-03", "funding.benchmark_id"] == 2.0
    assert table.loc["2019-09-18", "funding.sofr_iorb_bp"] == pytest.approx(315.0, abs=3)
    assert table.loc["2019-09-18", "funding.benchmark_id"] == 1.0


def test_a_rate_cut_on_the_day_is_not_read_as_a_funding_squeeze(table: pd.DataFrame) -> None:
    # IOER fell from 1.10% to 0.10% on Monday 2020-03-16. The SOFR known that day is
    # Friday's (1.10%, published Monday), so it is set against Friday's IOER: no spread.
    # Against Monday's rate it would read +100 bp. Tuesday holds Monday's SOFR (0.26%).
    assert table.loc["2020-03-16", "funding.sofr_iorb_bp"] == pytest.approx(0.0, abs=1.0)
    assert table.loc["2020-03-17", "funding.sofr_iorb_bp"] == pytest.approx(16.0, abs=1.0)
    assert table.loc["2020-03-16", "funding.effr_iorb_bp"] == pytest.approx(0.0, abs=2.0)


def test_net_liquidity_units_mid_2022(table: pd.DataFrame) -> None:
    nl = table.loc["2022-06-01":"2022-07-31", "netliq.level_bn"].mean()
    assert 5_300 < nl < 6_300  # about $5.8tn, in billions
    assert 2_000 < table["reserves.level_bn"].to_numpy()[table.index.get_loc("2022-06-15")] < 4_500


def test_dash_for_cash_day(table: pd.DataFrame, panel: Panel) -> None:
    row = table.loc["2020-03-12"]
    assert row["sigma.us_equities"] < -3
    assert row["sigma.gold"] < -2
    assert row["breadth.down2"] >= 8
    assert row["haven.failure"] > 0.3
    assert row["turbulence.pct"] > 0.99
    assert row["corr.avg60_pct"] > 0.9
    share = turbulence_contributions(panel, "2020-03-12")
    assert share.sum() == pytest.approx(1.0)
    assert len(share) >= 8


def test_class_moves_are_the_days_own(table: pd.DataFrame, panel: Panel) -> None:
    """Class moves come from same-day sources only. Before Yahoo's JPY=X (1996-10-30) the
    only dollar-yen series is the weekly H.10 release (lag 7D), whose move on a day is a
    week old: the yen is then missing, not a week late. High-yield credit is HYG's own
    close (from 2007-04-11), not the ICE spread FRED publishes the next morning."""
    assert np.isnan(table["sigma.yen"].loc["1990-08-06"])
    assert np.isnan(table["move.credit"].loc["1998-08-31"])
    hyg = panel.level("yahoo:HYG")
    want = float(np.log(hyg.loc["2020-03-16"] / hyg.loc["2020-03-13"]))
    assert table.loc["2020-03-16", "move.credit"] == pytest.approx(want)
    assert want < -0.04  # HYG fell that Monday; the spread of Friday was still narrowing


def test_weekend_carries_closed_markets(table: pd.DataFrame) -> None:
    sat = table.loc["2021-05-22"]
    assert sat["open.us_equities"] == 0
    assert sat["move.us_equities"] == 0
    assert sat["open.btc"] == 1
