"""``riskoff mcp`` driven over stdio by the MCP SDK's own client, as an assistant would:
a real server subprocess on the real data. Every tool answers; each answer's command
line, run as a separate process, prints the same result; bad input is a tool error with
the command line's one-line message, and the server keeps answering after it."""

from __future__ import annotations

import csv
import io
import json
import os
import shlex
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import CallToolResult, TextContent

from riskoff.mcp.server import TOOL_NAMES

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
PORTFOLIO = REPO / "examples" / "portfolio.csv"
DAY = "2020-03-12"
TIMEOUT = 180.0


def _env(home: Path) -> dict[str, str]:
    return {"RISKOFF_HOME": str(home), "PYTHONUNBUFFERED": "1"}


def _run_command(command: str, home: Path) -> subprocess.CompletedProcess[str]:
    """A tool's ``command`` (``riskoff ...``) run as ``python -m riskoff ...``."""
    words = shlex.split(command)
    assert words[0] == "riskoff"
    env = {**os.environ, **_env(home)}
    return subprocess.run(
        [sys.executable, "-m", "riskoff", *words[1:]],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT,
        check=False,
    )


def _session(home: Path, body: Callable[[ClientSession], Awaitable[None]]) -> None:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "riskoff", "mcp"], env=_env(home), cwd=str(REPO)
    )

    async def main() -> None:
        async with (
            stdio_client(params) as (read, write),
            ClientSession(read, write, read_timeout_seconds=TIMEOUT) as session,
        ):
            await session.initialize()
            await body(session)

    anyio.run(main)


def _text(res: CallToolResult) -> str:
    assert len(res.content) == 1
    block = res.content[0]
    assert isinstance(block, TextContent)
    return block.text


def _answer(res: CallToolResult) -> dict[str, Any]:
    assert not res.is_error, _text(res)
    data = res.structured_content
    assert isinstance(data, dict)
    assert json.loads(_text(res)) == data  # the text block is the same JSON
    assert {"result", "provenance", "command"} <= set(data)
    prov = data["provenance"]
    assert {"as_of", "sources", "missing", "store"} <= set(prov)
    return data


def test_every_tool_over_stdio_matches_the_command_line(loaded_home: Path) -> None:
    answers: dict[str, dict[str, Any]] = {}
    listed: list[str] = []

    async def body(session: ClientSession) -> None:
        tools = await session.list_tools()
        listed.extend(t.name for t in tools.tools)
        for t in tools.tools:
            assert t.description, t.name
            assert t.annotations is not None, t.name
            assert t.annotations.read_only_hint, t.name
        calls: dict[str, dict[str, Any]] = {
            "diagnose": {"date": DAY},
            "explain_suspect": {"date": DAY, "suspect": "liquidity"},
            "analogs": {"date": DAY, "top": 3},
            "replay_portfolio": {"portfolio": str(PORTFOLIO), "episodes": ["covid-2020"]},
            "stress_index": {"start": "2020-02-24", "end": DAY},
            "data_status": {},
        }
        for name, args in calls.items():
            answers[name] = _answer(await session.call_tool(name, args))

    _session(loaded_home, body)
    assert sorted(listed) == sorted(TOOL_NAMES)
    assert set(answers) == set(TOOL_NAMES)

    # diagnose: exactly `riskoff diagnose DAY --json`, run as its own process
    diag = answers["diagnose"]
    assert diag["command"] == f"riskoff diagnose {DAY} --json"
    cli = _run_command(diag["command"], loaded_home)
    assert cli.returncode == 0, cli.stderr
    assert diag["result"] == json.loads(cli.stdout)
    assert diag["provenance"]["as_of"] == DAY
    assert diag["provenance"]["missing"] == json.loads(cli.stdout)["data"]["missing"]
    assert "FRED (Federal Reserve Bank of St. Louis)" in diag["provenance"]["sources"]

    # explain_suspect: the same suspect, evidence and rank as in that diagnosis
    ex = answers["explain_suspect"]["result"]
    ranked = [s["id"] for s in diag["result"]["suspects"]]
    entry = diag["result"]["suspects"][ranked.index("liquidity")]
    assert ex["rank"] == ranked.index("liquidity") + 1
    assert ex["score"] == entry["score"]
    assert ex["for"] + ex["against"] + ex["not_computable"] == sorted(
        entry["evidence"],
        key=lambda e: {True: 0, False: 1, None: 2}[e["supports"]],
    )
    assert answers["explain_suspect"]["command"] == diag["command"]

    # analogs and the portfolio replay: the same JSON as their commands
    for name in ("analogs", "replay_portfolio", "data_status"):
        ans = answers[name]
        out = _run_command(ans["command"], loaded_home)
        assert out.returncode == 0, (name, out.stderr)
        assert ans["result"] == (
            json.loads(out.stdout)
            if name != "data_status"
            else {"summary": ans["result"]["summary"], "series": json.loads(out.stdout)}
        ), name

    # stress index: the rows of `riskoff stress-index --start --end --csv`
    si = answers["stress_index"]
    out = _run_command(si["command"], loaded_home)
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert len(rows) == len(si["result"]["rows"]) == si["result"]["summary"]["days"] > 10
    for mine, theirs in zip(si["result"]["rows"], rows, strict=True):
        assert mine["date"] == theirs["date"]
        assert mine["stress_index"] == pytest.approx(float(theirs["stress_index"]), abs=1e-4)
        assert mine["peak"] == pytest.approx(float(theirs["peak"]), abs=1e-4)
    # the summary names the last day's most stressed segment, whose reading is its peak
    top = si["result"]["summary"]["most_stressed"]
    assert (
        si["result"]["rows"][-1][top["segment"]] == top["value"] == si["result"]["rows"][-1]["peak"]
    )
    assert top["text"].startswith(f"On {si['result']['rows'][-1]['date']} the most stressed")


