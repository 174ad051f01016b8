"""``riskoff report``: one self-contained HTML page on a day or a window."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riskoff.config import Settings
from riskoff.dates import Window, parse_date, parse_window
from riskoff.errors import BadDateError
from riskoff.usecases.common import EmptyStoreError, load_catalog, settings_or_env

if TYPE_CHECKING:
    from riskoff.render.report import ReportResult
    from riskoff.usecases.workspace import Workspace

__all__ = ["report"]

LATEST_SLACK_DAYS = 7
"""A report ending this close to the last close reads the whole store's cached workspace
(everything in it is cut at the report's day) instead of building one as of its day."""


def _workspace_for(
    settings: Settings, end: dt.date | None, last_close: dt.date | None
) -> Workspace:
    """The cached whole-store workspace for a report on the latest data; for an earlier
    day, one built as known at its end, so that nothing published later (not even a later
    reference day of the 312/519 comparison) can reach the page."""
    from riskoff.usecases.cache import load_workspace
    from riskoff.usecases.panels import workspace_as_of

    latest = end is None or (
        last_close is not None and end >= last_close - dt.timedelta(days=LATEST_SLACK_DAYS)
    )
    if latest or end is None:
        return load_workspace(settings)
    return workspace_as_of(end, settings=settings)


def report(
    date: str | dt.date | None = None,
    *,
    out: str | Path,
    window: str | Window | None = None,
    png_dir: str | Path | None = None,
    portfolio: str | Path | None = None,
    settings: Settings | None = None,
) -> ReportResult:
    """Write the self-contained HTML report of a day or a window (``riskoff report``).

    Gathers the panel (as known at the end of the day), the feature table, the diagnosis,
    the analogs and, with ``portfolio``, the replay of past sell-offs on it, and renders
    them with :mod:`riskoff.render`. ``date`` defaults to the latest complete day
    (:meth:`Workspace.latest_complete_day`), as do ``today``, ``latest`` and ``yesterday``
    (:func:`riskoff.usecases.latest.resolve_day`). With a ``window``, the page covers the whole
    window, exactly the days ``riskoff diagnose DATE --window START:END`` diagnoses
    (``date``, when given, must lie inside it).
    """
    import time

    import pandas as pd

    from riskoff.errors import RiskoffError
    from riskoff.panel import DEFAULT_START
    from riskoff.render.html import ReportInput, coverage_rows
    from riskoff.render.report import check_writable, write_report
    from riskoff.usecases.charting import chart_set
    from riskoff.usecases.diagnosing import diagnose
    from riskoff.usecases.series_data import coverage

    t0 = time.perf_counter()
    s = settings_or_env(settings)
    out_path = Path(out).expanduser()
    png_path = Path(png_dir).expanduser() if png_dir is not None else None
    check_writable(out_path)
    if png_path is not None:
        check_writable(png_path, directory=True)
    from riskoff.usecases.latest import is_relative_day, resolve_day

    win: Window | None = parse_window(window) if isinstance(window, str) else window
    relative = isinstance(date, str) and is_relative_day(date)
    asked = parse_date(date) if date is not None and not relative else None
    if win is not None and asked is not None and not (win.start <= asked <= win.end):
        raise BadDateError(f"date {asked} is outside the window {win.start}:{win.end}")
    day = win.end if win is not None else asked
    cov = coverage(s)
    first_data = min((dt.date.fromisoformat(r["first"]) for r in cov), default=None)
    if first_data is None:
        raise EmptyStoreError()
    first_day = max(first_data, DEFAULT_START)  # the panel starts there
    first_asked = win.start if win is not None else day
    if first_asked is not None and first_asked < first_day:
        raise BadDateError(f"{first_asked} is before the first day riskoff covers ({first_day})")
    last_close = max(
        (dt.date.fromisoformat(r["last"]) for r in cov if r["role"] == "risk_asset"),
        default=None,
    )
    ws = _workspace_for(s, day, last_close)
    pnl, table = ws.panel, ws.table
    if ws.is_empty:
        raise EmptyStoreError()
    if day is None:
        word = date if isinstance(date, str) else None
        day = resolve_day(word, ws).day
    if day < ws.first_day:
        raise BadDateError(f"{day} is before the first data in the store ({ws.first_day})")
    last_data = ws.last_data_day()
    if day > last_data:
        raise BadDateError(f"{day} is after the last data in the store ({last_data})")
    start = win.start if win is not None else day
    cut = pd.Timestamp(day)
    row = ws.window_features(Window(start, day))
    if not row:
        raise BadDateError(f"{start}:{day} holds no day of data")
    unavailable: dict[str, str] = {}
    diag_dict: dict[str, Any] | None = None
    try:
        diag = diagnose(
            day, window=Window(start, day), settings=s, with_analogs=False, workspace=ws
        )
        diag_dict = diag.to_dict()
    except RiskoffError as exc:
        unavailable["diagnosis"] = f"The diagnosis could not be computed: {exc}"
    analogs_dict: dict[str, Any] | None = None
    # a window's analogs and 312/519 paths read its worst day, as the diagnosis does
    anchor = (diag_dict or {}).get("verdict", {}).get("versus_312_519", {}).get("day")
    anchor_day = dt.date.fromisoformat(anchor) if anchor else day
    try:
        found = ws.engine.search(anchor_day, top=5)
        analogs_dict = found.to_dict()
        if diag_dict is not None:
            diag_dict["analogs"] = found.brief()
    except RiskoffError as exc:
        unavailable["analogs"] = f"The analog search could not run for this day: {exc}"
    portfolio_html, portfolio_note = _portfolio_section(portfolio, day, s)
    levels = pnl.levels.loc[pnl.levels.index <= cut]
    episodes = _episodes(s)
    table_cut = table.loc[table.index <= cut]
    inp = ReportInput(
        day=day,
        start=start,
        as_of=day,
        anchor=anchor_day,
        row=row,
        table=table_cut,
        charts=chart_set(
            table=table_cut,
            levels=levels,
            traded=pnl.traded.loc[pnl.traded.index <= cut],
            class_moves=pnl.class_moves.loc[pnl.class_moves.index <= cut],
            day=day,
            start=start,
            episodes=episodes,
            anchor=anchor_day,
        ),
        diagnosis=diag_dict,
        analogs=analogs_dict,
        episodes=episodes,
        coverage=coverage_rows(levels, pnl.obs_age, day=day, info=load_catalog(s)),
        portfolio_html=portfolio_html,
        portfolio_note=portfolio_note,
        unavailable=unavailable,
        home=s.home,
    )
    return write_report(inp, out_path, png_dir=png_path, started=t0)


def _episodes(settings: Settings) -> list[dict[str, Any]]:
    from riskoff.analogs.episodes import load_episodes

    return [
        {"id": e.id, "name": e.name, "start": e.start, "end": e.end}
        for e in load_episodes(settings.home).episodes
    ]


def _portfolio_section(
    portfolio: str | Path | None, day: dt.date, settings: Settings
) -> tuple[str | None, str | None]:
    """The replay of the major past sell-offs whose replay was over by ``day`` (point in
    time): ``(html, note)``."""
    if portfolio is None:
        return None, None
    import pandas as pd

    from riskoff.analogs.episodes import load_episodes
    from riskoff.errors import InsufficientDataError
    from riskoff.portfolio import DEFAULT_HORIZON
    from riskoff.usecases.portfolio import stress_portfolio

    cut = pd.Timestamp(day)
    done = [
        e.id
        for e in load_episodes(settings.home).major()
        if pd.Timestamp(e.end) + pd.offsets.BDay(DEFAULT_HORIZON) <= cut
    ]
    if not done:
        return None, (
            f"No major past sell-off and its {DEFAULT_HORIZON}-weekday aftermath had "
            f"ended by {day}: there is nothing to replay without later data."
        )
    try:
        replay = stress_portfolio(portfolio, episodes=done, as_of=day, settings=settings)
    except InsufficientDataError as exc:
        return None, f"The replay could not run: {exc}."
    return replay.to_html(), None
