"""Ingest of the real data folder: spot checks from its README, units, idempotence, --until."""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

import pytest

from riskoff import usecases
from riskoff.catalog import Catalog
from riskoff.config import Settings
from riskoff.errors import InputError
from riskoff.providers.folder import read_index
from riskoff.store import Store

pytestmark = pytest.mark.integration


def _value(store: Store, symbol: str, day: str) -> float:
    frame = store.read([symbol], dt.date.fromisoformat(day), dt.date.fromisoformat(day))
    assert len(frame) == 1, f"{symbol} has no value on {day}"
    return float(frame["value"].iloc[0])


def test_loads_at_least_150_symbols(loaded_store: Store) -> None:
    assert len(loaded_store.symbols()) >= 150


@pytest.mark.parametrize(
    ("symbol", "day", "expected"),
    [
        ("yahoo:^GSPC", "2020-03-12", 2480.64),
        ("fred:SOFR", "2019-09-17", 5.25),
        ("fred:WALCL", "2022-04-13", 8_965_487.0),
        ("yahoo:BTC-USD", "2020-03-12", 4970.79),
        ("fred:RRPONTSYD", "2022-12-30", 2553.716),
    ],
)
def test_readme_spot_checks(loaded_store: Store, symbol: str, day: str, expected: float) -> None:
    assert _value(loaded_store, symbol, day) == pytest.approx(expected, abs=0.006)


@pytest.mark.parametrize(
    ("symbol", "day", "expected"),
    [("yahoo:^N225", "2024-08-05", -0.1240), ("yahoo:GC=F", "2026-01-30", -0.114)],
)
def test_readme_daily_moves(loaded_store: Store, symbol: str, day: str, expected: float) -> None:
    s = loaded_store.read([symbol]).set_index("date")["value"]
    ret = s / s.shift(1) - 1
    assert ret.loc[day] == pytest.approx(expected, abs=0.0006)


def test_units_recorded_as_index_says(loaded_store: Store, data_dir: Path) -> None:
    meta = loaded_store.series_meta()
    assert meta["fred:RRPONTSYD"]["units"] == "usd_billions"
    assert meta["fred:WALCL"]["units"] == "usd_millions"
    assert meta["fred:WRESBAL"]["units"] == "usd_millions"
    with (data_dir / "INDEX.csv").open() as fh:
        for row in csv.DictReader(fh):
            assert meta[row["symbol"]]["units"] == row["units"], row["symbol"]


def test_every_index_symbol_is_in_the_catalogue(data_dir: Path) -> None:
    catalog = Catalog.default()
    missing = {r.symbol for r in read_index(data_dir)} - set(catalog)
    assert not missing


def test_stitched_segments_respect_use_windows_and_levels(loaded_store: Store) -> None:
    # NVDA is stitched from a pre-split file (level_factor 0.099827) and later files:
    # the seam must not show a -90% step.
    s = loaded_store.read(["yahoo:NVDA"]).set_index("date")["value"]
    seam = s.loc["2024-03-11"] / s.loc["2024-03-08"] - 1
    assert abs(seam) < 0.05  # the real move that day, not a -90% split step
    # COPX before its 1:3 reverse split is multiplied by 3
    c = loaded_store.read(["yahoo:COPX"]).set_index("date")["value"]
    step = c.loc["2015-11-18"] / c.loc[:"2015-11-17"].iloc[-1] - 1
    assert abs(step) < 0.2


def test_no_duplicate_dates_and_sorted(loaded_store: Store) -> None:
    frame = loaded_store.read()
    assert not frame.duplicated(["symbol", "date"]).any()
    assert math.isfinite(frame["value"].sum())


def test_ingest_twice_changes_nothing(tmp_path: Path, data_dir: Path) -> None:
    settings = Settings.from_env({"RISKOFF_HOME": str(tmp_path)})
    symbols = ["fred:SOFR", "yahoo:^GSPC", "fred:WALCL"]
    from riskoff.providers.folder import read_folder

    data = read_folder(data_dir, symbols=symbols)
    with Store(settings.store_path) as st:
        first = st.load(data.frames, {}, kind="ingest", source="t")
        before = st.checksum()
        second = st.load(data.frames, {}, kind="ingest", source="t")
        assert st.checksum() == before
    assert first.total_changed == sum(len(f) for f in data.frames.values())
    assert second.total_changed == 0


