"""The answer of a book run: per-account rows, book totals per episode; JSON, table, HTML.

Totals are computed from the per-account rows (:data:`~riskoff.portfolio.book.
RESULT_COLUMNS`) as :func:`book_totals` states; fractions are of each account's own
starting equity, amounts in the accounts' currency and only where an account's size is
known (quantities, or an ``equity`` row).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["TOTAL_COLUMNS", "BookReport", "book_totals"]

TOTAL_COLUMNS: tuple[str, ...] = (
    "episode",
    "accounts",
    "replayed",
    "skipped",
    "errors",
    "margin_calls",
    "forced_sales",
    "wiped_out",
    "short",
    "cash_needed_amount",
    "short_without_size",
    "cash_needed_p50",
    "cash_needed_p90",
    "cash_needed_p99",
    "cash_needed_max",
    "max_drawdown_p50",
    "max_drawdown_p90",
    "max_drawdown_max",
)
"""Per episode: accounts (all rows), replayed, skipped, errors; accounts with a margin
call within the episode, with a forced sale in the replay, wiped out; ``short``: accounts
that need cash to avoid every forced sale (``cash_needed > 0``); ``cash_needed_amount``:
the cash those accounts need together, in currency, over the accounts whose size is known
(``short_without_size`` counts the others); the distribution across replayed accounts of
``cash_needed`` and ``max_drawdown`` (fractions of each account's equity: median, 90th,
99th percentile, maximum)."""


def _q(values: pd.Series, q: float) -> float | None:
    v = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=np.float64)
    return None if not len(v) else float(np.quantile(v, q))


def book_totals(results: pd.DataFrame, episodes: list[str]) -> pd.DataFrame:
    """One row per episode (in ``episodes`` order): see :data:`TOTAL_COLUMNS`."""
    rows = []
    for ep in episodes:
        r = results[results["episode"] == ep]
        done = r[r["status"] == "replayed"]
        need = pd.to_numeric(done["cash_needed"], errors="coerce")
        amount = pd.to_numeric(done["cash_needed_amount"], errors="coerce")
        short = need > 0
        rows.append(
            {
                "episode": ep,
                "accounts": len(r),
                "replayed": len(done),
                "skipped": int((r["status"] == "skipped").sum()),
                "errors": int((r["status"] == "error").sum()),
                "margin_calls": int(done["margin_call"].notna().sum()),
                "forced_sales": int((pd.to_numeric(done["sold"], errors="coerce") > 0).sum()),
                "wiped_out": int(done["wiped_out"].notna().sum()),
                "short": int(short.sum()),
                "cash_needed_amount": float(amount[short].sum()),
                "short_without_size": int((short & amount.isna()).sum()),
                "cash_needed_p50": _q(need, 0.5),
                "cash_needed_p90": _q(need, 0.9),
                "cash_needed_p99": _q(need, 0.99),
                "cash_needed_max": _q(need, 1.0),
                "max_drawdown_p50": _q(done["max_drawdown"], 0.5),
                "max_drawdown_p90": _q(done["max_drawdown"], 0.9),
                "max_drawdown_max": _q(done["max_drawdown"], 1.0),
            }
        )
    return pd.DataFrame(rows, columns=list(TOTAL_COLUMNS))


def _pct(v: Any) -> str:
    return "–" if v is None or pd.isna(v) else f"{float(v) * 100:.1f}%"


def _money(v: Any) -> str:
    return "–" if v is None or pd.isna(v) else f"{float(v):,.0f}"


def _short_money(v: Any) -> str:
    """``23.4M``, ``512k``, ``950``: an amount in at most six characters."""
    if v is None or pd.isna(v):
        return "–"
    x = float(v)
    for div, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= div:
            return f"{x / div:.1f}{unit}" if abs(x) < 100 * div else f"{x / div:.0f}{unit}"
    return f"{x:.0f}"


@dataclass(frozen=True)
class BookReport:
    """A book replayed through the episodes.

    Attributes:
        source: the book's file or folder name.
        accounts: how many accounts were read (errors included).
        errors: (account, line, message) of each account that could not be read.
        totals: one row per episode (:data:`TOTAL_COLUMNS`).
        results: one row per account and episode (``riskoff.portfolio.book``).
        options: how the book was replayed (horizon, mode, on_call, no_history, ...).
        paths: what was written (``results``, ``summary``, ``html``, ``errors``).
        partitions: (written now, found done from an earlier run, total).
        scheduler: ``in-process`` or the Dask scheduler used.
    """

    source: str
    accounts: int
    errors: tuple[tuple[str, int | None, str], ...]
    totals: pd.DataFrame
    results: pd.DataFrame
    options: dict[str, Any]
    paths: dict[str, str] = field(default_factory=dict)
    partitions: tuple[int, int, int] = (0, 0, 0)
    scheduler: str = "in-process"

    def totals_records(self) -> list[dict[str, Any]]:
        """The totals as JSON-ready rows (NaN as null, fractions rounded to 6 places)."""
        out: list[dict[str, Any]] = []
        for row in self.totals.to_dict(orient="records"):
            out.append(
                {
                    str(k): (
                        None
                        if v is None or (isinstance(v, float) and np.isnan(v))
                        else (round(v, 6) if isinstance(v, float) else v)
                    )
                    for k, v in row.items()
                }
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``riskoff stress --book --json``: totals and output paths."""
        written, resumed, total = self.partitions
        return {
            "book": self.source,
            "accounts": self.accounts,
            "accounts_with_errors": len(self.errors),
            "errors": [{"account": a, "line": n, "message": m} for a, n, m in self.errors],
            "options": self.options,
            "scheduler": self.scheduler,
            "partitions": {"written": written, "resumed": resumed, "total": total},
            "units": "fractions of each account's starting equity; *_amount in currency",
            "totals": self.totals_records(),
            "paths": self.paths,
        }

    def _table_rows(self, *, short: bool = False) -> list[list[str]]:
        money = _short_money if short else _money
        return [
            [
                str(r["episode"]),
                f"{r['replayed']}/{r['accounts']}",
                str(r["margin_calls"]),
                str(r["forced_sales"]),
                str(r["short"]),
                money(r["cash_needed_amount"]),
                _pct(r["cash_needed_p90"]),
                _pct(r["cash_needed_max"]),
                _pct(r["max_drawdown_p50"]),
                _pct(r["max_drawdown_max"]),
            ]
            for r in self.totals.to_dict(orient="records")
        ]

    _HEAD = (
        "episode",
        "ran",
        "calls",
        "sold",
        "short",
        "cash",
        "need p90",
        "need max",
        "DD p50",
        "DD max",
    )

    def _notes(self) -> list[str]:
        written, resumed, total = self.partitions
        out = [
            f"{self.accounts} accounts from {self.source}; {len(self.errors)} could not be "
            "read (the rest ran).",
            "ran: accounts replayed / in the book; calls: accounts with a margin call in the "
            "episode; sold: accounts with a forced sale in the replay; short: accounts that "
            "need cash to avoid every forced sale; cash: what they need together, in "
            "currency, where the account's size is known; need and DD (drawdown): fractions "
            "of each account's own equity across the accounts.",
        ]
        if total:
            out.append(
                f"{total} partitions: {written} computed now, {resumed} found done from an "
                f"earlier run ({self.scheduler})."
            )
        out += [m for _, _, m in self.errors[:10]]
        if len(self.errors) > 10:
            out.append(f"... and {len(self.errors) - 10} more (errors.csv)")
        out += [f"{k}: {v}" for k, v in self.paths.items()]
        return out

    def __rich__(self) -> Any:
        from rich import box
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        t = Table(
            title=f"Book stress replay: {self.source}",
            title_justify="left",
            box=box.SIMPLE_HEAD,
            padding=(0, 1, 0, 0),
            pad_edge=False,
        )
        # 80 columns: the medians and 90th percentiles are in the JSON, CSV and HTML
        keep = [i for i, h in enumerate(self._HEAD) if h not in ("need p90", "DD p50")]
        rows = self._table_rows(short=True)
        for i in keep:
            h = self._HEAD[i]
            width = max([len(h), *(len(r[i]) for r in rows)])
            t.add_column(
                h, justify="left" if h == "episode" else "right", no_wrap=True, min_width=width
            )
        for row in rows:
            t.add_row(*(row[i] for i in keep))
        return Group(t, *(Text(n, style="dim") for n in self._notes()))

    def to_html(self, top: int = 20) -> str:
        """A self-contained HTML page: totals, the accounts needing most cash per episode,
        and the accounts that could not be read."""
        e = html.escape
        head = "".join(f"<th>{e(h)}</th>" for h in self._HEAD)
        body = "".join(
            "<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>"
            for row in self._table_rows()
        )
        parts = [
            "<!doctype html><html><head><meta charset='utf-8'>",
            f"<title>riskoff book: {e(self.source)}</title>",
            "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;"
            "margin:1em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}"
            "td:first-child,th:first-child{text-align:left}.note{color:#555}</style>",
            "</head><body>",
            f"<h1>Book stress replay: {e(self.source)}</h1>",
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>",
        ]
        parts += [f"<p class='note'>{e(n)}</p>" for n in self._notes()]
        res = self.results
        for ep in self.totals["episode"]:
            r = res[(res["episode"] == ep) & (res["status"] == "replayed")]
            r = r.assign(_need=pd.to_numeric(r["cash_needed"], errors="coerce"))
            r = r[r["_need"] > 0].sort_values("_need", ascending=False).head(top)
            if not len(r):
                continue
            rows = "".join(
                f"<tr><td>{e(str(x['account']))}</td><td>{_pct(x['cash_needed'])}</td>"
                f"<td>{_money(x['cash_needed_amount'])}</td><td>{_pct(x['max_drawdown'])}</td>"
                f"<td>{_pct(x['sold'])}</td></tr>"
                for x in r.to_dict(orient="records")
            )
            parts.append(
                f"<h2>{e(str(ep))}: the {len(r)} accounts short of most cash</h2>"
                "<table><thead><tr><th>account</th><th>cash needed</th><th>amount</th>"
                f"<th>max DD</th><th>sold</th></tr></thead><tbody>{rows}</tbody></table>"
            )
        parts.append("</body></html>")
        return "".join(parts)
