"""Every result converts to pandas with the columns docs/notebooks.md lists, and shows
itself as one scoped HTML view."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from riskoff import usecases
from riskoff.config import Settings

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
DAY = "2020-03-12"


def _documented() -> dict[str, tuple[str, list[str], bool]]:
    """``method -> (index, columns, open-ended)`` from the table of docs/notebooks.md."""
    text = (REPO / "docs" / "notebooks.md").read_text(encoding="utf-8")
    out = {}
    for line in text.splitlines():
        m = re.match(r"\| `(\w+\.\w+)\(\)` \| (.*?) \| (.*) \|$", line)
        if m:
            method, index, cols = m.groups()
            names = re.findall(r"`([a-z_0-9]+)`", cols)
            key = re.match(r"`(\w+)`", index)
            out[method] = (key.group(1) if key else index, names, "then" in cols)
    return out


@pytest.fixture(scope="module")
def results(workspace: Any, loaded_settings: Settings, tmp_path_factory: Any) -> dict[str, Any]:
    labels = tmp_path_factory.mktemp("labels") / "labels.csv"
    labels.write_text("date,suspects,why\n2020-03-12,liquidity,dash for cash\n")
    kw: dict[str, Any] = {"settings": loaded_settings}
    return {
        "Diagnosis": usecases.diagnose(DAY, workspace=workspace, **kw),
        "AnalogReport": usecases.analogs(DAY, top=3, workspace=workspace, **kw),
        "ScanRows": usecases.scan("2020-03-01", "2020-03-31", workspace=workspace, **kw),
        "StressIndexFrame": usecases.stress_index(
            pd.Timestamp("2020-01-01").date(), pd.Timestamp(DAY).date(), workspace=workspace
        ),
        "StressReport": usecases.stress_portfolio(
            REPO / "examples" / "portfolio.csv", episodes=["covid-2020"], **kw
        ),
        "Evaluation": usecases.evaluate(labels, workspace=workspace, **kw),
    }


def test_frames_have_the_documented_columns(results: dict[str, Any]) -> None:
    documented = _documented()
    assert len(documented) == 10
    for method, (index, cols, open_ended) in documented.items():
        cls, name = method.split(".")
        obj = getattr(results[cls], name)()
        assert isinstance(obj, pd.Series | pd.DataFrame), method
        if isinstance(obj, pd.Series):
            assert list(obj.index) == cols, method
            continue
        assert type(obj) is pd.DataFrame, method  # a plain frame, never the result's class
        got = [str(c) for c in obj.columns]
        if index in cols or index.startswith("("):
            pass
        else:
            assert obj.index.name == index, (method, obj.index.name)
        if open_ended:
            assert got[: len(cols)] == cols, method
            assert len(got) > len(cols), method
        elif cols:
            assert got == cols, method
        assert len(obj) > 0, method


def test_every_result_shows_one_scoped_view(results: dict[str, Any]) -> None:
    for name, obj in results.items():
        html = obj._repr_html_()
        assert html.startswith('<div class="riskoff-nb">'), name
        assert html.rstrip().endswith("</div>"), name
        assert "<html" not in html, name
    d = results["Diagnosis"]
    assert d.verdict.text.split(":")[0] in results["Diagnosis"]._repr_html_()
    assert results["Diagnosis"].to_series()["primary"] == d.verdict.primary
