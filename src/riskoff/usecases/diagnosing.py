"""``riskoff diagnose`` and ``riskoff scan``: why a day (or a window) fell, one row per day."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from riskoff.config import Settings
from riskoff.dates import Window, parse_date, parse_window
from riskoff.errors import BadDateError
from riskoff.usecases.common import EmptyStoreError, settings_or_env

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.diagnosis import Diagnosis, ScanRow, Suspect
    from riskoff.diagnosis.path import DayScores
    from riskoff.knowledge.calibration import TrackRecord
    from riskoff.usecases.workspace import Workspace

__all__ = ["ScanRows", "diagnose", "feature_row", "scan"]


class ScanRows(list["ScanRow"]):
    """The rows of a scan (:func:`scan`), one per day: a list that shows itself in a
    notebook and converts to pandas."""

    def _repr_html_(self) -> str:
        from riskoff.render.notebook import scan_html

        return scan_html(self)

    def to_frame(self) -> pd.DataFrame:
        """One row per day, indexed by ``date``: ``severity`` (0..1), ``scope``
        (cross_asset, concentrated or none), ``primary`` (the top suspect) and ``score``
        (its score)."""
        import pandas as pd

        cols = ["date", "severity", "scope", "primary", "score"]
        rows = [{c: getattr(r, c) for c in cols} for r in self]
        frame = pd.DataFrame(rows, columns=cols)
        frame["date"] = pd.to_datetime(frame["date"])
        return frame.set_index("date")


def feature_row(table: pd.DataFrame, day: dt.date) -> dict[str, float]:
    """The feature row of ``day`` in a daily feature table, as the day engine reads it
    (``riskoff evaluate``'s sign rules read the same); a day the calendar lacks (a weekend
    before crypto traded) is every market closed, carrying the last closes."""
    import pandas as pd

    from riskoff.indicators.ranges import RANGE_PREFIXES

    ts = pd.Timestamp(day)
    if ts in table.index:
        return _floats(table.loc[ts])
    row = _floats(table.loc[:ts].iloc[-1])
    for k in row:
        if k.split(".", 1)[0] in ("move", "sigma", "open"):
            row[k] = 0.0
        elif k.startswith(RANGE_PREFIXES):
            row[k] = float("nan")  # no session that day: no range (not the last one's)
    return row


def _floats(row: pd.Series | pd.DataFrame) -> dict[str, float]:
    """A feature row as ``name -> float``."""
    import pandas as pd

    if isinstance(row, pd.DataFrame):  # a repeated day in the index: its last row
        row = row.iloc[-1]
    return {str(k): float(v) for k, v in row.items()}


def _workspace(workspace: Workspace | None, settings: Settings) -> Workspace:
    if workspace is not None:
        return workspace
    from riskoff.usecases.cache import load_workspace

    return load_workspace(settings)


def diagnose(
    date: str | dt.date | None = None,
    *,
    window: str | Window | None = None,
    settings: Settings | None = None,
    with_analogs: bool = True,
    workspace: Workspace | None = None,
    as_of: str = "next-morning",
) -> Diagnosis:
    """Diagnose a day, or the window ``START:END`` (``riskoff diagnose``).

    ``as_of`` is the moment the diagnosis is made (``riskoff.indicators.news.MOMENTS``):
    by default the morning after, with no price after the close of the day and the
    newspapers dated the day and the next; ``close`` reads only the day's papers,
    ``published`` only what the index publishers had released by the close.
    Uses only prices public by the end of the day (or the window's end); the two reference
    days of "a new 312 or a new 519?" are read from the same feature table when the store
    holds them. Pass a ``workspace`` (:func:`riskoff.usecases.workspace_of` on a panel
    as of some day) to diagnose many days without reloading; the default is the whole
    store's, from the cache.

    ``date`` may be None, ``today``, ``latest`` or ``yesterday``: the latest complete day
    (:func:`riskoff.usecases.latest.resolve_day`); with a ``window`` and no date, the
    window's last day.
    """
    import pandas as pd

    from riskoff.diagnosis import diagnose_row, load_suspects
    from riskoff.errors import RiskoffError
    from riskoff.indicators.relative import relative_values
    from riskoff.knowledge.calibration import load_track_record
    from riskoff.usecases.analog_search import analogs_for
    from riskoff.usecases.latest import is_relative_day, resolve_day

    s = settings_or_env(settings)
    moment = _moment(as_of)
    win: Window | None = parse_window(window) if isinstance(window, str) else window
    if date is None and win is not None:
        day = win.end
    elif date is None or (isinstance(date, str) and is_relative_day(date)):
        ws = _workspace(workspace, s)
        if ws.is_empty:
            raise EmptyStoreError()
        day = resolve_day(date, ws).day
        workspace = ws
    else:
        day = parse_date(date)
    if win is not None and not (win.start <= day <= win.end):
        raise BadDateError(f"date {day} is outside the window {win.start}:{win.end}")
    end = win.end if win is not None else day
    start = win.start if win is not None else day
    suspects = load_suspects(s.home)
    ws = _workspace(workspace, s)
    pnl, table, params = ws.panel, ws.table, ws.params
    days = pnl.days
    if len(days) == 0:
        raise EmptyStoreError()
    first, last = ws.first_day, ws.as_of
    if end > last:
        raise BadDateError(f"{end} is after the last data in the store ({last})")
    if start < first:
        raise BadDateError(f"{start} is before the first data in the store ({first})")
    if win is not None and win.start != win.end:
        row = ws.window_features(win)
        if not row:
            raise BadDateError(f"window {win.start}:{win.end} holds no trading day")
        sel = (days >= pd.Timestamp(win.start)) & (days <= pd.Timestamp(win.end))
        n_days = max(1, int((sel & (days.day_of_week < 5)).sum()))
        p_row = _floats(params.loc[days[sel][0]])
    else:
        row = feature_row(table, end)
        n_days = 1
        p_row = _floats(params.loc[: pd.Timestamp(end)].iloc[-1])
    # a reference day after the diagnosed day was not known then: never compare with it
    refs = _references(table, end)
    extra = relative_values(row, p_row, n_days)
    path: tuple[list[tuple[dt.date, dict[str, float]]], list[DayScores]] | None = None
    paper_days = (start, end)
    if win is not None and win.start != win.end:
        from riskoff.diagnosis.path import score_days

        sessions = _window_days(ws, win, moment)
        path = (sessions, score_days(sessions, suspects=suspects))
        if sessions:
            # a window's papers are those of its worst session (D and D+1), as its 312/519
            # comparison and its analogs: the most unusual paper of any of its days would
            # find a war or a tariff scare in most long windows
            worst = max(zip(sessions, path[1], strict=True), key=lambda p: p[1].severity)[0][0]
            paper_days = (worst, worst)
    news, news_notes = _news(ws, *paper_days, moment, s)
    extra.update(news)
    extra.update(_regional_banks(ws, row, start, end, n_days))
    record = load_track_record(s.home)  # the user's calibration.json, else the packaged one
    diag = diagnose_row(
        row,
        suspects=suspects,
        date=end,
        start=start,
        as_of=end,
        n_days=n_days,
        references=refs,
        extra=extra,
        record=record,
    )
    if win is not None and win.start != win.end:
        assert path is not None
        diag = _window_path(diag, {**row, **extra}, ws, path, suspects, n_days, record=record)
    diag = _with_moment(diag, moment, end, news_notes)
    if with_analogs:
        # the analog search may have too little history for this day: then no analogs.
        # A window's analogs are those of its worst day, as its 312/519 comparison
        anchor = diag.verdict.versus.day or end
        with contextlib.suppress(RiskoffError):
            diag = diag.with_analogs(analogs_for(anchor, workspace=ws, settings=s))
    return diag


def _references(table: pd.DataFrame, day: dt.date) -> dict[str, dict[str, float] | None]:
    """The feature rows of 312 and 519 as known on ``day`` (a reference after it: None),
    each with its fall to the next session's low where that session closed by ``day``
    (``indicators.ranges.next_day_lows``)."""
    import pandas as pd

    from riskoff.diagnosis import REFERENCE_DAYS
    from riskoff.indicators.ranges import next_day_lows

    refs: dict[str, dict[str, float] | None] = {}
    for name, ref_day in REFERENCE_DAYS.items():
        known = ref_day <= day and pd.Timestamp(ref_day) in table.index
        if known:
            row = feature_row(table, ref_day)
            row.update(next_day_lows(table, pd.Timestamp(ref_day), pd.Timestamp(day)))
            refs[name] = row
        else:
            refs[name] = None
    return refs


def _window_days(
    ws: Workspace, win: Window, moment: str = "next-morning"
) -> list[tuple[dt.date, dict[str, float]]]:
    """Each session of a window with its feature row (relative moves, its own papers and
    regional banks), as the day engine reads it."""
    import pandas as pd

    from riskoff.indicators.relative import relative_values

    table, params = ws.table, ws.params
    sel = (table.index >= pd.Timestamp(win.start)) & (table.index <= pd.Timestamp(win.end))
    days: list[tuple[dt.date, dict[str, float]]] = []
    papers = _news_frame(ws, pd.DatetimeIndex(table.index[sel]), moment)
    banks = _banks_frame(ws, pd.DatetimeIndex(table.index[sel]))
    for ts in table.index[sel]:
        r = _floats(table.loc[ts])
        r.update(relative_values(r, _floats(params.loc[ts])))
        if not papers.empty:
            r.update({k: v for k, v in _floats(papers.loc[ts]).items() if v == v})
        if not banks.empty:
            r.update(_floats(banks.loc[ts]))
        days.append((ts.date(), r))
    return days


def _window_path(
    whole: Diagnosis,
    row: dict[str, float],
    ws: Workspace,
    path: tuple[list[tuple[dt.date, dict[str, float]]], list[DayScores]],
    suspects: Sequence[Suspect],
    n_days: int,
    *,
    record: TrackRecord | None = None,
) -> Diagnosis:
    """Re-score a window diagnosis along its path (its sessions, :func:`_window_days`, and
    their day scores): every session scored by the day engine, aggregated by severity
    (``riskoff.diagnosis.path``)."""
    from riskoff.diagnosis import diagnose_row
    from riskoff.diagnosis.path import diagnose_path

    table = ws.table
    days, scored = path
    if not days:
        return whole
    worst_day, worst_row = max(zip(days, scored, strict=True), key=lambda p: p[1].severity)[0]
    worst = diagnose_row(
        worst_row,
        suspects=suspects,
        date=worst_day,
        as_of=worst_day,
        references=_references(table, worst_day),
        record=record,
    )
    return diagnose_path(
        whole, row, scored, suspects=suspects, worst=worst, n_days=n_days, record=record
    )


def scan(
    start: str | dt.date,
    end: str | dt.date,
    *,
    settings: Settings | None = None,
    workspace: Workspace | None = None,
    as_of: str = "next-morning",
) -> ScanRows:
    """One row per day from ``start`` to ``end`` (``riskoff scan``): severity, scope, the
    primary suspect and its score. The feature table is computed once. ``as_of``: the
    moment each day is diagnosed, as :func:`diagnose`'s (which newspapers it reads)."""
    from riskoff.diagnosis import load_suspects, scan_table

    moment = _moment(as_of)
    s = settings_or_env(settings)
    a, b = parse_date(start, what="START"), parse_date(end, what="END")
    Window(a, b)  # raises on a reversed range
    ws = _workspace(workspace, s)
    if ws.is_empty:
        raise EmptyStoreError()
    first, last = ws.first_day, ws.as_of
    if a > last or b < first:
        raise BadDateError(f"{a}:{b} is outside the data in the store ({first} to {last})")
    import pandas as pd

    table = ws.table
    days = pd.DatetimeIndex(
        table.index[(table.index >= pd.Timestamp(a)) & (table.index <= pd.Timestamp(b))]
    )
    return ScanRows(
        scan_table(
            table,
            suspects=load_suspects(s.home),
            start=a,
            end=b,
            params=ws.params,
            extra=_news_frame(ws, days, moment).join(_banks_frame(ws, days)),
        )
    )


# --- regional banks ---------------------------------------------------------------------


def _regional_banks(
    ws: Workspace,
    row: dict[str, float],
    start: dt.date,
    end: dt.date,
    n_days: int,
) -> dict[str, float]:
    """``move.regional_banks`` and ``rel.regional_banks`` of a day or a window (its
    summed move, with the regression of its first day); nothing without the source."""
    import math

    import pandas as pd

    frame = ws.banks
    if frame is None or "rel.regional_banks" not in frame:
        return {}
    part = frame.loc[pd.Timestamp(start) : pd.Timestamp(end)]
    if part.empty:
        return {"move.regional_banks": math.nan, "rel.regional_banks": math.nan}
    if n_days <= 1 and start == end:
        last = part.iloc[-1]
        return {
            "move.regional_banks": float(last["move.regional_banks"]),
            "rel.regional_banks": float(last["rel.regional_banks"]),
        }
    move = float(part["move.regional_banks"].sum(min_count=1))
    beta = float(part["beta.regional_banks"].iloc[0])
    sd = float(part["sd.regional_banks"].iloc[0])
    spx = float(row.get("move.us_equities", math.nan))
    rel = (move - beta * spx) / (sd * math.sqrt(n_days)) if sd > 0 else math.nan
    return {"move.regional_banks": move, "rel.regional_banks": rel}


def _banks_frame(ws: Workspace, days: pd.DatetimeIndex) -> pd.DataFrame:
    import pandas as pd

    if ws.banks is None or "rel.regional_banks" not in ws.banks:
        return pd.DataFrame(index=days)
    return ws.banks[["move.regional_banks", "rel.regional_banks"]].reindex(days)


# --- the newspapers and the moment of the diagnosis ------------------------------------


def _moment(as_of: str) -> str:
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


def _news(
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


def _news_frame(ws: Workspace, days: pd.DatetimeIndex, moment: str) -> pd.DataFrame:
    """``news.*`` values of each single day of ``days`` (scans and window paths)."""
    import pandas as pd

    from riskoff.indicators.news import news_daily

    if ws.papers is None or ws.papers.empty:
        return pd.DataFrame(index=days)
    return news_daily(ws.papers, days, moment, _lags(ws))


def _with_moment(diag: Diagnosis, moment: str, end: dt.date, notes: list[str]) -> Diagnosis:
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
