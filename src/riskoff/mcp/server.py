"""``riskoff mcp``: riskoff's use-cases as tools for AI assistants, on the official MCP SDK.

A handful of hand-written tools (:mod:`riskoff.mcp.tools`), not the JSON API converted
wholesale. Every tool result carries ``structuredContent`` (``result``, ``provenance``,
``command``) and the same JSON as text; bad input is a tool error (``isError``) whose text
is the command line's one-line message, never a crash of the server.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field

from riskoff import __version__
from riskoff.errors import RiskoffError
from riskoff.mcp import tools

__all__ = ["DEFAULT_PORT", "INSTRUCTIONS", "TOOL_NAMES", "build_server", "run"]

DEFAULT_PORT = 8766
"""``riskoff mcp --http``'s port (the dashboard's is 8765)."""

TOOL_NAMES = (
    "diagnose",
    "explain_suspect",
    "analogs",
    "replay_portfolio",
    "stress_index",
    "data_status",
)

INSTRUCTIONS = (
    "riskoff answers 'why is everything falling?' for a day or a window with evidence: it "
    "scores ten suspects (geopolitics, policy, ai_narrative, liquidity, rates_fiscal, "
    "carry_unwind, crypto, leverage, bank_stress, growth_scare) against point-in-time "
    "market and Federal Reserve data. Start with diagnose; explain_suspect shows one "
    "suspect's evidence; analogs finds similar past sell-offs and what happened next; "
    "data_status says what the store holds and how fresh it is. Every result names the "
    "exact riskoff command line that reproduces it."
)

Day = Annotated[str, Field(description="A day, YYYY-MM-DD.")]
Window = Annotated[
    str | None,
    Field(description="Optional window START:END (YYYY-MM-DD:YYYY-MM-DD) containing date."),
]


def _result(call: Callable[[], tools.Answer]) -> CallToolResult:
    """Run one tool: its answer as structured content plus the same JSON as text, or a
    tool error with the command line's one-line message."""
    try:
        payload = call().to_dict()
    except RiskoffError as exc:
        line = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), "")
        return CallToolResult(
            content=[TextContent(type="text", text=line or type(exc).__name__)], is_error=True
        )
    text = json.dumps(payload, ensure_ascii=False, indent=1)
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=payload)


def diagnose(date: Day, window: Window = None) -> CallToolResult:
    """Why did markets fall on a day (or over a window)? The sell-off (severity, scope,
    what fell and rose), ten suspects scored 0..1 with evidence, the verdict with its
    confidence, 312-or-519 comparison and nearest analogs: exactly
    `riskoff diagnose DATE --json`."""
    return _result(lambda: tools.diagnose(date, window))


def explain_suspect(
    date: Day,
    suspect: Annotated[
        str,
        Field(description="Suspect id, e.g. liquidity, carry_unwind, crypto, policy."),
    ],
    window: Window = None,
) -> CallToolResult:
    """One suspect's case on a day: its score, rank among the ten, and every piece of
    evidence for it, against it, and what could not be computed (with the numbers)."""
    return _result(lambda: tools.explain_suspect(date, suspect, window))


def analogs(
    date: Day,
    top: Annotated[int, Field(description="How many episodes and days.", ge=1, le=20)] = 5,
) -> CallToolResult:
    """The nearest past sell-off episodes and single days to a day, why they are close,
    and what happened next (S&P 500, Nasdaq, gold, Bitcoin, 10y yield, dollar after 1
    week, 1 and 3 months) beside the base rate of every day: `riskoff analogs DATE
    --json`."""
    return _result(lambda: tools.analogs(date, top))


def replay_portfolio(
    portfolio: Annotated[
        str, Field(description="Path of a portfolio CSV on this machine (docs/portfolio.md).")
    ],
    episodes: Annotated[
        list[str] | None,
        Field(description="Episode ids or names (default: the major episodes)."),
    ] = None,
    like: Annotated[
        str | None,
        Field(description="Replay the nearest analog episodes of this day instead."),
    ] = None,
    top: Annotated[int, Field(description="How many analog episodes `like` replays.")] = 3,
    horizon: Annotated[int, Field(description="Weekdays replayed after each episode's end.")] = 126,
    mode: Annotated[
        str, Field(description="loan (a fixed margin loan) or daily (re-levered each close).")
    ] = "loan",
    interest: Annotated[
        bool, Field(description="Interest on the cash balance at fed funds.")
    ] = True,
) -> CallToolResult:
    """Replay past sell-offs on a portfolio: drawdown, recovery, margin calls and the cash
    needed to ride each one out: `riskoff stress PORTFOLIO --json`."""
    return _result(
        lambda: tools.replay_portfolio(portfolio, episodes, like, top, horizon, mode, interest)
    )


def stress_index(
    start: Annotated[
        str | None, Field(description="First day, YYYY-MM-DD (default 90 days before end).")
    ] = None,
    end: Annotated[
        str | None, Field(description="Last day, YYYY-MM-DD (default the last day of data).")
    ] = None,
) -> CallToolResult:
    """riskoff's daily composite stress index (CISS method, point in time) and its
    segments over a range, with its last, mean and maximum: `riskoff stress-index`."""
    return _result(lambda: tools.stress_index(start, end))


def data_status(
    symbol: Annotated[
        str | None, Field(description="Only this series (symbol or catalogue name).")
    ] = None,
) -> CallToolResult:
    """What data the store holds and how fresh it is: every series with its first and last
    day, count, source and days since its last observation, summarised by source:
    `riskoff series --json`."""
    return _result(lambda: tools.data_status(symbol))


def build_server() -> MCPServer[object]:
    """The MCP server with riskoff's tools (read-only: no tool writes anything)."""
    server: MCPServer[object] = MCPServer(
        "riskoff",
        title="riskoff: why is everything falling?",
        instructions=INSTRUCTIONS,
        version=__version__,
        log_level="WARNING",
    )
    read_only = ToolAnnotations(read_only_hint=True, open_world_hint=False)
    for fn in (diagnose, explain_suspect, analogs, replay_portfolio, stress_index, data_status):
        server.add_tool(fn, annotations=read_only)
    return server


def run(*, http: bool = False, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> None:
    """Serve on stdio (the default), or streamable HTTP at ``http://HOST:PORT/mcp``."""
    server = build_server()
    if http:
        server.run("streamable-http", host=host, port=port)
    else:
        server.run("stdio")
