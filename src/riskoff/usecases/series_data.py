"""``riskoff series``: the catalogue with coverage, and one stored series."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from riskoff.config import Settings
from riskoff.usecases.common import load_catalog, require_store, settings_or_env

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CoverageRow",
    "Observation",
    "SeriesData",
    "calendar_today",
    "coverage",
    "parse_range",
    "revisions",
    "series",
    "series_of",
]


class CoverageRow(TypedDict):
    """One stored symbol in ``riskoff series --json``."""

    symbol: str
    name: str
    label: str
    """The plain name people read (the catalogue's ``SeriesInfo.plain_name``)."""
    description: str
    asset_class: str
    role: str
    units: str
    frequency: str
    lag: str
    row_holds: str
    row_holds_from: str
    first: str
    last: str
    count: int
    source: str
    stale_days: int


class Observation(TypedDict):
    """One observation of a series (``/api/series/SYMBOL``)."""

    date: str
    value: float


def calendar_today() -> dt.date:
    """The calendar's today, from which staleness is counted (one place to pin it)."""
    return dt.date.today()


def coverage(
    settings: Settings | None = None,
    *,
    today: dt.date | None = None,
    symbol: str | None = None,
) -> list[CoverageRow]:
    """The catalogue with coverage: one row per stored symbol (only ``symbol``'s, a
    symbol or catalogue name, when given: :class:`UnknownSymbolError` if not stored).

    ``row_holds`` says what a provider row dated D holds (``row_holds_from``: since
    when); ``stale_days`` counts calendar days from the last observation to ``today``.
    """
    if symbol is not None:
        every = coverage(settings, today=today)
        sym = resolve_symbol(symbol, {r["symbol"] for r in every}, settings_or_env(settings))
        return [r for r in every if r["symbol"] == sym]
    from riskoff.store import Store

    s = settings_or_env(settings)
    if not s.store_path.exists():
        return []
    catalog = load_catalog(s)
    with Store(s.store_path, read_only=True) as st:
        cov = st.coverage()
    ref = today or calendar_today()
    rows: list[CoverageRow] = []
    for rec in cov.to_dict(orient="records"):
        sym = str(rec["symbol"])
        info = catalog.get(sym)
        first = rec["first"].date() if hasattr(rec["first"], "date") else rec["first"]
        last = rec["last"].date() if hasattr(rec["last"], "date") else rec["last"]
        rows.append(
            {
                "symbol": sym,
                "name": rec["name"] or (info.name if info else sym),
                "label": info.plain_name if info else sym,
                "description": info.description if info else "",
                "asset_class": rec["asset_class"] or "other",
                "role": rec["role"] or "reference",
                "units": rec["units"] or "",
                "frequency": rec["frequency"] or "",
                "lag": rec["lag"] or "0D",
                "row_holds": info.row_holds if info else "own_day",
                "row_holds_from": info.row_holds_from if info else "",
                "first": first.isoformat(),
                "last": last.isoformat(),
                "count": int(rec["count"]),
                "source": rec["source"] or "",
                "stale_days": (ref - last).days,
            }
        )
    return rows


@dataclass(frozen=True)
class SeriesData:
    """One stored series between two days, with its catalogue row."""

    symbol: str
    name: str
    units: str
    frequency: str
    start: dt.date | None
    end: dt.date | None
    frame: pd.DataFrame
    """Long frame ``date, value``."""

    def observations(self) -> list[Observation]:
        """The observations as ``{"date", "value"}`` rows."""
        dates = self.frame["date"].dt.strftime("%Y-%m-%d").tolist()
        values = self.frame["value"].astype("float64").tolist()
        return [{"date": d, "value": v} for d, v in zip(dates, values, strict=True)]

    def to_dict(self) -> dict[str, str | int | list[Observation] | None]:
        """JSON view (``/api/series/SYMBOL``)."""
        obs = self.observations()
        return {
            "symbol": self.symbol,
            "name": self.name,
            "units": self.units,
            "frequency": self.frequency,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "count": len(obs),
            "observations": obs,
        }


def resolve_symbol(text: str, stored: frozenset[str] | set[str], settings: Settings) -> str:
    """A stored symbol, or a catalogue name resolving to one."""
    from riskoff.errors import InputError, UnknownSymbolError

    if text in stored:
        return text
    try:
        info = load_catalog(settings).resolve(text)
    except InputError:
        info = None
    if info is not None and info.symbol in stored:
        return info.symbol
    raise UnknownSymbolError(f"unknown symbol {text!r}: not in the store (see 'riskoff series')")


def series(
    symbol: str,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    *,
    settings: Settings | None = None,
) -> SeriesData:
    """One stored series (a symbol or a catalogue name) between two days."""
    from riskoff.store import Store

    s = settings_or_env(settings)
    require_store(s)
    d0, d1 = parse_range(start, end)
    with Store(s.store_path, read_only=True) as st:
        sym = resolve_symbol(symbol, set(st.symbols()), s)
        df = st.read([sym], d0, d1)
    return series_of(sym, df, coverage(s), d0, d1)


def parse_range(
    start: str | dt.date | None, end: str | dt.date | None
) -> tuple[dt.date | None, dt.date | None]:
    """The optional first and last day of a series request (``end`` not before ``start``)."""
    from riskoff.dates import parse_date
    from riskoff.errors import BadDateError

    d0 = parse_date(start, what="start") if start else None
    d1 = parse_date(end, what="end") if end else None
    if d0 and d1 and d1 < d0:
        raise BadDateError(f"end {d1} is before start {d0}")
    return d0, d1


def series_of(
    symbol: str,
    frame: pd.DataFrame,
    rows: list[CoverageRow],
    start: dt.date | None,
    end: dt.date | None,
) -> SeriesData:
    """A stored series' observations with its catalogue row (from ``coverage``)."""
    row = next((r for r in rows if r["symbol"] == symbol), None)
    return SeriesData(
        symbol=symbol,
        name=row["name"] if row else symbol,
        units=row["units"] if row else "",
        frequency=row["frequency"] if row else "",
        start=start,
        end=end,
        frame=frame[["date", "value"]].reset_index(drop=True),
    )


def revisions(
    symbol: str, *, settings: Settings | None = None
) -> tuple[str, list[dict[str, str | float | None]]]:
    """The stored symbol (``symbol`` may be a catalogue name) and its revisions, newest
    first: values loads replaced (``changed``) or removed (``removed``), and rows kept
    although their source no longer has them (``vanished``); see ``Store.revision_rows``.
    """
    from riskoff.store import Store

    s = settings_or_env(settings)
    require_store(s)
    with Store(s.store_path, read_only=True) as st:
        st.require_data()
        sym = resolve_symbol(symbol, set(st.symbols()), s)
        return sym, st.revision_rows(sym)
