"""How a :class:`~riskoff.diagnosis.results.Diagnosis` looks: rich console and HTML."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from riskoff.diagnosis.classes import CLASS_NAMES

if TYPE_CHECKING:
    from rich.console import RenderableType

    from riskoff.diagnosis.results import Diagnosis, Evidence, SuspectScore

__all__ = ["html_diagnosis", "rich_diagnosis", "score_bar"]

_BAR = 20
_COLOURS = {"likely": "bold red", "possible": "yellow", "unlikely": "dim"}


def score_bar(score: float, width: int = _BAR) -> str:
    """A bar of ``width`` cells, filled in proportion to ``score`` (0..1)."""
    n = max(0, min(width, round(score * width)))
    return "█" * n + "·" * (width - n)


def _names(classes: tuple[str, ...]) -> str:
    return ", ".join(CLASS_NAMES.get(c, c) for c in classes) or "none"


def _title(d: Diagnosis) -> str:
    if d.start != d.date:
        return f"riskoff diagnosis {d.start.isoformat()} to {d.date.isoformat()}"
    return f"riskoff diagnosis {d.date.isoformat()}"


def _top_evidence(d: Diagnosis, k: int = 3) -> tuple[list[Evidence], list[Evidence]]:
    p = d.suspects[0]
    return p.for_[:k], p.against[:k]


def rich_diagnosis(d: Diagnosis) -> RenderableType:
    """Sell-off summary, suspects table with score bars, top evidence, verdict."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    s = d.selloff
    head = Text()
    if s.is_selloff:
        head.append("SELL-OFF ", style="bold red")
        head.append(f"severity {s.severity:.2f}, scope {s.scope}\n")
    else:
        head.append("no sell-off ", style="bold green")
        head.append(f"severity {s.severity:.2f}\n")
    head.append(f"falling: {_names(s.falling)}\n")
    head.append(f"rising: {_names(s.rising)}")

    table = Table(title="Suspects", expand=False, show_edge=False)
    table.add_column("suspect")
    table.add_column("score", justify="right")
    table.add_column("", no_wrap=True)
    table.add_column("label")
    for sc in d.suspects:
        table.add_row(
            sc.name,
            f"{sc.score:.2f}",
            score_bar(sc.score),
            Text(sc.label, style=_COLOURS[sc.label]),
        )

    pro, con = _top_evidence(d)
    ev = Text()
    ev.append(f"For {d.suspects[0].name}:\n", style="bold")
    for e in pro or []:
        ev.append(f"  + {e.text}\n", style="green")
    if not pro:
        ev.append("  (none)\n", style="dim")
    ev.append(f"Against {d.suspects[0].name}:\n", style="bold")
    for e in con:
        ev.append(f"  − {e.text}\n", style="red")
    if not con:
        ev.append("  (none)\n", style="dim")
    if d.missing:
        ev.append(f"Missing: {', '.join(d.missing)}", style="dim")

    verdict = Text(d.verdict.text)
    conf = f"verdict: {d.verdict.primary} (confidence {d.verdict.confidence:.2f})"
    return Panel(
        Group(head, Text(""), table, Text(""), ev, Panel(verdict, title=conf, title_align="left")),
        title=_title(d),
        title_align="left",
    )


def _ev_html(e: Evidence) -> str:
    cls = {True: "for", False: "against", None: "unavailable"}[e.supports]
    return f'<li class="{cls}">{escape(e.text)}</li>'


def _suspect_row(sc: SuspectScore) -> str:
    pct = round(sc.score * 100)
    return (
        f"<tr><td>{escape(sc.name)}</td><td>{sc.score:.2f}</td>"
        f'<td><span class="bar" style="display:inline-block;width:{pct}px"></span></td>'
        f'<td class="{escape(sc.label)}">{escape(sc.label)}</td></tr>'
    )


def html_diagnosis(d: Diagnosis) -> str:
    """A self-contained, escaped HTML fragment."""
    s = d.selloff
    pro, con = _top_evidence(d)
    status = (
        f"Sell-off: severity {s.severity:.2f}, scope {escape(s.scope)}"
        if s.is_selloff
        else f"No sell-off (severity {s.severity:.2f})"
    )
    parts = [
        '<section class="riskoff-diagnosis">',
        f"<h2>{escape(_title(d))}</h2>",
        f'<p class="selloff">{status}. Falling: {escape(_names(s.falling))}. '
        f"Rising: {escape(_names(s.rising))}.</p>",
        '<table class="suspects"><thead><tr><th>suspect</th><th>score</th><th></th>'
        "<th>label</th></tr></thead><tbody>",
        *(_suspect_row(sc) for sc in d.suspects),
        "</tbody></table>",
        f"<h3>For {escape(d.suspects[0].name)}</h3><ul>",
        *(_ev_html(e) for e in pro),
        "</ul>",
        f"<h3>Against {escape(d.suspects[0].name)}</h3><ul>",
        *(_ev_html(e) for e in con),
        "</ul>",
        f'<p class="verdict"><strong>{escape(d.verdict.primary)}</strong> '
        f"(confidence {d.verdict.confidence:.2f}): {escape(d.verdict.text)}</p>",
    ]
    if d.missing:
        parts.append(f'<p class="missing">Missing: {escape(", ".join(d.missing))}</p>')
    parts.append("</section>")
    return "\n".join(parts)
