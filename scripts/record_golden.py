"""Record the golden outputs of ``tests/contracts/golden_cases.py``.

Usage: ``RISKOFF_HOME=DIR .venv/bin/python scripts/record_golden.py`` with DIR holding a
store loaded from the real data folder. Only re-record for a deliberate change of answer.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.contracts.golden_cases import (  # noqa: E402
    commands,
    frozen_today,
    terminal_commands,
)

from riskoff.cli import main  # noqa: E402


def record(name: str, args: list[str], target: Path) -> None:
    buf = io.StringIO()
    old = sys.argv
    sys.argv = ["riskoff", *args]
    try:
        with contextlib.redirect_stdout(buf):
            main()
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise RuntimeError(f"{name}: riskoff {' '.join(args)} exited {exc.code}") from exc
    finally:
        sys.argv = old
    (target / name).write_text(buf.getvalue())


if __name__ == "__main__":
    target = REPO / "tests" / "contracts" / "golden"
    target.mkdir(parents=True, exist_ok=True)
    for name, args in sorted(commands().items()):
        record(name, args, target)
        print(name)
    terminal = REPO / "tests" / "contracts" / "golden_terminal"
    terminal.mkdir(parents=True, exist_ok=True)
    for name, (args, width) in sorted(terminal_commands().items()):
        os.environ["COLUMNS"] = str(width)
        with frozen_today():
            record(name, args, terminal)
        print(name)
    os.environ.pop("COLUMNS", None)
