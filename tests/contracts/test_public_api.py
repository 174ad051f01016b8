"""The public Python API: exactly these names, typed results (no ``Any`` in any public
signature of ``riskoff`` or ``riskoff.usecases``), imported lazily."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys

import riskoff
from riskoff import usecases

EXPECTED = [
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

_ANY = re.compile(r"\bAny\b")


def test_all_is_exactly_the_public_api() -> None:
    assert riskoff.__all__ == EXPECTED
    assert sorted(usecases.__all__) == sorted(set(usecases.__all__))
    for name in riskoff.__all__:
        assert getattr(riskoff, name) is not None, name


def _functions() -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for module, names in ((riskoff, riskoff.__all__), (usecases, usecases.__all__)):
        for name in names:
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                out.append((f"{module.__name__}.{name}", obj))
    return out


def test_the_use_cases_are_the_public_functions() -> None:
    names = {n.rsplit(".", 1)[1] for n, _ in _functions() if n.startswith("riskoff.")}
    assert {"diagnose", "analogs", "scan", "report", "stress_index", "stress_portfolio"} <= names
    assert {"series", "ingest", "update", "coverage", "stress_book"} <= names
    # riskoff.analogs is the function even after the subpackage of that name is imported
    import riskoff.analogs.search

    assert inspect.isfunction(riskoff.analogs)


def test_no_public_function_has_any_in_its_signature() -> None:
    found = _functions()
    assert len(found) >= 20
    for name, fn in found:
        notes = inspect.get_annotations(fn)  # type: ignore[arg-type]
        assert "return" in notes, f"{name} has no return annotation"
        for arg, note in notes.items():
            assert not _ANY.search(str(note)), f"{name}({arg}: {note})"


def test_import_riskoff_stays_light() -> None:
    heavy = "('pandas', 'numpy', 'duckdb')"
    code = f"import sys, riskoff; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
