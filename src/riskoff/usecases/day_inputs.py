"""What the day engine reads beside the diagnosed day itself: a day's feature row, the
feature rows of the 312 and 519 reference days as known then, each session of a window
(with its own papers and regional banks), and the regional banks of a day or a window."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from riskoff.usecases.newspapers import news_frame

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pandas as pd

    from riskoff.dates import Window
    from riskoff.knowledge.suspects import Suspect
    from riskoff.usecases.workspace import Workspace

__all__ = [
    "absent_sources",
    "banks_frame",
    "feature_row",
    "floats",
    "references",
    "regional_banks",
    "window_days",
]


def feature_row(table: pd.DataFrame, day: dt.date) -> dict[str, float]:
    """The feature row of ``day`` in a daily feature table, as the day engine reads it
    (``riskoff evaluate``'s sign rules read the same); a day the calendar lacks (a weekend
    before crypto traded) is every market closed, carrying the last closes."""
    import pandas as pd

    from riskoff.indicators.ranges import RANGE_PREFIXES

    ts = pd.Timestamp(day)
    if ts in table.index:
        return floats(table.loc[ts])
    row = floats(table.loc[:ts].iloc[-1])
    for k in row:
        if k.split(".", 1)[0] in ("move", "sigma", "open"):
            row[k] = 0.0
        elif k.startswith(RANGE_PREFIXES):
            row[k] = float("nan")  # no session that day: no range (not the last one's)
    return row


def floats(row: pd.Series | pd.DataFrame) -> dict[str, float]:
    """A feature row as ``name -> float``."""
    import pandas as pd

    if isinstance(row, pd.DataFrame):  # a repeated day in the index: its last row
        row = row.iloc[-1]
    return {str(k): float(v) for k, v in row.items()}


def references(table: pd.DataFrame, day: dt.date) -> dict[str, dict[str, float] | None]:
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


def window_days(
    ws: Workspace, win: Window, moment: str = "next-morning"
) -> list[tuple[dt.date, dict[str, float]]]:
    """Each session of a window with its feature row (relative moves, its own papers and
    regional banks), as the day engine reads it."""
    import pandas as pd

    from riskoff.indicators.relative import relative_values

    table, params = ws.table, ws.params
    sel = (table.index >= pd.Timestamp(win.start)) & (table.index <= pd.Timestamp(win.end))
    days: list[tuple[dt.date, dict[str, float]]] = []
    papers = news_frame(ws, pd.DatetimeIndex(table.index[sel]), moment)
    banks = banks_frame(ws, pd.DatetimeIndex(table.index[sel]))
    for ts in table.index[sel]:
        r = floats(table.loc[ts])
        r.update(relative_values(r, floats(params.loc[ts])))
        if not papers.empty:
            r.update({k: v for k, v in floats(papers.loc[ts]).items() if v == v})
        if not banks.empty:
            r.update(floats(banks.loc[ts]))
        days.append((ts.date(), r))
    return days


def regional_banks(
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


def banks_frame(ws: Workspace, days: pd.DatetimeIndex) -> pd.DataFrame:
    """``move.regional_banks`` and ``rel.regional_banks`` of each single day of ``days``
    (scans and window paths); no columns without the source."""
    import pandas as pd

    if ws.banks is None or "rel.regional_banks" not in ws.banks:
        return pd.DataFrame(index=days)
    return ws.banks[["move.regional_banks", "rel.regional_banks"]].reindex(days)


def absent_sources(ws: Workspace, suspects: Sequence[Suspect], day: dt.date) -> frozenset[str]:
    """The source symbols the suspects' checks (and the classes) read that had no data on
    ``day``: no level known at its end (the panel forgets a level past its staleness), no
    class move from any of the class's sources, no newspaper dated that day. A check
    without a value names only these; a source with data behind a check without a value
    lacked the history the measure needs (``riskoff.diagnosis.engine``)."""
    import math

    import pandas as pd

    from riskoff.diagnosis.classes import CLASS_SOURCES

    pnl, ts = ws.panel, pd.Timestamp(day)
    class_of = {sym: cls for cls, sym in CLASS_SOURCES.items()}
    wanted = {s for sp in suspects for c in sp.checks for s in c.sources} | set(class_of)

    def value(frame: pd.DataFrame, col: str) -> float:
        if col not in frame.columns or ts not in frame.index:
            return math.nan
        return float(frame[col].loc[ts])

    def has_data(sym: str) -> bool:
        if sym in pnl.papers.columns:  # a paper of that date, never one carried forward
            return not math.isnan(value(pnl.papers, sym))
        if not math.isnan(value(pnl.levels, sym)):
            return True
        cls = class_of.get(sym)
        return cls is not None and value(pnl.class_source, cls) >= 0

    return frozenset(sym for sym in wanted if not has_data(sym))
