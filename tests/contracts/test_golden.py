"""Moving code changes no answer: every golden command prints exactly what it printed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.contracts.golden_cases import commands
from tests.helpers import run_cli

pytestmark = pytest.mark.integration

GOLDEN = Path(__file__).with_name("golden")


@pytest.mark.parametrize(("name", "args"), sorted(commands().items()))
def test_output_is_byte_identical(
    name: str,
    args: list[str],
    loaded_home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RISKOFF_HOME", str(loaded_home))
    monkeypatch.chdir(REPO)
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    expected = (GOLDEN / name).read_text()
    assert out == expected, f"{name} differs from its recording (scripts/record_golden.py)"


def test_every_golden_file_has_a_command() -> None:
    names = {p.name for p in GOLDEN.iterdir()}
    assert names == set(commands()), "stale or missing golden files"
    assert os.sep not in "".join(names)
