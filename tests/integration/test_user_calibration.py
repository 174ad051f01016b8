"""A user's own calibration (issue 21): ``$RISKOFF_HOME/calibration.json``, in the packaged
file's format, is the fit the verdict's confidence reads, and the diagnosis JSON records
which file that was (``data.calibration.file``)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from riskoff import usecases
from riskoff.config import Settings

pytestmark = [pytest.mark.integration]

DAY = "2025-04-04"  # a day that names a suspect (2025's tariff sell-off, issue 20)


def test_the_confidence_reads_the_users_calibration_file(
    loaded_settings: Settings, workspace: Any, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "riskoff.duckdb").symlink_to(loaded_settings.store_path)  # the same store
    mine = Settings.from_env({"RISKOFF_HOME": str(home)})
    before = usecases.diagnose(DAY, settings=mine, workspace=workspace, with_analogs=False)
    assert before.verdict.primary
    assert before.to_dict()["data"]["calibration"]["file"] == "riskoff/data/calibration.json"
    raw = json.loads(
        resources.files("riskoff.data").joinpath("calibration.json").read_text("utf-8")
    )
    raw["mapping"]["a"] -= 2.0  # a more modest fit of the user's own
    (home / "calibration.json").write_text(json.dumps(raw), encoding="utf-8")
    after = usecases.diagnose(DAY, settings=mine, workspace=workspace, with_analogs=False)
    assert after.to_dict()["data"]["calibration"]["file"] == "$RISKOFF_HOME/calibration.json"
    assert after.verdict.primary == before.verdict.primary
    assert before.verdict.confidence is not None
    assert after.verdict.confidence is not None
    assert after.verdict.confidence < before.verdict.confidence
    assert f"Confidence {after.verdict.confidence:.2f} that it is right" in after.verdict.text
