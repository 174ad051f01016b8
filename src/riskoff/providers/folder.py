"""Offline provider: a folder of data files described by ``INDEX.csv``.

INDEX.csv has one row per file segment::

    symbol,file,date_column,value_column,date_format,row_order,frequency,units,
    use_from,use_to,adjusted,notes

A symbol is stitched from its segments: read the file, apply ``filter=COL==VAL`` and
``exclude=D1,D2``, drop empty cells, keep ``use_from..use_to``, multiply by
``level_factor=F``, then concatenate in ``use_from`` order. Segments must not overlap.
JSON files are navigated with ``json_path=a.b`` (rows are ``[date, value]`` lists, so the
date and value columns are the positions ``0`` and ``1``); Parquet files are read with
DuckDB (no pyarrow needed); Excel workbooks (``.xls``; ``sheet=NAME``, default the first)
and dates split over ``year|month|day`` columns (``date_format`` ``parts``) are read by
:mod:`riskoff.providers.formats`.

``high=COL;low=COL;open=COL`` name the day's range columns: each becomes a sibling series
``SYMBOL@high`` (``@low``, ``@open``) on the value's scale (see :func:`read_folder`).
``vintage=YYYY-MM-DD`` dates the file's edition (default: the file's modification time).

This module only reads and parses; it never touches the store.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riskoff.catalog import RANGE_FIELDS
from riskoff.errors import BadDateError, DataFileError
from riskoff.providers import formats

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.catalog import SeriesInfo

__all__ = [
    "FolderData",
    "IndexRow",
    "read_folder",
    "read_folders",
    "read_index",
    "read_indexes",
    "with_subfolders",
]

INDEX_COLUMNS = (
    "symbol",
    "file",
    "date_column",
    "value_column",
    "date_format",
    "row_order",
    "frequency",
    "units",
    "use_from",
    "use_to",
    "adjusted",
    "notes",
)
_TOKEN_RE = re.compile(
    r"^(filter|exclude|level_factor|json_path|sheet|high|low|open|close|vintage)=(.*)$"
)


@dataclass(frozen=True)
class IndexRow:
    """One segment of one symbol, as INDEX.csv describes it."""

    line: int
    symbol: str
    file: str
    date_column: str
    value_column: str
    date_format: str
    row_order: str
    frequency: str
    units: str
    use_from: dt.date
    use_to: dt.date
    adjusted: str
    filter: tuple[str, str] | None = None
    exclude: frozenset[dt.date] = frozenset()
    level_factor: float = 1.0
    json_path: tuple[str, ...] = ()
    sheet: str | None = None
    ranges: tuple[tuple[str, str], ...] = ()
    """(field, column) pairs from ``high=``, ``low=``, ``open=``."""
    close: str | None = None
    """The raw close the range columns are quoted against, when not the value column."""
    vintage: dt.date | None = None

    def where(self) -> str:
        """'INDEX.csv line N (symbol, file)' for messages."""
        return f"INDEX.csv line {self.line} ({self.symbol}, {self.file})"


@dataclass
class FolderData:
    """What a folder yielded: a canonical frame per symbol, plus the per-file errors."""

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    meta: dict[str, IndexRow] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    first: dt.date | None = None
    """The earliest observation of any symbol read, before ``until`` cut it."""
    vintages: dict[str, dt.datetime] = field(default_factory=dict)
    """Per symbol, the edition its values come from (naive UTC): the newest of its
    segments' ``vintage=`` days (midnight) or, without one, the file's modification time."""
    folders: dict[str, Path] = field(default_factory=dict)
    """Per symbol, the folder it was read from (resolved)."""


def _parse_iso_day(text: str, where: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise DataFileError(f"{where}: {what} {text!r} is not a YYYY-MM-DD date") from None


def _parse_notes(notes: str, where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for raw in notes.split(";"):
        m = _TOKEN_RE.match(raw.strip())
        if not m:
            continue
        key, val = m.group(1), m.group(2).strip()
        if key == "filter":
            if "==" not in val:
                raise DataFileError(f"{where}: filter token {val!r} is not COL==VAL")
            col, _, want = val.partition("==")
            out["filter"] = (col.strip(), want.strip())
        elif key == "exclude":
            days = [_parse_iso_day(d, where, "exclude date") for d in val.split(",") if d.strip()]
            out["exclude"] = frozenset(days)
        elif key == "level_factor":
            try:
                out["level_factor"] = float(val)
            except ValueError:
                raise DataFileError(f"{where}: level_factor {val!r} is not a number") from None
            # a non-finite factor (inf, nan, 1e999) costs only its symbol: see _segment
        elif key in RANGE_FIELDS:
            if not val:
                raise DataFileError(f"{where}: {key}= names no column")
            out.setdefault("ranges", []).append((key, val))
        elif key in ("sheet", "close"):
            if not val:
                raise DataFileError(f"{where}: {key}= names nothing")
            out[key] = val
        elif key == "vintage":
            out["vintage"] = _parse_iso_day(val, where, "vintage")
        else:
            out["json_path"] = tuple(p for p in val.split(".") if p)
    if "ranges" in out:
        out["ranges"] = tuple(out["ranges"])
    return out


def read_index(folder: Path) -> list[IndexRow]:
    """Read and validate ``folder/INDEX.csv``.

    Raises:
        DataFileError: the index is missing, lacks columns, has a bad row, or two
            segments of one symbol overlap.
    """
    path = folder / "INDEX.csv"
    if not folder.is_dir():
        raise DataFileError(f"{folder}: not a folder")
    if not path.is_file():
        raise DataFileError(f"{folder}: no INDEX.csv in this folder")
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            missing = [c for c in INDEX_COLUMNS if c not in header]
            if missing:
                raise DataFileError(f"{path}: missing column(s) {', '.join(missing)}")
            rows: list[IndexRow] = []
            for raw in reader:
                where = f"INDEX.csv line {reader.line_num}"
                if None in raw or any(raw.get(c) is None for c in header):
                    fields = sum(v is not None for k, v in raw.items() if k is not None)
                    fields += len(raw.get(None) or [])
                    raise DataFileError(
                        f"{where}: has {fields} fields, the header has {len(header)}"
                    )
                if not raw.get("symbol") or not raw.get("file"):
                    raise DataFileError(f"{where}: empty symbol or file")
                if ":" not in raw["symbol"]:
                    raise DataFileError(f"{where}: symbol {raw['symbol']!r} has no provider prefix")
                if "@" in raw["symbol"]:
                    raise DataFileError(
                        f"{where}: symbol {raw['symbol']!r} contains '@' (kept for the "
                        "day's range series, SYMBOL@high)"
                    )
                use_from = _parse_iso_day(raw["use_from"], where, "use_from")
                use_to = _parse_iso_day(raw["use_to"], where, "use_to")
                if use_to < use_from:
                    raise DataFileError(f"{where}: use_to {use_to} is before use_from {use_from}")
                if raw["date_format"].strip() == formats.PARTS and not formats.split_parts(
                    raw["date_column"]
                ):
                    raise DataFileError(
                        f"{where}: date_format parts needs date_column YEAR|MONTH|DAY "
                        f"(three column names), not {raw['date_column']!r}"
                    )
                order = raw["row_order"].strip().lower()
                if order not in ("asc", "desc"):
                    raise DataFileError(f"{where}: row_order {order!r} is not asc or desc")
                rows.append(
                    IndexRow(
                        line=reader.line_num,
                        symbol=raw["symbol"].strip(),
                        file=raw["file"].strip(),
                        date_column=raw["date_column"],
                        value_column=raw["value_column"],
                        date_format=raw["date_format"].strip(),
                        row_order=order,
                        frequency=raw["frequency"].strip() or "business-daily",
                        units=raw["units"].strip() or "number",
                        use_from=use_from,
                        use_to=use_to,
                        adjusted=raw["adjusted"].strip() or "na",
                        **_parse_notes(raw.get("notes") or "", where),
                    )
                )
    except UnicodeDecodeError:
        raise DataFileError(f"{path}: not UTF-8 text") from None
    except csv.Error as exc:
        raise DataFileError(f"{path}: not valid CSV ({exc})") from None
    _check_overlaps(rows)
    return rows


def _check_overlaps(rows: Iterable[IndexRow]) -> None:
    by_symbol: dict[str, list[IndexRow]] = {}
    for r in rows:
        by_symbol.setdefault(r.symbol, []).append(r)
    for segs in by_symbol.values():
        segs.sort(key=lambda r: r.use_from)
        for a, b in itertools.pairwise(segs):
            if b.use_from <= a.use_to:
                raise DataFileError(
                    f"INDEX.csv lines {a.line} and {b.line}: segments of {a.symbol} overlap "
                    f"({a.use_from}..{a.use_to} and {b.use_from}..{b.use_to})"
                )


class _FileCache:
    """Reads each file once, whatever number of segments use it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._tables: dict[str, pd.DataFrame] = {}
        self._json: dict[str, Any] = {}

    def path(self, row: IndexRow) -> Path:
        try:
            p = (self.folder / row.file).resolve()
            if not p.is_relative_to(self.folder.resolve()):
                raise DataFileError(f"{row.where()}: file path leaves the data folder")
            if not p.is_file():
                raise DataFileError(f"{row.file}: file does not exist ({row.where()})")
        except (ValueError, OSError) as exc:  # a NUL byte, a name too long, ...
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise DataFileError(
                f"INDEX.csv line {row.line} ({row.symbol}): file name {row.file!r} "
                f"cannot be used ({reason})"
            ) from None
        return p

    def table(self, row: IndexRow) -> pd.DataFrame:
        """The file as a frame of strings (CSV) or typed columns (Parquet)."""
        import pandas as pd

        key = f"{row.file}\0{row.sheet or ''}"
        if key in self._tables:
            return self._tables[key]
        p = self.path(row)
        suffix = p.suffix.lower()
        if suffix in formats.WORKBOOK_SUFFIXES:
            frame = formats.read_workbook(p, row.file, row.sheet)
        elif suffix == ".parquet":
            import duckdb

            try:
                frame = duckdb.connect().execute("SELECT * FROM read_parquet(?)", [str(p)]).df()
            except duckdb.Error as exc:
                raise DataFileError(f"{row.file}: cannot read Parquet ({exc})") from None
        else:
            if p.stat().st_size == 0:
                raise DataFileError(f"{row.file}: file is empty")
            try:
                frame = pd.read_csv(
                    p,
                    dtype=str,
                    keep_default_na=False,
                    encoding="utf-8-sig",
                    skipinitialspace=False,
                )
            except pd.errors.EmptyDataError:
                raise DataFileError(f"{row.file}: file is empty") from None
            except (pd.errors.ParserError, UnicodeDecodeError) as exc:
                msg = str(exc).strip().splitlines()[0]
                raise DataFileError(f"{row.file}: not valid CSV ({msg})") from None
        self._tables[key] = frame
        return frame

    def json_rows(self, row: IndexRow) -> list[Any]:
        """The ``[date, value]`` list at ``json_path`` inside a JSON file."""
        if row.file not in self._json:
            p = self.path(row)
            try:
                self._json[row.file] = json.loads(p.read_text("utf-8-sig"))
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise DataFileError(f"{row.file}: not valid JSON ({exc})") from None
        node: Any = self._json[row.file]
        for part in row.json_path:
            if not isinstance(node, dict) or part not in node:
                raise DataFileError(
                    f"{row.file}: json_path {'.'.join(row.json_path)} not found ({row.where()})"
                )
            node = node[part]
        if not isinstance(node, list):
            raise DataFileError(f"{row.file}: json_path {'.'.join(row.json_path)} is not a list")
        return node


