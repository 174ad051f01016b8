"""The newspapers as a diagnosis reads them at its moment (``--as-of``: next-morning,
close, published): the ``news.*`` values of a day or a window, from the edition the store
knew then, and the moment recorded on the diagnosis."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from riskoff.config import Settings

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.diagnosis import Diagnosis
    from riskoff.usecases.workspace import Workspace

__all__ = ["check_moment", "news_at", "news_frame", "with_moment"]


def check_moment(as_of: str) -> str:
    """``as_of`` when it names a moment of ``riskoff.indicators.news.MOMENTS``; else the
    one-line error of ``--as-of``."""
    from riskoff.errors import InputError
    from riskoff.indicators.news import MOMENTS

    if as_of not in MOMENTS:
        raise InputError(
            f"--as-of must be one of {', '.join(MOMENTS)} (got {as_of!r}): "
            "the moment the diagnosis is made"
        )
    return as_of


def _lags(ws: Workspace) -> dict[str, int]:
    """Publication lag in days of each newspaper index (business days counted as days)."""
    from riskoff.catalog import parse_lag
    from riskoff.indicators.news import INDICES

    out: dict[str, int] = {}
    for name, sym in INDICES.items():
        info = ws.panel.info.get(sym)
        if info is not None:
            out[name] = parse_lag(info.lag)[0]
    return out


def _editions_at(
    ws: Workspace, start: dt.date, end: dt.date, moment: str, settings: Settings
) -> pd.DataFrame | None:
    """The newspaper readings of the edition the store knew at the moment of the
    diagnosis (``riskoff.panel.read_papers_known``) when that is not the newest one
    stored; None when it is (then the workspace's readings are the ones)."""
    from riskoff.indicators.news import paper_horizon, paper_readings, papers_frame
    from riskoff.panel import read_papers_known
    from riskoff.store import Store

    at = dt.datetime.combine(end + dt.timedelta(days=paper_horizon(moment)), dt.time.max)
    eds = ws.panel.paper_editions
    if not any(len(v) > 1 and max(at, v[0]) < v[-1] for v in eds.values()):
        return None
    lo = start - dt.timedelta(days=400)
    hi = end + dt.timedelta(days=paper_horizon(moment))
    with Store(settings.store_path, read_only=True) as st:
        long = read_papers_known(st, list(eds), lo, hi, at)
    return paper_readings(papers_frame(long))


def news_at(
    ws: Workspace, start: dt.date, end: dt.date, moment: str, settings: Settings | None = None
) -> tuple[dict[str, float], list[str]]:
    """The ``news.*`` values of the diagnosis and what to say about papers not yet out."""
    from riskoff.indicators.news import INDICES, news_values, paper_horizon

    papers = ws.papers
    if papers is None or papers.empty:
        return {}, []
    then = _editions_at(ws, start, end, moment, settings) if settings is not None else None
    values = news_values(papers if then is None else then, start, end, moment, _lags(ws))
    notes: list[str] = []
    want = end + dt.timedelta(days=paper_horizon(moment))
    late = []
    for name, sym in INDICES.items():
        col = papers[name].dropna() if name in papers.columns else None
        if col is None or col.empty:
            continue
        last = col.index[-1].date()
        # a live index (papers within the last month) whose wanted papers are not in yet
        if last < want and (end - last).days <= 31:
            late.append(sym)
    if late:
        notes.append(
            f"the newspapers dated {want.isoformat()} are not yet published "
            f"({', '.join(late)}): read the papers that are"
        )
    return values, notes


def news_frame(ws: Workspace, days: pd.DatetimeIndex, moment: str) -> pd.DataFrame:
    """``news.*`` values of each single day of ``days`` (scans and window paths)."""
    import pandas as pd

    from riskoff.indicators.news import news_daily

    if ws.papers is None or ws.papers.empty:
        return pd.DataFrame(index=days)
    return news_daily(ws.papers, days, moment, _lags(ws))


def with_moment(diag: Diagnosis, moment: str, end: dt.date, notes: list[str]) -> Diagnosis:
    """Record the moment of the diagnosis (JSON ``data.as_of_moment``) and its notes."""
    from dataclasses import replace

    from riskoff.indicators.news import MOMENTS, paper_horizon

    papers_to = end + dt.timedelta(days=paper_horizon(moment))
    what = {
        "moment": moment,
        "prices_through": f"the close of {end.isoformat()}",
        "newspapers_through": papers_to.isoformat()
        if moment != "published"
        else "as released by the close (catalogue lags)",
        "meaning": MOMENTS[moment],
    }
    return replace(diag, moment=what, notes=(*diag.notes, *notes))
