"""``riskoff stress-index``: riskoff's daily composite stress index (``docs/stress_index.md``)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from riskoff.config import Settings

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.usecases.workspace import Workspace

__all__ = ["stress_index"]


def stress_index(
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    settings: Settings | None = None,
    workspace: Workspace | None = None,
) -> pd.DataFrame:
    """The stress index as a DataFrame indexed by date with columns ``stress_index`` and
    one per segment, for ``start..end``. Every value uses only data public by the end of
    its day, so a workspace over the whole store (``workspace``) answers like a panel
    loaded as of ``end`` (the default)."""
    import pandas as pd

    from riskoff.indicators.stress import stress_components
    from riskoff.usecases.panels import load_panel

    pnl = workspace.panel if workspace is not None else load_panel(settings, as_of=end)
    comp = stress_components(pnl)
    comp = comp.rename(columns=lambda c: "stress_index" if c == "stress.index" else c[7:])
    if start is not None:
        comp = comp.loc[comp.index >= pd.Timestamp(start)]
    if end is not None and workspace is not None:
        comp = comp.loc[comp.index <= pd.Timestamp(end)]
    return comp.dropna(subset=["stress_index"])
