"""The series catalogue: what each symbol is, and when each observation becomes public.

The catalogue is data (``riskoff/data/catalog.toml``), not code. A user can extend or
override it with ``$RISKOFF_HOME/catalog.toml`` in the same format. Such a file is checked
strictly: UTF-8 text, valid TOML, only ``[[series]]`` tables, only known keys (a typo is
an error, not silence), every value a string; anything else is one
:class:`~riskoff.errors.DataFileError` naming the file and the entry.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riskoff.errors import DataFileError, UnknownSymbolError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "RANGE_FIELDS",
    "ROW_HOLDS",
    "Catalog",
    "SeriesInfo",
    "parse_lag",
    "range_parent",
    "series_name",
]

_LAG_RE = re.compile(r"^(\d+)([DB])$")
_REQUIRED = ("symbol", "name", "asset_class", "role", "units", "frequency")
_OPTIONAL = ("lag", "label", "description", "adjusted", "row_holds", "row_holds_from")
ROW_HOLDS = ("own_day", "previous_weekday", "previous_day")
"""What a provider's row dated D holds: D's own close; the close of the weekday before
(Yahoo FX since 2010: the bar is dated by the London day that starts a few hours after
the New York close it carries); the close of the calendar day before (a 00:00 UTC
snapshot)."""


RANGE_FIELDS = ("high", "low", "open")
"""The day's range of a price series is stored as sibling series ``SYMBOL@high``,
``SYMBOL@low`` and ``SYMBOL@open``, known to the catalogue through their parent."""


def range_parent(symbol: str) -> tuple[str, str] | None:
    """``("yahoo:SPY", "low")`` for ``"yahoo:SPY@low"``; None for any other symbol."""
    parent, at, fld = symbol.rpartition("@")
    if not at or not parent or fld not in RANGE_FIELDS:
        return None
    return parent, fld


def parse_lag(lag: str) -> tuple[int, str]:
    """Split a publication lag such as ``"1B"`` into ``(1, "B")``.

    ``D`` counts calendar days, ``B`` business days (Monday to Friday).
    """
    m = _LAG_RE.match(lag.strip().upper())
    if not m:
        raise DataFileError(f"bad publication lag {lag!r}: expected e.g. '0D', '1B' or '6D'")
    return int(m.group(1)), m.group(2)


@dataclass(frozen=True)
class SeriesInfo:
    """Metadata of one series."""

    symbol: str
    name: str
    asset_class: str
    role: str
    units: str
    frequency: str
    lag: str = "0D"
    description: str = ""
    adjusted: str = "na"
    row_holds: str = "own_day"
    """See :data:`ROW_HOLDS`; anything but ``own_day`` re-dates rows on the way in."""
    row_holds_from: str = ""
    """ISO day: rows dated before it hold their own day (the provider changed convention)."""
    label: str = ""
    """The series' plain name for people, when the first clause of its description is not
    one (``label`` in the catalogue); see :attr:`plain_name`."""

    @property
    def plain_name(self) -> str:
        """What a person reads for this series: its ``label``, else its description up to
        the first comma, semicolon or parenthesis ("COMEX copper futures" for
        ``yahoo:HG=F``), else its logical name."""
        if self.label:
            return self.label
        head = re.split(r",\s|;\s|\s\(", self.description, maxsplit=1)[0].strip()
        return head or self.name

    @property
    def provider(self) -> str:
        """The provider prefix, e.g. ``fred``."""
        return self.symbol.split(":", 1)[0]

    @property
    def provider_id(self) -> str:
        """The provider's own id, e.g. ``SOFR``."""
        return self.symbol.split(":", 1)[1]

    @property
    def is_daily(self) -> bool:
        """True for daily and business-daily series."""
        return self.frequency in ("daily", "business-daily")

    def to_dict(self) -> dict[str, str]:
        """Plain-data view."""
        return {
            "symbol": self.symbol,
            "name": self.name,
            "description": self.description,
            "asset_class": self.asset_class,
            "role": self.role,
            "units": self.units,
            "frequency": self.frequency,
            "lag": self.lag,
            "adjusted": self.adjusted,
            "row_holds": self.row_holds,
            "row_holds_from": self.row_holds_from,
        }

    def redate(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` (``date``, ``value``) with each row filed under the day it describes.

        A row that holds the previous weekday's close moves to that weekday (Monday's row
        to Friday); where two rows land on one day the later-dated one wins. This is what
        makes a day's FX move line up with the same day's stocks, and it stays point in
        time: the moved value was public by the end of the day it is filed under.
        """
        if self.row_holds == "own_day" or frame.empty:
            return frame
        import numpy as np
        import pandas as pd

        frame = frame.sort_values("date", kind="stable")  # "later-dated" must mean later
        dates = pd.DatetimeIndex(frame["date"])
        if self.row_holds == "previous_day":
            back = np.ones(len(dates), dtype="int64")
        else:  # previous_weekday: Mon -> Fri (3), Sun -> Fri (2), else 1
            back = np.select([dates.day_of_week == 0, dates.day_of_week == 6], [3, 2], 1)
        if self.row_holds_from:
            back = np.where(dates >= pd.Timestamp(self.row_holds_from), back, 0)
        out = frame.assign(date=dates - pd.to_timedelta(back, unit="D"))
        out = out.drop_duplicates(subset="date", keep="last")
        return out.sort_values("date", kind="stable").reset_index(drop=True)


def _shown(value: object) -> str:
    """A value as a message shows it (``inf``, ``nan``, ``5``, ``[1, 2]``...)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _info_from_mapping(raw: Mapping[str, Any], where: str) -> SeriesInfo:
    if not isinstance(raw, Mapping):
        raise DataFileError(
            f"{where}: a [[series]] entry must be a table of keys, not {_shown(raw)}"
        )
    symbol = raw.get("symbol")
    if isinstance(symbol, str) and symbol:
        where = f"{where} ({symbol})"
    unknown = [k for k in raw if k not in _REQUIRED + _OPTIONAL]
    if unknown:
        raise DataFileError(
            f"{where}: unknown key {unknown[0]!r} (known: {', '.join(_REQUIRED + _OPTIONAL)})"
        )
    for key, value in raw.items():
        if not isinstance(value, str):
            kind = "number" if isinstance(value, int | float) else type(value).__name__
            raise DataFileError(
                f"{where}: {key} must be text in quotes, not the {kind} {_shown(value)}"
            )
    missing = [k for k in _REQUIRED if not raw.get(k)]
    if missing:
        raise DataFileError(f"{where}: series entry lacks {', '.join(missing)}")
    info = SeriesInfo(
        symbol=str(raw["symbol"]),
        name=str(raw["name"]),
        asset_class=str(raw["asset_class"]),
        role=str(raw["role"]),
        units=str(raw["units"]),
        frequency=str(raw["frequency"]),
        lag=str(raw.get("lag", "0D")),
        description=str(raw.get("description", "")),
        adjusted=str(raw.get("adjusted", "na")),
        row_holds=str(raw.get("row_holds", "own_day")),
        row_holds_from=str(raw.get("row_holds_from", "")),
        label=str(raw.get("label", "")),
    )
    if info.row_holds not in ROW_HOLDS:
        raise DataFileError(
            f"{where}: row_holds {info.row_holds!r} is not one of {', '.join(ROW_HOLDS)}"
        )
    if info.row_holds_from:
        try:
            dt.date.fromisoformat(info.row_holds_from)
        except ValueError:
            raise DataFileError(
                f"{where}: row_holds_from {info.row_holds_from!r} is not a YYYY-MM-DD day"
            ) from None
    if ":" not in info.symbol:
        raise DataFileError(f"{where}: symbol {info.symbol!r} has no provider prefix")
    parse_lag(info.lag)
    return info


class Catalog(Mapping[str, SeriesInfo]):
    """Every series riskoff knows, keyed by symbol, also reachable by logical name."""

    def __init__(self, entries: Mapping[str, SeriesInfo]) -> None:
        self._by_symbol = dict(entries)
        self._by_name = {info.name: info for info in self._by_symbol.values()}

    # Mapping protocol
    def __getitem__(self, key: str) -> SeriesInfo:
        if key in self._by_symbol:
            return self._by_symbol[key]
        sibling = self._range_sibling(key)
        if sibling is None:
            raise KeyError(key)
        return sibling

    def _range_sibling(self, key: str) -> SeriesInfo | None:
        """A day's-range series (``SYMBOL@low``) as its parent describes it: same class,
        units, lag and re-dating, role ``range``. Not listed when iterating."""
        split = range_parent(key)
        if split is None or split[0] not in self._by_symbol:
            return None
        parent = self._by_symbol[split[0]]
        return replace(
            parent,
            symbol=key,
            name=f"{parent.name}@{split[1]}",
            role="range",
            description=f"The day's {split[1]} of {parent.plain_name} ({parent.symbol})",
            label=f"{parent.plain_name}: the day's {split[1]}",
        )

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_symbol)

    def __len__(self) -> int:
        return len(self._by_symbol)

    def resolve(self, key: str) -> SeriesInfo:
        """Find a series by symbol or logical name, or raise :class:`UnknownSymbolError`."""
        if key in self._by_symbol:
            return self._by_symbol[key]
        if key in self._by_name:
            return self._by_name[key]
        sibling = self._range_sibling(key)
        if sibling is None and (split := range_parent(key)) and split[0] in self._by_name:
            sibling = self._range_sibling(f"{self._by_name[split[0]].symbol}@{split[1]}")
        if sibling is not None:
            return sibling
        raise UnknownSymbolError(f"unknown symbol {key!r} (see 'riskoff series')")

    def symbol_of(self, name: str) -> str:
        """The symbol behind a logical name."""
        return self.resolve(name).symbol

    def with_entries(self, extra: Mapping[str, SeriesInfo]) -> Catalog:
        """A new catalogue with ``extra`` added (or replacing same-symbol entries)."""
        merged = dict(self._by_symbol)
        merged.update(extra)
        return Catalog(merged)

    def with_unknown(
        self, symbol: str, *, units: str, frequency: str, adjusted: str = "na"
    ) -> SeriesInfo:
        """Metadata for a symbol that only a data folder knows (kept with its INDEX metadata)."""
        if symbol in self._by_symbol:
            return replace(self._by_symbol[symbol])
        if (sibling := self._range_sibling(symbol)) is not None:
            return sibling
        return SeriesInfo(
            symbol=symbol,
            name=symbol.replace(":", "_").lower(),
            asset_class="other",
            role="reference",
            units=units,
            frequency=frequency,
            lag="0D",
            description="loaded from a data folder; not in the catalogue",
            adjusted=adjusted,
        )

    @classmethod
    def from_toml(cls, text: str, where: str = "catalog.toml") -> Catalog:
        """Parse catalogue TOML."""
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise DataFileError(f"{where}: not valid TOML ({exc})") from None
        extra = [k for k in doc if k != "series"]
        if extra:
            raise DataFileError(
                f"{where}: unknown table or key {extra[0]!r} (the catalogue holds only "
                "[[series]] entries)"
            )
        series = doc.get("series", [])
        if not isinstance(series, list):
            raise DataFileError(
                f"{where}: 'series' must be [[series]] tables, not {_shown(series)}"
            )
        entries: dict[str, SeriesInfo] = {}
        for i, raw in enumerate(series):
            info = _info_from_mapping(raw, f"{where} entry {i + 1}")
            entries[info.symbol] = info
        return cls(entries)

    @classmethod
    def default(cls, home: Path | None = None) -> Catalog:
        """The packaged catalogue, extended by ``home/catalog.toml`` when it exists."""
        text = resources.files("riskoff.data").joinpath("catalog.toml").read_text("utf-8")
        cat = cls.from_toml(text, "riskoff/data/catalog.toml")
        if home is not None:
            user = home / "catalog.toml"
            if user.is_file():
                cat = cat.with_entries(cls.from_toml(_read_text(user), str(user))._by_symbol)
        return cat


def _read_text(path: Path) -> str:
    """A user file as UTF-8 text, or a one-line :class:`DataFileError`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataFileError(
            f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}); "
            "save it as UTF-8"
        ) from None


@cache
def _packaged() -> Catalog:
    return Catalog.default()


def series_name(symbol: str) -> str | None:
    """The plain name of a catalogue symbol (``"COMEX copper futures"`` for
    ``yahoo:HG=F``), or None for anything the packaged catalogue does not hold."""
    if ":" not in symbol:
        return None
    try:
        return _packaged()[symbol].plain_name
    except KeyError:
        return None
