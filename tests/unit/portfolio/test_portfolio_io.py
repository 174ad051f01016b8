"""Reading portfolio files: the layout of docs/portfolio.md and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from riskoff.catalog import Catalog
from riskoff.errors import PortfolioError
from riskoff.portfolio.io import parse_portfolio, read_portfolio

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.default()


def test_weights_settings_and_names(catalog: Catalog) -> None:
    text = (
        "# a comment\n"
        "symbol,weight,note\n"
        "spy,0.5,logical name\n"
        "QQQ,0.2,bare ticker\n"
        "yahoo:GLD,0.2,\n"
        "cash,0.1,\n"
        "leverage,1.5,\n"
        "maintenance_margin,0.3,\n"
    )
    pf = parse_portfolio(text, catalog)
    assert pf.basis == "weight"
    assert pf.symbols == ["yahoo:SPY", "yahoo:QQQ", "yahoo:GLD"]
    assert [h.asset_class for h in pf.holdings] == ["equity", "equity", "precious_metal"]
    assert pf.cash == pytest.approx(0.1)
    assert pf.leverage == 1.5
    assert pf.maintenance_margin == 0.3
    weights, cash = pf.weights()
    assert sum(weights.values()) + cash == pytest.approx(1.0)


def test_quantities_are_valued_at_given_prices(catalog: Catalog) -> None:
    pf = parse_portfolio("symbol,quantity\nspy,10\nbtc,0.5\ncash,1000\n", catalog)
    assert pf.basis == "quantity"
    prices = {"yahoo:SPY": 500.0, "yahoo:BTC-USD": 60_000.0}
    weights, cash = pf.weights(prices)
    assert pf.equity(prices) == pytest.approx(5000 + 30_000 + 1000)
    assert weights["yahoo:BTC-USD"] == pytest.approx(30_000 / 36_000)
    assert cash == pytest.approx(1000 / 36_000)


def test_the_example_file_parses(catalog: Catalog) -> None:
    pf = read_portfolio(REPO / "examples" / "portfolio.csv", catalog)
    assert pf.holdings


def test_store_only_symbols_are_accepted_without_a_class(catalog: Catalog) -> None:
    pf = parse_portfolio("symbol,weight\nmine:FUND,1\n", catalog, known={"mine:FUND"})
    assert pf.holdings[0].asset_class == "other"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        pytest.param("", "is empty", id="empty"),
        pytest.param("# only a comment\n\n", "is empty", id="only-comments"),
        pytest.param("ticker,weight\nspy,1\n", "missing column 'symbol'", id="no-symbol"),
        pytest.param("symbol\nspy\n", "missing column 'weight' or 'quantity'", id="no-amount"),
        pytest.param("symbol,wieght\nspy,1\n", "unknown column 'wieght'", id="typo-column"),
        pytest.param("symbol,weight\nspy,abc\n", "line 2: weight 'abc' is not a number", id="nan"),
        pytest.param("symbol,weight\nspy,inf\n", "not a finite number", id="inf"),
        pytest.param("symbol,quantity\nspy,-5\n", "line 2: quantity -5 .* is negative", id="neg"),
        pytest.param("symbol,weight\nnope:XYZ,1\n", "unknown symbol 'nope:XYZ'", id="unknown"),
        pytest.param("symbol,weight\nfred:DGS10,1\n", "quoted in percent", id="a-yield"),
        pytest.param("symbol,weight\nvix,1\n", "volatility series", id="vix"),
        pytest.param("symbol,weight\nspy,0.5\nqqq,0.4\n", "sum to 0.9, not 1", id="sum<1"),
        pytest.param("symbol,weight\nspy,60\nqqq,40\n", "write 0.6, not 60", id="percent"),
        pytest.param("symbol,weight,quantity\nspy,0.5,3\n", "not both", id="both"),
        pytest.param("symbol,weight,quantity\nspy,1,\nqqq,,2\n", "weights or quantities", id="mix"),
        pytest.param("symbol,weight\nspy,0.5\nyahoo:SPY,0.5\n", "already appears", id="dup"),
        pytest.param("symbol,weight\ncash,1\n", "no holdings", id="cash-only"),
        pytest.param("symbol,weight\nspy,1\nleverage,0\n", "leverage 0 must be above 0", id="lev0"),
        pytest.param("symbol,weight\nspy,1\nleverage,5\n", "below maintenance_margin", id="lev5"),
        pytest.param(
            "symbol,weight\nspy,1\nmaintenance_margin,1.5\n", "between 0 and 1", id="margin"
        ),
        pytest.param("symbol,weight\nspy,1,2\n", "3 cells but the header has 2", id="cells"),
        pytest.param("symbol,weight\n,1\n", "symbol is empty", id="no-symbol-cell"),
    ],
)
def test_malformed_portfolios(catalog: Catalog, text: str, match: str) -> None:
    with pytest.raises(PortfolioError, match=match) as info:
        parse_portfolio(text, catalog, source="p.csv")
    assert "\n" not in str(info.value)
    assert str(info.value).startswith("p.csv")


def test_file_errors(catalog: Catalog, tmp_path: Path) -> None:
    with pytest.raises(PortfolioError, match="no such file"):
        read_portfolio(tmp_path / "missing.csv", catalog)
    with pytest.raises(PortfolioError, match="is a folder"):
        read_portfolio(tmp_path, catalog)
    bad = tmp_path / "bin.csv"
    bad.write_bytes(b"symbol,weight\n\xff\xfe,1\n")
    with pytest.raises(PortfolioError, match="not a UTF-8"):
        read_portfolio(bad, catalog)


def test_interest_rows_and_their_defaults(catalog: Catalog) -> None:
    pf = parse_portfolio(
        "symbol,weight\nspy,1\nleverage,2\nloan_spread,0.015\ncash_haircut,0.0025\n", catalog
    )
    assert (pf.loan_spread, pf.cash_haircut, pf.interest) == (0.015, 0.0025, True)
    terms = pf.interest_terms()
    assert terms.on
    assert (terms.loan_spread, terms.cash_haircut) == (0.015, 0.0025)
    assert pf.to_dict()["loan_spread"] == 0.015

    plain = parse_portfolio("symbol,quantity\nspy,10\ncash,500\n", catalog)
    assert (plain.loan_spread, plain.cash_haircut, plain.interest) == (0.01, 0.0, True)

    off = parse_portfolio("symbol,weight\nspy,1\nInterest,0\n", catalog)
    assert not off.interest
    assert not off.interest_terms().on
    assert off.interest_terms().disabled_by == "the file's interest,0 row"
    assert off.interest_terms(disabled_by="--no-interest").disabled_by == "--no-interest"
    assert not plain.interest_terms(disabled_by="--no-interest").on


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        pytest.param(
            "loan_spread,1\n",
            r"p.csv: loan_spread 1 must be a decimal rate a year between 0 and 0.2 "
            r"\(write 0.01 for 1% a year\)$",
            id="percent-not-decimal",
        ),
        pytest.param(
            "cash_haircut,0.5\n", r"cash_haircut 0.5 .* \(write 0.005 for 0.5% a year\)$", id="half"
        ),
        pytest.param(
            "loan_spread,-0.01\n", r"loan_spread -0.01 must be .* between 0 and 0.2$", id="negative"
        ),
        pytest.param("loan_spread,500\n", r"between 0 and 0.2$", id="absurd"),
        pytest.param(
            "loan_spread,0.01\nloan_spread,0.02\n", "loan_spread is given twice", id="twice"
        ),
        pytest.param("interest,2\n", r"interest 2 must be 1 \(.*\) or 0 \(turn it off\)", id="two"),
    ],
)
def test_bad_interest_rows(catalog: Catalog, rows: str, match: str) -> None:
    with pytest.raises(PortfolioError, match=match) as info:
        parse_portfolio(f"symbol,weight\nspy,1\n{rows}", catalog, source="p.csv")
    assert "\n" not in str(info.value)
    assert str(info.value).startswith("p.csv")
