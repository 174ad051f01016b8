"""The command line's shape: help, series coverage, error lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import riskoff
from riskoff.config import Settings
from tests.helpers import run_cli


def test_help_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["--help"], capsys)
    assert code == 0
    for cmd in ("ingest", "series"):
        assert cmd in out


def test_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys; sys.argv=['riskoff','--help']\n"
        "from riskoff.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy=[m for m in ('pandas','duckdb','numpy','httpx','plotly') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout


def test_series_json_on_loaded_store(
    loaded_settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RISKOFF_HOME", str(loaded_settings.home))
    code, out, _ = run_cli(["series", "--json"], capsys)
    assert code == 0
    rows = json.loads(out)
    by = {r["symbol"]: r for r in rows}
    assert {"symbol", "count", "first", "last", "stale_days"} <= set(rows[0])
    assert by["yahoo:^GSPC"]["first"] <= "1990-01-02"
    assert by["fred:WALCL"]["units"] == "usd_millions"
    assert by["fred:SOFR"]["asset_class"] == "funding"
    assert by["fred:SOFR"]["lag"] == "1B"
    # how a provider's rows are re-dated is part of what a series is
    assert by["yahoo:JPY=X"]["row_holds"] == "previous_weekday"
    assert by["yahoo:JPY=X"]["row_holds_from"] == "2010-08-12"
    assert by["yahoo:^GSPC"]["row_holds"] == "own_day"


def test_series_on_empty_home(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["series", "--json"], capsys)
    assert code == 0
    assert json.loads(out) == []


def test_unknown_command_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["frobnicate"], capsys)
    assert code == 2
    assert "No such command" in err


def test_public_api_exports_resolve() -> None:
    for name in riskoff.__all__:
        assert getattr(riskoff, name) is not None, name
