"""The point-in-time panel: release dates, staleness, no returns across gaps, and the
property that a store cut at D gives the same panel and features for D."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskoff import usecases
from riskoff.catalog import Catalog
from riskoff.config import Settings
from riskoff.dates import Window
from riskoff.indicators.features import daily_features, window_features
from riskoff.panel import (
    DEFAULT_START,
    Panel,
    build_panel,
    load_panel,
    range_levels,
    range_symbols,
)
from riskoff.providers.folder import with_subfolders
from riskoff.store import Store

CAT = Catalog.default()


def _long(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "symbol": pd.Categorical([r[0] for r in rows]),
            "date": pd.to_datetime([r[1] for r in rows]),
            "value": [r[2] for r in rows],
        }
    )


def test_weekly_series_enter_on_release_day() -> None:
    long = _long(
        [
            ("fred:WRESBAL", "2024-01-03", 100.0),  # Wednesday -> Thursday
            ("fred:STLFSI4", "2024-01-05", 1.5),  # Friday -> next Thursday
            ("fred:SOFR", "2024-01-05", 5.3),  # Friday -> Monday
            ("yahoo:^GSPC", "2024-01-02", 100.0),
            ("yahoo:^GSPC", "2024-01-12", 101.0),
        ]
    )
    p = build_panel(long, CAT, as_of=dt.date(2024, 1, 12), start=dt.date(2024, 1, 1))
    res = p.level("fred:WRESBAL")
    assert np.isnan(res.loc["2024-01-03"])
    assert res.loc["2024-01-04"] == 100.0
    stl = p.level("fred:STLFSI4")
    assert np.isnan(stl.loc["2024-01-10"])
    assert stl.loc["2024-01-11"] == 1.5
    sofr = p.level("fred:SOFR")
    assert np.isnan(sofr.loc["2024-01-05"])
    assert sofr.loc["2024-01-08"] == 5.3
    # which date is which: the observation behind the level is 1 week old on release
    assert p.obs_age["fred:STLFSI4"].loc["2024-01-11"] == 6


def test_returns_never_cross_a_stale_gap() -> None:
    rows = [("yahoo:^GSPC", "2024-01-02", 100.0), ("yahoo:^GSPC", "2024-01-03", 101.0)]
    rows.append(("yahoo:^GSPC", "2024-02-15", 90.0))  # 43 days later: beyond staleness
    rows.append(("yahoo:^GSPC", "2024-02-16", 91.0))
    p = build_panel(_long(rows), CAT, as_of=dt.date(2024, 2, 16), start=dt.date(2024, 1, 1))
    mv = p.class_moves["us_equities"]
    assert mv.loc["2024-01-03"] == pytest.approx(np.log(1.01))
    assert mv.loc["2024-01-04"] == 0.0
    assert p.class_open["us_equities"].loc["2024-01-04"] == 0
    assert np.isnan(mv.loc["2024-02-01"])  # stale: no level, no move
    assert np.isnan(mv.loc["2024-02-15"])  # first trade after the gap: no return
    assert mv.loc["2024-02-16"] == pytest.approx(np.log(91 / 90))


def test_a_lagged_source_never_stands_for_a_class_move() -> None:
    """The move a lagged series releases on D happened earlier: it is not D's class move."""
    rows = [
        ("yahoo:JPY=X", "2024-01-02", 140.0),
        ("yahoo:JPY=X", "2024-01-03", 143.0),  # the yen fell 2.1% on Wednesday
        ("yahoo:JPY=X", "2024-01-04", 143.0),
    ]
    same_day = build_panel(_long(rows), CAT, as_of=dt.date(2024, 1, 4), start=dt.date(2024, 1, 1))
    assert same_day.class_moves["yen"].loc["2024-01-03"] == pytest.approx(-np.log(143 / 140))
    # the same prices published a business day late: Wednesday's fall is released on
    # Thursday, and must not be read as Thursday's move
    late = CAT.with_entries({"yahoo:JPY=X": dataclasses.replace(CAT["yahoo:JPY=X"], lag="1B")})
    p = build_panel(_long(rows), late, as_of=dt.date(2024, 1, 4), start=dt.date(2024, 1, 1))
    assert p.moves["yahoo:JPY=X"].loc["2024-01-04"] == pytest.approx(np.log(143 / 140))
    assert p.class_moves["yen"].isna().all()
    assert p.class_open["yen"].isna().all()


