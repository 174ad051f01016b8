"""The ``riskoff`` command line.

Heavy libraries (pandas, duckdb, numpy) are imported inside commands, so ``--help``
answers fast. Errors a user can cause print one line and exit 2; other riskoff errors
exit 1; nothing prints a traceback unless ``RISKOFF_DEBUG=1``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
import typer.core

from riskoff.errors import RiskoffError

if TYPE_CHECKING:
    from riskoff.usecases import CoverageRow

app = typer.Typer(
    name="riskoff",
    help="Why is everything falling? Cross-asset sell-off diagnosis with evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def _print_json(obj: Any) -> None:
    import json  # here, not at the top: ``riskoff --help`` never needs it

    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n")


@app.command()
def ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="One or more folders with INDEX.csv (e.g. ../shared/data ../shared/data/news), "
            "loaded in one transaction.",
            metavar="PATH",
        ),
    ],
    until: Annotated[
        str | None,
        typer.Option(help="Load only observations dated on or before this day (YYYY-MM-DD)."),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="With --until: remove stored observations after that day (kept as revisions).",
        ),
    ] = False,
) -> None:
    """Load data folders described by INDEX.csv into the store (all or nothing, one
    transaction).

    Nothing stored is ever lost: a changed value keeps its old one as a revision
    ('riskoff series SYMBOL --revisions'), and a row the folder no longer has is kept and
    reported. With --until on a store holding later observations, ingest refuses (exit 2,
    saying how many) unless --force is given.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from rich.table import Table

    from riskoff import usecases
    from riskoff.dates import parse_date

    cut = parse_date(until, what="--until") if until else None
    err = _console(stderr=True)
    progress = Progress(
        TextColumn("[bold]ingest[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
    )
    task = progress.add_task("", total=None)

    def plan(symbols: list[str]) -> None:
        # shown only once the folder's index is read: a bad folder prints one line
        progress.update(task, total=len(symbols))
        progress.start()

    def tick(symbol: str) -> None:
        progress.update(task, advance=1, description=symbol)

    try:
        result = usecases.ingest(paths, until=cut, force=force, on_plan=plan, on_symbol=tick)
    finally:
        if progress.live.is_started:
            progress.stop()
    where = ", ".join(map(str, paths))
    ranges = sorted(s for s in result.report.rows_in if "@" in s)
    table = Table(title=f"Loaded {len(result.report.rows_in) - len(ranges)} symbols from {where}")
    table.add_column("symbol")
    table.add_column("rows", justify="right")
    table.add_column("new/changed", justify="right")
    table.add_column("first")
    table.add_column("last")
    for sym, n in sorted(result.report.rows_in.items()):
        if "@" in sym:
            continue  # the day's range (SYMBOL@high, @low, @open): counted below
        table.add_row(
            sym,
            f"{n:,}",
            f"{result.report.rows_changed.get(sym, 0):,}",
            str(result.first.get(sym, "")),
            str(result.last.get(sym, "")),
        )
    out = _console()
    out.print(table)
    out.print(result.report.summary(cut), soft_wrap=True)
    if ranges:
        parents = len({s.rpartition("@")[0] for s in ranges})
        out.print(
            f"of which {len(ranges)} are the day's high, low or open of {parents} symbols "
            "(SYMBOL@high, @low, @open)"
        )
    if result.errors:
        for e in result.errors:
            err.print(f"[red]error:[/] {e}", soft_wrap=True)
        raise typer.Exit(2)


def _print_revisions(symbol: str, rows: Sequence[Mapping[str, Any]], as_json: bool) -> None:
    if as_json:
        _print_json({"symbol": symbol, "revisions": rows})
        return
    from rich.table import Table

    if not rows:
        _console().print(f"{symbol}: no revisions (no stored value was ever replaced)")
        return
    shown = 50
    table = Table(title=f"{symbol}: {len(rows):,} revisions, newest first")
    for col in ("date", "old value", "reason", "replaced at", "source", "by"):
        wrap = col in ("source", "by")
        table.add_column(col, justify="right" if col == "old value" else "left", no_wrap=not wrap)

    def short(src: str | None) -> str:  # a folder by its name: the JSON has the path
        return "folder:" + Path(src[7:]).name if src and src.startswith("folder:") else src or ""

    for r in rows[:shown]:
        table.add_row(
            r["date"],
            f"{r['value']:g}",
            r["reason"],
            (r["replaced_at"] or "")[:16].replace("T", " "),
            short(r["source"]),
            short(r["replaced_by"]),
        )
    out = _console()
    out.print(table)
    if len(rows) > shown:
        out.print(f"... and {len(rows) - shown:,} older ones")
    out.print("--json shows every one, with when each value became known")


def _lag_text(r: CoverageRow) -> str:
    """The publication lag, plus how a provider's row is re-dated when it is."""
    holds = {"previous_weekday": "row=prev wkday", "previous_day": "row=prev day"}
    extra = holds.get(r.get("row_holds", ""), "")
    if extra and r.get("row_holds_from"):
        extra += f" from {r['row_holds_from']}"
    return f"{r['lag']} {extra}".strip()


@app.command()
def series(
    symbol: Annotated[
        str | None, typer.Argument(help="Only this series (symbol or logical name).")
    ] = None,
    revisions: Annotated[
        bool,
        typer.Option(
            "--revisions", help="With SYMBOL: the values loads replaced, removed or kept."
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """The catalogue with coverage: first and last date, count, source and staleness."""
    from riskoff import usecases
    from riskoff.errors import InputError

    if revisions:
        if symbol is None:
            raise InputError("--revisions needs a SYMBOL: riskoff series SYMBOL --revisions")
        _print_revisions(*usecases.revisions(symbol), as_json)
        return
    rows = usecases.coverage(symbol=symbol)
    if as_json:
        _print_json(rows)
        return
    from riskoff.tables import Col, FitTable

    if not rows:
        _console(stderr=True).print(
            usecases.EMPTY_STORE[0].upper() + usecases.EMPTY_STORE[1:] + "."
        )
        return
    cols = [
        Col("symbol", key=True),
        Col("series", key=True),
        Col("class"),
        Col("units"),
        Col("freq"),
        Col("lag"),
        Col("first"),
        Col("last"),
        Col("count", justify="right"),
        Col("stale", justify="right"),
    ]
    cells = [
        [
            r["symbol"],
            r["label"],  # the plain name (the logical name stays in --json)
            r["asset_class"],
            r["units"],
            r["frequency"],
            _lag_text(r),
            r["first"],
            r["last"],
            f"{r['count']:,}",
            f"{r['stale_days']}d",
        ]
        for r in rows
    ]
    _console().print(FitTable(f"{len(rows)} series in the store", cols, cells))


class _UpdateCommand(typer.core.TyperCommand):
    """``riskoff update``: its ``--provider`` help lists the registered providers, read from
    the entry points only when the help is shown (``riskoff --help`` stays fast)."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        from riskoff.providers.registry import group_names

        for param in self.params:
            if param.name == "provider" and isinstance(param, typer.core.TyperOption):
                param.help = f"Only these providers, comma-separated: {', '.join(group_names())}."
        super().format_help(ctx, formatter)


@app.command(cls=_UpdateCommand)
def update(
    provider: Annotated[
        str | None,
        typer.Option(help="Only these providers, comma-separated (the help lists them)."),
    ] = None,
    symbols: Annotated[
        list[str] | None,
        typer.Option(
            help="Only these symbols or names (comma-separated, or repeat the option); "
            "fetched whether due or not."
        ),
    ] = None,
    fetch_all: Annotated[
        bool,
        typer.Option("--all", help="Fetch every series, also those that cannot have news yet."),
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="List the series skipped as not due yet.")
    ] = False,
    deadline: Annotated[
        str | None,
        typer.Option(
            help="Stop after this many seconds, keep what was fetched and list the series "
            "not reached (default: $RISKOFF_DEADLINE, else each provider's own budget).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Fetch new observations from the live providers, incrementally.

    A series is asked for only when its next observation could have been published (its
    frequency and publication lag say when), when it is not stored yet, or when its last
    fetch is a week old (late revisions); the others are skipped as not due. Each
    provider has a time budget (a few seconds plus what its rate limit needs); a series
    not fetched within it, or within --deadline, is reported as not reached (exit 1).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from rich.table import Table

    from riskoff import usecases
    from riskoff.config import parse_deadline

    err = _console(stderr=True)
    with Progress(
        TextColumn("[bold]update[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("", total=None)

        def plan(syms: list[str]) -> None:
            progress.update(task, total=len(syms))

        def tick(res: Any) -> None:
            progress.update(task, advance=1, description=res.symbol)

        result = usecases.update(
            providers=provider,
            symbols=symbols,
            on_plan=plan,
            on_result=tick,
            fetch_all=fetch_all,
            deadline=parse_deadline(deadline, "--deadline") if deadline is not None else None,
        )
    failed = result.failed
    changed = [r for r in result.results if r.ok and result.changed(r.symbol)]
    table = Table(title=f"Updated {len(result.results)} series")
    for col, just in [
        ("symbol", "left"),
        ("new/changed", "right"),
        ("last", "left"),
        ("status", "left"),
    ]:
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for r in sorted(changed, key=lambda r: r.symbol):
        last = r.frame["date"].iloc[-1].date().isoformat() if r.frame is not None else ""
        table.add_row(r.symbol, f"{result.changed(r.symbol):,}", last, "ok")
    for r in sorted(failed, key=lambda r: r.symbol):
        table.add_row(r.symbol, "", "", f"[red]failed:[/] {r.message}")
    out = _console()
    if changed or failed:
        out.print(table)
    total = result.report.total_changed if result.report else 0
    skipped = result.skipped
    if skipped and verbose:
        later = Table(title=f"Not due yet: {len(skipped)} series")
        later.add_column("symbol")
        later.add_column("due on")
        for sym, day in sorted(skipped.items(), key=lambda kv: (kv[1], kv[0])):
            later.add_row(sym, day.isoformat())
        out.print(later)
    out.print(
        f"{len(result.results)} series checked, {len(changed)} with new data "
        f"({total:,} rows new or changed), {len(failed)} failed, "
        f"{result.requests:,} requests, {len(skipped)} skipped as not due yet"
    )
    if skipped and not verbose:
        out.print(
            f"[dim]{len(skipped)} series cannot have news yet and were not asked for "
            "(-v lists them; --all fetches everything).[/]"
        )
    late = result.not_reached
    if late:
        shown = ", ".join(late[:8]) + (f" and {len(late) - 8} more" if len(late) > 8 else "")
        out.print(
            f"{len(late)} series not reached before the deadline ({shown}); what was "
            "fetched is kept. Run 'riskoff update' again, or raise --deadline."
        )
    if failed:
        raise typer.Exit(1)


@app.command("stress")
def stress_portfolio_cmd(
    portfolio: Annotated[
        Path | None, typer.Argument(help="Portfolio CSV (see docs/portfolio.md).")
    ] = None,
    book: Annotated[
        Path | None,
        typer.Option(
            "--book",
            help="A book of accounts: a folder of portfolio files, or a CSV/Parquet table "
            "with an account column.",
        ),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("-o", "--out", help="--book: write Parquet, summary and HTML here."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="--book: local:N (a local Dask cluster of N workers), a Dask scheduler "
            "ADDRESS, or inline.",
        ),
    ] = None,
    block_size: Annotated[
        int, typer.Option("--block-size", help="--book: accounts per partition.")
    ] = 500,
    episodes: Annotated[
        str | None,
        typer.Option(help="Episode ids or names, comma-separated (default: the major ones)."),
    ] = None,
    like: Annotated[
        str | None,
        typer.Option(help="Replay the nearest analog episodes of this day (YYYY-MM-DD)."),
    ] = None,
    top: Annotated[int, typer.Option(help="How many analog episodes --like replays.")] = 3,
    horizon: Annotated[
        int, typer.Option(help="Weekdays replayed after each episode's end (recovery).")
    ] = 126,
    leverage_mode: Annotated[
        str,
        typer.Option(help="loan: a fixed margin loan (default); daily: re-levered each close."),
    ] = "loan",
    interest: Annotated[
        bool,
        typer.Option(
            "--interest/--no-interest",
            help="Interest on the cash balance at fed funds (+ loan_spread on a loan); "
            "--no-interest turns it off.",
        ),
    ] = True,
    on_call: Annotated[
        str,
        typer.Option(
            "--on-call",
            help="An unmet margin call: sell (to the maintenance margin, default), close "
            "(sell everything) or reserve (met from cash outside the account).",
        ),
    ] = "sell",
    no_history: Annotated[
        str,
        typer.Option(
            "--no-history",
            help="A holding with no history nor proxy in an episode: cash (default), proxy "
            "(a documented last resort, else cash) or skip (the episode).",
        ),
    ] = "cash",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Replay historical sell-offs on a portfolio: drawdown, recovery, margin, cash needed."""
    from riskoff import usecases

    keys = [k for k in episodes.split(",") if k.strip()] if episodes is not None else None
    if (portfolio is None) == (book is None):
        raise typer.BadParameter("give a PORTFOLIO file or --book PATH (one of them)")
    if book is not None:
        if like is not None:
            raise typer.BadParameter("--like goes with a PORTFOLIO file; give --book --episodes")
        _stress_book(
            book,
            out_dir,
            keys,
            horizon=horizon,
            mode=leverage_mode,
            interest=interest,
            on_call=on_call,
            no_history=no_history,
            scheduler=scheduler,
            block_size=block_size,
            as_json=as_json,
        )
        return
    if out_dir is not None or scheduler is not None:
        raise typer.BadParameter("-o and --scheduler go with --book")
    assert portfolio is not None
    report = usecases.stress_portfolio(
        portfolio,
        episodes=keys,
        like=like,
        top=top,
        horizon=horizon,
        mode=leverage_mode,
        interest=interest,
        on_call=on_call,
        no_history=no_history,
    )
    if as_json:
        _print_json(report.to_dict())
        return
    _console().print(report)


def _stress_book(
    book: Path,
    out_dir: Path | None,
    episodes: list[str] | None,
    *,
    as_json: bool,
    **options: Any,
) -> None:
    """``riskoff stress --book``: the book's totals (a progress bar on a terminal)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from riskoff.usecases.book import stress_book

    err = _console(stderr=True)
    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    task = bar.add_task("partitions", total=None)

    def progress(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    with bar:
        report = stress_book(book, out_dir=out_dir, episodes=episodes, progress=progress, **options)
    if as_json:
        _print_json(report.to_dict())
        return
    _console().print(report)


def _resolve_relative(date: str | None) -> tuple[str | None, Any]:
    """For no date or ``today``/``latest``/``yesterday``: the day they stand for (said on
    stderr, with what is not yet published) and the workspace it was read from."""
    from riskoff.usecases.latest import is_relative_day, resolve_day

    if not is_relative_day(date):
        return date, None
    from riskoff import usecases

    ws = usecases.load_workspace()
    choice = resolve_day(date, ws)
    _console(stderr=True).print(choice.note(), soft_wrap=True, markup=False)
    return choice.day.isoformat(), ws


@app.command()
def diagnose(
    date: Annotated[
        str | None,
        typer.Argument(
            help="The day to diagnose (YYYY-MM-DD, or today, latest, yesterday); "
            "default the latest complete day."
        ),
    ] = None,
    window: Annotated[
        str | None,
        typer.Option("--window", help="Diagnose the window START:END instead (DATE inside)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON instead of a report.")
    ] = False,
    as_of: Annotated[
        str,
        typer.Option(
            "--as-of",
            help="When the diagnosis is made: next-morning (default: the close's prices, "
            "the newspapers of the day and the next), close (the day's papers only), "
            "published (news indices as released by the close).",
        ),
    ] = "next-morning",
) -> None:
    """Why is everything falling? Sell-off, ten suspects scored with evidence, verdict."""
    from riskoff import usecases

    ws = None
    if window is None:
        date, ws = _resolve_relative(date)
    diag = usecases.diagnose(date, window=window, as_of=as_of, workspace=ws)
    if as_json:
        _print_json(diag.to_dict())
        return
    _console().print(diag)


@app.command()
def scan(
    start: Annotated[str, typer.Argument(help="First day (YYYY-MM-DD).")],
    end: Annotated[str, typer.Argument(help="Last day (YYYY-MM-DD).")],
    as_csv: Annotated[
        bool, typer.Option("--csv", help="Print CSV: date,severity,scope,primary,score")
    ] = False,
    as_of: Annotated[
        str,
        typer.Option(
            "--as-of",
            help="When each day is diagnosed, as in diagnose: next-morning (default), "
            "close or published.",
        ),
    ] = "next-morning",
) -> None:
    """One row per day: sell-off severity, scope, the primary suspect and its score."""
    from riskoff import usecases

    rows = usecases.scan(start, end, as_of=as_of)
    if as_csv:
        sys.stdout.write("date,severity,scope,primary,score\n")
        for r in rows:
            d = r.to_dict()
            sys.stdout.write(
                f"{d['date']},{d['severity']:.2f},{d['scope']},{d['primary']},{d['score']:.2f}\n"
            )
        return
    from rich.table import Table

    from riskoff.diagnosis.results import FIT_FLOOR, QUIET_FLOOR

    sell = [r for r in rows if r.scope != "none"]
    table = Table(
        title=f"riskoff scan {start} .. {end}: {len(sell)} sell-off days of {len(rows)}",
        caption=f"primary —: no suspect reaches {FIT_FLOOR:.2f} on a sell-off, or "
        f"{QUIET_FLOOR:.2f} on a day that was not one; none on a day stocks rose "
        "(score: the best one)",
    )
    for col, just in [("date", "left"), ("severity", "right"), ("scope", "left")]:
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    table.add_column("primary")
    table.add_column("score", justify="right")
    for r in sell if len(rows) > 60 else rows:
        table.add_row(
            r.date.isoformat(), f"{r.severity:.2f}", r.scope, r.primary or "—", f"{r.score:.2f}"
        )
    _console().print(table)
    if len(rows) > 60:
        _console().print("showing sell-off days only (use --csv for every day)")


def _write(path: Path, text: str) -> None:
    """Write an output file; a path that cannot be written is a one-line error."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        from riskoff.errors import InputError

        raise InputError(f"cannot write {path}: {exc.strerror}") from None


@app.command()
def evaluate(
    labels: Annotated[
        Path | None,
        typer.Argument(help="A labels CSV: date (YYYY-MM-DD or START:END), suspects (a|b), why."),
    ] = None,
    set_name: Annotated[
        str | None,
        typer.Option("--set", help="A built-in set: episodes, probes, probe-windows, newspapers."),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="The data folder (--set newspapers); default $RISKOFF_DATA or ../shared/data.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON with every case.")] = False,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write a self-contained HTML page.")
    ] = None,
    calibrate: Annotated[
        bool,
        typer.Option(
            "--calibrate",
            help="Cross-validated calibration of the confidence instead (every set if none given).",
        ),
    ] = False,
    save: Annotated[
        Path | None, typer.Option("--save", help="With --calibrate: write the mapping (JSON).")
    ] = None,
) -> None:
    """How often the verdict names the labelled cause, beside two baselines."""
    from riskoff import usecases
    from riskoff.render.evaluation import calibration_text, evaluation_html, evaluation_text

    if calibrate:
        from riskoff.usecases.calibrating import calibrate as run_calibration

        cal = run_calibration(labels, set_name=set_name, data_dir=data)
        if save is not None:
            import json

            _write(save, json.dumps(cal.to_dict(), indent=2) + "\n")
        if as_json:
            _print_json(cal.to_dict())
        else:
            sys.stdout.write(calibration_text(cal))
        return
    ev = usecases.evaluate(labels, set_name=set_name, data_dir=data)
    if html is not None:
        _write(html, evaluation_html(ev))
    if as_json:
        _print_json(ev.to_dict())
        return
    sys.stdout.write(evaluation_text(ev))


@app.command()
def analogs(
    date: Annotated[str, typer.Argument(help="The day to find analogs of (YYYY-MM-DD).")],
    top: Annotated[int, typer.Option("--top", help="How many episodes and days to show.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Nearest historical episodes and days, and what happened next beside the base rate."""
    from riskoff import usecases

    report = usecases.analogs(date, top=top)
    if as_json:
        _print_json(report.to_dict())
        return
    _console().print(report)


_DASHBOARD_LIBS = ("fastapi", "starlette", "uvicorn", "httptools", "pydantic")
"""What the extra ``riskoff[dashboard]`` installs for ``riskoff serve``."""


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="Interface to bind (127.0.0.1: this machine only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=0, max=65535)] = 8765,
) -> None:
    """Dashboard and JSON API (read-only) on http://HOST:PORT."""
    try:
        import uvicorn

        from riskoff.web import create_app
    except ModuleNotFoundError as exc:
        if exc.name is None or exc.name.split(".")[0] not in _DASHBOARD_LIBS:
            raise
        raise RiskoffError(
            "riskoff serve needs the dashboard libraries: pip install 'riskoff[dashboard]'"
        ) from None

    sock = _bind(host, port)
    if host not in ("127.0.0.1", "localhost", "::1"):
        _console(stderr=True).print(
            f"[yellow]warning:[/] serving on {host}: other machines can reach this dashboard"
        )
    got = int(sock.getsockname()[1])
    where = f"[{host}]" if ":" in host else host
    _console(stderr=True).print(
        f"riskoff dashboard on http://{where}:{got}/ (Ctrl-C to stop)", markup=False
    )
    config = uvicorn.Config(create_app(warm=True, hosts=[host]), log_level="warning")
    uvicorn.Server(config).run(sockets=[sock])


def _bind(host: str, port: int) -> Any:
    """A listening socket on ``host:port`` (port 0: any free port); a port in use or a
    host that cannot be bound is one line, exit 2."""
    import socket

    from riskoff.errors import InputError

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise InputError(f"cannot serve on {host}: {exc.strerror}") from None
    family, _, _, _, addr = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    if os.name != "nt":
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(addr)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        what = "is already in use" if exc.errno == 98 else f"cannot be used ({exc.strerror})"
        hint = "; try another --port, or --port 0 for any free one" if exc.errno == 98 else ""
        raise InputError(f"port {port} on {host} {what}{hint}") from None
    return sock


@app.command()
def episodes(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The catalogued sell-off episodes with their ids (for riskoff stress --episodes)."""
    from riskoff.config import Settings
    from riskoff.knowledge.episodes import load_episodes
    from riskoff.knowledge.suspects import suspect_label
    from riskoff.tables import Col, FitTable

    home = Settings.from_env().home
    cat = load_episodes(home)
    eps = sorted(cat.episodes, key=lambda e: (e.start, e.id))
    if as_json:
        _print_json([{**e.to_dict(), "major": e.major} for e in eps])
        return
    cols = [
        Col("id", key=True),
        Col("name", key=True, wrap=True),
        Col("from"),
        Col("to"),
        Col("suspect"),
        Col("major"),
    ]
    rows = [
        [
            e.id,
            e.name,
            e.start.isoformat(),
            e.end.isoformat(),
            suspect_label(e.suspect, home) if e.suspect else "",
            "yes" if e.major else "",
        ]
        for e in eps
    ]
    con = _console()
    con.print(FitTable(f"{len(eps)} sell-off episodes", cols, rows))
    con.print(
        "riskoff stress PORTFOLIO --episodes ID,ID replays any of them (default: the major ones)."
    )


@app.command()
def mcp(
    http: Annotated[
        bool,
        typer.Option("--http", help="Serve streamable HTTP on 127.0.0.1 instead of stdio."),
    ] = False,
    port: Annotated[int, typer.Option(help="TCP port with --http.", min=1, max=65535)] = 8766,
) -> None:
    """The use-cases as tools for AI assistants (Model Context Protocol), on stdio."""
    try:
        from riskoff.mcp.server import run
    except ModuleNotFoundError as exc:
        if exc.name is None or not exc.name.startswith("mcp"):
            raise
        raise RiskoffError("riskoff mcp needs the MCP SDK: pip install 'riskoff[mcp]'") from None
    if http:
        _console(stderr=True).print(
            f"riskoff MCP server on http://127.0.0.1:{port}/mcp (Ctrl-C to stop)"
        )
    run(http=http, port=port)


@app.command("stress-index")
def stress_index(
    start: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option(help="Last day (YYYY-MM-DD).")] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV: date,stress_index,...")] = False,
) -> None:
    """riskoff's own daily composite stress index (CISS method, point in time)."""
    from riskoff import usecases
    from riskoff.dates import parse_date

    d0 = parse_date(start, what="--start") if start else None
    d1 = parse_date(end, what="--end") if end else None
    if d0 and d1 and d1 < d0:
        from riskoff.errors import BadDateError

        raise BadDateError(f"--end {d1} is before --start {d0}")
    df = usecases.stress_index(d0, d1)
    if as_csv:
        import pandas as pd

        out = df.copy()
        out.index = pd.DatetimeIndex(out.index).strftime("%Y-%m-%d")
        sys.stdout.write(out.to_csv(index_label="date", float_format="%.4f"))
        return
    from riskoff.tables import Col, FitTable

    if df.empty:
        _console(stderr=True).print("No stress index values in that range.")
        return
    shown = df if len(df) <= 30 else df.iloc[-30:]
    cols = [Col("date", key=True)] + [Col(str(c), justify="right") for c in df.columns]
    cells = [
        [
            f"{day:%Y-%m-%d}",
            *[
                "" if v != v else f"{v:.0f}" if c == "breadth" else f"{v:.3f}"
                for c, v in row.items()
            ],
        ]
        for day, row in shown.iterrows()
    ]
    table = FitTable(
        f"riskoff stress index {df.index[0]:%Y-%m-%d} .. {df.index[-1]:%Y-%m-%d}", cols, cells
    )
    con = _console()
    con.print(table)
    s = df["stress_index"]
    con.print(
        f"{len(df):,} days; last {s.iloc[-1]:.3f}; mean {s.mean():.3f}; "
        f"max {s.max():.3f} on {s.idxmax():%Y-%m-%d}"
        + ("; showing the last 30 days (use --csv for all)" if len(df) > 30 else "")
    )
    if peak := usecases.stress_peak_sentence(df):
        con.print(peak)


@app.command()
def report(
    date: Annotated[
        str | None,
        typer.Argument(
            help="The day (YYYY-MM-DD, or today, latest, yesterday); default the latest "
            "complete day."
        ),
    ] = None,
    out: Annotated[
        Path, typer.Option("-o", "--out", help="The HTML file to write (self-contained).")
    ] = Path("riskoff-report.html"),
    window: Annotated[
        str | None,
        typer.Option("--window", help="Report on the window START:END instead."),
    ] = None,
    png: Annotated[
        Path | None, typer.Option("--png", help="Also write each chart as a PNG into DIR.")
    ] = None,
    portfolio: Annotated[
        Path | None,
        typer.Option("--portfolio", help="Add the replay of past sell-offs on this CSV."),
    ] = None,
) -> None:
    """One self-contained HTML page (works offline, prints well); optional PNG charts."""
    from riskoff import usecases

    if window is None:
        date, _ = _resolve_relative(date)
    res = usecases.report(date, out=out, window=window, png_dir=png, portfolio=portfolio)
    err = _console(stderr=True)
    err.print(
        f"report for {res.day} written to {res.path} "
        f"({res.bytes / 1e6:.1f} MB, {res.seconds:.1f} s)",
        soft_wrap=True,
    )
    for p in res.pngs:
        err.print(f"  {p}", soft_wrap=True)


@app.command()
def watch(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Rules file (TOML; default $RISKOFF_HOME/watch.toml, else the packaged defaults).",
            metavar="FILE",
        ),
    ] = None,
    once: Annotated[bool, typer.Option("--once", help="Run one cycle and exit (cron).")] = False,
    no_update: Annotated[
        bool,
        typer.Option("--no-update", help="Diagnose what the store holds; fetch nothing."),
    ] = False,
    status: Annotated[
        bool,
        typer.Option(
            "--status", help="Print the health lines (last update per provider, last alert)."
        ),
    ] = False,
) -> None:
    """Watch the markets: update what is due, re-diagnose, and alert through Apprise when
    a rule fires (docs/watch.md). Every alert is kept in the store ('riskoff alerts')."""
    import logging

    from riskoff.config import Settings
    from riskoff.usecases import watch_config, watch_facts, watch_log, watching

    settings = Settings.from_env()
    cfg = watch_config.load_config(config, home=settings.home)
    if status:
        shown = cfg if config is not None else None  # else: what the watcher ran with
        for key, value in watch_log.watch_status(settings, config=shown):
            sys.stdout.write(f"{key + ':':<16} {value}\n")
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("riskoff.watch")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    watcher = watching.Watcher(
        cfg, settings, update=not no_update, hourly=watch_facts.exchange_hourly(settings)
    )
    if not cfg.notify:
        logger.warning("no notify targets in %s: alerts are only recorded", cfg.source)
    import signal

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # systemd's SIGTERM: stop like Ctrl-C

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        reports = watcher.run(once=once)
    except KeyboardInterrupt:
        logger.info("stopped")
        return
    finally:
        signal.signal(signal.SIGTERM, previous)
        logger.removeHandler(handler)
    if once and reports and reports[-1].failed:
        raise typer.Exit(1)


@app.command()
def alerts(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.", min=1)] = 50,
) -> None:
    """The alerts 'riskoff watch' raised: rule, day, status per target, text."""
    from rich.table import Table

    from riskoff.usecases import watch_log

    rows = watch_log.alerts(limit=limit)
    if as_json:
        _print_json([a.to_dict() for a in rows])
        return
    if not rows:
        sys.stdout.write("no alerts yet ('riskoff watch' records them here)\n")
        return
    table = Table(title=f"{len(rows)} alerts, newest first")
    for col in ("raised (UTC)", "alert", "status", "title"):
        table.add_column(col)
    for a in rows:
        status = a.status + (f" ({a.held})" if a.held else "")
        failed = [d for d in a.deliveries if d.status != "sent"]
        if failed and not a.held:
            status += "; " + ", ".join(f"{d.target_name} {d.status}" for d in failed)
        table.add_row(f"{a.created_at:%Y-%m-%d %H:%M}", a.id, status, a.title)
    _console().print(table)


@app.command()
def explain(
    term: Annotated[
        str | None,
        typer.Argument(help="A name riskoff prints (sigma.gold, haven failure, 312...)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """What a name means, in plain words (no TERM: every term; see docs/glossary.md)."""
    from riskoff.errors import InputError
    from riskoff.knowledge.glossary import glossary

    g = glossary()
    if term is None:
        if as_json:
            _print_json([{"id": t.id, "name": t.name, "explain": t.explain} for t in g.terms])
            return
        for t in g.terms:
            sys.stdout.write(f"{t.id:<32} {t.name}\n")
        return
    found = g.get(term)
    if found is None and ":" in term:  # a source symbol: the catalogue's name and description
        from riskoff.catalog import Catalog
        from riskoff.config import Settings

        cat = Catalog.default(Settings.from_env().home)
        if term in cat:
            info = cat[term]
            if as_json:
                _print_json(
                    {"id": info.symbol, "name": info.plain_name, "explain": info.description}
                )
                return
            con = _console()
            con.print(f"[bold]{info.plain_name}[/] ({info.symbol})", markup=True, highlight=False)
            con.print(info.description, markup=False, soft_wrap=False)
            return
    if found is None:
        near = g.suggest(term)
        hint = f" (did you mean {', '.join(near)}?)" if near else ""
        raise InputError(f"unknown term {term!r}{hint}; 'riskoff explain' lists every term")
    if as_json:
        _print_json(
            {"id": found.id, "name": found.name, "explain": found.explain, "aliases": found.aliases}
        )
        return
    con = _console()
    con.print(f"[bold]{found.name}[/] ({found.id})", markup=True, highlight=False)
    con.print(found.explain, markup=False, soft_wrap=False)


def _one_line(text: str) -> str:
    """The first non-empty line of ``text``."""
    return next((ln.strip() for ln in text.splitlines() if ln.strip()), "")


def main() -> None:
    """Entry point: run the app; every error is one line (a traceback only with
    ``RISKOFF_DEBUG=1``). Bad input, usage errors included, exits 2."""
    # typer vendors click; its exception classes are only exported from this module
    from typer._click import exceptions as click

    debug = bool(os.environ.get("RISKOFF_DEBUG"))
    try:
        rc = app(standalone_mode=False)
    except click.NoArgsIsHelpError:
        sys.exit(2)  # the help is already printed
    except click.UsageError as exc:
        where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
        sys.stderr.write(f"riskoff: error: {_one_line(exc.format_message())}{where}\n")
        sys.exit(2)
    except click.ClickException as exc:
        sys.stderr.write(f"riskoff: error: {_one_line(exc.format_message())}\n")
        sys.exit(exc.exit_code)
    except RiskoffError as exc:
        if debug:
            raise
        msg = _one_line(str(exc)) or type(exc).__name__
        sys.stderr.write(f"riskoff: error: {msg}\n")
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, typer.Abort):
        sys.stderr.write("riskoff: interrupted\n")
        sys.exit(130)
    except Exception as exc:
        if debug:
            raise
        sys.stderr.write(
            f"riskoff: unexpected error: {type(exc).__name__}: {_one_line(str(exc))} "
            "(set RISKOFF_DEBUG=1 for a traceback)\n"
        )
        sys.exit(1)
    sys.exit(rc if isinstance(rc, int) else 0)


if __name__ == "__main__":
    main()
