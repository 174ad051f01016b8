"""Small helpers shared by tests (not fixtures)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

INDEX_HEADER = (
    "symbol,file,date_column,value_column,date_format,row_order,frequency,units,"
    "use_from,use_to,adjusted,notes\n"
)


def write_folder(root: Path, index_rows: list[str], files: dict[str, str | bytes]) -> Path:
    """Make a data folder: INDEX.csv from rows (without header) plus the given files."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "INDEX.csv").write_text(INDEX_HEADER + "".join(r + "\n" for r in index_rows))
    for name, body in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, bytes):
            p.write_bytes(body)
        else:
            p.write_text(body)
    return root


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``riskoff ARGS`` through the real entry point; return (exit code, stdout, stderr)."""
    from riskoff.cli import main

    old = sys.argv
    sys.argv = ["riskoff", *args]
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code) if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = old
    out = capsys.readouterr()
    return code, out.out, out.err
