"""The immutable workspace every read use-case works on.

A :class:`Workspace` is the point-in-time panel of a store, its daily feature table and
what is derived from them once (the relative-move parameters and the analog engine),
together with the identity of the store it was built from. It is built by
:func:`build_workspace` and never changed: the indicators read the panel, the use-cases
read the workspace, and the cache (:mod:`riskoff.usecases.cache`) keeps whole workspaces.

The indicators are pure functions of the panel: what is worth computing once (the
feature table and the trailing state behind it) is computed here and kept in the
workspace, never written into the panel.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from riskoff.config import Settings

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.analogs import AnalogEngine, EpisodeCatalog
    from riskoff.dates import Window
    from riskoff.indicators.features import FeatureState
    from riskoff.panel import Panel

__all__ = [
    "COMPLETE_SHARE",
    "RECENT_DAYS",
    "Workspace",
    "build_engine",
    "build_workspace",
]

RECENT_DAYS = 30
"""How far back "the latest complete day" looks."""

COMPLETE_SHARE = 0.8
"""A day is complete when at least this share of the recent maximum of open classes
published a close."""


@dataclass(frozen=True, eq=False)
class Workspace:
    """Everything a read use-case needs, built once from one version of one store.

    Attributes:
        panel: the point-in-time panel (``riskoff.panel.Panel``).
        table: its daily feature table (``docs/features.md``).
        params: the relative-move parameters of the table (``indicators.relative``).
        engine: the analog engine over the table and the episode catalogue.
        state: the trailing per-panel quantities the table was built from
            (``indicators.features.FeatureState``), kept for window rows.
        store_key: the identity and version of the store it was built from ("" when
            built from a panel handed in by the caller).
        papers: the newspaper indices' readings by newspaper date
            (``indicators.news.paper_readings``; empty without newspapers).
        banks: regional banks beyond their beta per day
            (``indicators.banks.regional_banks_frame``; empty without them).
    """

    panel: Panel
    table: pd.DataFrame
    params: pd.DataFrame
    engine: AnalogEngine
    state: FeatureState
    store_key: str = ""
    papers: pd.DataFrame | None = None
    banks: pd.DataFrame | None = None

    @property
    def first_day(self) -> dt.date:
        """The panel's first day."""
        return self.panel.days[0].date()

    @property
    def as_of(self) -> dt.date:
        """The panel's last day (some catalogue series carry dates past the last close)."""
        return self.panel.as_of.date()

    @property
    def is_empty(self) -> bool:
        """True when the panel holds no day at all."""
        return len(self.panel.days) == 0

    def window_features(self, window: Window) -> dict[str, float]:
        """The feature row of ``window`` (``indicators.features.window_features``) over
        this workspace's panel, table and state; empty when it holds no panel day."""
        from riskoff.indicators.features import window_features

        return window_features(self.panel, window, table=self.table, state=self.state)

    def last_data_day(self) -> dt.date:
        """The last day on which some market published a close (series such as FOMC
        projections carry dates in the future; they do not count)."""
        import numpy as np

        fresh = np.flatnonzero(self.panel.class_open.fillna(0).to_numpy().any(axis=1))
        days = self.panel.days
        return (days[int(fresh[-1])] if len(fresh) else days[0]).date()

    def latest_complete_day(self, *, before: dt.date | None = None) -> dt.date:
        """The latest of the last :data:`RECENT_DAYS` days with data on which most asset
        classes published a close: the store's very last day often holds only the first
        series of a day still being published. The one definition of "the latest day"
        (``riskoff diagnose`` and ``riskoff report`` without a date or with ``today``,
        ``latest`` or ``yesterday``, the dashboard's pre-fill, the API, the demo).

        ``before``: only days strictly before it count (``yesterday`` is the latest
        complete day before the calendar's today).
        """
        import pandas as pd

        last = self.last_data_day()
        if before is not None and last >= before:
            last = before - dt.timedelta(days=1)
        n_open = self.panel.class_open.loc[: pd.Timestamp(last)].fillna(0).sum(axis=1)
        recent = n_open.iloc[-RECENT_DAYS:]
        if not len(recent):
            return last
        full = recent[recent >= COMPLETE_SHARE * recent.max()]
        return pd.Timestamp(full.index[-1]).date() if len(full) else last

    def closes_on(self, day: dt.date) -> tuple[list[str], list[str]]:
        """``(published, missing)``: the asset classes with a close on ``day`` and those
        without one (among the classes with any data in the :data:`RECENT_DAYS` before
        it), by class id in table order."""
        import pandas as pd

        co = self.panel.class_open.loc[: pd.Timestamp(day)]
        if not len(co) or co.index[-1] != pd.Timestamp(day):
            return [], []
        live = co.iloc[-RECENT_DAYS:].notna().any(axis=0)
        today = co.iloc[-1]
        published = [str(c) for c in co.columns if live[c] and today[c] == 1]
        missing = [str(c) for c in co.columns if live[c] and today[c] != 1]
        return published, missing


def build_engine(panel: Panel, table: pd.DataFrame, episodes: EpisodeCatalog) -> AnalogEngine:
    """The analog engine over ``table``, with the observed closes of the "what happened
    next" assets and the episode catalogue."""
    from riskoff.analogs import AnalogEngine
    from riskoff.analogs.forward import FORWARD_SYMBOLS

    cols = [c for c in FORWARD_SYMBOLS if c in panel.levels.columns]
    closes = panel.levels[cols].where(panel.traded[cols].astype(bool))
    return AnalogEngine(table, closes, episodes)


def build_workspace(
    panel: Panel, settings: Settings | None = None, *, store_key: str = ""
) -> Workspace:
    """The workspace of ``panel``: its feature table, relative-move parameters and analog
    engine (with the episode catalogue of ``settings.home``)."""
    from riskoff.analogs import load_episodes
    from riskoff.indicators.banks import regional_banks_frame
    from riskoff.indicators.features import daily_features, feature_state
    from riskoff.indicators.news import paper_readings
    from riskoff.indicators.relative import relative_params

    s = settings or Settings.from_env()
    state = feature_state(panel)
    table = daily_features(panel, state)
    return Workspace(
        panel=panel,
        table=table,
        params=relative_params(table),
        engine=build_engine(panel, table, load_episodes(s.home)),
        state=state,
        store_key=store_key,
        papers=paper_readings(panel.papers),
        banks=regional_banks_frame(panel, table),
    )
