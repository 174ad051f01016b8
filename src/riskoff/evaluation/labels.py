"""Labelled days and windows: the CSV format, and the newspaper-coded set with its
category-to-suspect mapping (``riskoff/data/labels/newspapers.toml``).

A labels CSV has a ``date`` column (``YYYY-MM-DD`` for a day, ``START:END`` for a window),
``suspects`` (the accepted suspect ids, separated by ``|``; ``none`` marks a calm day that
should not be flagged) and an optional ``why``. Every fault is one
:class:`~riskoff.errors.DataFileError` line naming the file, the line and the reason.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from riskoff.errors import DataFileError

__all__ = [
    "CALM",
    "LabelRow",
    "NewspaperDay",
    "NewspaperMap",
    "load_newspaper_map",
    "parse_labels",
    "parse_newspapers",
    "read_text",
]

CALM = "none"
"""The label of a calm day: riskoff should not flag it as a sell-off."""


@dataclass(frozen=True)
class LabelRow:
    """One labelled day (``start == end``) or window, with the accepted suspects."""

    start: dt.date
    end: dt.date
    suspects: tuple[str, ...]
    why: str = ""

    @property
    def is_window(self) -> bool:
        """True for a window of more than one day."""
        return self.start != self.end

    @property
    def is_calm(self) -> bool:
        """True for a calm day (label ``none``)."""
        return self.suspects == (CALM,)

    @property
    def key(self) -> str:
        """``YYYY-MM-DD`` or ``START:END``."""
        s, e = self.start.isoformat(), self.end.isoformat()
        return f"{s}:{e}" if self.is_window else s


def read_text(path: Path) -> str:
    """A labels file as text; a missing, unreadable or non-UTF-8 file is one line."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataFileError(f"{path}: no such labels file") from None
    except IsADirectoryError:
        raise DataFileError(f"{path}: is a folder, not a labels CSV") from None
    except UnicodeDecodeError:
        raise DataFileError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise DataFileError(f"{path}: cannot be read ({exc.strerror})") from None


def _date(text: str, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise DataFileError(f"{where}: bad date {text.strip()!r} (write YYYY-MM-DD)") from None


def parse_labels(text: str, where: str, known: Collection[str]) -> list[LabelRow]:
    """The rows of a labels CSV; ``known`` are the suspect ids that may be named."""
    reader = csv.DictReader(io.StringIO(text))
    cols = [c.strip() for c in reader.fieldnames or []]
    if not cols:
        raise DataFileError(f"{where}: empty file (need a header: date,suspects[,why])")
    missing = [c for c in ("date", "suspects") if c not in cols]
    if missing:
        raise DataFileError(f"{where}: no {' or '.join(missing)} column (header: {','.join(cols)})")
    out: list[LabelRow] = []
    for rec in reader:
        line = f"{where}:{reader.line_num}"
        rec = {str(k).strip(): v for k, v in rec.items() if k is not None}
        raw = (rec.get("date") or "").strip()
        if not raw:
            raise DataFileError(f"{line}: empty date")
        if ":" in raw:
            a, _, b = raw.partition(":")
            start, end = _date(a, line), _date(b, line)
            if end < start:
                raise DataFileError(f"{line}: window {raw} is reversed")
        else:
            start = end = _date(raw, line)
        ids = tuple(s.strip() for s in (rec.get("suspects") or "").split("|") if s.strip())
        if not ids:
            raise DataFileError(f"{line}: no suspect named")
        unknown = [s for s in ids if s not in known and s != CALM]
        if unknown:
            raise DataFileError(
                f"{line}: unknown suspect {unknown[0]!r} (known: {', '.join(sorted(known))}, "
                f"or {CALM} for a calm day)"
            )
        if CALM in ids and len(ids) > 1:
            raise DataFileError(f"{line}: {CALM} (a calm day) cannot be mixed with suspects")
        out.append(LabelRow(start, end, ids, (rec.get("why") or "").strip()))
    if not out:
        raise DataFileError(f"{where}: no labelled rows")
    return out


@dataclass(frozen=True)
class NewspaperMap:
    """How newspapers' categories map to riskoff's suspects (data, not code)."""

    file: str
    min_share: float
    suspects: Mapping[str, tuple[str, ...]]
    macro: str
    macro_misblame: tuple[str, ...]
    apart: tuple[str, ...]
    macro_suspects: tuple[str, ...] = ("growth_scare",)
    """The suspects that name economic news right (the calibration's Macro cases)."""


def load_newspaper_map() -> NewspaperMap:
    """The packaged mapping ``riskoff/data/labels/newspapers.toml``."""
    import tomllib

    text = (resources.files("riskoff.data") / "labels" / "newspapers.toml").read_text("utf-8")
    raw: dict[str, Any] = tomllib.loads(text)
    return NewspaperMap(
        file=str(raw["file"]),
        min_share=float(raw["min_share"]),
        suspects={str(k): tuple(v) for k, v in raw["suspects"].items()},
        macro=str(raw["macro"]["category"]),
        macro_misblame=tuple(raw["macro"]["misblamed_on"]),
        apart=tuple(raw["apart"]["categories"]),
        macro_suspects=tuple(raw["macro"].get("suspects", ("growth_scare",))),
    )


@dataclass(frozen=True)
class NewspaperDay:
    """One newspaper-coded down day: its primary category and that category's share."""

    date: dt.date
    category: str
    share: float
    ret: float
    title: str


def parse_newspapers(text: str, where: str) -> list[NewspaperDay]:
    """The rows of the newspaper-coded set (``date``, ``return``, ``primary_category``,
    ``primary_share``, ``article_title``)."""
    reader = csv.DictReader(io.StringIO(text))
    need = ("date", "primary_category", "primary_share")
    missing = [c for c in need if c not in (reader.fieldnames or [])]
    if missing:
        raise DataFileError(f"{where}: no {', '.join(missing)} column")
    out = []
    for rec in reader:
        line = f"{where}:{reader.line_num}"
        try:
            share = float(rec["primary_share"])
            ret = float(rec.get("return") or "nan")
        except ValueError:
            raise DataFileError(f"{line}: primary_share or return is not a number") from None
        if not math.isfinite(share):
            raise DataFileError(f"{line}: primary_share is not finite")
        day = _date(rec["date"], line)
        out.append(
            NewspaperDay(
                day, rec["primary_category"].strip(), share, ret, rec.get("article_title", "")
            )
        )
    if not out:
        raise DataFileError(f"{where}: no rows")
    return out
