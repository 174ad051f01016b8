"""riskoff: why is everything falling? Cross-asset sell-off diagnosis with evidence.

The public API is small and imported lazily so ``import riskoff`` stays fast::

    import riskoff
    riskoff.ingest("../shared/data")
    riskoff.coverage()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from riskoff.errors import (
    BadDateError,
    DataFileError,
    InputError,
    ProviderError,
    RiskoffError,
    StoreError,
    UnknownSymbolError,
)

__version__ = "0.1.0"

__all__ = [
    "BadDateError",
    "Catalog",
    "DataFileError",
    "InputError",
    "ProviderError",
    "RiskoffError",
    "SeriesInfo",
    "Settings",
    "Store",
    "StoreError",
    "UnknownSymbolError",
    "__version__",
    "coverage",
    "ingest",
    "open_store",
]

_LAZY = {
    "Catalog": "riskoff.catalog",
    "SeriesInfo": "riskoff.catalog",
    "Settings": "riskoff.config",
    "Store": "riskoff.store",
    "coverage": "riskoff.usecases",
    "ingest": "riskoff.usecases",
    "open_store": "riskoff.usecases",
}

if TYPE_CHECKING:
    from riskoff.catalog import Catalog, SeriesInfo
    from riskoff.config import Settings
    from riskoff.store import Store
    from riskoff.usecases import coverage, ingest, open_store


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'riskoff' has no attribute {name!r}")