def test_a_window_reads_strain_gauges_at_their_worst_day() -> None:
    """A funding squeeze inside a window is evidence about it even after it eased."""
    rows = [("fred:IORB", f"2024-01-{d:02d}", 5.40) for d in range(2, 13)]
    sofr = {2: 5.31, 3: 5.31, 4: 5.31, 5: 5.31, 8: 5.31, 9: 5.90, 10: 5.45, 11: 5.32, 12: 5.31}
    rows += [("fred:SOFR", f"2024-01-{d:02d}", v) for d, v in sofr.items()]
    rows += [("yahoo:^GSPC", f"2024-01-{d:02d}", 100.0) for d in sofr]
    p = build_panel(_long(rows), CAT, as_of=dt.date(2024, 1, 15), start=dt.date(2024, 1, 1))
    table = daily_features(p)
    # SOFR is published a business day late: Tuesday's 5.90 enters on Wednesday
    assert table.loc["2024-01-10", "funding.sofr_iorb_bp"] == pytest.approx(50.0)
    assert table.loc["2024-01-12", "funding.sofr_iorb_bp"] == pytest.approx(-8.0)
    week = window_features(p, Window(dt.date(2024, 1, 8), dt.date(2024, 1, 12)))
    assert week["funding.sofr_iorb_bp"] == pytest.approx(50.0)
    assert week["funding.benchmark_id"] == 2  # IORB, read on the same day as the peak
    # a window that ends before the squeeze is published does not see it
    early = window_features(p, Window(dt.date(2024, 1, 8), dt.date(2024, 1, 9)))
    assert early["funding.sofr_iorb_bp"] == pytest.approx(-9.0)


def test_weekend_rows_only_when_crypto_traded() -> None:
    rows = [
        ("yahoo:^GSPC", "2024-01-05", 100.0),
        ("yahoo:^GSPC", "2024-01-08", 99.0),
        ("yahoo:BTC-USD", "2024-01-05", 40000.0),
        ("yahoo:BTC-USD", "2024-01-06", 41000.0),
    ]
    p = build_panel(_long(rows), CAT, as_of=dt.date(2024, 1, 8), start=dt.date(2024, 1, 1))
    assert pd.Timestamp("2024-01-06") in p.days
    assert pd.Timestamp("2024-01-07") not in p.days
    assert p.class_open["us_equities"].loc["2024-01-06"] == 0
    assert p.class_moves["us_equities"].loc["2024-01-06"] == 0.0
    assert p.class_moves["btc"].loc["2024-01-06"] == pytest.approx(np.log(41 / 40))
    assert p.class_moves["us_equities"].loc["2024-01-08"] == pytest.approx(np.log(0.99))


# ------------------------------------------------------------------------------------
# real data
@pytest.fixture(scope="module")
def real_long(loaded_settings: Settings) -> Iterator[pd.DataFrame]:
    with Store(loaded_settings.store_path, read_only=True) as s:
        yield s.read(start=DEFAULT_START - dt.timedelta(days=400))


@pytest.fixture(scope="module")
def real_lows(loaded_settings: Settings) -> Iterator[pd.DataFrame]:
    """The day's lows of the range sources (read only when named, as ``load_panel``)."""
    with Store(loaded_settings.store_path, read_only=True) as s:
        yield s.read(range_symbols(CAT), start=DEFAULT_START - dt.timedelta(days=400))


