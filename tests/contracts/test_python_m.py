"""``python -m riskoff`` is the ``riskoff`` script: same commands, same errors, same exit codes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)


def _script() -> str:
    return str(Path(sys.executable).with_name("riskoff"))


def _commands(help_text: str) -> set[str]:
    """The command names of a help page (the first word of each row of its boxes)."""
    return set(re.findall(r"^│ ([a-z][a-z-]*) ", help_text, flags=re.MULTILINE))


def test_python_m_help_lists_the_same_commands() -> None:
    by_module = _run([sys.executable, "-m", "riskoff", "--help"])
    by_script = _run([_script(), "--help"])
    assert by_module.returncode == by_script.returncode == 0
    assert "python -m riskoff" in by_module.stdout
    assert _commands(by_module.stdout) == _commands(by_script.stdout)
    assert {"diagnose", "analogs", "report", "serve"} <= _commands(by_script.stdout)


def test_python_m_bad_input_is_the_scripts_one_line_exit_2() -> None:
    args = ["diagnose", "2020-13-01"]
    by_module = _run([sys.executable, "-m", "riskoff", *args])
    by_script = _run([_script(), *args])
    assert by_module.returncode == by_script.returncode == 2
    assert by_module.stderr == by_script.stderr
    assert by_module.stderr.count("\n") == 1