BAD: list[tuple[str, dict[str, Any], list[str] | None]] = [
    # (tool, arguments, the command line that must print the same one-line error)
    ("diagnose", {"date": "2020-13-01"}, ["diagnose", "2020-13-01"]),
    ("diagnose", {"date": "2099-01-02"}, ["diagnose", "2099-01-02"]),
    ("diagnose", {"date": DAY, "window": "2020-03-20:2020-03-09"}, None),
    ("analogs", {"date": "1950-01-03"}, ["analogs", "1950-01-03"]),
    ("stress_index", {"start": "2020-03-12", "end": "2020-03-01"}, None),
    ("replay_portfolio", {"portfolio": "/nonexistent/pf.csv"}, ["stress", "/nonexistent/pf.csv"]),
    ("data_status", {"symbol": "nosuch:SYMBOL"}, ["series", "nosuch:SYMBOL"]),
    ("explain_suspect", {"date": DAY, "suspect": "aliens"}, None),
]


def test_bad_input_is_a_tool_error_with_the_command_lines_message(loaded_home: Path) -> None:
    results: list[CallToolResult] = []
    after: list[CallToolResult] = []

    async def body(session: ClientSession) -> None:
        for name, args, _ in BAD:
            results.append(await session.call_tool(name, args))
        # arguments that fail the tool's own schema are tool errors too
        results.append(await session.call_tool("analogs", {"date": DAY, "top": 0}))
        results.append(await session.call_tool("diagnose", {}))
        # and the server still answers
        after.append(await session.call_tool("data_status", {"symbol": "yahoo:^GSPC"}))

    _session(loaded_home, body)
    for (name, args, argv), res in zip(BAD, results, strict=False):
        assert res.is_error, (name, args)
        text = _text(res)
        assert text, name
        assert "\n" not in text, (name, text)
        assert "Traceback" not in text
        if argv is not None:
            cli = _run_command("riskoff " + shlex.join(argv), loaded_home)
            assert cli.returncode == 2, (argv, cli.stderr)
            assert cli.stderr == f"riskoff: error: {text}\n", (name, text, cli.stderr)
    assert "aliens" in _text(results[len(BAD) - 1])
    assert all(r.is_error for r in results[len(BAD) :])
    assert not after[0].is_error
    assert after[0].structured_content is not None
    assert after[0].structured_content["result"]["series"][0]["symbol"] == "yahoo:^GSPC"
