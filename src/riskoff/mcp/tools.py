"""The MCP tools as plain functions: each calls one use-case and returns a :class:`Answer`
(the result in the shape of the matching ``--json`` output, its provenance and the exact
command line that gives the same answer). Bad input raises the use-case's
:class:`~riskoff.errors.RiskoffError`, whose one-line message is the command line's.

Nothing here imports the MCP SDK: :mod:`riskoff.mcp.server` registers these functions
as tools, and the tests can call them directly.
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riskoff.config import Settings
from riskoff.errors import InputError

if TYPE_CHECKING:
    from riskoff.usecases import CoverageRow, Workspace

__all__ = [
    "STRESS_DEFAULT_DAYS",
    "Answer",
    "Provenance",
    "analogs",
    "data_status",
    "diagnose",
    "explain_suspect",
    "replay_portfolio",
    "stress_index",
]

STRESS_DEFAULT_DAYS = 90
"""Without a start, the stress index tool answers the last this many calendar days (the
command it returns names both days, so it reproduces exactly)."""


@dataclass(frozen=True)
class Provenance:
    """Where an answer comes from: the day its data is known through (nothing published
    later is used), the data sources behind it, the inputs that could not be computed,
    and the store it was read from."""

    as_of: str | None
    sources: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    store: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON view."""
        return {
            "as_of": self.as_of,
            "sources": list(self.sources),
            "missing": list(self.missing),
            "store": self.store,
        }


