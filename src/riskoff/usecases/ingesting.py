"""``riskoff ingest``: load a folder described by INDEX.csv into the store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from riskoff.config import Settings
from riskoff.errors import DataFileError
from riskoff.usecases.common import load_catalog, open_store, settings_or_env

if TYPE_CHECKING:
    from riskoff.catalog import SeriesInfo
    from riskoff.store import LoadReport, Store

__all__ = ["IngestResult", "ingest"]


@dataclass
class IngestResult:
    """What ``ingest`` did: the store load report and the files that could not be read."""

    report: LoadReport
    errors: list[str] = field(default_factory=list)
    first: dict[str, dt.date] = field(default_factory=dict)
    last: dict[str, dt.date] = field(default_factory=dict)


def ingest(
    path: str | Path | Sequence[str | Path],
    *,
    until: dt.date | None = None,
    force: bool = False,
    settings: Settings | None = None,
    store: Store | None = None,
    on_plan: Callable[[list[str]], None] | None = None,
    on_symbol: Callable[[str], None] | None = None,
    fail_after: int | None = None,
) -> IngestResult:
    """Load one or several folders with INDEX.csv into the store, in one transaction.

    Symbols whose files cannot be read are reported in ``errors`` and not written; the
    others load. With ``until``, only observations up to that day are loaded; stored
    observations after it are removed only with ``force`` (else :class:`InputError` says
    how many, and nothing changes). A changed value keeps its old one as a revision;
    stored rows the folder no longer has are kept and reported as vanished (see
    :meth:`riskoff.store.Store.load`). ``on_plan`` is called first with the symbols the
    indexes list, ``on_symbol`` as each is read.
    Several folders load together: every INDEX.csv is checked first (a bad one, or a
    symbol listed by two folders, writes nothing) and all series are written in one
    transaction, each recording the folder it came from.
    """
    from riskoff.providers.folder import read_folders, read_indexes

    settings = settings_or_env(settings)  # a bad RISKOFF_HOME is said before any reading
    paths = [path] if isinstance(path, (str, Path)) else list(path)
    folders = [Path(p).expanduser() for p in paths]
    indexes = read_indexes(folders)
    if on_plan is not None:
        on_plan(sorted({r.symbol for rows in indexes.values() for r in rows}))
    catalog = load_catalog(settings)
    data = read_folders(folders, until=until, on_symbol=on_symbol, catalog=catalog)
    source = ";".join(f"folder:{f.resolve()}" for f in folders)
    if not data.frames and data.errors:
        raise DataFileError(data.errors[0])
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
            source=source,
            replace_after=until,
            force=force,
            snapshot=True,
            known_at=data.vintages,
            fail_after=fail_after,
            sources={s: f"folder:{data.folders[s]}" for s in data.frames},
        )
        if data.errors:
            st.log_failure("ingest", source, "; ".join(data.errors))
    finally:
        if own:
            st.close()
    result = IngestResult(report=report, errors=data.errors)
    for symbol, frame in data.frames.items():
        if len(frame):
            result.first[symbol] = frame["date"].iloc[0].date()
            result.last[symbol] = frame["date"].iloc[-1].date()
    return result