def _parse_dates(raw: pd.Series, row: IndexRow, lines: Any) -> pd.Series:
    import pandas as pd

    fmt = row.date_format
    if fmt == "native":
        # typed timestamps (Parquet); text that claims to be native must be ISO 8601
        if pd.api.types.is_datetime64_any_dtype(raw):
            out = pd.to_datetime(raw, errors="coerce")
        else:
            out = pd.to_datetime(raw, format="ISO8601", errors="coerce")
    elif fmt in ("iso", formats.PARTS):  # parts: already joined to ISO days
        out = pd.to_datetime(raw, format="%Y-%m-%d", errors="coerce")
    elif "%" in fmt:
        try:
            out = pd.to_datetime(raw, format=fmt, errors="coerce")
        except (ValueError, TypeError) as exc:
            reason = (str(exc).strip().splitlines() or [""])[0]
            raise DataFileError(
                f"{row.where()}: date_format {fmt!r} is not a usable strftime pattern ({reason})"
            ) from None
    else:
        raise DataFileError(
            f"{row.file}: unknown date format {fmt!r} ({row.where()}); "
            "use iso, native, parts or a strftime pattern"
        )
    bad = out.isna() & raw.notna()
    if bad.any():  # only the unparsed cells are stripped (fast on clean files)
        bad[bad] = raw[bad].astype(str).str.strip() != ""
    if bad.any():
        first = int(bad.to_numpy().argmax())
        raise DataFileError(
            f"{row.file} line {lines[first]}: date {raw.iloc[first]!r} does not match "
            f"format {fmt!r}"
        )
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_localize(None)
    return out.dt.normalize()


