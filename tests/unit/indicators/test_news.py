"""Newspaper indices read against their own trailing year, point in time in newspaper
dates, and the papers each moment of a diagnosis may read."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from riskoff.catalog import Catalog
from riskoff.indicators.news import (
    INDICES,
    YEAR_MIN,
    news_daily,
    news_values,
    paper_readings,
)
from riskoff.panel import build_panel

ACTS = INDICES["gpr_acts"]
TPU = INDICES["tpu"]


def _papers(n: int = 500, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2020-01-01", periods=n, freq="D", name="date")
    return pd.DataFrame(
        {ACTS: 100.0 + rng.normal(0, 10, n), TPU: 50.0 + rng.normal(0, 5, n)}, index=idx
    )


def test_reading_is_the_paper_over_the_median_of_the_year_before() -> None:
    p = _papers()
    r = paper_readings(p)
    day = p.index[450]
    prev = p[ACTS].loc[day - pd.Timedelta(days=365) : day - pd.Timedelta(days=1)]
    assert r.at[day, "gpr_acts_base"] == pytest.approx(prev.median())
    assert r.at[day, "gpr_acts_x"] == pytest.approx(
        float(p[ACTS].to_numpy()[450]) / float(prev.median())
    )
    # too short a history is no yardstick
    assert np.isnan(r["gpr_acts_x"].iloc[YEAR_MIN - 1])


def test_a_later_paper_never_changes_an_earlier_reading() -> None:
    p = _papers()
    r = paper_readings(p)
    q = p.copy()
    q.iloc[400:, 0] *= 50.0  # a war from day 400 on
    rq = paper_readings(q)
    pd.testing.assert_frame_equal(r.iloc[:400], rq.iloc[:400])
    assert rq["gpr_acts_x"].iloc[400] > 20


def test_the_morning_after_reads_the_next_days_paper_the_close_does_not() -> None:
    p = _papers()
    day = p.index[450].date()
    p.loc[pd.Timestamp(day) + pd.Timedelta(days=1), ACTS] = 600.0  # the papers of D+1
    r = paper_readings(p)
    morning = news_values(r, day, day, "next-morning")
    close = news_values(r, day, day, "close")
    assert morning["news.gpr_acts"] == 600.0
    assert morning["news.gpr_acts_x"] > 4
    assert close["news.gpr_acts"] == pytest.approx(p.at[pd.Timestamp(day), ACTS])
    assert morning["news.geo_x"] == morning["news.gpr_acts_x"]
    assert np.isnan(news_values(r.iloc[:0], day, day).get("news.tpu", np.nan))
    # published: a weekly-lagged index says nothing about D by its close
    pub = news_values(r, day, day, "published", {"gpr_acts": 7, "tpu": 0})
    assert np.isnan(pub["news.gpr_acts_x"])  # held, but no paper about D was out
    assert pub["news.tpu"] == pytest.approx(p.at[pd.Timestamp(day), TPU])


def test_a_window_reads_each_index_at_its_most_unusual_paper() -> None:
    p = _papers()
    d0 = p.index[420]
    p.loc[d0 + pd.Timedelta(days=2), TPU] = 400.0
    r = paper_readings(p)
    got = news_values(r, d0.date(), (d0 + pd.Timedelta(days=4)).date())
    assert got["news.tpu"] == 400.0
    assert got["news.policy_x"] == got["news.tpu_x"]


def test_daily_readings_equal_one_day_values() -> None:
    p = _papers()
    p.iloc[430, 0] = 900.0
    r = paper_readings(p)
    days = pd.DatetimeIndex(p.index[400:460:3])
    for moment in ("next-morning", "close", "published"):
        lags = {"gpr_acts": 7, "tpu": 2}
        frame = news_daily(r, days, moment, lags)
        for ts in days:
            want = {
                k: v
                for k, v in news_values(r, ts.date(), ts.date(), moment, lags).items()
                if not np.isnan(v)
            }
            got = {k: v for k, v in frame.loc[ts].items() if not np.isnan(v)}
            assert got.keys() == want.keys(), (moment, ts)
            for k, v in want.items():
                assert got[k] == pytest.approx(v), (moment, ts, k)


def test_papers_are_kept_by_newspaper_date_and_never_extend_the_calendar() -> None:
    rows = [
        ("yahoo:^GSPC", "2024-01-04", 100.0),
        ("yahoo:^GSPC", "2024-01-05", 99.0),
        (ACTS, "2024-01-05", 120.0),
        (ACTS, "2024-01-06", 300.0),  # Saturday's papers: the morning after Friday
        (ACTS, "2024-01-07", 110.0),  # beyond the panel's horizon
    ]
    long = pd.DataFrame(
        {
            "symbol": pd.Categorical([r[0] for r in rows]),
            "date": pd.to_datetime([r[1] for r in rows]),
            "value": [r[2] for r in rows],
        }
    )
    cat = Catalog.default()
    p = build_panel(long, cat, start=dt.date(2024, 1, 1))
    assert p.days[-1] == pd.Timestamp("2024-01-05")  # papers do not extend the calendar
    assert p.papers.at[pd.Timestamp("2024-01-06"), ACTS] == 300.0
    assert pd.Timestamp("2024-01-07") not in p.papers.index
    # the level of a lagged index enters the panel only on its release day (7 days on)
    assert np.isnan(p.levels[ACTS].loc["2024-01-05"])
