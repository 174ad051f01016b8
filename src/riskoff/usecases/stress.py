"""``riskoff stress-index``: riskoff's daily composite stress index (``docs/stress_index.md``)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd

from riskoff.config import Settings

if TYPE_CHECKING:
    from riskoff.usecases.workspace import Workspace

__all__ = ["StressIndexFrame", "stress_index"]


class StressIndexFrame(pd.DataFrame):
    """The stress index frame (:func:`stress_index`): a DataFrame that shows itself in a
    notebook with the report's stress chart. Everything computed from it is a plain
    DataFrame (pandas' constructor is not overridden)."""

    def _repr_html_(self) -> str:
        from riskoff.render.notebook import stress_index_html
        from riskoff.usecases.charting import stress_data

        if self.empty:
            return stress_index_html(self, None)
        table = pd.DataFrame(self).rename(columns={"stress_index": "stress.index"})
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
    """The stress index as a DataFrame indexed by date with columns ``stress_index`` and
    one per segment, for ``start..end``. Every value uses only data public by the end of
    its day, so a workspace over the whole store (``workspace``) answers like a panel
    loaded as of ``end`` (the default)."""
    from riskoff.indicators.stress import SEGMENTS, stress_components
    from riskoff.usecases.panels import load_panel

    if workspace is not None:  # the workspace's table holds the same columns
        comp = workspace.table[["stress.index", *(f"stress.{seg}" for seg in SEGMENTS)]]
    else:
        comp = stress_components(load_panel(settings, as_of=end))
    comp = comp.rename(columns=lambda c: "stress_index" if c == "stress.index" else c[7:])
    if start is not None:
        comp = comp.loc[comp.index >= pd.Timestamp(start)]
    if end is not None and workspace is not None:
        comp = comp.loc[comp.index <= pd.Timestamp(end)]
    return StressIndexFrame(comp.dropna(subset=["stress_index"]))