def _segment(cache: _FileCache, row: IndexRow) -> pd.DataFrame:
    """One segment as a canonical frame (date, value), validated."""
    import numpy as np
    import pandas as pd

    if row.json_path:
        items = cache.json_rows(row)
        try:
            di, vi = int(row.date_column), int(row.value_column)
            dates = pd.Series([it[di] for it in items], dtype=object)
            vals = pd.Series([it[vi] for it in items], dtype=object)
        except (ValueError, IndexError, TypeError, KeyError):
            raise DataFileError(
                f"{row.file}: JSON rows at {'.'.join(row.json_path)} are not "
                f"[date, value] lists ({row.where()})"
            ) from None
        lines = np.arange(len(items)) + 1  # position in the list
        table = pd.DataFrame({"d": dates.astype(str), "v": vals})
    else:
        frame = cache.table(row)
        parts = formats.split_parts(row.date_column) if row.date_format == formats.PARTS else None
        close = _range_close(row, frame)
        extra = [c for _, c in row.ranges] + ([close] if close else [])
        for col in (*(parts or (row.date_column,)), row.value_column, *extra):
            if col not in frame.columns:
                shown = ", ".join(map(str, frame.columns[:8]))
                more = "..." if frame.shape[1] > 8 else ""
                raise DataFileError(f"{row.file}: no column {col!r} (header has {shown}{more})")
        # 1-based line (sheet row) numbers, after the header
        lines = np.arange(len(frame)) + int(frame.attrs.get("first_line", 2))
        days = (
            formats.join_date_parts(frame, parts, row.file, lines)
            if parts
            else frame[row.date_column]
        )
        table = pd.DataFrame({"d": days, "v": frame[row.value_column]})
        for fld, col in row.ranges:
            table[fld] = frame[col]
        if close:
            table["close"] = frame[close]
        if row.filter is not None:
            col, want = row.filter
            if col not in frame.columns:
                raise DataFileError(f"{row.file}: filter column {col!r} not in the file")
            keep = (frame[col].astype(str) == want).to_numpy()
            table, lines = table[keep], lines[keep]
    if table.empty:
        raise DataFileError(f"{row.file}: no rows ({row.where()})")

    dates = _parse_dates(table["d"], row, lines)
    if row.date_format != "native":
        values = _numbers(table["v"], row, row.value_column, lines)
    else:
        values = pd.to_numeric(table["v"], errors="coerce")

    present_dates = dates.dropna()
    if len(present_dates) > 1:
        diffs = np.diff(present_dates.to_numpy().astype("datetime64[D]").astype(np.int64))
        if row.row_order == "asc" and (diffs < 0).any():
            i = int((diffs < 0).argmax()) + 1
            raise DataFileError(
                f"{row.file} line {lines[i]}: rows are not in ascending date order "
                f"as INDEX.csv says"
            )
        if row.row_order == "desc" and (diffs > 0).any():
            i = int((diffs > 0).argmax()) + 1
            raise DataFileError(
                f"{row.file} line {lines[i]}: rows are not in descending date order "
                f"as INDEX.csv says"
            )

    seg = pd.DataFrame({"date": dates.to_numpy(), "value": values.to_numpy(dtype="float64")})
    seg["line"] = lines
    if row.ranges and not row.json_path:
        _attach_ranges(seg, table, row, lines)
    seg = seg.dropna(subset=["date", "value"])
    lo, hi = pd.Timestamp(row.use_from), pd.Timestamp(row.use_to)
    seg = seg[(seg["date"] >= lo) & (seg["date"] <= hi)]
    if row.exclude:
        seg = seg[~seg["date"].isin(pd.to_datetime(sorted(row.exclude)))]
    dup = seg["date"].duplicated(keep="first")
    if dup.any():
        dup_line = int(seg.loc[dup, "line"].iloc[0])
        dup_day = seg.loc[dup, "date"].iloc[0].date().isoformat()
        raise DataFileError(f"{row.file} line {dup_line}: duplicate date {dup_day} ({row.where()})")
    if not math.isfinite(row.level_factor):
        raise DataFileError(
            f"{row.where()}: level_factor {row.level_factor} is not a finite number"
        )
    if row.level_factor != 1.0:
        seg["value"] = seg["value"] * row.level_factor
    infinite = ~np.isfinite(seg["value"].to_numpy())
    if infinite.any():
        at = seg.loc[infinite].iloc[0]
        scaled = f" after level_factor {row.level_factor}" if row.level_factor != 1.0 else ""
        raise DataFileError(
            f"{row.file} line {int(at['line'])}: value in column {row.value_column!r} is "
            f"not a finite number{scaled} ({row.where()})"
        )
    seg = seg.drop(columns="line").sort_values("date", kind="stable")
    return seg.reset_index(drop=True)


