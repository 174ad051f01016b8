"""The series catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest

from riskoff.catalog import Catalog, parse_lag
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
