"""Reading a portfolio file (``docs/portfolio.md``).

A portfolio is a small CSV: a header with ``symbol`` plus ``weight`` and/or ``quantity``,
one row per holding, and a few reserved rows::

    symbol,weight
    yahoo:SPY,0.6
    yahoo:TLT,0.4
    leverage,1.5
    maintenance_margin,0.25

* ``cash``: the cash holding (a weight, or an amount of currency with quantities).
* ``leverage``: gross exposure / equity (default 1). Every holding's position is
  ``leverage × weight`` of equity, financed by borrowing.
* ``maintenance_margin``: the equity / gross exposure below which the broker calls for
  margin (default 0.25, the FINRA Rule 4210 minimum for long stock).
* ``loan_spread``: what a negative cash balance (the loan) pays over the policy rate, a
  decimal a year (default 0.01 = 1% a year, an assumption to set to one's broker's).
* ``cash_haircut``: what a positive cash balance earns below the policy rate, a decimal a
  year (default 0).
* ``interest``: 1 (default) charges and pays interest on the cash balance, 0 turns it off
  (the numbers of riskoff 0.1).
* ``equity``: a weights portfolio's size in currency (optional): the replay then reports
  currency amounts beside the fractions, as with quantities.

Weights are fractions of equity and, with ``cash``, must sum to 1 (within 0.001): a file
that does not add up is rejected rather than silently normalised. A file uses weights or
quantities, not both. Every problem is a :class:`~riskoff.errors.PortfolioError` whose
message names the file, the line and what was wrong.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from riskoff.errors import PortfolioError, UnknownSymbolError
from riskoff.portfolio.interest import (
    DEFAULT_CASH_HAIRCUT,
    DEFAULT_LOAN_SPREAD,
    MAX_SPREAD,
    InterestTerms,
)

if TYPE_CHECKING:
    from riskoff.catalog import Catalog, SeriesInfo

__all__ = [
    "DEFAULT_MAINTENANCE_MARGIN",
    "INVESTABLE_CLASSES",
    "WEIGHT_TOLERANCE",
    "Basis",
    "Holding",
    "Portfolio",
    "parse_portfolio",
    "parse_rows",
    "read_portfolio",
]

Basis = Literal["weight", "quantity"]

DEFAULT_MAINTENANCE_MARGIN = 0.25
"""FINRA Rule 4210's minimum maintenance requirement for long equity positions."""

WEIGHT_TOLERANCE = 1e-3
"""How far weights plus cash may be from 1 before the file is rejected."""

INVESTABLE_CLASSES = frozenset(
    {"equity", "rates", "credit", "precious_metal", "commodity", "fx", "crypto", "other"}
)
"""Asset classes that can be held. Yields, spreads, stress indices and macro data cannot."""

_PRICE_UNITS = ("price_usd", "index", "points_of_par")
_CASH = "cash"
_SETTINGS = (
    "leverage",
    "maintenance_margin",
    "loan_spread",
    "cash_haircut",
    "interest",
    "equity",
)
_NUMBER_COLUMNS = ("weight", "quantity")
_IGNORED_COLUMNS = ("note", "notes", "comment", "name", "description")


@dataclass(frozen=True)
class Holding:
    """One line of the portfolio.

    Attributes:
        symbol: the catalogue symbol (``yahoo:SPY``).
        given: what the file said (``spy``).
        asset_class: the catalogue's asset class (chooses the proxy).
        amount: the weight (fraction of equity) or the quantity (units held).
        line: the line number in the file.
    """

    symbol: str
    given: str
    asset_class: str
    amount: float
    line: int


