"""``riskoff stress --book PATH``: every account of a book through every episode.

The shared panels (prices of every series any account may use, and the policy rates) are
read once from the store; the accounts are cut into blocks of ``block_size``; each block
is one vectorised :func:`riskoff.portfolio.book.replay_book` call, in this process or on
a Dask distributed cluster (``scheduler``: ``local:N`` starts a local cluster of N worker
processes on 127.0.0.1, anything else is the address of a running scheduler). On a
cluster the panels are broadcast to every worker once (``Client.scatter(...,
broadcast=True)``) and blocks come back as they finish (``as_completed``).

With ``out_dir``, each finished block is written as ``accounts/part-NNNNN.parquet``
(to a temporary name, then renamed: a partition exists whole or not at all), and a run
restarted on the same ``out_dir`` with the same book and options skips the partitions
already there; ``manifest.json`` records what the partitions were computed from
(:mod:`riskoff.usecases.book_output`).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riskoff.config import Settings
from riskoff.usecases.book_output import (
    book_fingerprint,
    book_report,
    prepare_out,
    write_partition,
)
from riskoff.usecases.common import load_catalog, require_store, settings_or_env

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.portfolio.book import BookAccount, BookPanels, BookTerms
    from riskoff.portfolio.bookresults import BookReport

__all__ = ["DEFAULT_BLOCK_SIZE", "LARGE_BOOK", "stress_book"]

DEFAULT_BLOCK_SIZE = 500
"""Accounts per partition (one vectorised replay, one Parquet file, one Dask task)."""

LARGE_BOOK = 50_000
"""From this many accounts, a book runs on a local Dask cluster of one worker per core by
default (when the ``book`` extra is installed); below, in this process."""

Progress = Callable[[int, int], None]
"""``(partitions done, partitions in all)``, called once at the start and after each
partition is finished."""


def stress_book(
    book: str | Path,
    *,
    out_dir: str | Path | None = None,
    episodes: list[str] | None = None,
    horizon: int | None = None,
    mode: str = "loan",
    on_call: str = "sell",
    no_history: str = "cash",
    interest: bool = True,
    scheduler: str | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
    progress: Progress | None = None,
    settings: Settings | None = None,
) -> BookReport:
    """Replay every account of ``book`` through the episodes (``docs/portfolio.md``).

    Args:
        book: a folder of portfolio files, or a long table (CSV or Parquet) with an
            ``account`` column.
        out_dir: where to write per-account Parquet, the summary and the HTML page (and
            from where a restarted run resumes); ``None``: nothing is written.
        episodes: episode ids or names; default the catalogue's major episodes.
        horizon, mode, on_call, no_history, interest: as in ``stress_portfolio``.
        scheduler: ``None`` (in this process; a local cluster from
            :data:`LARGE_BOOK` accounts), ``inline``, ``local:N`` or a scheduler address.
        block_size: accounts per partition.
        progress: told of the partitions done (see :data:`Progress`).

    Returns:
        The book's totals per episode and every account's rows.
    """
    from riskoff.analogs.episodes import load_episodes
    from riskoff.errors import InputError
    from riskoff.portfolio import DEFAULT_HORIZON, select_episodes
    from riskoff.portfolio.book import BookTerms, make_panels, panel_symbols
    from riskoff.portfolio.bookio import read_book
    from riskoff.store import Store
    from riskoff.usecases.portfolio import parse_no_history, parse_on_call, policy_rate_reader

    if mode not in ("loan", "daily"):
        raise InputError(f"leverage mode {mode!r} is not 'loan' or 'daily'")
    if block_size < 1:
        raise InputError(f"--block-size {block_size} must be at least 1")
    terms = BookTerms(
        horizon=DEFAULT_HORIZON if horizon is None else horizon,
        mode="daily" if mode == "daily" else "loan",
        on_call=parse_on_call(on_call),
        no_history=parse_no_history(no_history),
        interest=interest,
    )
    if terms.horizon < 0:
        raise InputError(f"horizon {terms.horizon} must be 0 or more weekdays")
    s = settings_or_env(settings)
    require_store(s)
    catalog = load_catalog(s)
    with Store(s.store_path, read_only=True) as st:
        got = read_book(book, catalog, known=st.symbols())
        chosen = select_episodes(load_episodes(s.home), episodes)
        pfs = [a.portfolio for a in got.accounts]
        held = sorted({h.symbol for p in pfs if p.basis == "quantity" for h in p.holdings})
        latest: dict[str, tuple[float, dt.date]] = {}
        if held:
            long = st.read(held)
            for sym, grp in long.groupby("symbol", observed=True):
                latest[str(sym)] = (float(grp["value"].iloc[-1]), grp["date"].iloc[-1].date())
        ident = st.identity
        data = f"{ident.store_id}:{ident.version}"
        rates = policy_rate_reader(st, catalog) if interest else None
        panels = make_panels(
            chosen,
            panel_symbols(pfs, terms.no_history),
            st.read_wide,
            rates,
            horizon=terms.horizon,
            latest=latest,
        )
    blocks = [
        list(got.accounts[i : i + block_size]) for i in range(0, len(got.accounts), block_size)
    ]
    options = {
        "episodes": [e.id for e in chosen],
        "horizon_weekdays": terms.horizon,
        "leverage_mode": terms.mode,
        "on_call": terms.on_call,
        "no_history": terms.no_history,
        "interest": terms.interest,
        "block_size": block_size,
    }
    out = Path(out_dir).expanduser() if out_dir is not None else None
    done: set[int] = set()
    if out is not None:
        done = prepare_out(out, book_fingerprint(book, options, data), len(blocks))
    todo = [k for k in range(len(blocks)) if k not in done]
    if scheduler is None and len(got.accounts) >= LARGE_BOOK and _has_dask():
        scheduler = f"local:{os.cpu_count() or 1}"
    frames: dict[int, pd.DataFrame] = {}
    tick = _ticker(progress, len(blocks), len(done))

    def finished(k: int, frame: pd.DataFrame) -> None:
        if out is not None:
            write_partition(out, k, frame)
        else:
            frames[k] = frame
        tick()

    if scheduler is None or scheduler == "inline":
        from riskoff.portfolio.book import replay_book

        for k in todo:
            finished(k, replay_book(blocks[k], panels, terms))
        used = "in-process"
    else:
        used = _run_on_dask(scheduler, blocks, todo, panels, terms, finished)
    return book_report(got, out, frames, options, (len(todo), len(done), len(blocks)), used)


def _ticker(progress: Progress | None, total: int, already: int) -> Callable[[], None]:
    count = [already]
    if progress is not None:
        progress(already, total)

    def tick() -> None:
        count[0] += 1
        if progress is not None:
            progress(count[0], total)

    return tick


def _has_dask() -> bool:
    import importlib.util

    return importlib.util.find_spec("distributed") is not None


def _run_on_dask(
    scheduler: str,
    blocks: Sequence[Sequence[BookAccount]],
    todo: Sequence[int],
    panels: BookPanels,
    terms: BookTerms,
    finished: Callable[[int, pd.DataFrame], None],
) -> str:
    """Run the blocks ``todo`` on Dask distributed; return a description of the cluster."""
    from riskoff.errors import InputError

    if not _has_dask():
        raise InputError(
            f"--scheduler {scheduler} needs Dask distributed: pip install 'riskoff[book]'"
        )
    import importlib

    from riskoff.portfolio.book import replay_book

    # distributed ships no type information: used through one untyped module object
    dd: Any = importlib.import_module("distributed")
    Client, LocalCluster, as_completed = dd.Client, dd.LocalCluster, dd.as_completed

    cluster: Any = None
    if scheduler.startswith("local:"):
        n = scheduler.split(":", 1)[1]
        if not n.isdigit() or int(n) < 1:
            raise InputError(f"--scheduler {scheduler!r}: write local:N with N ≥ 1 workers")
        cluster = LocalCluster(
            n_workers=int(n),
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            # its HTTP routes on a free port of 127.0.0.1 (never the shared 8787)
            dashboard_address=":0",
            silence_logs=40,
        )
        client = Client(cluster)
        used = f"Dask LocalCluster, {n} worker processes"
    else:
        try:
            client = Client(scheduler, timeout=10)
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(f"--scheduler {scheduler!r}: cannot connect ({exc})") from None
        used = f"Dask scheduler {scheduler}"
    try:
        if todo:
            shared = client.scatter(panels, broadcast=True)
            futures = {
                client.submit(replay_book, blocks[k], shared, terms, pure=False): k for k in todo
            }
            for fut in as_completed(list(futures)):
                finished(futures[fut], fut.result())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return used
