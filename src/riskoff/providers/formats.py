"""Readers for the data-file formats beyond plain CSV, JSON and Parquet.

- **Excel workbooks** (``.xls``, Excel 97, and ``.xlsx``/``.ods``), read with
  python-calamine: one sheet (``sheet=NAME`` in the INDEX notes, default the first) becomes
  a frame of strings, exactly as a CSV would, so the folder reader's checks (dates,
  numbers, order, duplicates) apply unchanged.
- **Dates split over integer columns**: ``date_column`` = ``year|month|day`` (the three
  column names, in that order) with ``date_format`` = ``parts``. Each part must be an
  integer and the three must make a calendar day; the joined ISO day then goes through
  the usual date parsing.

Errors are :class:`~riskoff.errors.DataFileError` with one line naming the file and the
line (for a workbook: the sheet's row number, the header being row 1).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from riskoff.errors import DataFileError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["PARTS", "WORKBOOK_SUFFIXES", "join_date_parts", "read_workbook", "split_parts"]

PARTS = "parts"
"""The ``date_format`` of a date split over year, month and day columns."""

WORKBOOK_SUFFIXES = frozenset({".xls", ".xlsx", ".xlsm", ".xlsb", ".ods"})
"""File suffixes read as spreadsheet workbooks."""

_PART_NAMES = ("year", "month", "day")


def _cell_text(cell: object) -> str:
    """A workbook cell as the text a CSV would hold (integral numbers without ``.0``)."""
    if cell is None or cell == "":
        return ""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, float):
        if cell.is_integer() and abs(cell) < 1e15:
            return str(int(cell))
        return repr(cell)
    if isinstance(cell, dt.datetime):
        if cell.time() == dt.time(0):
            return cell.date().isoformat()
        return cell.isoformat()
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return str(cell)


def read_workbook(path: Path, name: str, sheet: str | None = None) -> pd.DataFrame:
    """One sheet of a workbook as a frame of strings.

    The first non-empty row is the header; ``frame.attrs["first_line"]`` is the sheet
    row number of the first data row (for messages).

    Args:
        path: the workbook file.
        name: the file as the INDEX names it (for messages).
        sheet: the sheet's name; default the first sheet.

    Raises:
        DataFileError: not a workbook, no such sheet, an empty sheet or an empty header.
    """
    import pandas as pd
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except CalamineError as exc:
        first = (str(exc).strip().splitlines() or ["unreadable"])[0]
        raise DataFileError(f"{name}: not a readable Excel workbook ({first})") from None
    names = list(book.sheet_names)
    if not names:
        raise DataFileError(f"{name}: the workbook has no sheet")
    if sheet is None:
        sheet = names[0]
    elif sheet not in names:
        shown = ", ".join(repr(n) for n in names[:8])
        raise DataFileError(f"{name}: no sheet {sheet!r} (the workbook has {shown})")
    try:
        cells = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except CalamineError as exc:
        first = (str(exc).strip().splitlines() or ["unreadable"])[0]
        raise DataFileError(f"{name}: cannot read sheet {sheet!r} ({first})") from None
    rows = [[_cell_text(c) for c in r] for r in cells]
    head = next((i for i, r in enumerate(rows) if any(r)), None)
    if head is None:
        raise DataFileError(f"{name}: sheet {sheet!r} is empty")
    header = rows[head]
    while header and not header[-1]:
        header = header[:-1]
    if not all(header):
        raise DataFileError(f"{name}: sheet {sheet!r} has an empty column name in its header")
    width = len(header)
    body = [(r + [""] * width)[:width] for r in rows[head + 1 :]]
    frame = pd.DataFrame(body, columns=header, dtype=str)
    frame.attrs["first_line"] = head + 2
    return frame


def split_parts(date_column: str) -> tuple[str, str, str] | None:
    """The (year, month, day) column names of a ``parts`` date column, or None if
    ``date_column`` is not three names joined by ``|``."""
    parts = [p.strip() for p in date_column.split("|")]
    if len(parts) != 3 or not all(parts):
        return None
    return parts[0], parts[1], parts[2]


def join_date_parts(
    frame: pd.DataFrame, columns: tuple[str, str, str], name: str, lines: np.ndarray
) -> pd.Series:
    """ISO day text from year, month and day columns (``""`` where all three are empty).

    Raises:
        DataFileError: a part that is not an integer, a row with only some parts, or
            parts that make no calendar day (e.g. February 30), naming file and line.
    """
    import numpy as np
    import pandas as pd

    texts = [frame[c].astype(str).str.strip() for c in columns]
    empty = [t == "" for t in texts]
    none = empty[0] & empty[1] & empty[2]
    numbers: list[np.ndarray] = []
    for part, text, blank in zip(_PART_NAMES, texts, empty, strict=True):
        ok = text.str.fullmatch(r"[+-]?\d{1,9}")
        bad = ~ok & ~none
        if bad.any():
            i = int(bad.to_numpy().argmax())
            what = "empty" if bool(blank.iloc[i]) else f"{text.iloc[i]!r}, not an integer"
            raise DataFileError(f"{name} line {lines[i]}: {part} is {what}")
        numbers.append(pd.to_numeric(text.where(~none, "0")).to_numpy(dtype=np.int64))
    year, month, day = numbers
    days = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day}), errors="coerce")
    impossible = days.isna().to_numpy() & ~none.to_numpy()
    if impossible.any():
        i = int(impossible.argmax())
        raise DataFileError(
            f"{name} line {lines[i]}: year {year[i]}, month {month[i]}, day {day[i]} "
            f"is not a calendar day ({'|'.join(columns)})"
        )
    out = days.dt.strftime("%Y-%m-%d").where(~none.to_numpy(), "")
    return pd.Series(out.to_numpy(), index=frame.index, dtype=object)
