"""riskoff's track record, as data: the fitted mapping from the verdict's raw confidence to
the probability that the primary suspect is right, the held-out reliability table that
backs the verdict's "on labelled days this confident it was right k of n times", and how
often each suspect was right when named first.

Fitted and written by ``riskoff evaluate --calibrate --save`` (``make evaluate``) into
``riskoff/data/calibration.json``; read here. A user's own fit in the same format,
``$RISKOFF_HOME/calibration.json``, takes its place (:func:`load_track_record` with the
home); the diagnosis JSON records which file it read (``data.calibration``). The mapping
is Platt scaling on the log of the raw confidence::

    p = 1 / (1 + exp(-(a + b * ln(max(raw, floor)))))

The raw confidence is a product (top score x margin over the runner-up x coverage), so its
logarithm is the sum a logistic expects. Nothing here fits anything: the fit lives in
:mod:`riskoff.evaluation.calibration`, which uses :func:`platt_log` so both sides compute
the same curve.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from riskoff.errors import DataFileError

__all__ = [
    "PACKAGED",
    "USER_FILE",
    "ConfidenceBin",
    "SuspectRecord",
    "TrackRecord",
    "forget_track_records",
    "load_track_record",
    "parse_track_record",
    "platt_log",
]


PACKAGED = "riskoff/data/calibration.json"
"""Where the packaged fit lives (as the JSON provenance names it)."""
USER_FILE = "calibration.json"
"""A user's own fit: ``$RISKOFF_HOME/calibration.json``, in the packaged file's format."""


def platt_log(raw: float, a: float, b: float, floor: float) -> float:
    """``1 / (1 + exp(-(a + b * ln(max(raw, floor)))))``; NaN for a NaN ``raw``."""
    if math.isnan(raw):
        return math.nan
    z = a + b * math.log(max(raw, floor))
    return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


@dataclass(frozen=True)
class ConfidenceBin:
    """One bin of the held-out reliability table: labelled cases whose out-of-fold
    calibrated confidence fell in ``[lo, hi)`` (the last bin closed), and how many of them
    named a right primary suspect."""

    lo: float
    hi: float
    n: int
    hits: int

    def contains(self, p: float) -> bool:
        """``lo <= p < hi`` (``p <= hi`` for the bin ending at 1)."""
        return self.lo <= p < self.hi or (self.hi >= 1.0 and p == self.hi)

    def to_dict(self) -> dict[str, object]:
        """JSON view."""
        return {"confidence_bin": [self.lo, self.hi], "n": self.n, "right": self.hits}


@dataclass(frozen=True)
class SuspectRecord:
    """How often a suspect was right when named first on the labelled cases: ``hits`` of
    ``named``, with the 95% Wilson interval of that precision."""

    suspect: str
    named: int
    hits: int
    ci95: tuple[float, float]

    @property
    def precision(self) -> float:
        """``hits / named`` (NaN when never named)."""
        return self.hits / self.named if self.named else math.nan

    def to_dict(self) -> dict[str, object]:
        """JSON view."""
        return {
            "suspect": self.suspect,
            "named": self.named,
            "right": self.hits,
            "precision": round(self.precision, 4) if self.named else None,
            "ci95": [round(self.ci95[0], 4), round(self.ci95[1], 4)],
        }


@dataclass(frozen=True)
class TrackRecord:
    """The fitted confidence mapping and the track record it was fitted on."""

    method: str
    a: float
    b: float
    floor: float
    bins: tuple[ConfidenceBin, ...]
    suspects: Mapping[str, SuspectRecord]
    cases: int
    first: str
    last: str
    sets: tuple[str, ...]
    source: str = PACKAGED
    """The file it was read from: :data:`PACKAGED` or ``$RISKOFF_HOME/calibration.json``."""

    def provenance(self) -> dict[str, object]:
        """JSON view of where the confidence comes from (``data.calibration``)."""
        return {
            "file": self.source,
            "method": self.method,
            "cases": self.cases,
            "first": self.first,
            "last": self.last,
            "sets": list(self.sets),
        }

    def probability(self, raw: float) -> float:
        """The calibrated confidence of a raw confidence."""
        return platt_log(raw, self.a, self.b, self.floor)

    def bin_of(self, p: float) -> ConfidenceBin | None:
        """The held-out bin holding the calibrated confidence ``p`` (None for NaN)."""
        return next((b for b in self.bins if b.contains(p)), None)


def parse_track_record(raw: Mapping[str, Any]) -> TrackRecord:
    """A :class:`TrackRecord` from the JSON of ``calibration.json``."""
    m = raw["mapping"]
    if m["method"] != "platt-log":
        raise ValueError(f"unknown calibration method {m['method']!r}")
    bins: Sequence[Mapping[str, Any]] = raw["track_record"]["bins"]
    per: Mapping[str, Mapping[str, Any]] = raw["track_record"]["per_suspect"]
    data = raw["data"]
    return TrackRecord(
        method=str(m["method"]),
        a=float(m["a"]),
        b=float(m["b"]),
        floor=float(m["floor"]),
        bins=tuple(
            ConfidenceBin(float(b["range"][0]), float(b["range"][1]), int(b["n"]), int(b["hits"]))
            for b in bins
        ),
        suspects={
            k: SuspectRecord(k, int(v["named"]), int(v["right"]), (v["ci95"][0], v["ci95"][1]))
            for k, v in per.items()
        },
        cases=int(data["cases"]),
        first=str(data["first"]),
        last=str(data["last"]),
        sets=tuple(str(s) for s in data["sets"]),
    )


@cache
def _packaged() -> TrackRecord:
    text = resources.files("riskoff.data").joinpath("calibration.json").read_text("utf-8")
    return parse_track_record(json.loads(text))


@cache
def _user(path: Path, mtime_ns: int) -> TrackRecord:
    try:
        raw = json.loads(path.read_text("utf-8"))
        rec = parse_track_record(raw)
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{path}: cannot read the calibration file ({exc})") from None
    except json.JSONDecodeError as exc:
        raise DataFileError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise DataFileError(
            f"{path}: not a calibration file in the format of {PACKAGED} "
            f"({type(exc).__name__}: {exc}); refit with 'riskoff evaluate --calibrate --save'"
        ) from None
    return replace(rec, source=f"$RISKOFF_HOME/{USER_FILE}")


def forget_track_records() -> None:
    """Read the calibration files afresh on the next :func:`load_track_record` (after a
    refit rewrote the packaged one in place)."""
    _packaged.cache_clear()
    _user.cache_clear()


def load_track_record(home: Path | None = None) -> TrackRecord:
    """The track record the verdict reads: ``home/calibration.json`` when the user has
    one (same format as the packaged file; a bad one is a one-line
    :class:`~riskoff.errors.DataFileError`), else the packaged
    ``riskoff/data/calibration.json``. Each file is read once (again when it changes)."""
    if home is not None:
        path = home / USER_FILE
        if path.is_file():
            return _user(path, path.stat().st_mtime_ns)
    return _packaged()