@dataclass(frozen=True)
class Answer:
    """One tool's answer: ``result`` (JSON data), ``provenance``, and ``command``, the
    ``riskoff`` command line that prints the same result."""

    result: Any
    provenance: Provenance
    command: str
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON view: ``result``, ``provenance``, ``command`` (and ``notes`` if any)."""
        out: dict[str, Any] = {
            "result": _plain(self.result),
            "provenance": self.provenance.to_dict(),
            "command": self.command,
        }
        if self.notes:
            out["notes"] = list(self.notes)
        return out


def _plain(obj: Any) -> Any:
    """``obj`` as the command line prints it with ``--json`` (dates as strings)."""
    return json.loads(json.dumps(obj, ensure_ascii=False, default=str))


def _command(*words: str | None) -> str:
    return " ".join(shlex.quote(w) for w in words if w is not None)


def _settings(settings: Settings | None) -> Settings:
    return settings or Settings.from_env()


def _workspace(settings: Settings) -> Workspace:
    from riskoff import usecases

    return usecases.load_workspace(settings)


def sources_of(ws: Workspace, day: dt.date, settings: Settings) -> tuple[str, ...]:
    """The data sources (by the report's names) of every series with an observation known
    and not stale at the end of ``day``, most used first."""
    import pandas as pd

    from riskoff.render.html import coverage_rows, source_names
    from riskoff.usecases import load_catalog

    pnl = ws.panel
    levels = pnl.levels.loc[pnl.levels.index <= pd.Timestamp(day)]
    rows = coverage_rows(levels, pnl.obs_age, day=day, info=load_catalog(settings))
    return source_names(r.symbol for r in rows if not r.stale)


def diagnose(date: str, window: str | None = None, *, settings: Settings | None = None) -> Answer:
    """``riskoff diagnose DATE [--window START:END] --json``."""
    from riskoff import usecases

    s = _settings(settings)
    ws = _workspace(s)
    diag = usecases.diagnose(date, window=window, settings=s, workspace=ws)
    return Answer(
        result=diag.to_dict(),
        provenance=Provenance(
            as_of=diag.as_of.isoformat(),
            sources=sources_of(ws, diag.as_of, s),
            missing=diag.missing,
            store=str(s.store_path),
        ),
        command=_command("riskoff", "diagnose", date, *_opt("--window", window), "--json"),
    )


def explain_suspect(
    date: str, suspect: str, window: str | None = None, *, settings: Settings | None = None
) -> Answer:
    """One suspect of ``riskoff diagnose DATE --json``: its score, rank and every piece
    of evidence for, against, and not computable."""
    from riskoff import usecases
    from riskoff.diagnosis import load_suspects

    s = _settings(settings)
    known = [x.id for x in load_suspects(s.home)]
    if suspect not in known:
        raise InputError(f"unknown suspect {suspect!r}: one of {', '.join(known)}")
    ws = _workspace(s)
    diag = usecases.diagnose(date, window=window, settings=s, workspace=ws, with_analogs=False)
    sc = diag.suspect(suspect)
    rank = [x.id for x in diag.suspects].index(suspect) + 1
    result = {
        "date": diag.date.isoformat(),
        "window": {"start": diag.start.isoformat(), "end": diag.date.isoformat()},
        "id": sc.id,
        "name": sc.name,
        "headline": sc.headline,
        "score": round(sc.score, 2),
        "label": sc.label,
        "rank": rank,
        "of": len(diag.suspects),
        "verdict_primary": diag.verdict.primary,
        "for": [e.to_dict() for e in sc.for_],
        "against": [e.to_dict() for e in sc.against],
        "not_computable": [e.to_dict() for e in sc.unavailable],
    }
    return Answer(
        result=result,
        provenance=Provenance(
            as_of=diag.as_of.isoformat(),
            sources=sources_of(ws, diag.as_of, s),
            missing=diag.missing,
            store=str(s.store_path),
        ),
        command=_command("riskoff", "diagnose", date, *_opt("--window", window), "--json"),
        notes=(f"the same suspect is the entry with id {suspect!r} of that command's suspects",),
    )


def analogs(date: str, top: int = 5, *, settings: Settings | None = None) -> Answer:
    """``riskoff analogs DATE --top K --json``: nearest past episodes and days, and what
    happened next beside the base rate."""
    from riskoff import usecases

    s = _settings(settings)
    ws = _workspace(s)
    report = usecases.analogs(date, top=top, settings=s, workspace=ws)
    return Answer(
        result=report.to_dict(),
        provenance=Provenance(
            as_of=report.date.isoformat(),
            sources=sources_of(ws, report.date, s),
            store=str(s.store_path),
        ),
        command=_command("riskoff", "analogs", date, "--top", str(top), "--json"),
    )


def replay_portfolio(
    portfolio: str,
    episodes: Sequence[str] | None = None,
    like: str | None = None,
    top: int = 3,
    horizon: int = 126,
    mode: str = "loan",
    interest: bool = True,
    *,
    settings: Settings | None = None,
) -> Answer:
    """``riskoff stress PORTFOLIO.csv --json``: past sell-offs replayed on a portfolio."""
    from riskoff import usecases
    from riskoff.render.html import source_names

    s = _settings(settings)
    path = Path(portfolio).expanduser()
    report = usecases.stress_portfolio(
        path,
        episodes=list(episodes) if episodes is not None else None,
        like=like,
        top=top,
        horizon=horizon,
        mode=mode,
        interest=interest,
        settings=s,
    )
    result = report.to_dict()
    eps = ",".join(episodes) if episodes is not None else None
    command = _command(
        "riskoff",
        "stress",
        str(path),
        *_opt("--episodes", eps),
        *_opt("--like", like),
        *(("--top", str(top)) if like is not None else ()),
        "--horizon",
        str(horizon),
        "--leverage-mode",
        mode,
        "--interest" if interest else "--no-interest",
        "--json",
    )
    ends = [e.path.dates[-1].date().isoformat() for e in report.episodes]
    return Answer(
        result=result,
        provenance=Provenance(
            as_of=max(ends, default=None),
            sources=source_names(h.symbol for h in report.holdings),
            missing=tuple(x.id for x in report.skipped),
            store=str(s.store_path),
        ),
        command=command,
        notes=("missing lists the episodes that could not be replayed (see result.skipped)",),
    )


def stress_index(
    start: str | None = None, end: str | None = None, *, settings: Settings | None = None
) -> Answer:
    """``riskoff stress-index --start D --end D --csv`` as rows, with a summary."""
    from riskoff import usecases
    from riskoff.dates import parse_date
    from riskoff.errors import BadDateError

    s = _settings(settings)
    d0 = parse_date(start, what="--start") if start else None
    d1 = parse_date(end, what="--end") if end else None
    if d0 and d1 and d1 < d0:
        raise BadDateError(f"--end {d1} is before --start {d0}")
    ws = _workspace(s)
    if d1 is None:
        d1 = ws.last_data_day()
    if d0 is None:
        d0 = d1 - dt.timedelta(days=STRESS_DEFAULT_DAYS)
    df = usecases.stress_index(d0, d1, settings=s, workspace=ws)
    rows = [
        {"date": f"{day:%Y-%m-%d}", **{str(c): _round4(v) for c, v in row.items()}}
        for day, row in df.iterrows()
    ]
    summary: dict[str, Any] = {"days": len(rows)}
    last_day = d1.isoformat()
    if rows:
        si = df["stress_index"]
        summary |= {
            "last": {"date": f"{df.index[-1]:%Y-%m-%d}", "value": _round4(si.iloc[-1])},
            "mean": _round4(si.mean()),
            "max": {"date": f"{si.idxmax():%Y-%m-%d}", "value": _round4(si.max())},
        }
        if peak := usecases.stress_peak_sentence(df):  # where the last day's stress was
            summary["most_stressed"] = {
                "segment": usecases.most_stressed(df.iloc[-1]),
                "value": _round4(df["peak"].iloc[-1]),
                "segments_in_stress": int(df["breadth"].iloc[-1]),
                "text": peak,
            }
    return Answer(
        result={"start": d0.isoformat(), "end": d1.isoformat(), "summary": summary, "rows": rows},
        provenance=Provenance(
            as_of=f"{df.index[-1]:%Y-%m-%d}" if rows else last_day,
            sources=sources_of(ws, d1, s),
            store=str(s.store_path),
        ),
        command=_command(
            "riskoff", "stress-index", "--start", d0.isoformat(), "--end", d1.isoformat(), "--csv"
        ),
        notes=("the command prints the rows as CSV with 4 decimals, as here",),
    )


def data_status(symbol: str | None = None, *, settings: Settings | None = None) -> Answer:
    """``riskoff series [SYMBOL] --json`` with a summary of how fresh the store is."""
    from riskoff import usecases

    s = _settings(settings)
    rows: list[CoverageRow] = usecases.coverage(s, symbol=symbol)
    if not rows:
        raise usecases.EmptyStoreError()
    by_source: dict[str, list[CoverageRow]] = {}
    for r in rows:
        by_source.setdefault(r["symbol"].split(":", 1)[0], []).append(r)
    risk = [r["last"] for r in rows if r["role"] == "risk_asset"]
    newest = max(r["last"] for r in rows)
    summary = {
        "series": len(rows),
        "last_close": max(risk, default=None),
        "newest": newest,
        "checked_on": dt.date.today().isoformat(),
        "sources": [
            {
                "prefix": p,
                "series": len(rs),
                "newest": max(r["last"] for r in rs),
                "oldest_last": min(r["last"] for r in rs),
                "most_stale_days": max(r["stale_days"] for r in rs),
            }
            for p, rs in sorted(by_source.items())
        ],
    }
    return Answer(
        result={"summary": summary, "series": rows},
        provenance=Provenance(
            as_of=newest,
            sources=tuple(sorted(by_source)),
            store=str(s.store_path),
        ),
        command=_command("riskoff", "series", symbol, "--json"),
        notes=("stale_days counts calendar days from a series' last observation to checked_on",),
    )


def _opt(flag: str, value: str | None) -> tuple[str, ...]:
    return (flag, value) if value is not None else ()


def _round4(v: Any) -> float | None:
    import math

    x = float(v)
    return round(x, 4) if math.isfinite(x) else None