def test_until_keeps_nothing_after_the_day(tmp_path: Path, data_dir: Path) -> None:
    settings = Settings.from_env({"RISKOFF_HOME": str(tmp_path)})
    cut = dt.date(2020, 3, 12)
    result = usecases.ingest(data_dir, until=cut, settings=settings)
    assert not result.errors
    with Store(settings.store_path, read_only=True) as st:
        last = max(st.last_dates().values())
        assert last <= cut
        assert _value(st, "yahoo:^GSPC", "2020-03-12") == pytest.approx(2480.64)
        assert len(st.symbols()) >= 100  # series that start later are simply absent


def test_until_on_a_full_store_cuts_it(tmp_path: Path, data_dir: Path) -> None:
    from riskoff.providers.folder import read_folder

    settings = Settings.from_env({"RISKOFF_HOME": str(tmp_path)})
    data = read_folder(data_dir, symbols=["yahoo:^GSPC"])
    with Store(settings.store_path) as st:
        st.load(data.frames, {}, kind="ingest", source="t")
        cut = dt.date(2010, 1, 4)
        cut_data = read_folder(data_dir, symbols=["yahoo:^GSPC"], until=cut)
        before = st.checksum()
        with pytest.raises(InputError, match="would remove"):  # a cut must be forced
            st.load(cut_data.frames, {}, kind="ingest", source="t", replace_after=cut)
        assert st.checksum() == before
        report = st.load(
            cut_data.frames, {}, kind="ingest", source="t", replace_after=cut, force=True
        )
        assert st.last_dates()["yahoo:^GSPC"] == cut
        assert report.removed["yahoo:^GSPC"] > 4000
        assert len(st.revisions("yahoo:^GSPC")) == report.removed["yahoo:^GSPC"]


def test_yahoo_fx_rows_are_filed_under_the_new_york_day_they_hold(
    loaded_store: Store, data_dir: Path
) -> None:
    """Yahoo dates the New York evening rate of D as D+1 (a weekday on) since 2010-08-12.

    After ingest the euro's daily change must line up with the same day's dollar index
    future (a New York close), as it does before the switch, and the value stored under D
    must be the raw row of the next weekday (public by the end of D: point in time).
    """
    from riskoff.providers.folder import read_folder

    wide = loaded_store.read_wide(
        ["yahoo:EURUSD=X", "yahoo:DX-Y.NYB"], dt.date(2011, 1, 1), dt.date(2025, 12, 31)
    ).dropna()
    r = wide.pct_change().dropna()
    same = r["yahoo:EURUSD=X"].corr(r["yahoo:DX-Y.NYB"])
    before = r["yahoo:EURUSD=X"].corr(r["yahoo:DX-Y.NYB"].shift(1))
    assert same < -0.8 < before  # raw rows give about -0.1 and -0.85

    raw = read_folder(data_dir, symbols=["yahoo:EURUSD=X"]).frames["yahoo:EURUSD=X"]
    raw_by_day = raw.set_index("date")["value"]
    # Brexit: the Friday 2016-06-24 New York close sits in Yahoo's Monday row
    assert _value(loaded_store, "yahoo:EURUSD=X", "2016-06-24") == pytest.approx(
        float(raw_by_day["2016-06-27"])
    )
    # before the switch a row holds its own day
    assert _value(loaded_store, "yahoo:EURUSD=X", "2008-10-10") == pytest.approx(
        float(raw_by_day["2008-10-10"])
    )
    # a store cut at D holds D's rate
    cut = read_folder(
        data_dir,
        symbols=["yahoo:EURUSD=X"],
        until=dt.date(2016, 6, 24),
        catalog=Catalog.default(),
    ).frames["yahoo:EURUSD=X"]
    assert cut["date"].iloc[-1].date() == dt.date(2016, 6, 24)
    assert float(cut["value"].iloc[-1]) == pytest.approx(float(raw_by_day["2016-06-27"]))
