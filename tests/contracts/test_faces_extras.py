"""The optional faces: ``riskoff mcp`` lists its tools over streamable HTTP on 127.0.0.1;
without its extra (``mcp``, ``dashboard``) a face is a one-line error naming the extra."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import anyio
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from riskoff.mcp.server import TOOL_NAMES


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_http_transport_lists_the_tools_on_localhost(home: Path) -> None:
    port = _free_port()
    env = {**os.environ, "RISKOFF_HOME": str(home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "riskoff", "mcp", "--http", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    names: list[str] = []
    empty: list[bool] = []

    async def main() -> None:
        async with (
            streamable_http_client(f"http://127.0.0.1:{port}/mcp") as (read, write),
            ClientSession(read, write, read_timeout_seconds=60) as session,
        ):
            await session.initialize()
            names.extend(t.name for t in (await session.list_tools()).tools)
            res = await session.call_tool("data_status", {})
            empty.append(bool(res.is_error))

    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.2)
        anyio.run(main)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert sorted(names) == sorted(TOOL_NAMES)
    assert empty == [True]  # an empty store is a tool error, not a crash


def test_without_the_sdk_mcp_is_a_one_line_error() -> None:
    code = (
        "import sys; sys.modules['mcp'] = None\n"
        "sys.argv = ['riskoff', 'mcp']\n"
        "from riskoff.cli import main\n"
        "main()\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 1
    assert (
        out.stderr == "riskoff: error: riskoff mcp needs the MCP SDK: pip install 'riskoff[mcp]'\n"
    )


def test_without_the_dashboard_extra_serve_is_a_one_line_error() -> None:
    code = (
        "import sys; sys.modules['fastapi'] = None\n"
        "sys.argv = ['riskoff', 'serve', '--port', '1']\n"
        "from riskoff.cli import main\n"
        "main()\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 1
    assert out.stderr == (
        "riskoff: error: riskoff serve needs the dashboard libraries: "
        "pip install 'riskoff[dashboard]'\n"
    )


def test_help_imports_no_optional_face() -> None:
    """``riskoff --help`` stays as fast with the extras installed as without them: it
    imports none of their libraries (nor json, which only commands need)."""
    code = (
        "import sys; sys.argv=['riskoff','--help']\n"
        "from riskoff.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "libs = ('mcp', 'fastapi', 'uvicorn', 'starlette', 'pydantic', 'anyio', 'json',\n"
        "        'apprise', 'dask', 'distributed', 'matplotlib',\n"
        "        'jinja2', 'riskoff.mcp', 'riskoff.web', 'riskoff.render')\n"
        "print('LOADED', [m for m in libs if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "LOADED []" in out.stdout
