"""Point-in-time panels and the workspaces built on them, as known at the end of a day."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from riskoff.config import Settings
from riskoff.usecases.common import load_catalog, require_store, settings_or_env

if TYPE_CHECKING:
    from riskoff.panel import Panel
    from riskoff.usecases.workspace import Workspace

__all__ = ["load_panel", "workspace_as_of", "workspace_of"]


def load_panel(
    settings: Settings | None = None,
    *,
    as_of: dt.date | None = None,
    start: dt.date | None = None,
) -> Panel:
    """The point-in-time panel from the store at ``$RISKOFF_HOME``, as known at the end of
    ``as_of`` (default: the last stored day)."""
    from riskoff import panel as panel_mod
    from riskoff.store import Store

    s = settings_or_env(settings)
    require_store(s)
    catalog = load_catalog(s)
    with Store(s.store_path, read_only=True) as st:
        st.require_data()
        return panel_mod.load_panel(st, catalog, as_of, start=start)


def workspace_of(panel: Panel, settings: Settings | None = None) -> Workspace:
    """The workspace of an already loaded panel (not cached: the caller keeps it)."""
    from riskoff.usecases.workspace import build_workspace

    return build_workspace(panel, settings_or_env(settings))


def workspace_as_of(as_of: dt.date, *, settings: Settings | None = None) -> Workspace:
    """The workspace of the store as known at the end of ``as_of`` (nothing published
    later reaches it)."""
    s = settings_or_env(settings)
    return workspace_of(load_panel(s, as_of=as_of), s)
