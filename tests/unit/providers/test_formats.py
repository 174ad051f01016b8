"""Folder formats beyond CSV: Excel workbooks, dates split over columns, the day's range,
vintages and several folders read as one."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd
import pytest

from riskoff.catalog import Catalog, range_parent
from riskoff.errors import DataFileError
from riskoff.providers.folder import read_folder, read_folders, read_index
from riskoff.providers.formats import read_workbook
from tests.helpers import write_folder

XLS = (Path(__file__).resolve().parents[2] / "fixtures" / "small.xls").read_bytes()


def _row(symbol: str, file: str, date: str, value: str, fmt: str, notes: str = "") -> str:
    return f"{symbol},{file},{date},{value},{fmt},asc,daily,index,1985-01-01,2030-12-31,na,{notes}"


def _values(frame: pd.DataFrame) -> dict[str, float]:
    pairs = zip(frame["date"], frame["value"], strict=True)
    return {d.date().isoformat(): float(v) for d, v in pairs}


# -- Excel workbooks ---------------------------------------------------------------------
def test_workbook_first_sheet_is_read_as_text_with_sheet_row_numbers(tmp_path: Path) -> None:
    p = tmp_path / "small.xls"
    p.write_bytes(XLS)
    frame = read_workbook(p, "small.xls")
    assert list(frame.columns) == ["DAY", "N10D", "GPRD", "GPRD_ACT", "GPRD_THREAT"]
    assert frame.attrs["first_line"] == 2
    assert frame["DAY"].tolist()[:3] == ["20200101", "20200102", "20200103"]  # numeric cell
    assert frame["GPRD"].iloc[0] == "100.5"
    assert read_workbook(p, "small.xls", "broken").columns.tolist() == ["DAY", "V", "W", "DAY2"]


def test_workbook_series_load_like_csv(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "f",
        [
            _row("gpr:GPRD", "small.xls", "DAY", "GPRD", "%Y%m%d"),
            _row("gpr:ACT", "small.xls", "DAY", "GPRD_ACT", "%Y%m%d", "sheet=daily"),
        ],
        {"small.xls": XLS},
    )
    data = read_folder(folder)
    assert data.errors == []
    assert _values(data.frames["gpr:GPRD"]) == {
        "2020-01-01": 100.5,
        "2020-01-02": 101.5,
        "2020-01-03": 150.0,
        "2020-01-06": 99.0,
        "2020-01-08": 98.0,  # the empty 01-07 row is missing, not an error
    }
    assert data.frames["gpr:ACT"]["value"].iloc[2] == 190.0


@pytest.mark.parametrize(
    ("notes", "date", "value", "message"),
    [
        ("sheet=monthly", "DAY", "GPRD", "small.xls: no sheet 'monthly' (the workbook has 'daily'"),
        ("sheet=broken", "DAY", "V", "small.xls line 3: value 'abc' in column 'V' is not a number"),
        ("sheet=broken", "DAY2", "W", "small.xls line 4: date '2020013x' does not match"),
        ("sheet=daily", "DAY", "NOPE", "small.xls: no column 'NOPE'"),
    ],
)
def test_bad_workbook_input_costs_its_symbol_with_one_line(
    tmp_path: Path, notes: str, date: str, value: str, message: str
) -> None:
    folder = write_folder(
        tmp_path / "f",
        [_row("gpr:BAD", "small.xls", date, value, "%Y%m%d", notes)],
        {"small.xls": XLS},
    )
    data = read_folder(folder)
    assert data.frames == {}
    assert len(data.errors) == 1
    assert message in data.errors[0], data.errors
    assert "\n" not in data.errors[0]


def test_a_file_that_is_not_a_workbook(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "f",
        [_row("gpr:BAD", "fake.xls", "DAY", "GPRD", "%Y%m%d")],
        {"fake.xls": b"DAY,GPRD\n20200101,1\n"},
    )
    (error,) = read_folder(folder).errors
    assert "fake.xls: not a readable Excel workbook" in error


# -- dates split over integer columns ------------------------------------------------------
PARTS_CSV = "day,month,year,daily_tpu_index\n1,1,1985,0\n2,1,1985,438.87\n,,,\n3,1,1985,12.5\n"


def test_parts_dates_join_year_month_day_in_the_order_named(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "f",
        [_row("policyuncertainty:TPU", "tpu.csv", "year|month|day", "daily_tpu_index", "parts")],
        {"tpu.csv": PARTS_CSV},
    )
    data = read_folder(folder)
    assert _values(data.frames["policyuncertainty:TPU"]) == {
        "1985-01-01": 0.0,
        "1985-01-02": 438.87,
        "1985-01-03": 12.5,
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "day,month,year,v\n1,1,1985,1\n2,x,1985,2\n",
            "tpu.csv line 3: month is 'x', not an integer",
        ),
        (
            "day,month,year,v\n1,1,1985,1\n2.5,1,1985,2\n",
            "tpu.csv line 3: day is '2.5', not an integer",
        ),
        ("day,month,year,v\n1,1,1985,1\n,1,1985,2\n", "tpu.csv line 3: day is empty"),
        (
            "day,month,year,v\n28,2,2021,1\n30,2,2021,2\n",
            "tpu.csv line 3: year 2021, month 2, day 30 is not a calendar day (year|month|day)",
        ),
        ("day,month,year,v\n1,13,2021,1\n", "tpu.csv line 2: year 2021, month 13, day 1"),
        ("day,month,v\n1,1,1\n", "tpu.csv: no column 'year'"),
    ],
)
def test_bad_parts_name_file_and_line(tmp_path: Path, body: str, message: str) -> None:
    folder = write_folder(
        tmp_path / "f",
        [_row("policyuncertainty:TPU", "tpu.csv", "year|month|day", "v", "parts")],
        {"tpu.csv": body},
    )
    (error,) = read_folder(folder).errors
    assert message in error


def test_parts_needs_three_columns_in_the_index(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "f", [_row("policyuncertainty:TPU", "tpu.csv", "year|month", "v", "parts")], {}
    )
    with pytest.raises(DataFileError, match=r"INDEX\.csv line 2: date_format parts needs"):
        read_index(folder)


# -- the day's range ------------------------------------------------------------------------
OHLC = (
    "Date,Open,High,Low,Close,AdjClose\n"
    "2020-01-02,10,12,9,11,5.5\n"
    "2020-01-03,11,11.5,,10,5\n"
    "2020-01-06,,,,,\n"
)


def test_range_columns_become_sibling_series_on_the_values_scale(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "f",
        [
            _row("t:RAW", "ohlc.csv", "Date", "Close", "iso", "high=High;low=Low;open=Open"),
            # an adjusted close: the raw range is rescaled by AdjClose / Close of its row
            "t:ADJ,ohlc.csv,Date,AdjClose,iso,asc,daily,price_usd,2020-01-01,2020-12-31,yes,"
            "high=High;low=Low;open=Open;level_factor=2",
        ],
        {"ohlc.csv": OHLC},
    )
    data = read_folder(folder)
    assert data.errors == []
    assert _values(data.frames["t:RAW"]) == {"2020-01-02": 11.0, "2020-01-03": 10.0}
    assert _values(data.frames["t:RAW@high"]) == {"2020-01-02": 12.0, "2020-01-03": 11.5}
    assert _values(data.frames["t:RAW@low"]) == {"2020-01-02": 9.0}  # its own gap only
    assert _values(data.frames["t:RAW@open"]) == {"2020-01-02": 10.0, "2020-01-03": 11.0}
    assert list(data.frames["t:RAW"].columns) == ["date", "value"]
    # AdjClose 5.5 / Close 11 = 0.5, then level_factor 2: the range is the raw one
    assert _values(data.frames["t:ADJ"]) == {"2020-01-02": 11.0, "2020-01-03": 10.0}
    assert _values(data.frames["t:ADJ@high"]) == {"2020-01-02": 12.0, "2020-01-03": 11.5}
    assert _values(data.frames["t:ADJ@low"]) == {"2020-01-02": 9.0}


def test_range_follows_its_parents_redating(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "f",
        [_row("alternativeme:FNG", "ohlc.csv", "Date", "Close", "iso", "low=Low")],
        {"ohlc.csv": OHLC},
    )
    data = read_folder(folder, catalog=Catalog.default())  # FNG: row D holds D-1
    assert _values(data.frames["alternativeme:FNG"]) == {"2020-01-01": 11.0, "2020-01-02": 10.0}
    assert _values(data.frames["alternativeme:FNG@low"]) == {"2020-01-01": 9.0}


def test_a_bad_range_cell_names_its_line(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "f",
        [_row("t:X", "x.csv", "Date", "Close", "iso", "high=High")],
        {"x.csv": "Date,High,Close\n2020-01-02,1,1\n2020-01-03,n/a,1\n"},
    )
    (error,) = read_folder(folder).errors
    assert "x.csv line 3: value 'n/a' in column 'High' is not a number" in error


def test_an_index_symbol_may_not_use_the_range_marker(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "f", [_row("t:X@low", "x.csv", "Date", "Close", "iso")], {})
    with pytest.raises(DataFileError, match="contains '@'"):
        read_index(folder)


def test_the_catalogue_knows_a_range_through_its_parent() -> None:
    cat = Catalog.default()
    low = cat["yahoo:BTC-USD@low"]
    parent = cat["yahoo:BTC-USD"]
    assert (low.asset_class, low.units, low.lag, low.role) == (
        parent.asset_class,
        parent.units,
        parent.lag,
        "range",
    )
    assert cat.resolve("btc@low").symbol == "yahoo:BTC-USD@low"
    assert "yahoo:BTC-USD@close" not in cat
    assert "nope:X@low" not in cat
    assert "yahoo:BTC-USD@low" not in list(cat)
    assert range_parent("yahoo:BTC-USD@open") == ("yahoo:BTC-USD", "open")
    assert range_parent("yahoo:BTC-USD") is None


# -- vintages -------------------------------------------------------------------------------
def test_vintage_is_the_index_token_else_the_file_time(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "f",
        [
            _row("t:A", "a.csv", "date", "value", "iso", "vintage=2026-03-17"),
            _row("t:B", "b.csv", "date", "value", "iso"),
        ],
        {"a.csv": "date,value\n2020-01-01,1\n", "b.csv": "date,value\n2020-01-01,1\n"},
    )
    stamp = dt.datetime(2025, 6, 1, 12, 30, tzinfo=dt.UTC).timestamp()
    os.utime(folder / "b.csv", (stamp, stamp))
    data = read_folder(folder)
    assert data.vintages == {
        "t:A": dt.datetime(2026, 3, 17),
        "t:B": dt.datetime(2025, 6, 1, 12, 30),
    }


def test_a_bad_vintage_is_an_index_error(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "f", [_row("t:A", "a.csv", "date", "value", "iso", "vintage=May 2026")], {}
    )
    with pytest.raises(DataFileError, match=r"INDEX\.csv line 2: vintage 'May 2026'"):
        read_index(folder)


# -- several folders ------------------------------------------------------------------------
def test_folders_read_as_one_and_a_symbol_comes_from_one_folder(tmp_path: Path) -> None:
    a = write_folder(
        tmp_path / "a",
        [_row("t:A", "a.csv", "date", "value", "iso")],
        {"a.csv": "date,value\n2020-01-01,1\n"},
    )
    b = write_folder(
        tmp_path / "b",
        [_row("t:B", "b.csv", "date", "value", "iso")],
        {"b.csv": "date,value\n2020-01-01,2\n"},
    )
    data = read_folders([a, b])
    assert sorted(data.frames) == ["t:A", "t:B"]
    assert data.folders == {"t:A": a.resolve(), "t:B": b.resolve()}
    twin = write_folder(
        tmp_path / "c",
        [_row("t:A", "a.csv", "date", "value", "iso")],
        {"a.csv": "date,value\n2020-01-01,1\n"},
    )
    with pytest.raises(DataFileError, match="t:A is in both"):
        read_folders([a, twin])
    with pytest.raises(DataFileError, match="named twice"):
        read_folders([a, a])
