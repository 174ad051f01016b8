"""The series catalogue."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskoff.catalog import Catalog, SeriesInfo, parse_lag, series_name
from riskoff.errors import DataFileError, UnknownSymbolError


def test_default_catalogue_is_complete_and_consistent() -> None:
    cat = Catalog.default()
    assert len(cat) >= 150
    names = [info.name for info in cat.values()]
    assert len(names) == len(set(names))
    for info in cat.values():
        parse_lag(info.lag)
        assert info.description
    assert cat["fred:WRESBAL"].lag == "1D"  # week ending Wednesday, published Thursday
    assert cat["fred:STLFSI4"].lag == "6D"  # week ending Friday, published next Thursday
    assert cat["fred:NFCI"].lag == "5D"  # published Wednesday
    assert cat["fred:ICSA"].lag == "5D"  # week ending Saturday, published Thursday
    assert cat.resolve("sp500").symbol == "yahoo:^GSPC"


def test_every_catalogue_symbol_has_one_plain_name() -> None:
    """People read names, not symbols: every series has a plain name, distinct from the
    others, from its description's first clause or its own ``label``."""
    cat = Catalog.default()
    plain = {s: info.plain_name for s, info in cat.items()}
    assert len(set(plain.values())) == len(plain)
    for s, name in plain.items():
        assert name, s
        assert ":" not in name.split(" ")[0], s
    assert plain["yahoo:HG=F"] == "COMEX copper futures"  # the description's first clause
    assert plain["fred:DFEDTARU"] == "Federal funds target range, upper limit"  # its label
    assert cat["yahoo:SPY@low"].plain_name == "SPDR S&P 500 ETF: the day's low"
    assert series_name("yahoo:HG=F") == "COMEX copper futures"
    assert series_name("sigma.gold") is None
    assert series_name("nowhere:X") is None


def test_a_user_series_can_carry_a_label(tmp_path: Path) -> None:
    (tmp_path / "catalog.toml").write_text(
        '[[series]]\nsymbol = "fred:MYSERIES"\nname = "mine"\nasset_class = "other"\n'
        'role = "reference"\nunits = "index"\nfrequency = "daily"\n'
        'description = "My own index (built at home)"\nlabel = "My index"\n'
    )
    cat = Catalog.default(tmp_path)
    assert cat["fred:MYSERIES"].plain_name == "My index"
    (tmp_path / "catalog.toml").write_text(
        (tmp_path / "catalog.toml").read_text().replace('label = "My index"\n', "")
    )
    assert Catalog.default(tmp_path)["fred:MYSERIES"].plain_name == "My own index"


@pytest.mark.parametrize(
    ("lag", "parsed"), [("0D", (0, "D")), ("1b", (1, "B")), ("12D", (12, "D"))]
)
def test_parse_lag(lag: str, parsed: tuple[int, str]) -> None:
    assert parse_lag(lag) == parsed


@pytest.mark.parametrize("lag", ["", "D", "1W", "-1D", "one"])
def test_bad_lag(lag: str) -> None:
    with pytest.raises(DataFileError):
        parse_lag(lag)


def test_unknown_symbol() -> None:
    with pytest.raises(UnknownSymbolError, match="unknown symbol 'nope:X'"):
        Catalog.default().resolve("nope:X")


def test_user_catalogue_extends_and_overrides(tmp_path: Path) -> None:
    (tmp_path / "catalog.toml").write_text(
        '[[series]]\nsymbol = "mine:X"\nname = "my_x"\nasset_class = "equity"\n'
        'role = "risk_asset"\nunits = "index"\nfrequency = "daily"\n\n'
        '[[series]]\nsymbol = "fred:SOFR"\nname = "sofr"\nasset_class = "funding"\n'
        'role = "funding_gauge"\nunits = "percent"\nfrequency = "business-daily"\nlag = "0D"\n'
    )
    cat = Catalog.default(tmp_path)
    assert cat.resolve("my_x").symbol == "mine:X"
    assert cat["fred:SOFR"].lag == "0D"


def test_bad_user_catalogue(tmp_path: Path) -> None:
    (tmp_path / "catalog.toml").write_text('[[series]]\nsymbol = "x:Y"\n')
    with pytest.raises(DataFileError, match="lacks name"):
        Catalog.default(tmp_path)


def _info(row_holds: str, since: str = "") -> SeriesInfo:
    return SeriesInfo(
        symbol="x:FX",
        name="fx",
        asset_class="fx",
        role="reference",
        units="rate",
        frequency="business-daily",
        row_holds=row_holds,
        row_holds_from=since,
    )


def _frame(days: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"date": pd.to_datetime(days), "value": np.arange(1.0, len(days) + 1.0)})


def test_redate_previous_weekday_moves_monday_to_friday() -> None:
    # Thu, Fri, Mon, Tue: each row holds the weekday before
    out = _info("previous_weekday").redate(
        _frame(["2024-08-01", "2024-08-02", "2024-08-05", "2024-08-06"])
    )
    assert [d.date().isoformat() for d in out["date"]] == [
        "2024-07-31",
        "2024-08-01",
        "2024-08-02",
        "2024-08-05",
    ]
    assert out["value"].tolist() == [1.0, 2.0, 3.0, 4.0]


def test_redate_from_a_day_keeps_earlier_rows_and_the_later_row_wins() -> None:
    # the provider switched on Thursday: Wednesday's row holds Wednesday, Thursday's too
    frame = _frame(["2010-08-10", "2010-08-11", "2010-08-12", "2010-08-13"])
    out = _info("previous_weekday", "2010-08-12").redate(frame)
    assert [d.date().isoformat() for d in out["date"]] == [
        "2010-08-10",
        "2010-08-11",
        "2010-08-12",
    ]
    assert out["value"].tolist() == [1.0, 3.0, 4.0]


def test_redate_weekend_rows_and_calendar_days() -> None:
    # a Sunday row and the Monday row both hold Friday's close: Monday's wins
    out = _info("previous_weekday").redate(_frame(["2025-08-22", "2025-08-24", "2025-08-25"]))
    assert [d.date().isoformat() for d in out["date"]] == ["2025-08-21", "2025-08-22"]
    assert out["value"].tolist() == [1.0, 3.0]
    # a 00:00 UTC snapshot holds the calendar day before, weekends included
    snap = _info("previous_day").redate(_frame(["2021-05-16", "2021-05-17"]))
    assert [d.date().isoformat() for d in snap["date"]] == ["2021-05-15", "2021-05-16"]


def test_redate_own_day_is_the_identity() -> None:
    frame = _frame(["2024-08-05", "2024-08-06"])
    assert _info("own_day").redate(frame) is frame


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('row_holds = "next_day"\n', "row_holds 'next_day' is not one of"),
        ('row_holds = "previous_weekday"\nrow_holds_from = "2010-13-01"\n', "not a YYYY-MM-DD"),
    ],
)
def test_bad_row_holds(tmp_path: Path, extra: str, message: str) -> None:
    (tmp_path / "catalog.toml").write_text(
        '[[series]]\nsymbol = "mine:X"\nname = "my_x"\nasset_class = "fx"\n'
        'role = "reference"\nunits = "rate"\nfrequency = "daily"\n' + extra
    )
    with pytest.raises(DataFileError, match=message):
        Catalog.default(tmp_path)
