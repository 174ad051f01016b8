"""The terminal at 80 and 120 columns: ``stress``, ``series``, ``analogs``,
``stress-index`` and ``episodes`` print exactly their recordings at each width (a table
when it fits, stacked rows when it does not), no line is wider than the terminal and
nothing is cut with an ellipsis."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.contracts.golden_cases import frozen_today, terminal_commands
from tests.helpers import run_cli

pytestmark = pytest.mark.integration

GOLDEN = Path(__file__).with_name("golden_terminal")


@pytest.mark.parametrize(("name", "case"), sorted(terminal_commands().items()))
def test_terminal_view_at_width(
    name: str,
    case: tuple[list[str], int],
    loaded_home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    args, width = case
    monkeypatch.setenv("RISKOFF_HOME", str(loaded_home))
    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.chdir(REPO)
    with frozen_today():
        code, out, err = run_cli(args, capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert lines
    assert max(len(ln) for ln in lines) <= width
    assert "…" not in out  # nothing cut
    assert out == (GOLDEN / name).read_text(), f"{name} differs (scripts/record_golden.py)"


def test_every_terminal_golden_has_a_command() -> None:
    assert {p.name for p in GOLDEN.iterdir()} == set(terminal_commands())