@pytest.fixture(scope="module")
def full_panel(panel: Panel) -> Panel:
    """The whole store's panel: the session's, which ``load_panel`` built from exactly
    ``real_long`` (the same read, the same catalogue; ``build_panel`` is pure), not a
    second build per module."""
    return panel


@pytest.fixture(scope="module")
def full_table(table: pd.DataFrame) -> pd.DataFrame:
    """The daily feature table of the whole store (the session's, computed once)."""
    return table


def _compare_day(full: Panel, table: pd.DataFrame, cut: Panel, day: pd.Timestamp) -> None:
    assert cut.days[-1] <= day
    d = cut.days[-1]
    for name in ("levels", "moves", "class_moves", "class_open"):
        b = getattr(cut, name).loc[d]
        a_all = getattr(full, name).loc[d]
        a = a_all.reindex(b.index)
        assert a_all.drop(b.index).isna().all(), f"{name}: a series unknown at {d} has data"
        np.testing.assert_allclose(
            a.to_numpy(float), b.to_numpy(float), rtol=1e-9, equal_nan=True, err_msg=f"{name} {d}"
        )
    ft = daily_features(cut).loc[d]
    fa = table.loc[d].reindex(ft.index)
    bad = ~np.isclose(fa.to_numpy(float), ft.to_numpy(float), rtol=1e-6, atol=1e-9, equal_nan=True)
    assert not bad.any(), f"{d}: {list(ft.index[bad])}"


@pytest.mark.integration
@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(day=st.dates(min_value=dt.date(1995, 1, 1), max_value=dt.date(2026, 8, 20)))
def test_point_in_time_cut_store_equals_full(
    day: dt.date,
    real_long: pd.DataFrame,
    real_lows: pd.DataFrame,
    full_panel: Panel,
    full_table: pd.DataFrame,
) -> None:
    cut_long = real_long[real_long["date"] <= pd.Timestamp(day)]  # what ingest --until keeps
    cut = build_panel(cut_long, CAT, as_of=day)
    cut_lows = real_lows[real_lows["date"] <= pd.Timestamp(day)]  # the day's range too
    cut = dataclasses.replace(cut, ranges=range_levels(cut_lows, cut.days))
    _compare_day(full_panel, full_table, cut, pd.Timestamp(day))


@pytest.mark.integration
def test_real_ingest_until_matches(
    tmp_path: Path, data_dir: Path, full_panel: Panel, full_table: pd.DataFrame
) -> None:
    day = dt.date(2020, 3, 12)
    s = Settings.from_env({"RISKOFF_HOME": str(tmp_path / "home")})
    usecases.ingest(with_subfolders(data_dir), until=day, settings=s)
    with Store(s.store_path, read_only=True) as store:
        cut = load_panel(store, CAT)
    assert cut.as_of == pd.Timestamp(day)
    _compare_day(full_panel, full_table, cut, pd.Timestamp(day))


@pytest.mark.integration
def test_window_features_one_day_equals_row(
    full_panel: Panel, full_table: pd.DataFrame, workspace: Any
) -> None:
    d = pd.Timestamp("2020-03-12")
    kept = {"table": full_table, "state": workspace.state}  # as the workspace hands them
    row = window_features(full_panel, Window(d.date(), d.date()), **kept)
    want = full_table.loc[d]
    got = pd.Series(row)[want.index]
    np.testing.assert_allclose(got.to_numpy(float), want.to_numpy(float), equal_nan=True)
    wk = window_features(full_panel, Window(dt.date(2020, 3, 9), dt.date(2020, 3, 13)), **kept)
    total = full_table.loc["2020-03-09":"2020-03-13", "move.us_equities"].sum()
    assert wk["move.us_equities"] == pytest.approx(total)
    assert wk["sigma.us_equities"] < -2
    assert full_panel.as_of <= pd.Timestamp("2026-12-31")
