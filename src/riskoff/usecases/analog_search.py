"""``riskoff analogs``: the nearest historical episodes and days, and what happened next."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, TypedDict

from riskoff.config import Settings
from riskoff.dates import parse_date
from riskoff.usecases.common import settings_or_env

if TYPE_CHECKING:
    from riskoff.analogs import AnalogEngine, AnalogReport
    from riskoff.usecases.workspace import Workspace

__all__ = ["AnalogBrief", "analog_engine", "analogs", "analogs_for", "engine_last_day"]


class AnalogBrief(TypedDict):
    """One entry of the ``analogs`` block of ``diagnose --json``."""

    episode: str
    name: str
    similarity: float


def analog_engine(
    settings: Settings | None = None, *, as_of: dt.date | None = None
) -> AnalogEngine:
    """The analog search engine over the daily feature table of the store, as known at
    the end of ``as_of`` (default: everything stored, from the cache).

    Build it once and call ``engine.search(day)`` for many days: a search uses only rows up
    to its day, so an engine built on the whole store answers exactly like one built at
    ``day`` (``docs/analogs.md``).
    """
    from riskoff.usecases.cache import load_workspace
    from riskoff.usecases.panels import workspace_as_of

    s = settings_or_env(settings)
    if as_of is None:
        return load_workspace(s).engine
    return workspace_as_of(as_of, settings=s).engine


def engine_last_day(engine: AnalogEngine) -> dt.date | None:
    """The last day of an analog engine's feature table."""
    dates = engine.dates
    if len(dates) == 0:
        return None
    return dt.date.fromisoformat(str(dates[-1])[:10])


def analogs(
    date: str | dt.date,
    *,
    top: int = 5,
    settings: Settings | None = None,
    workspace: Workspace | None = None,
) -> AnalogReport:
    """Nearest historical episodes and days of ``date`` and what happened next
    (``riskoff analogs``), computed only from data public by the end of ``date``."""
    from riskoff.errors import BadDateError, InputError, InsufficientDataError
    from riskoff.panel import DEFAULT_START
    from riskoff.usecases.cache import load_workspace

    day = parse_date(date)
    if top < 1:
        raise InputError(f"--top must be at least 1 (got {top})")
    if day < DEFAULT_START:
        raise InsufficientDataError(f"{day} is before riskoff's history (from {DEFAULT_START})")
    # an engine over the whole store answers a search for ``day`` exactly like one built
    # from a store cut at ``day`` (tests/integration/test_analogs_real.py), so the cached one serves
    engine = (workspace or load_workspace(settings_or_env(settings))).engine
    last = engine_last_day(engine)
    if last is not None and day > last:
        raise BadDateError(f"{day} is after the last data in the store ({last})")
    return engine.search(day, top=top)


def analogs_for(
    date: str | dt.date,
    *,
    top: int = 3,
    workspace: Workspace | None = None,
    settings: Settings | None = None,
) -> list[AnalogBrief]:
    """The ``analogs`` block of ``diagnose --json``: ``[{"episode", "name", "similarity"}]``
    (from the whole store's workspace unless one is given)."""
    from riskoff.usecases.cache import load_workspace

    day = parse_date(date)
    ws = workspace or load_workspace(settings_or_env(settings))
    report = ws.engine.search(day, top=top)
    return [
        {"episode": str(b["episode"]), "name": str(b["name"]), "similarity": float(b["similarity"])}
        for b in report.brief()
    ]
