"""``riskoff stress-index``: riskoff's daily composite stress index (``docs/stress_index.md``)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd

from riskoff.config import Settings

if TYPE_CHECKING:
    from riskoff.usecases.workspace import Workspace

__all__ = [
    "PEAK_COLUMNS",
    "StressIndexFrame",
    "most_stressed",
    "stress_index",
    "stress_peak_sentence",
]

PEAK_COLUMNS = ("stress.peak", "stress.breadth")
"""After the segments: the most stressed segment's reading and how many segments stood at
or above their own 90th percentile (docs/stress_index.md, "One market in stress")."""


def most_stressed(row: pd.Series) -> str:
    """The segment whose reading is the row's ``peak`` (a row of :func:`stress_index`)."""
    from riskoff.indicators.stress import SEGMENTS

    vals = row[list(SEGMENTS)].astype("float64")
    hit = vals.index[vals == row["peak"]]
    return str(hit[0]) if len(hit) else ""


class StressIndexFrame(pd.DataFrame):
    """The stress index frame (:func:`stress_index`): a DataFrame that shows itself in a
    notebook with the report's stress chart. Everything computed from it is a plain
    DataFrame (pandas' constructor is not overridden)."""

    def _repr_html_(self) -> str:
        from riskoff.render.notebook import stress_index_html
        from riskoff.usecases.charting import stress_data

        if self.empty:
            return stress_index_html(self, None)
        table = pd.DataFrame(self).rename(
            columns=lambda c: "stress.index" if c == "stress_index" else f"stress.{c}"
        )
        first, last = self.index[0].date(), self.index[-1].date()
        data = stress_data(table, day=last, episodes=_episodes(), start=first)
        return stress_index_html(self, data)

    def to_frame(self) -> pd.DataFrame:
        """The same data as a plain DataFrame: indexed by date, columns ``stress_index``
        and one per segment (docs/stress_index.md)."""
        return pd.DataFrame(self)


def _episodes() -> list[dict[str, object]]:
    from riskoff.analogs.episodes import load_episodes

    return [
        {"id": e.id, "name": e.name, "start": e.start, "end": e.end}
        for e in load_episodes(Settings.from_env().home).episodes
    ]


def stress_index(
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    settings: Settings | None = None,
    workspace: Workspace | None = None,
) -> StressIndexFrame:
    """The stress index as a DataFrame indexed by date with columns ``stress_index``, one
    per segment, ``peak`` (the most stressed segment's reading: :func:`most_stressed`
    names it) and ``breadth`` (segments at or above their own 90th percentile), for
    ``start..end``. Every value uses only data public by the end of
    its day, so a workspace over the whole store (``workspace``) answers like a panel
    loaded as of ``end`` (the default)."""
    from riskoff.indicators.stress import SEGMENTS, stress_components
    from riskoff.usecases.panels import load_panel

    columns = ["stress.index", *(f"stress.{seg}" for seg in SEGMENTS), *PEAK_COLUMNS]

    if workspace is not None:  # the workspace's table holds the same columns
        comp = workspace.table[columns]
    else:
        comp = stress_components(load_panel(settings, as_of=end))[columns]
    comp = comp.rename(columns=lambda c: "stress_index" if c == "stress.index" else c[7:])
    if start is not None:
        comp = comp.loc[comp.index >= pd.Timestamp(start)]
    if end is not None and workspace is not None:
        comp = comp.loc[comp.index <= pd.Timestamp(end)]
    return StressIndexFrame(comp.dropna(subset=["stress_index"]))


def stress_peak_sentence(frame: pd.DataFrame) -> str:
    """Where the last day's stress was (a frame of :func:`stress_index`): its most stressed
    segment and how many stood at or above their own 90th percentile."""
    from riskoff.formatting import fmt_pctile
    from riskoff.knowledge.glossary import stress_segment_name
    from riskoff.knowledge.universe import STRESS_HOT_PCT

    if frame.empty or pd.isna(frame["peak"].iloc[-1]):
        return ""
    last = frame.iloc[-1]
    seg = most_stressed(last)
    n = int(last["breadth"])
    return (
        f"On {frame.index[-1]:%Y-%m-%d} the most stressed segment was "
        f"{stress_segment_name(seg)} ({float(last['peak']):.3f}); {n} segment"
        f"{'s' if n != 1 else ''} stood at or above the {fmt_pctile(STRESS_HOT_PCT)} of "
        f"{'their' if n != 1 else 'its'} own history."
    )
