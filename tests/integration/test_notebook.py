"""The example notebook runs (nbclient, a real kernel, the real data, offline), and the
diagnosis it shows names the same verdict, in the same words, as the report page."""

from __future__ import annotations

import re
import time
from html import unescape
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from riskoff.config import Settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "examples" / "riskoff.ipynb"
DAY = "2020-03-12"


def _tagged(nb: Any, tag: str) -> Any:
    return next(c for c in nb.cells if tag in c.get("metadata", {}).get("tags", []))


def _html(cell: Any) -> str:
    for out in cell.outputs:
        data = out.get("data", {})
        if "text/html" in data:
            return str(data["text/html"])
    raise AssertionError(f"no HTML output in {cell.source!r}")


def _verdict(page: str) -> tuple[str, str, str]:
    """(headline, prime suspect chip, verdict paragraph) of a page or view."""
    lede = re.search(r'<p class="lede" id="verdict">(.*?)</p>', page, re.S)
    prime = re.search(r'<li class="chip">prime suspect: (.*?)</li>', page, re.S)
    verdict = re.search(r'<p class="verdict">(.*?)</p>', page, re.S)
    assert lede, "headline not found"
    assert prime, "prime suspect not found"
    assert verdict, "verdict not found"
    return (
        unescape(lede.group(1)).strip(),
        unescape(prime.group(1)).strip(),
        unescape(verdict.group(1)).strip(),
    )


def test_example_notebook_runs_and_shows_the_reports_verdict(
    loaded_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from riskoff import usecases

    monkeypatch.setenv("RISKOFF_HOME", str(loaded_settings.home))
    nb = nbformat.read(NOTEBOOK, as_version=4)  # type: ignore[no-untyped-call]
    t0 = time.perf_counter()
    NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    ).execute()
    seconds = time.perf_counter() - t0
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors, errors
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code")

    view = _html(_tagged(nb, "diagnosis"))
    primary = _tagged(nb, "primary").outputs[0]["data"]["text/plain"].strip("'")
    report = tmp_path / "report.html"
    usecases.report(DAY, out=report, settings=loaded_settings)
    page = report.read_text(encoding="utf-8")

    assert _verdict(view) == _verdict(page)
    diag = usecases.diagnose(DAY, settings=loaded_settings)
    assert primary == diag.verdict.primary
    assert f'id="suspect-{primary}"' in view
    # the report's styles, scoped to the view: nothing else in the notebook is restyled
    assert '<div class="riskoff-nb">' in view
    assert re.search(r"^\s*body\s*\{", view, re.M) is None
    assert seconds < 120, f"the example notebook took {seconds:.0f} s"
