"""``riskoff diagnose`` and ``riskoff scan``: why a day (or a window) fell, one row per day.

What the day engine reads beside the day is :mod:`riskoff.usecases.day_inputs`; the
newspapers as known at the moment of the diagnosis, :mod:`riskoff.usecases.newspapers`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from riskoff.config import Settings
from riskoff.dates import Window, parse_date, parse_window
from riskoff.errors import BadDateError
from riskoff.usecases.common import EmptyStoreError, settings_or_env
from riskoff.usecases.day_inputs import (
    absent_sources,
    banks_frame,
    feature_row,
    floats,
    references,
    regional_banks,
    window_days,
)
from riskoff.usecases.newspapers import check_moment, news_at, news_frame, with_moment

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.diagnosis import Diagnosis, ScanRow, Suspect
    from riskoff.diagnosis.path import DayScores
    from riskoff.knowledge.calibration import TrackRecord
    from riskoff.usecases.workspace import Workspace

__all__ = ["ScanRows", "diagnose", "scan"]


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
    moment = check_moment(as_of)
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
        p_row = floats(params.loc[days[sel][0]])
    else:
        row = feature_row(table, end)
        n_days = 1
        p_row = floats(params.loc[: pd.Timestamp(end)].iloc[-1])
    # a reference day after the diagnosed day was not known then: never compare with it
    refs = references(table, end)
    extra = relative_values(row, p_row, n_days)
    path: tuple[list[tuple[dt.date, dict[str, float]]], list[DayScores]] | None = None
    paper_days = (start, end)
    if win is not None and win.start != win.end:
        from riskoff.diagnosis.path import score_days

        sessions = window_days(ws, win, moment)
        path = (sessions, score_days(sessions, suspects=suspects))
        if sessions:
            # a window's papers are those of its worst session (D and D+1), as its 312/519
            # comparison and its analogs: the most unusual paper of any of its days would
            # find a war or a tariff scare in most long windows
            worst = max(zip(sessions, path[1], strict=True), key=lambda p: p[1].severity)[0][0]
            paper_days = (worst, worst)
    news, news_notes = news_at(ws, *paper_days, moment, s)
    extra.update(news)
    extra.update(regional_banks(ws, row, start, end, n_days))
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
        absent=absent_sources(ws, suspects, end),
    )
    if win is not None and win.start != win.end:
        assert path is not None
        diag = _window_path(diag, {**row, **extra}, ws, path, suspects, n_days, record=record)
    diag = with_moment(diag, moment, end, news_notes)
    if with_analogs:
        # the analog search may have too little history for this day: then no analogs.
        # A window's analogs are those of its worst day, as its 312/519 comparison
        anchor = diag.verdict.versus.day or end
        with contextlib.suppress(RiskoffError):
            diag = diag.with_analogs(analogs_for(anchor, workspace=ws, settings=s))
    return diag


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
    """Re-score a window diagnosis along its path (its sessions,
    :func:`~riskoff.usecases.day_inputs.window_days`, and their day scores): every session
    scored by the day engine, aggregated by severity (``riskoff.diagnosis.path``)."""
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
        references=references(table, worst_day),
        record=record,
        absent=absent_sources(ws, suspects, worst_day),
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

    moment = check_moment(as_of)
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
            extra=news_frame(ws, days, moment).join(banks_frame(ws, days)),
        )
    )
