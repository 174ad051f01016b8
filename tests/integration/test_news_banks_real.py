"""The news/ and banks/ folders and the day's range, loaded with the main data folder."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from riskoff.catalog import Catalog
from riskoff.panel import load_panel
from riskoff.store import Store

pytestmark = pytest.mark.integration

NEW = (
    "gpr:GPRD",
    "gpr:GPRD_ACT",
    "gpr:GPRD_THREAT",
    "gpr:N10D",
    "policyuncertainty:TPU_DAILY",
    "policyuncertainty:EPU_DAILY",
    "alternativeme:FNG",
    "yahoo:KRE",
    "yahoo:KBE",
)


def _on(store: Store, symbol: str, day: str) -> float:
    d = dt.date.fromisoformat(day)
    frame = store.read([symbol], d, d)
    assert len(frame) == 1, f"{symbol} has no value on {day}"
    return float(frame["value"].iloc[0])


def test_every_new_symbol_is_stored_and_catalogued(loaded_store: Store) -> None:
    stored = set(loaded_store.symbols())
    cat = Catalog.default()
    for symbol in NEW:
        assert symbol in stored
        assert symbol in list(cat), f"{symbol} is not in the catalogue"
    meta = loaded_store.series_meta()
    assert meta["gpr:GPRD"]["asset_class"] == "news"
    assert meta["alternativeme:FNG"]["asset_class"] == "sentiment"  # not crypto: no new rows


def test_newspaper_indices_from_the_workbook_and_the_split_dates(loaded_store: Store) -> None:
    # data README: an event often peaks the day after (newspaper date)
    assert _on(loaded_store, "gpr:GPRD", "2022-02-24") == pytest.approx(370, abs=1)
    assert _on(loaded_store, "gpr:GPRD", "2022-02-25") == pytest.approx(516, abs=1)
    assert _on(loaded_store, "policyuncertainty:TPU_DAILY", "1985-01-02") == 438.87
    assert _on(loaded_store, "policyuncertainty:EPU_DAILY", "1985-01-01") == 103.83
    first = loaded_store.read(["gpr:GPRD_ACT"])["date"].iloc[0]
    assert first.date() == dt.date(1985, 1, 1)


def test_fear_and_greed_is_filed_under_the_day_it_describes(loaded_store: Store) -> None:
    # the row dated 2025-10-11 (27) describes 2025-10-10, the day of the crash
    assert _on(loaded_store, "alternativeme:FNG", "2025-10-10") == 27
    assert _on(loaded_store, "alternativeme:FNG", "2025-10-09") == 64


def test_bitcoin_close_and_next_days_low(loaded_store: Store) -> None:
    """Data README: BTC 2020-03-12 close -37%, its 2020-03-13 low -48% against 03-11."""
    prev = _on(loaded_store, "yahoo:BTC-USD", "2020-03-11")
    close = _on(loaded_store, "yahoo:BTC-USD", "2020-03-12")
    low = _on(loaded_store, "yahoo:BTC-USD@low", "2020-03-13")
    assert round(100 * (close / prev - 1)) == -37
    assert round(100 * (low / prev - 1)) == -48


def test_regional_bank_range_is_on_the_adjusted_scale(loaded_store: Store) -> None:
    wide = loaded_store.read_wide(["yahoo:KRE", "yahoo:KRE@high", "yahoo:KRE@low"]).dropna()
    assert len(wide) > 4000
    value, high, low = (wide[c].to_numpy() for c in wide.columns)
    # raw High 48.09 / Close 47.87 on 2006-06-22, scaled to AdjClose 29.60
    first = wide.iloc[0]
    assert first["yahoo:KRE@high"] == pytest.approx(48.09 * 29.5997 / 47.87, rel=1e-4)
    assert (low <= value * (1 + 1e-9)).mean() > 0.999
    assert (high >= value * (1 - 1e-9)).mean() > 0.999
    assert np.all(low <= high)


def test_range_series_stay_out_of_the_panel_and_the_series_list(loaded_store: Store) -> None:
    assert "yahoo:BTC-USD@low" in loaded_store.symbols()
    assert not any("@" in s for s in loaded_store.coverage()["symbol"])
    panel = load_panel(loaded_store, Catalog.default(), dt.date(2020, 3, 13))
    assert not any("@" in s for s in panel.symbols)
    assert "gpr:GPRD" in panel.symbols
