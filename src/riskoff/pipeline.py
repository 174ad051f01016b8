"""The one place that wires layers together. The CLI, the web app and the public API
call only this module.

Data flows one way: providers -> store -> panel -> indicators -> diagnosis -> render.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riskoff.config import Settings
from riskoff.errors import DataFileError

if TYPE_CHECKING:
    from riskoff.catalog import Catalog, SeriesInfo
    from riskoff.store import LoadReport, Store

__all__ = ["IngestResult", "coverage", "ingest", "open_store"]


def open_store(settings: Settings | None = None, *, read_only: bool = False) -> Store:
    """Open the store at ``$RISKOFF_HOME/riskoff.duckdb``."""
    from riskoff.store import Store

    s = settings or Settings.from_env()
    return Store(s.store_path, read_only=read_only)


def load_catalog(settings: Settings | None = None) -> Catalog:
    """The packaged catalogue plus the user's additions."""
    from riskoff.catalog import Catalog

    s = settings or Settings.from_env()
    return Catalog.default(s.home)


@dataclass
class IngestResult:
    """What ``ingest`` did: the store load report and the files that could not be read."""

    report: LoadReport
    errors: list[str] = field(default_factory=list)
    first: dict[str, dt.date] = field(default_factory=dict)
    last: dict[str, dt.date] = field(default_factory=dict)


def ingest(
    path: str | Path,
    *,
    until: dt.date | None = None,
    settings: Settings | None = None,
    store: Store | None = None,
    on_symbol: Callable[[str], None] | None = None,
    fail_after: int | None = None,
) -> IngestResult:
    """Load a folder with INDEX.csv into the store, in one transaction.

    Symbols whose files cannot be read are reported in ``errors`` and not written; the
    others load. With ``until``, the store keeps nothing after that day for the symbols
    loaded.
    """
    from riskoff.providers.folder import read_folder

    folder = Path(path).expanduser()
    data = read_folder(folder, until=until, on_symbol=on_symbol)
    if not data.frames and data.errors:
        raise DataFileError(data.errors[0])
    catalog = load_catalog(settings)
    infos: dict[str, SeriesInfo] = {}
    for symbol, row in data.meta.items():
        infos[symbol] = catalog.with_unknown(
            symbol, units=row.units, frequency=row.frequency, adjusted=row.adjusted
        )
    own = store is None
    st = store or open_store(settings)
    try:
        report = st.load(
            data.frames,
            infos,
            kind="ingest",
            source=f"folder:{folder.resolve()}",
            replace_after=until,
            fail_after=fail_after,
        )
        if data.errors:
            st.log_failure("ingest", f"folder:{folder.resolve()}", "; ".join(data.errors))
    finally:
        if own:
            st.close()
    result = IngestResult(report=report, errors=data.errors)
    for symbol, frame in data.frames.items():
        if len(frame):
            result.first[symbol] = frame["date"].iloc[0].date()
            result.last[symbol] = frame["date"].iloc[-1].date()
    return result


def coverage(
    settings: Settings | None = None, *, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """The catalogue with coverage: one dict per stored symbol.

    Keys: symbol, name, asset_class, role, units, frequency, first, last, count, source,
    stale_days (calendar days from the last observation to ``today``), description.
    """
    from riskoff.store import Store

    s = settings or Settings.from_env()
    if not s.store_path.exists():
        return []
    catalog = load_catalog(s)
    with Store(s.store_path, read_only=True) as st:
        cov = st.coverage()
    ref = today or dt.date.today()
    rows: list[dict[str, Any]] = []
    for rec in cov.to_dict(orient="records"):
        sym = str(rec["symbol"])
        info = catalog.get(sym)
        first = rec["first"].date() if hasattr(rec["first"], "date") else rec["first"]
        last = rec["last"].date() if hasattr(rec["last"], "date") else rec["last"]
        rows.append(
            {
                "symbol": sym,
                "name": rec["name"] or (info.name if info else sym),
                "description": info.description if info else "",
                "asset_class": rec["asset_class"] or "other",
                "role": rec["role"] or "reference",
                "units": rec["units"] or "",
                "frequency": rec["frequency"] or "",
                "lag": rec["lag"] or "0D",
                "first": first.isoformat(),
                "last": last.isoformat(),
                "count": int(rec["count"]),
                "source": rec["source"] or "",
                "stale_days": (ref - last).days,
            }
        )
    return rows
