"""Small helpers shared by tests (not fixtures)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


@contextlib.contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve an ASGI ``app`` with uvicorn in a thread on a free 127.0.0.1 port; yields its
    base URL and stops the server on exit."""
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