@dataclass(frozen=True)
class Portfolio:
    """A parsed portfolio: holdings, cash and the margin settings.

    Attributes:
        holdings: the risky holdings in file order.
        basis: ``weight`` (fractions of equity) or ``quantity`` (units held).
        cash: the cash weight (weights) or amount of currency (quantities).
        leverage: gross exposure / equity, ≥ 0.
        maintenance_margin: equity / gross exposure below which margin is called.
        source: where the portfolio came from (a path or ``<text>``).
        loan_spread: decimal a year a negative cash balance pays over the policy rate.
        cash_haircut: decimal a year a positive cash balance earns below the policy rate.
        interest: whether the cash balance accrues interest at all.
        size: a weights portfolio's equity in currency (its ``equity`` row), or ``None``.
    """

    holdings: tuple[Holding, ...]
    basis: Basis
    cash: float = 0.0
    leverage: float = 1.0
    maintenance_margin: float = DEFAULT_MAINTENANCE_MARGIN
    source: str = "<text>"
    notes: tuple[str, ...] = field(default=())
    loan_spread: float = DEFAULT_LOAN_SPREAD
    cash_haircut: float = DEFAULT_CASH_HAIRCUT
    interest: bool = True
    size: float | None = None

    @property
    def symbols(self) -> list[str]:
        """The holdings' symbols, in file order."""
        return [h.symbol for h in self.holdings]

    def weights(self, prices: Mapping[str, float] | None = None) -> tuple[dict[str, float], float]:
        """Fractions of equity per holding and for cash (before leverage); they sum to 1.

        With quantities, ``prices`` (the latest price of every holding) values them.
        """
        if self.basis == "weight":
            return {h.symbol: h.amount for h in self.holdings}, self.cash
        if prices is None:
            raise PortfolioError(f"{self.source}: quantities need prices to be valued")
        values = {h.symbol: h.amount * prices[h.symbol] for h in self.holdings}
        equity = self.equity(prices)
        if equity is None or equity <= 0:
            raise PortfolioError(f"{self.source}: the portfolio is worth nothing at latest prices")
        return {s: v / equity for s, v in values.items()}, self.cash / equity

    def equity(self, prices: Mapping[str, float] | None = None) -> float | None:
        """The equity in currency (quantities only; ``None`` for weights)."""
        if self.basis == "weight":
            return self.size
        if prices is None:
            return None
        return self.cash + sum(h.amount * prices[h.symbol] for h in self.holdings)

    def interest_terms(self, *, disabled_by: str | None = None) -> InterestTerms:
        """How this portfolio's cash balance accrues (``disabled_by`` turns it off)."""
        if disabled_by is None and not self.interest:
            disabled_by = "the file's interest,0 row"
        return InterestTerms(
            loan_spread=self.loan_spread, cash_haircut=self.cash_haircut, disabled_by=disabled_by
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON view of the file as read (valuation is added by the stress report)."""
        return {
            "source": self.source,
            "basis": self.basis,
            "cash": self.cash,
            "leverage": self.leverage,
            "maintenance_margin": self.maintenance_margin,
            "loan_spread": self.loan_spread,
            "cash_haircut": self.cash_haircut,
            "interest": self.interest,
            "holdings": [
                {
                    "symbol": h.symbol,
                    "given": h.given,
                    "asset_class": h.asset_class,
                    self.basis: h.amount,
                }
                for h in self.holdings
            ],
        }


def _number(text: str, where: str, what: str) -> float:
    try:
        value = float(text.replace("_", ""))
    except ValueError:
        raise PortfolioError(f"{where}: {what} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise PortfolioError(f"{where}: {what} {text!r} is not a finite number")
    return value


def _resolve(given: str, catalog: Catalog, known: Collection[str], where: str) -> tuple[str, str]:
    """(symbol, asset class) of a holding, or a PortfolioError."""
    info: SeriesInfo | None = None
    for key in (given, given.lower(), f"yahoo:{given.upper()}"):
        try:
            info = catalog.resolve(key)
            break
        except UnknownSymbolError:
            continue
    if info is None:
        if given in known:
            return given, "other"
        raise PortfolioError(f"{where}: unknown symbol {given!r} (see 'riskoff series')")
    if info.asset_class not in INVESTABLE_CLASSES:
        raise PortfolioError(
            f"{where}: {info.symbol} is a {info.asset_class.replace('_', ' ')} series, "
            "not something one can hold"
        )
    if not (info.units in _PRICE_UNITS or info.units.startswith("usd_per_")):
        raise PortfolioError(
            f"{where}: {info.symbol} is quoted in {info.units}, not a USD price; hold a "
            "price series instead (e.g. an ETF such as yahoo:IEF for Treasuries)"
        )
    if not info.is_daily:
        raise PortfolioError(
            f"{where}: {info.symbol} is a {info.frequency} series; a replay needs daily prices"
        )
    return info.symbol, info.asset_class


def _rows(text: str, where: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    lines = [
        (i, line)
        for i, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not lines:
        raise PortfolioError(
            f"{where} is empty: expected a header such as 'symbol,weight' and one row per holding"
        )
    reader = csv.reader(io.StringIO("\n".join(line for _, line in lines)))
    parsed = list(reader)
    header = [c.strip().lower() for c in parsed[0]]
    body = [(lines[k][0], [c.strip() for c in row]) for k, row in enumerate(parsed[1:], start=1)]
    return header, body


def parse_portfolio(
    text: str,
    catalog: Catalog,
    *,
    known: Collection[str] = (),
    source: str = "<text>",
) -> Portfolio:
    """Parse portfolio CSV text.

    Args:
        text: the file's content.
        catalog: resolves symbols and logical names (``spy`` → ``yahoo:SPY``).
        known: symbols in the store but not in the catalogue (accepted, without a proxy).
        source: the file name used in messages.

    Raises:
        PortfolioError: one line naming the file, line and problem.
    """
    header, body = _rows(text, source)
    return parse_rows(header, body, catalog, known=known, source=source)


def parse_rows(
    header: Sequence[str],
    body: Sequence[tuple[int, list[str]]],
    catalog: Catalog,
    *,
    known: Collection[str] = (),
    source: str = "<text>",
) -> Portfolio:
    """Parse a portfolio's rows already split into cells (see :func:`parse_portfolio`).

    Args:
        header: the column names, lower case.
        body: (line number in the file, cells) of each row.
        catalog, known: as in :func:`parse_portfolio`.
        source: what messages name before ``line N`` (a file, or a book's account).
    """
    where = source
    header = list(header)
    if "symbol" not in header:
        raise PortfolioError(f"{where}: missing column 'symbol' (header is {','.join(header)!r})")
    for col in header:
        if col not in ("symbol", *_NUMBER_COLUMNS, *_IGNORED_COLUMNS):
            raise PortfolioError(
                f"{where}: unknown column {col!r} (expected symbol, weight, quantity)"
            )
    numbers = [c for c in _NUMBER_COLUMNS if c in header]
    if not numbers:
        raise PortfolioError(f"{where}: missing column 'weight' or 'quantity'")
    if len(set(header)) != len(header):
        raise PortfolioError(f"{where}: a column appears twice in the header")
    pos = {c: header.index(c) for c in ("symbol", *numbers)}

    holdings: list[Holding] = []
    settings: dict[str, float] = {}
    cash: tuple[str, float] | None = None
    basis: Basis | None = None
    seen: dict[str, int] = {}
    for line, row in body:
        at = f"{where} line {line}"
        if len(row) > len(header):
            raise PortfolioError(f"{at}: {len(row)} cells but the header has {len(header)}")
        row = row + [""] * (len(header) - len(row))
        given = row[pos["symbol"]]
        if not given:
            raise PortfolioError(f"{at}: the symbol is empty")
        filled = [(c, row[pos[c]]) for c in numbers if row[pos[c]]]
        if len(filled) != 1:
            raise PortfolioError(
                f"{at}: give exactly one of {' or '.join(numbers)} for {given!r}"
                + (" (not both)" if filled else "")
            )
        col, raw = filled[0]
        value = _number(raw, at, col)
        key = given.lower()
        if key in _SETTINGS:
            if key in settings:
                raise PortfolioError(f"{at}: {key} is given twice")
            settings[key] = value
            continue
        if value < 0:
            raise PortfolioError(
                f"{at}: {col} {raw} for {given!r} is negative (short positions and "
                "borrowed cash are not supported; use the leverage row)"
            )
        if key == _CASH:
            if cash is not None:
                raise PortfolioError(f"{at}: cash is given twice")
            cash = (col, value)
            continue
        if basis is not None and col != basis:
            raise PortfolioError(
                f"{at}: {given!r} has a {col} but earlier holdings have a {basis}; "
                "use weights or quantities for every holding"
            )
        basis = col  # type: ignore[assignment]
        symbol, asset_class = _resolve(given, catalog, known, at)
        if symbol in seen:
            raise PortfolioError(
                f"{at}: {symbol} already appears on line {seen[symbol]}; give each holding once"
            )
        seen[symbol] = line
        holdings.append(Holding(symbol, given, asset_class, value, line))

    if not holdings:
        raise PortfolioError(f"{where}: no holdings (only cash or settings rows)")
    assert basis is not None
    cash_value = 0.0
    if cash is not None:
        if cash[0] != basis:
            raise PortfolioError(
                f"{where}: cash is given as a {cash[0]} but the holdings as {basis}s"
            )
        cash_value = cash[1]
    if basis == "weight":
        total = sum(h.amount for h in holdings) + cash_value
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            hint = " (weights are fractions: write 0.6, not 60)" if total > 1.5 else ""
            raise PortfolioError(
                f"{where}: weights plus cash sum to {total:.4g}, not 1{hint}; "
                "add a cash row for the rest or fix the weights"
            )
    elif sum(h.amount for h in holdings) <= 0:
        raise PortfolioError(f"{where}: every quantity is zero")

    leverage = settings.get("leverage", 1.0)
    margin = settings.get("maintenance_margin", DEFAULT_MAINTENANCE_MARGIN)
    if leverage <= 0:
        raise PortfolioError(f"{where}: leverage {leverage:g} must be above 0")
    if not 0 < margin < 1:
        raise PortfolioError(
            f"{where}: maintenance_margin {margin:g} must be a fraction between 0 and 1"
        )
    for key in ("loan_spread", "cash_haircut"):
        rate = settings.get(key, 0.0)
        if not 0 <= rate <= MAX_SPREAD:
            hint = (
                f" (write {rate / 100:g} for {rate:g}% a year)" if MAX_SPREAD < rate <= 100 else ""
            )
            raise PortfolioError(
                f"{where}: {key} {rate:g} must be a decimal rate a year between 0 and "
                f"{MAX_SPREAD:g}{hint}"
            )
    interest = settings.get("interest", 1.0)
    if interest not in (0.0, 1.0):
        raise PortfolioError(
            f"{where}: interest {interest:g} must be 1 (charge and pay interest on the cash "
            "balance, the default) or 0 (turn it off)"
        )
    size = settings.get("equity")
    if size is not None and (basis != "weight" or size <= 0):
        raise PortfolioError(
            f"{where}: an equity row gives the size of a weights portfolio in currency "
            "(a positive amount); with quantities the size follows from the prices"
            if basis != "weight"
            else f"{where}: equity {size:g} must be a positive amount of currency"
        )
    if basis == "weight":
        gross = leverage * (1.0 - cash_value)
        if gross > 0 and 1.0 / gross < margin:
            raise PortfolioError(
                f"{where}: leverage {leverage:g} gives gross exposure {gross:g} × equity, "
                f"already below maintenance_margin {margin:g} at the start "
                f"(at most {1 / margin:g} × equity)"
            )
    return Portfolio(
        holdings=tuple(holdings),
        basis=basis,
        cash=cash_value,
        leverage=leverage,
        maintenance_margin=margin,
        source=source,
        loan_spread=settings.get("loan_spread", DEFAULT_LOAN_SPREAD),
        cash_haircut=settings.get("cash_haircut", DEFAULT_CASH_HAIRCUT),
        interest=interest == 1.0,
        size=size,
    )


def read_portfolio(path: str | Path, catalog: Catalog, *, known: Collection[str] = ()) -> Portfolio:
    """Read and parse a portfolio file (see :func:`parse_portfolio`)."""
    p = Path(path).expanduser()
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise PortfolioError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise PortfolioError(f"{p}: is a folder, not a portfolio CSV file") from None
    except OSError as exc:
        raise PortfolioError(f"{p}: cannot be read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PortfolioError(f"{p}: not a UTF-8 text file") from None
    return parse_portfolio(text, catalog, known=known, source=p.name)