def _vintage(cache: _FileCache, row: IndexRow) -> dt.datetime:
    """The edition of a segment's file: its ``vintage=`` day, else its modification time."""
    if row.vintage is not None:
        return dt.datetime.combine(row.vintage, dt.time(0))
    mtime = cache.path(row).stat().st_mtime
    return dt.datetime.fromtimestamp(mtime, dt.UTC).replace(tzinfo=None, microsecond=0)


def _range_close(row: IndexRow, frame: pd.DataFrame) -> str | None:
    """The raw close column the day's range is quoted against, when it is not the value
    column: ``close=COL``, else (an adjusted value, ``adjusted=yes``) a ``Close`` column."""
    if not row.ranges:
        return None
    if row.close:
        return row.close
    if row.adjusted == "yes" and row.value_column != "Close" and "Close" in frame.columns:
        return "Close"
    return None


def _numbers(raw: pd.Series, row: IndexRow, column: str, lines: Any) -> pd.Series:
    """Text cells as floats (empty -> NaN); a non-number is an error naming its line."""
    import pandas as pd

    values = pd.to_numeric(raw, errors="coerce")  # skips surrounding blanks
    missing = values.isna().to_numpy()
    if missing.any():  # only the cells that did not parse are looked at again
        text = raw[missing].astype(str).str.strip()
        bad = ~(text.isin(["", "nan", "None", "NaN", "."]) | raw[missing].isna())
        if bad.any():
            first = int(bad.to_numpy().argmax())
            raise DataFileError(
                f"{row.file} line {lines[missing.nonzero()[0][first]]}: value "
                f"{text.iloc[first]!r} in column {column!r} is not a number"
            )
    return values


