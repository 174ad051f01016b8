"""The use-cases: what riskoff does, one small module each, over one immutable workspace.

Every face (the command line, the web app, the public Python API in :mod:`riskoff`)
calls these functions and nothing below them, so the same question gets the same answer
everywhere. Data flows one way: providers -> store -> panel -> indicators -> diagnosis |
analogs | portfolio -> render.

Modules: :mod:`~.ingesting`, :mod:`~.updating`, :mod:`~.series_data` (coverage and one
series), :mod:`~.diagnosing` (diagnose and scan, reading :mod:`~.day_inputs` and
:mod:`~.newspapers`), :mod:`~.evaluating` (evaluate; its fits in :mod:`~.calibrating`),
:mod:`~.analog_search`, :mod:`~.reporting`,
:mod:`~.portfolio` (portfolio replay; a whole book in :mod:`~.book`, written out by
:mod:`~.book_output`), :mod:`~.stress` (stress index), :mod:`~.watching`
(``riskoff watch``: its rules file in :mod:`~.watch_config`, its rules in
:mod:`~.watch_rules`, what they read in :mod:`~.watch_facts`, the alerts' recording and
sending in :mod:`~.watch_outbox` and :mod:`~.notify`, the alerts and health read back in
:mod:`~.watch_log`), over
:mod:`~.workspace` (the immutable :class:`Workspace`), :mod:`~.panels` (point-in-time
workspaces) and :mod:`~.cache` (the on-disk cache, keyed by the store and the code's
import-graph fingerprint, :mod:`~.fingerprint`). Names are imported lazily;
a module is never named like a function it defines (``usecases.diagnose`` is always the
function).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = [
    "EMPTY_STORE",
    "REVISION_DAYS",
    "AnalogBrief",
    "CoverageRow",
    "EmptyStoreError",
    "IngestResult",
    "Observation",
    "SeriesData",
    "UpdateResult",
    "Workspace",
    "analog_engine",
    "analogs",
    "analogs_for",
    "coverage",
    "diagnose",
    "evaluate",
    "feature_row",
    "ingest",
    "load_catalog",
    "load_panel",
    "load_workspace",
    "most_stressed",
    "open_store",
    "report",
    "revisions",
    "scan",
    "series",
    "stress_book",
    "stress_index",
    "stress_peak_sentence",
    "stress_portfolio",
    "update",
    "workspace_as_of",
    "workspace_of",
]

_LAZY = {
    "EMPTY_STORE": "common",
    "EmptyStoreError": "common",
    "load_catalog": "common",
    "open_store": "common",
    "REVISION_DAYS": "updating",
    "UpdateResult": "updating",
    "update": "updating",
    "IngestResult": "ingesting",
    "ingest": "ingesting",
    "CoverageRow": "series_data",
    "Observation": "series_data",
    "SeriesData": "series_data",
    "coverage": "series_data",
    "revisions": "series_data",
    "series": "series_data",
    "AnalogBrief": "analog_search",
    "analog_engine": "analog_search",
    "analogs": "analog_search",
    "analogs_for": "analog_search",
    "diagnose": "diagnosing",
    "scan": "diagnosing",
    "feature_row": "day_inputs",
    "evaluate": "evaluating",
    "report": "reporting",
    "stress_index": "stress",
    "stress_peak_sentence": "stress",
    "most_stressed": "stress",
    "stress_portfolio": "portfolio",
    "stress_book": "book",
    "Workspace": "workspace",
    "load_workspace": "cache",
    "load_panel": "panels",
    "workspace_as_of": "panels",
    "workspace_of": "panels",
}

if TYPE_CHECKING:
    from riskoff.usecases.analog_search import AnalogBrief, analog_engine, analogs, analogs_for
    from riskoff.usecases.book import stress_book
    from riskoff.usecases.cache import load_workspace
    from riskoff.usecases.common import EMPTY_STORE, EmptyStoreError, load_catalog, open_store
    from riskoff.usecases.day_inputs import feature_row
    from riskoff.usecases.diagnosing import diagnose, scan
    from riskoff.usecases.evaluating import evaluate
    from riskoff.usecases.ingesting import IngestResult, ingest
    from riskoff.usecases.panels import load_panel, workspace_as_of, workspace_of
    from riskoff.usecases.portfolio import stress_portfolio
    from riskoff.usecases.reporting import report
    from riskoff.usecases.series_data import (
        CoverageRow,
        Observation,
        SeriesData,
        coverage,
        revisions,
        series,
    )
    from riskoff.usecases.stress import most_stressed, stress_index, stress_peak_sentence
    from riskoff.usecases.updating import REVISION_DAYS, UpdateResult, update
    from riskoff.usecases.workspace import Workspace


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"riskoff.usecases.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'riskoff.usecases' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
