"""riskoff: why is everything falling? Cross-asset sell-off diagnosis with evidence.

The public API is the product; every name is imported lazily so ``import riskoff`` stays
fast, and every function returns a typed result::

    import riskoff
    riskoff.ingest("../shared/data")          # IngestResult
    riskoff.diagnose("2020-03-12")            # Diagnosis (print it, or .to_dict())
    riskoff.analogs("2020-03-12", top=3)      # AnalogReport
    riskoff.scan("2020-03-01", "2020-03-31")  # ScanRows (a list of ScanRow)
    riskoff.stress_index()                    # StressIndexFrame (a DataFrame)
    riskoff.stress_portfolio("examples/portfolio.csv")   # StressReport
    riskoff.stress_book("book/", out_dir="out/")         # BookReport (many accounts)
    riskoff.report(out="riskoff-report.html") # ReportResult
    riskoff.series("yahoo:SPY")               # SeriesData
    riskoff.coverage()                        # list[CoverageRow]
    riskoff.evaluate(set_name="episodes")     # Evaluation

In a notebook every result shows itself with the report's own pieces and charts, and
converts to pandas with ``.to_frame()`` (``.to_series()`` for a diagnosis's headline
numbers): docs/notebooks.md.

They are the functions of :mod:`riskoff.usecases`, which the command line and the web
app call too. ``riskoff.analogs`` is the function: the subpackage of the same name is
imported as ``from riskoff.analogs import ...``.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING

from riskoff import _repr
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
    "analogs",
    "coverage",
    "diagnose",
    "evaluate",
    "ingest",
    "open_store",
    "report",
    "scan",
    "series",
    "stress_book",
    "stress_index",
    "stress_portfolio",
    "update",
]

_USECASES = tuple(n for n in __all__ if n.islower() and not n.startswith("_"))
"""The use-cases (lower-case names of ``__all__``), all served by ``riskoff.usecases``."""

_LAZY = {
    "Catalog": "riskoff.catalog",
    "SeriesInfo": "riskoff.catalog",
    "Settings": "riskoff.config",
    "Store": "riskoff.store",
    **dict.fromkeys(_USECASES, "riskoff.usecases"),
}

if TYPE_CHECKING:
    from riskoff.catalog import Catalog, SeriesInfo
    from riskoff.config import Settings
    from riskoff.store import Store
    from riskoff.usecases import (
        analogs,
        coverage,
        diagnose,
        evaluate,
        ingest,
        open_store,
        report,
        scan,
        series,
        stress_book,
        stress_index,
        stress_portfolio,
        update,
    )


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'riskoff' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


class _Package(types.ModuleType):
    """``riskoff`` itself: importing a subpackage named like a public function
    (``riskoff.analogs``) must not replace the function on the package."""

    def __setattr__(self, name: str, value: object) -> None:
        if name in _USECASES and isinstance(value, types.ModuleType):
            return  # the subpackage stays in sys.modules for ``from riskoff.analogs import``
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def _notebook_html(kind: str, obj: object) -> str | None:
    """A result's notebook view: the report's own HTML pieces and charts
    (:mod:`riskoff.render.notebook`, imported when a notebook first shows a result)."""
    from riskoff.render.notebook import notebook_html

    return notebook_html(kind, obj)


_repr.set_renderer(_notebook_html)