def _attach_ranges(seg: pd.DataFrame, table: pd.DataFrame, row: IndexRow, lines: Any) -> None:
    """Add the day's high, low and open to ``seg`` as columns, on the value's scale.

    Where the range is quoted against a raw close other than the value (an adjusted
    close), each is multiplied by value / raw close of its row, so the stored range is
    the adjusted one (the ratio to the same day's close is kept exactly). A missing cell
    is missing for that field only; ``level_factor`` applies as to the value.
    """
    import numpy as np

    value = seg["value"].to_numpy()
    scale = np.ones(len(seg))
    if "close" in table.columns:
        raw_close = _numbers(table["close"], row, row.close or "Close", lines).to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(raw_close > 0, value / raw_close, np.nan)
    for fld, col in row.ranges:
        vals = _numbers(table[fld], row, col, lines).to_numpy(dtype="float64")
        if np.isinf(vals).any():
            i = int(np.isinf(vals).argmax())
            raise DataFileError(
                f"{row.file} line {lines[i]}: value in column {col!r} is not a finite number"
            )
        seg[fld] = vals * scale * row.level_factor


def read_folder(
    folder: str | Path,
    *,
    until: dt.date | None = None,
    symbols: Iterable[str] | None = None,
    on_symbol: Callable[[str], None] | None = None,
    catalog: Mapping[str, SeriesInfo] | None = None,
    check_until: bool = True,
) -> FolderData:
    """Stitch every symbol of a data folder into canonical frames.

    A file that cannot be read costs only the symbols that use it: their error is
    recorded in ``errors`` (naming the file and reason) and the others still load.

    Args:
        folder: a folder holding ``INDEX.csv``.
        until: keep only observations dated on or before this day (after re-dating).
        symbols: only these symbols (default: all in the index).
        on_symbol: called after each symbol (for progress bars).
        catalog: file each row under the day it describes (``SeriesInfo.redate``) for
            the symbols it knows, before ``until`` is applied.
        check_until: raise :class:`BadDateError` when ``until`` is before every
            observation (:func:`read_folders` checks the folders together instead).
    """
    import pandas as pd

    root = Path(folder).expanduser()
    rows = read_index(root)
    wanted = set(symbols) if symbols is not None else None
    by_symbol: dict[str, list[IndexRow]] = {}
    for r in rows:
        if wanted is None or r.symbol in wanted:
            by_symbol.setdefault(r.symbol, []).append(r)
    cache = _FileCache(root)
    resolved = root.resolve()
    out = FolderData()
    for symbol, segs in by_symbol.items():
        segs.sort(key=lambda r: r.use_from)
        try:
            parts = [_segment(cache, r) for r in segs]
            frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
            if catalog is not None and symbol in catalog:
                frame = catalog[symbol].redate(frame)
            if len(frame):
                day = frame["date"].iloc[0].date()
                out.first = day if out.first is None else min(out.first, day)
            if until is not None:
                frame = frame[frame["date"] <= pd.Timestamp(until)].reset_index(drop=True)
            vintage = max(_vintage(cache, r) for r in segs)
            for fld in RANGE_FIELDS:
                if fld in frame.columns:
                    sib = frame[["date", fld]].rename(columns={fld: "value"})
                    sib = sib.dropna(subset=["value"]).reset_index(drop=True)
                    if len(sib):
                        out.frames[f"{symbol}@{fld}"] = sib
                        out.meta[f"{symbol}@{fld}"] = segs[-1]
                        out.vintages[f"{symbol}@{fld}"] = vintage
            out.frames[symbol] = frame[["date", "value"]]
            out.meta[symbol] = segs[-1]
            out.vintages[symbol] = vintage
            for name in (symbol, *(f"{symbol}@{f}" for f in RANGE_FIELDS)):
                if name in out.frames:
                    out.folders[name] = resolved
        except DataFileError as exc:
            out.errors.append(f"{symbol}: {exc}")
        if on_symbol is not None:
            on_symbol(symbol)
    if check_until:
        _check_until(until, out.first, str(root))
    return out


