"""Offline provider: a folder of data files described by ``INDEX.csv``.

INDEX.csv has one row per file segment::

    symbol,file,date_column,value_column,date_format,row_order,frequency,units,
    use_from,use_to,adjusted,notes

A symbol is stitched from its segments: read the file, apply ``filter=COL==VAL`` and
``exclude=D1,D2``, drop empty cells, keep ``use_from..use_to``, multiply by
``level_factor=F``, then concatenate in ``use_from`` order. Segments must not overlap.
JSON files are navigated with ``json_path=a.b`` (rows are ``[date, value]`` lists, so the
date and value columns are the positions ``0`` and ``1``); Parquet files are read with
DuckDB (no pyarrow needed).

This module only reads and parses; it never touches the store.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riskoff.errors import BadDateError, DataFileError

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.catalog import SeriesInfo

__all__ = ["FolderData", "IndexRow", "read_folder", "read_index"]

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
_TOKEN_RE = re.compile(r"^(filter|exclude|level_factor|json_path)=(.*)$")


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
        else:
            out["json_path"] = tuple(p for p in val.split(".") if p)
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
                use_from = _parse_iso_day(raw["use_from"], where, "use_from")
                use_to = _parse_iso_day(raw["use_to"], where, "use_to")
                if use_to < use_from:
                    raise DataFileError(f"{where}: use_to {use_to} is before use_from {use_from}")
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

        if row.file in self._tables:
            return self._tables[row.file]
        p = self.path(row)
        suffix = p.suffix.lower()
        if suffix == ".parquet":
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
        self._tables[row.file] = frame
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
    elif fmt == "iso":
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
            "use iso, native or a strftime pattern"
        )
    bad = out.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
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
        for col in (row.date_column, row.value_column):
            if col not in frame.columns:
                shown = ", ".join(map(str, frame.columns[:8]))
                more = "..." if frame.shape[1] > 8 else ""
                raise DataFileError(f"{row.file}: no column {col!r} (header has {shown}{more})")
        lines = np.arange(len(frame)) + 2  # 1-based, after the header
        table = pd.DataFrame({"d": frame[row.date_column], "v": frame[row.value_column]})
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
        raw_vals = table["v"].astype(str).str.strip()
        empty = raw_vals.isin(["", "nan", "None", "NaN", "."]) | table["v"].isna()
        values = pd.to_numeric(raw_vals.where(~empty), errors="coerce")
        bad = values.isna() & ~empty
        if bad.any():
            first = int(bad.to_numpy().argmax())
            raise DataFileError(
                f"{row.file} line {lines[first]}: value {raw_vals.iloc[first]!r} in column "
                f"{row.value_column!r} is not a number"
            )
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


def read_folder(
    folder: str | Path,
    *,
    until: dt.date | None = None,
    symbols: Iterable[str] | None = None,
    on_symbol: Callable[[str], None] | None = None,
    catalog: Mapping[str, SeriesInfo] | None = None,
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
            out.frames[symbol] = frame
            out.meta[symbol] = segs[-1]
        except DataFileError as exc:
            out.errors.append(f"{symbol}: {exc}")
        if on_symbol is not None:
            on_symbol(symbol)
    if until is not None and out.first is not None and until < out.first:
        raise BadDateError(
            f"--until {until} is before the first observation in {root} ({out.first}): "
            "nothing would be loaded"
        )
    return out
