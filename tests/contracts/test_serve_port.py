"""``riskoff serve`` on a busy port is one line and exit 2; ``--port 0`` binds any free
port and says which; ``riskoff episodes`` lists the replay episodes with their ids."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from riskoff.knowledge.episodes import load_episodes
from tests.helpers import run_cli

pytestmark = pytest.mark.integration

RISKOFF = [sys.executable, "-m", "riskoff.cli"]


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "RISKOFF_HOME": str(home), "NO_COLOR": "1"}


def test_a_busy_port_is_one_line_and_exit_2(loaded_home: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = subprocess.run(
            [*RISKOFF, "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            env=_env(loaded_home),
        )
    assert r.returncode == 2, r.stderr
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1
    assert f"port {port} on 127.0.0.1 is already in use" in r.stderr


def test_port_0_announces_the_port_it_got(loaded_home: Path) -> None:
    import httpx

    proc = subprocess.Popen(
        [*RISKOFF, "serve", "--port", "0"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=_env(loaded_home),
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert m, line
        port = int(m.group(1))
        assert port > 0
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/series", timeout=30, trust_env=False)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        assert r.status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_episodes_lists_every_id(
    loaded_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RISKOFF_HOME", str(loaded_home))
    ids = [e.id for e in load_episodes(loaded_home).episodes]
    code, out, err = run_cli(["episodes", "--json"], capsys)
    assert code == 0, err
    rows = json.loads(out)
    assert sorted(r["id"] for r in rows) == sorted(ids)
    assert {r["id"] for r in rows if r["major"]} == {
        e.id for e in load_episodes(loaded_home).major()
    }
    code, out, err = run_cli(["episodes"], capsys)
    assert code == 0, err
    for i in ids:
        assert i in out