def _check_until(until: dt.date | None, first: dt.date | None, where: str) -> None:
    if until is not None and first is not None and until < first:
        raise BadDateError(
            f"--until {until} is before the first observation in {where} ({first}): "
            "nothing would be loaded"
        )


def with_subfolders(folder: str | Path) -> list[Path]:
    """``folder`` followed by its immediate subfolders that hold their own INDEX.csv
    (``../shared/data`` -> it, ``banks/``, ``news/``), sorted by name."""
    root = Path(folder).expanduser()
    subs = sorted(p for p in root.iterdir() if (p / "INDEX.csv").is_file()) if root.is_dir() else []
    return [root, *subs]


def read_indexes(folders: Sequence[str | Path]) -> dict[Path, list[IndexRow]]:
    """Read and check the INDEX.csv of every folder: each valid, no folder named twice,
    and no symbol listed by two folders.

    Raises:
        DataFileError: the first problem found, naming the folder and line.
    """
    out: dict[Path, list[IndexRow]] = {}
    owner: dict[str, Path] = {}
    seen: set[Path] = set()
    for folder in folders:
        root = Path(folder).expanduser()
        rows = read_index(root)
        if root.resolve() in seen:
            raise DataFileError(f"{root}: the same folder is named twice")
        seen.add(root.resolve())
        for r in rows:
            if r.symbol in owner and owner[r.symbol] != root:
                raise DataFileError(
                    f"{r.symbol} is in both {owner[r.symbol]}/INDEX.csv and "
                    f"{root}/INDEX.csv ({r.where()}); a symbol must come from one folder"
                )
            owner[r.symbol] = root
        out[root] = rows
    return out


def read_folders(
    folders: Sequence[str | Path],
    *,
    until: dt.date | None = None,
    on_symbol: Callable[[str], None] | None = None,
    catalog: Mapping[str, SeriesInfo] | None = None,
) -> FolderData:
    """Read several data folders as one (see :func:`read_folder`).

    Every ``INDEX.csv`` is checked before any file is read, and a symbol may come from
    one folder only: the caller loads the result in one transaction, so a bad index in
    any folder leaves the store untouched.

    Raises:
        DataFileError: a folder has no valid INDEX.csv, a folder is named twice, or two
            folders list the same symbol.
    """
    indexes = read_indexes(folders)
    out = FolderData()
    for root in indexes:
        part = read_folder(
            root, until=until, on_symbol=on_symbol, catalog=catalog, check_until=False
        )
        if part.first is not None:
            out.first = part.first if out.first is None else min(out.first, part.first)
        out.frames.update(part.frames)
        out.meta.update(part.meta)
        out.errors.extend(part.errors)
        out.vintages.update(part.vintages)
        out.folders.update(part.folders)
    _check_until(until, out.first, ", ".join(str(r) for r in indexes))
    return out
