"""Reading a book of accounts (``docs/portfolio.md``, "A book of accounts").

A book is either

* a **folder** of portfolio files (``*.csv``, each the format of ``docs/portfolio.md``);
  the account is the file's name without ``.csv``; or
* one **long table** (``.csv`` or ``.parquet``) with an ``account`` column beside the
  usual portfolio columns: ``account,symbol,weight``, one row per holding or reserved row
  of each account (``a17,leverage,2``).

A bad row never stops the book: the account it belongs to is reported with its line
(:class:`BookError`) and every other account still runs. A Parquet table has no lines:
its row ``n`` (from 1) is reported as line ``n + 1``, where it would be in a CSV with a
header.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from riskoff.errors import PortfolioError
from riskoff.portfolio.book import BookAccount
from riskoff.portfolio.io import parse_portfolio, parse_rows

if TYPE_CHECKING:
    from riskoff.catalog import Catalog

__all__ = ["BookError", "BookInput", "read_book"]


@dataclass(frozen=True)
class BookError:
    """An account of the book that cannot be replayed, and why (one line)."""

    account: str
    line: int | None
    message: str


@dataclass(frozen=True)
class BookInput:
    """A book as read: the accounts that parsed, and the errors of the others."""

    source: str
    accounts: tuple[BookAccount, ...]
    errors: tuple[BookError, ...]


def _line_of(message: str) -> int | None:
    marker = " line "
    if marker not in message:
        return None
    tail = message.split(marker, 1)[1]
    digits = tail.split(":", 1)[0]
    return int(digits) if digits.isdigit() else None


def read_book(path: str | Path, catalog: Catalog, *, known: Collection[str] = ()) -> BookInput:
    """Read a book from a folder of portfolio files or a long table (see the module doc).

    Raises:
        PortfolioError: the book itself cannot be read (missing, empty, no ``account``
            column); a bad account is a :class:`BookError` instead.
    """
    p = Path(path).expanduser()
    if p.is_dir():
        return _read_folder(p, catalog, known)
    if not p.exists():
        raise PortfolioError(f"{p}: no such file or folder")
    if p.suffix.lower() == ".parquet":
        header, body = _parquet_rows(p)
    else:
        try:
            text = p.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise PortfolioError(f"{p}: not a UTF-8 text file") from None
        except OSError as exc:
            raise PortfolioError(f"{p}: cannot be read ({exc.strerror})") from None
        header, body = _csv_rows(text, p.name)
    return _split_accounts(p.name, header, body, catalog, known)


def _read_folder(p: Path, catalog: Catalog, known: Collection[str]) -> BookInput:
    files = sorted(f for f in p.iterdir() if f.suffix.lower() == ".csv" and f.is_file())
    if not files:
        raise PortfolioError(f"{p}: a book folder holds portfolio files (*.csv); none found")
    accounts: list[BookAccount] = []
    errors: list[BookError] = []
    for f in files:
        try:
            text = f.read_bytes().decode("utf-8-sig")
            accounts.append(
                BookAccount(f.stem, parse_portfolio(text, catalog, known=known, source=f.name))
            )
        except PortfolioError as exc:
            errors.append(BookError(f.stem, _line_of(str(exc)), str(exc)))
        except (UnicodeDecodeError, OSError):
            errors.append(BookError(f.stem, None, f"{f.name}: not a readable UTF-8 text file"))
    return BookInput(p.name, tuple(accounts), tuple(errors))


def _csv_rows(text: str, where: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    lines = [
        (i, line)
        for i, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not lines:
        raise PortfolioError(f"{where} is empty: expected a header such as account,symbol,weight")
    parsed = list(csv.reader(io.StringIO("\n".join(line for _, line in lines))))
    header = [c.strip().lower() for c in parsed[0]]
    body = [(lines[k][0], [c.strip() for c in row]) for k, row in enumerate(parsed[1:], start=1)]
    return header, body


def _parquet_rows(p: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    import duckdb

    try:
        con = duckdb.connect()
        rel = con.sql(f"SELECT * FROM read_parquet('{_sql_path(p)}')")
        header = [c.strip().lower() for c in rel.columns]
        rows = rel.fetchall()
        con.close()
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise PortfolioError(f"{p.name}: not a readable Parquet table ({first})") from None
    body = [
        (n + 2, ["" if v is None else str(v).strip() for v in row]) for n, row in enumerate(rows)
    ]
    return header, body


def _sql_path(p: Path) -> str:
    return str(p).replace("'", "''")


def _split_accounts(
    name: str,
    header: list[str],
    body: list[tuple[int, list[str]]],
    catalog: Catalog,
    known: Collection[str],
) -> BookInput:
    if "account" not in header:
        raise PortfolioError(
            f"{name}: a book table needs an 'account' column (e.g. account,symbol,weight); "
            f"the header is {','.join(header)!r}"
        )
    k = header.index("account")
    rest = header[:k] + header[k + 1 :]
    rows: dict[str, list[tuple[int, list[str]]]] = {}
    errors: list[BookError] = []
    for line, cells in body:
        acc = cells[k] if k < len(cells) else ""
        if not acc:
            errors.append(BookError("", line, f"{name} line {line}: the account is empty"))
            continue
        rows.setdefault(acc, []).append((line, cells[:k] + cells[k + 1 :]))
    accounts: list[BookAccount] = []
    for acc, acc_rows in rows.items():
        try:
            pf = parse_rows(rest, acc_rows, catalog, known=known, source=f"{name} account {acc}")
        except PortfolioError as exc:
            errors.append(BookError(acc, _line_of(str(exc)), str(exc)))
            continue
        accounts.append(BookAccount(acc, pf))
    if not accounts and not errors:
        raise PortfolioError(f"{name}: no account rows")
    return BookInput(name, tuple(accounts), tuple(errors))
