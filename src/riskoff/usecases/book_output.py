"""Where ``riskoff stress --book`` writes (``out_dir``): each finished block of accounts
as ``accounts/part-NNNNN.parquet`` (to a temporary name, then renamed: a partition exists
whole or not at all), ``manifest.json`` recording what the partitions were computed from
(a restarted run resumes only from the same book, options and data), and the book's
report with its summary, errors and HTML page."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.portfolio.bookio import BookInput
    from riskoff.portfolio.bookresults import BookReport

__all__ = ["book_fingerprint", "book_report", "prepare_out", "write_partition"]


def book_fingerprint(book: str | Path, options: dict[str, Any], data: str) -> str:
    """What the partitions depend on: the book's bytes, the options, the store's identity
    and data version (``data``), riskoff's version."""
    from importlib.metadata import version

    h = hashlib.sha256()
    p = Path(book).expanduser()
    files = sorted(p.glob("*.csv")) if p.is_dir() else [p]
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    h.update(json.dumps(options, sort_keys=True).encode())
    h.update(data.encode())
    h.update(version("riskoff").encode())
    return h.hexdigest()


def prepare_out(out: Path, fingerprint: str, n_blocks: int) -> set[int]:
    """Create ``out`` (or resume it): the partitions already done there."""
    from riskoff.errors import InputError

    parts = out / "accounts"
    manifest = out / "manifest.json"
    try:
        parts.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot write there ({exc.strerror})") from None
    if manifest.exists():
        try:
            old = json.loads(manifest.read_text())
        except (OSError, ValueError):
            old = {}
        if old.get("fingerprint") != fingerprint:
            raise InputError(
                f"{out} holds the output of another book, other options or other data "
                "(the store changed since); give another -o DIR or empty it"
            )
    else:
        if any(parts.iterdir()):
            raise InputError(f"{out}/accounts is not empty and has no manifest.json")
        tmp = manifest.with_suffix(".tmp")
        tmp.write_text(json.dumps({"fingerprint": fingerprint, "partitions": n_blocks}))
        tmp.replace(manifest)
    for stale in parts.glob("*.tmp"):
        stale.unlink()
    return {
        int(f.stem.split("-")[1])
        for f in parts.glob("part-*.parquet")
        if f.stem.split("-")[1].isdigit() and int(f.stem.split("-")[1]) < n_blocks
    }


def _table(frame: pd.DataFrame) -> pd.DataFrame:
    """The results with one fixed type per column (the engine's own typing)."""
    from riskoff.portfolio.book import typed_results

    return typed_results(frame, keep_others=True)


def write_partition(out: Path, k: int, frame: pd.DataFrame) -> None:
    """Write block ``k``'s results as ``accounts/part-NNNNN.parquet`` (whole or not at all)."""
    import duckdb

    target = out / "accounts" / f"part-{k:05d}.parquet"
    tmp = target.with_suffix(".tmp")
    con = duckdb.connect()
    try:
        con.register("results", _table(frame))
        con.execute(f"COPY results TO '{_sql(tmp)}' (FORMAT parquet)")
    finally:
        con.close()
    tmp.replace(target)


def _sql(p: Path) -> str:
    return str(p).replace("'", "''")


def _read_partitions(out: Path) -> pd.DataFrame:
    import duckdb

    con = duckdb.connect()
    try:
        glob = _sql(out / "accounts" / "part-*.parquet")
        sql = f"SELECT * FROM read_parquet('{glob}', filename = true)"
        return _table(con.sql(sql).df())
    finally:
        con.close()


def book_report(
    got: BookInput,
    out: Path | None,
    frames: dict[int, pd.DataFrame],
    options: dict[str, Any],
    partitions: tuple[int, int, int],
    scheduler: str,
) -> BookReport:
    """The book's report: every account's rows (from the partitions in ``out``, else from
    ``frames``) and the totals per episode; with ``out``, also written there as
    ``summary.csv``, ``errors.csv`` and ``book.html``."""
    import pandas as pd

    from riskoff.portfolio.book import RESULT_COLUMNS
    from riskoff.portfolio.bookresults import BookReport, book_totals

    if out is not None and partitions[2]:
        results = _read_partitions(out)
        results = results.sort_values("filename", kind="stable").drop(columns="filename")
        results = results.reset_index(drop=True)
    elif frames:
        results = _table(pd.concat([frames[k] for k in sorted(frames)], ignore_index=True))
    else:
        results = pd.DataFrame(columns=list(RESULT_COLUMNS))
    errors = tuple((e.account, e.line, e.message) for e in got.errors)
    report = BookReport(
        source=got.source,
        accounts=len(got.accounts) + len(got.errors),
        errors=errors,
        totals=book_totals(results, list(options["episodes"])),
        results=results,
        options=options,
        partitions=partitions,
        scheduler=scheduler,
    )
    if out is None:
        return report
    paths = {
        "results": str(out / "accounts"),
        "summary": str(out / "summary.csv"),
        "html": str(out / "book.html"),
        "errors": str(out / "errors.csv"),
    }
    report.totals.to_csv(out / "summary.csv", index=False)
    pd.DataFrame(list(errors), columns=["account", "line", "message"]).to_csv(
        out / "errors.csv", index=False
    )
    final = replace(report, paths=paths)
    (out / "book.html").write_text(final.to_html())
    return final
