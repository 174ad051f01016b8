"""Result objects of the analog search: plain frozen dataclasses that explain themselves.

Each has ``to_dict()`` (the JSON of ``riskoff analogs --json``), ``__rich__`` (the table
view) and ``to_html()`` (an HTML fragment for the report).
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from riskoff.analogs.forward import FORWARD_ASSETS, HORIZONS

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Analog", "AnalogReport", "Contribution", "Versus"]

Kind = Literal["episode", "day"]
Stats = dict[str, dict[str, dict[str, float | int | None]]]


def _num(v: float | None, unit: str = "pct", sign: bool = True) -> str:
    if v is None:
        return "–"
    if unit == "bp":
        return f"{v:+.0f}bp" if sign else f"{v:.0f}bp"
    return f"{v:+.1f}%" if sign else f"{v:.1f}%"


def _unit(asset: str) -> str:
    return next((a.unit for a in FORWARD_ASSETS if a.key == asset), "pct")


def _label(asset: str) -> str:
    return next((a.label for a in FORWARD_ASSETS if a.key == asset), asset)


@dataclass(frozen=True)
class Contribution:
    """A feature that made an analog close: both days far from normal, the same way."""

    feature: str
    label: str
    query: float
    analog: float

    def text(self) -> str:
        """e.g. ``S&P 500 −7.9σ vs −6.8σ`` (the query's value, then the analog's)."""
        if self.feature.startswith("breadth."):  # counts of asset classes
            return f"{self.label} {self.query:.0f} vs {self.analog:.0f}"
        unit = "σ" if "sigma" in self.feature or self.feature.startswith("longrun.") else ""
        q = f"{self.query:+.1f}".replace("-", "\u2212")
        a = f"{self.analog:+.1f}".replace("-", "\u2212")
        return f"{self.label} {q}{unit} vs {a}{unit}"

    def to_dict(self) -> dict[str, Any]:
        """JSON view."""
        return {
            "feature": self.feature,
            "label": self.label,
            "query": round(self.query, 3),
            "analog": round(self.analog, 3),
        }


@dataclass(frozen=True)
class Analog:
    """One historical analog of the query: an episode or a single day.

    ``day`` is the day whose signature was compared (an episode's worst day) and the
    anchor of ``forward``. ``complete`` is false when a forward horizon runs past the
    query day: those moves stop at ``known_through``.
    """

    episode: str
    name: str
    kind: Kind
    start: dt.date
    end: dt.date
    day: dt.date
    similarity: float
    why: tuple[Contribution, ...]
    forward: dict[str, dict[str, float | None]]
    complete: bool
    known_through: dt.date | None = None
    suspect: str | None = None
    category: str | None = None
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON view (``riskoff analogs --json``)."""
        out: dict[str, Any] = {
            "episode": self.episode,
            "name": self.name,
            "kind": self.kind,
            "window": {"start": self.start.isoformat(), "end": self.end.isoformat()},
            "day": self.day.isoformat(),
            "similarity": round(self.similarity, 4),
            "why": [c.to_dict() for c in self.why],
            "forward": self.forward,
            "complete": self.complete,
        }
        if not self.complete and self.known_through is not None:
            out["known_through"] = self.known_through.isoformat()
            out["note"] = (
                f"forward moves past {self.known_through.isoformat()} were not known yet: "
                "the horizons that run past it stop there"
            )
        if self.kind == "episode":
            out["suspect"] = self.suspect
            out["category"] = self.category
            out["source"] = self.source
        return out

    def brief(self) -> dict[str, Any]:
        """The short form used in ``diagnose --json``: episode, name, similarity."""
        return {
            "episode": self.episode,
            "name": self.name,
            "similarity": round(self.similarity, 4),
        }


@dataclass(frozen=True)
class Versus:
    """Side by side of the query against 2020-03-12 ("312") and 2021-05-19 ("519")."""

    references: dict[str, dict[str, Any]]
    rows: tuple[dict[str, Any], ...]
    closer: str | None
    text: str
    names: tuple[str, ...] = ("312", "519")

    def to_dict(self) -> dict[str, Any]:
        """JSON view."""
        return {
            "references": self.references,
            "classes": list(self.rows),
            "closer": self.closer,
            "text": self.text,
        }


@dataclass(frozen=True)
class AnalogReport:
    """Nearest episodes and days of a query day, and what happened after them."""

    date: dt.date
    analogs: tuple[Analog, ...]
    nearest_days: tuple[Analog, ...]
    versus: Versus
    analog_forward: Stats
    base_rate: Stats
    summary: str
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON view (``riskoff analogs --json``)."""
        return {
            "date": self.date.isoformat(),
            "analogs": [a.to_dict() for a in self.analogs],
            "nearest_days": [a.to_dict() for a in self.nearest_days],
            "versus_312_519": self.versus.to_dict(),
            "analog_forward": self.analog_forward,
            "base_rate": self.base_rate,
            "summary": self.summary,
            "notes": list(self.notes),
        }

    def brief(self) -> list[dict[str, Any]]:
        """The ``analogs`` block of ``diagnose --json``."""
        return [a.brief() for a in self.analogs]

    # -- rendering -----------------------------------------------------------------------
    def _analog_rows(self, items: tuple[Analog, ...]) -> list[list[str]]:
        rows = []
        for a in items:
            sp = a.forward.get("sp500", {})
            window = (
                a.day.isoformat()
                if a.kind == "day"
                else f"{a.start.isoformat()}..{a.end.isoformat()}"
            )
            rows.append(
                [
                    a.name,
                    window,
                    f"{a.similarity:.2f}",
                    ", ".join(c.text() for c in a.why),
                    _num(sp.get("1m")),
                    _num(sp.get("3m")),
                    "yes" if a.complete else f"no (to {a.known_through})",
                ]
            )
        return rows

    def _forward_rows(self) -> list[list[str]]:
        rows = []
        for asset in FORWARD_ASSETS:
            for hname, _ in HORIZONS:
                an = self.analog_forward.get(asset.key, {}).get(hname, {})
                br = self.base_rate.get(asset.key, {}).get(hname, {})

                def f(d: dict[str, float | int | None], k: str) -> float | None:
                    v = d.get(k)
                    return None if v is None else float(v)

                rows.append(
                    [
                        asset.label,
                        hname,
                        _num(f(an, "median"), asset.unit),
                        f"{_num(f(an, 'p25'), asset.unit)}..{_num(f(an, 'p75'), asset.unit)}",
                        str(an.get("n", 0)),
                        _num(f(br, "median"), asset.unit),
                        f"{_num(f(br, 'p25'), asset.unit)}..{_num(f(br, 'p75'), asset.unit)}",
                        f"{br.get('n', 0):,}",
                    ]
                )
        return rows

    _ANALOG_HEAD = ("analog", "window / day", "sim", "why", "S&P +1m", "S&P +3m", "complete")
    _FWD_HEAD = (
        "asset",
        "horizon",
        "analogs median",
        "analogs IQR",
        "n",
        "base median",
        "base IQR",
        "n",
    )

    def _vs_title(self) -> str:
        return "A new " + " or a new ".join(self.versus.names) + "?"

    def _vs_head(self) -> tuple[str, ...]:
        return ("feature", "query", *self.versus.names, "closer")

    def _versus_rows(self) -> list[list[str]]:
        def g(v: Any) -> str:
            return "–" if v is None else f"{float(v):+.2f}"

        return [
            [
                r["label"],
                g(r["query"]),
                *(g(r[n]) for n in self.versus.names),
                str(r["closer"] or "–"),
            ]
            for r in self.versus.rows
        ]

    def __rich__(self) -> Any:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        from riskoff.tables import Col, FitTable

        parts: list[Any] = [Text(f"Analogs of {self.date.isoformat()}", style="bold")]
        for title, items in (
            ("Nearest episodes", self.analogs),
            ("Nearest single days", self.nearest_days),
        ):
            t = Table(title=title, title_justify="left", expand=True)
            t.add_column("analog (window · what made it close: this day vs the analog)", ratio=1)
            for h in ("sim", "S&P +1w", "S&P +1m", "S&P +3m"):
                t.add_column(h, justify="right", no_wrap=True)
            for a in items:
                sp = a.forward.get("sp500", {})
                where = a.day.isoformat() if a.kind == "day" else f"{a.start}..{a.end}"
                cell = Text(a.name if a.kind == "episode" else a.day.strftime("%Y-%m-%d %a"))
                detail = f"{where} · " + (", ".join(c.text() for c in a.why) or "both calm")
                if not a.complete:
                    detail += f" · forward known only to {a.known_through}"
                cell.append("\n" + detail, style="dim")
                t.add_row(
                    cell,
                    f"{a.similarity:.2f}",
                    _num(sp.get("1w")),
                    _num(sp.get("1m")) + ("" if a.complete else "*"),
                    _num(sp.get("3m")) + ("" if a.complete else "*"),
                )
            parts.append(t)
        vs = FitTable(
            self._vs_title(),
            [
                Col(
                    h, justify="left" if h in ("feature", "closer") else "right", key=h == "feature"
                )
                for h in self._vs_head()
            ],
            self._versus_rows(),
        )
        parts += [vs, Text(self.versus.text)]
        fw = FitTable(
            "What happened next, beside the base rate",
            [
                Col(
                    h,
                    justify="left" if h in ("asset", "horizon") else "right",
                    key=h in ("asset", "horizon"),
                )
                for h in self._FWD_HEAD
            ],
            self._forward_rows(),
        )
        parts += [fw, Text(self.summary)]
        parts += [Text(n, style="dim") for n in self.notes]
        return Group(*parts)

    def to_html(self) -> str:
        """An HTML fragment (no ``<html>``/``<body>``) for the report."""
        e = html.escape

        def table(head: tuple[str, ...], rows: list[list[str]], caption: str) -> str:
            th = "".join(f"<th>{e(h)}</th>" for h in head)
            body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows)
            return (
                f'<table class="analogs"><caption>{e(caption)}</caption>'
                f"<thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"
            )

        parts = [
            f'<section class="analogs"><h2>Analogs of {e(self.date.isoformat())}</h2>',
            table(self._ANALOG_HEAD, self._analog_rows(self.analogs), "Nearest episodes"),
            table(self._ANALOG_HEAD, self._analog_rows(self.nearest_days), "Nearest single days"),
            table(self._vs_head(), self._versus_rows(), self._vs_title()),
            f"<p>{e(self.versus.text)}</p>",
            table(self._FWD_HEAD, self._forward_rows(), "What happened next, beside the base rate"),
            f'<p class="summary">{e(self.summary)}</p>',
        ]
        parts += [f'<p class="note">{e(n)}</p>' for n in self.notes]
        parts.append("</section>")
        return "".join(parts)

    # -- notebooks (docs/notebooks.md) ----------------------------------------------------
    def _repr_html_(self) -> str:
        """Jupyter's view: the report's analog and "what happened next" tables."""
        from riskoff import _repr

        return _repr.html_of("analogs", self, self.to_html)

    def to_frame(self) -> pd.DataFrame:
        """One row per analog, episodes first then single days, most similar first:
        ``kind`` (episode or day), ``episode`` (its id, or the day), ``name``, ``start``,
        ``end``, ``day`` (the day compared), ``similarity`` (0..1), ``suspect``,
        ``complete`` (False: a horizon runs past the query's data) and one column per
        forward move, ``<asset>_<horizon>`` (e.g. ``sp500_1m``: % change, ``us10y_1m``:
        basis points)."""
        import pandas as pd

        rows = []
        for a in (*self.analogs, *self.nearest_days):
            row: dict[str, Any] = {
                "kind": a.kind,
                "episode": a.episode,
                "name": a.name,
                "start": a.start,
                "end": a.end,
                "day": a.day,
                "similarity": a.similarity,
                "suspect": a.suspect,
                "complete": a.complete,
            }
            for asset in FORWARD_ASSETS:
                for h, _ in HORIZONS:
                    row[f"{asset.key}_{h}"] = a.forward.get(asset.key, {}).get(h)
            rows.append(row)
        return pd.DataFrame(rows)

    def forward_frame(self) -> pd.DataFrame:
        """What happened next, one row per asset and horizon: ``asset``, ``horizon``,
        ``unit`` (pct or bp), the analogs' ``median``, ``p25``, ``p75``, ``n``, and the
        base rate of every day's ``base_median``, ``base_p25``, ``base_p75``, ``base_n``."""
        import pandas as pd

        rows = []
        for asset in FORWARD_ASSETS:
            for h, _ in HORIZONS:
                a = self.analog_forward.get(asset.key, {}).get(h, {})
                b = self.base_rate.get(asset.key, {}).get(h, {})
                if not a and not b:
                    continue
                rows.append(
                    {
                        "asset": asset.key,
                        "horizon": h,
                        "unit": asset.unit,
                        **{k: a.get(k) for k in ("median", "p25", "p75", "n")},
                        **{f"base_{k}": b.get(k) for k in ("median", "p25", "p75", "n")},
                    }
                )
        return pd.DataFrame(rows)


def unit_of(asset: str) -> str:
    """``pct`` or ``bp`` for a forward asset key."""
    return _unit(asset)


def label_of(asset: str) -> str:
    """The human label of a forward asset key."""
    return _label(asset)
