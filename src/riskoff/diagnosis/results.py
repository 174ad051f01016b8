"""Result objects: plain frozen data that render themselves.

``to_dict()`` gives exactly the ``diagnose --json`` shape of DESIGN.md; ``__rich__`` a
console view; ``to_html()`` an escaped HTML fragment (the views are at the end of this
module, as in the analog and portfolio results; rich is imported only when asked for).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from html import escape
from typing import TYPE_CHECKING, Any, Literal

from riskoff._types import Scope
from riskoff.diagnosis.classes import CLASS_NAMES

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import RenderableType

__all__ = [
    "FIT_FLOOR",
    "MIN_COVERAGE",
    "QUIET_FLOOR",
    "Claim",
    "Comparison",
    "Confidence",
    "Diagnosis",
    "Evidence",
    "Likelihood",
    "Selloff",
    "SuspectScore",
    "Verdict",
    "fits",
    "html_diagnosis",
    "likelihood",
    "rich_diagnosis",
    "score_bar",
]

Likelihood = Literal["likely", "possible", "unlikely", "no sell-off"]

LIKELY = 0.5
POSSIBLE = 0.25
FIT_FLOOR = 0.10
"""The score under which no suspect fits: the verdict names none and ``scan`` leaves the
primary empty. With the engine's formula (``score = net * (0.25 + 0.75 * gate)``) a
suspect whose signature is absent (gate 0) cannot pass it unless more than 40% of its
weighted evidence, net of what contradicts it, supports it; nor can one whose signature
is present but whose evidence mostly argues against it."""


def likelihood(score: float) -> Likelihood:
    """``likely`` from 0.5, ``possible`` from 0.25, else ``unlikely``."""
    if score >= LIKELY:
        return "likely"
    if score >= POSSIBLE:
        return "possible"
    return "unlikely"


MIN_COVERAGE = 0.5
"""The share of a suspect's evidence weight that must be observable for it to be scored at
all: with less than half of its checks readable (the AI trade before the sector ETFs and the
Magnificent 7 existed, a carry trade without positioning data), the score would be the
verdict of a fragment of the fingerprint, so it is 0 and the evidence lists what is missing.
Checks on closed markets are not counted either way."""

QUIET_FLOOR = POSSIBLE
"""The score a suspect needs to be named on a day (or window) that was not a sell-off and
on which US stocks did not rise (or did not trade): a
shock whose fingerprint is clear without a broad fall (oil jumping on an attack, yields
on a taper remark, the papers full of an invasion while stocks recovered by the close)
has a cause to name; a calm day, whose best fingerprint scores a few hundredths, has
none. "Possible" is the lowest reading the verdict ever calls a fit by name."""


def fits(score: float, is_selloff: bool, *, stocks_rose: bool = False) -> bool:
    """True when a suspect with ``score`` can be named: from :data:`FIT_FLOOR` on a
    sell-off, from :data:`QUIET_FLOOR` on a day that was not one, unless US stocks rose
    that day (a rally is no risk-off move to explain, whatever the papers wrote)."""
    if is_selloff:
        return score >= FIT_FLOOR
    return not stocks_rose and score >= QUIET_FLOOR


def _num(x: float | None, digits: int = 4) -> float | None:
    if x is None or math.isnan(x):
        return None
    return round(float(x), digits)


Direction = Literal["up", "down", "flat"]


@dataclass(frozen=True)
class Claim:
    """One fact an evidence sentence states, from which its words were rendered.

    ``series`` is the number's name (a feature such as ``move.gold``, ``rates.d10y_bp``,
    ``ysig.treasuries``), ``value`` the number itself, ``unit`` how it was printed
    (``pct`` a log move, ``bp``, ``sigma``, ``num``, ``x``, ``pctile``, ``int``, or
    ``word`` for a direction word). ``word`` is the direction word the sentence prints
    for it ("rose", "fell", "barely moved", "beat", "lagged"...), chosen from the sign of
    ``value`` by :mod:`riskoff.diagnosis.text`; ``direction`` is that sign. Yields are
    claims in basis points and in *yield* sigmas (``ysig.*``: a rise is positive), so one
    sign convention holds for every yield on a page.
    """

    series: str
    value: float
    unit: str
    word: str = ""
    direction: Direction | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON view."""
        out: dict[str, Any] = {"series": self.series, "value": _num(self.value), "unit": self.unit}
        if self.word:
            out["word"] = self.word
            out["direction"] = self.direction
        return out


@dataclass(frozen=True)
class Evidence:
    """One fact for or against a suspect.

    ``supports`` is True (for), False (against) or None (could not be computed: the
    evidence is unavailable, ``observed`` is None and ``text`` says why).
    """

    indicator: str
    observed: float | None
    baseline: str
    supports: bool | None
    text: str
    strength: float = 0.0
    weight: float = 0.0
    claims: tuple[Claim, ...] = ()
    """The facts ``text`` states (the sentence is rendered from them)."""
    family: Literal["prices", "newspapers"] = "prices"
    """What the check read: the markets' prices or what the newspapers wrote."""

    @property
    def available(self) -> bool:
        """False when the evidence could not be computed."""
        return self.supports is not None

    @property
    def impact(self) -> float:
        """Weight times strength (signed): how much this moved the score."""
        return self.weight * self.strength

    def to_dict(self) -> dict[str, Any]:
        """JSON view."""
        return {
            "indicator": self.indicator,
            "observed": _num(self.observed),
            "baseline": self.baseline,
            "supports": self.supports,
            "text": self.text,
            "claims": [c.to_dict() for c in self.claims],
        }


@dataclass(frozen=True)
class SuspectScore:
    """A suspect's score 0..1 and the evidence behind it (strongest first)."""

    id: str
    name: str
    headline: str
    score: float
    evidence: tuple[Evidence, ...] = ()
    coverage: float = 1.0
    phrase: str = ""
    """How running prose names it (the suspect's ``phrase``; empty: the headline)."""
    selloff: bool = True
    """False on a day (or window) that was not a sell-off: there is nothing to explain,
    and the label says so instead of "possible" or "likely"."""

    @property
    def label(self) -> Likelihood:
        """``likely`` / ``possible`` / ``unlikely`` on a sell-off, else ``no sell-off``."""
        return likelihood(self.score) if self.selloff else "no sell-off"

    @property
    def for_(self) -> list[Evidence]:
        """Supporting evidence, strongest first."""
        return [e for e in self.evidence if e.supports is True]

    @property
    def against(self) -> list[Evidence]:
        """Contradicting evidence, strongest first."""
        return [e for e in self.evidence if e.supports is False]

    @property
    def unavailable(self) -> list[Evidence]:
        """Evidence that could not be computed."""
        return [e for e in self.evidence if e.supports is None]

    def to_dict(self) -> dict[str, Any]:
        """JSON view."""
        return {
            "id": self.id,
            "score": round(self.score, 2),
            "label": self.label,
            "evidence": [e.to_dict() for e in self.evidence],
        }


@dataclass(frozen=True)
class Selloff:
    """Is it a sell-off, how bad, how wide, and which classes fell and rose."""

    is_selloff: bool
    severity: float
    scope: Scope
    falling: tuple[str, ...] = ()
    rising: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON view."""
        return {
            "is_selloff": self.is_selloff,
            "severity": round(self.severity, 2),
            "scope": self.scope,
            "falling": list(self.falling),
            "rising": list(self.rising),
        }


@dataclass(frozen=True)
class Comparison:
    """Today against the two reference days, "312" (2020-03-12) and "519" (2021-05-19)."""

    closer: Literal["312", "519", "neither", "unavailable"]
    similarity: Mapping[str, float | None]
    moves: Mapping[str, Mapping[str, float | None]]
    text: str
    day: dt.date | None = None
    """The day compared: the diagnosed day, or a window's worst day (its anchor)."""
    claims: tuple[Claim, ...] = ()
    """The numbers the line states with a template (Bitcoin's move and its fall to its
    low, today's and each reference day's: ``diagnosis.versus``)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON view: ``day`` (the day compared: a window's worst day), ``closer``,
        ``similarity`` per reference day, ``moves`` per class (simple % changes that day
        and on each reference day), ``text``, and ``claims``: the numbers the text
        states from a template (Bitcoin's move and fall to its low, log moves;
        ``312:tolow_next.btc`` is 312's fall to the next day's low)."""
        return {
            "day": self.day.isoformat() if self.day else None,
            "closer": self.closer,
            # as precise as the analogs' similarity, so that ``closer`` reads off the numbers
            "similarity": {k: _num(v, 4) for k, v in self.similarity.items()},
            "moves": {c: {k: _num(v, 2) for k, v in m.items()} for c, m in self.moves.items()},
            "text": self.text,
            "claims": [c.to_dict() for c in self.claims],
        }


@dataclass(frozen=True)
class Confidence:
    """The verdict's confidence and the track record behind it.

    ``probability`` is the calibrated probability that the primary suspect is right (the
    fitted mapping of ``raw``, riskoff/data/calibration.json); ``bin_range``, ``n_bin`` and
    ``hits_bin`` are the held-out reliability bin holding it (labelled cases whose
    out-of-fold confidence fell there, and how many were right); ``named``,
    ``named_right`` and ``named_ci95`` how often the primary suspect was right when named
    first on the ``cases`` labelled cases.
    """

    probability: float
    raw: float
    bin_range: tuple[float, float] | None = None
    n_bin: int | None = None
    hits_bin: int | None = None
    suspect: str = ""
    named: int = 0
    named_right: int = 0
    named_ci95: tuple[float, float] = (0.0, 1.0)
    cases: int = 0
    method: str = ""
    provenance: Mapping[str, object] = field(default_factory=dict)
    """Which fit it was read from (``TrackRecord.provenance``: file, method, cases, days and
    sets): the diagnosis JSON's ``data.calibration``."""

    @property
    def precision(self) -> float | None:
        """``named_right / named`` (None when the suspect was never named first)."""
        return self.named_right / self.named if self.named else None

    def to_dict(self) -> dict[str, Any]:
        """JSON view (``verdict.track_record``)."""
        prec = self.precision
        return {
            "method": self.method,
            "cases": self.cases,
            "confidence_bin": list(self.bin_range) if self.bin_range else None,
            "n": self.n_bin,
            "right": self.hits_bin,
            "primary": {
                "suspect": self.suspect,
                "named": self.named,
                "right": self.named_right,
                "precision": round(prec, 4) if prec is not None else None,
                "ci95": [round(x, 4) for x in self.named_ci95],
            },
        }


@dataclass(frozen=True)
class Verdict:
    """The primary suspect, the runner-up, a confidence and one paragraph with numbers.

    ``confidence`` is the calibrated probability that the primary suspect is right;
    ``calibration`` holds the raw figure it was mapped from and the track record.
    """

    primary: str
    runner_up: str
    confidence: float | None
    """None when no suspect is named: there is no primary for it to be the chance of."""
    text: str
    versus: Comparison
    backdrop: str = ""
    calibration: Confidence | None = None

    @property
    def raw_confidence(self) -> float:
        """The uncalibrated confidence (the scores' figure) the calibration maps; kept on a
        day that names no suspect too (the top score's figure), for the fit's cases."""
        if self.calibration is not None:
            return self.calibration.raw
        return self.confidence if self.confidence is not None else math.nan

    def to_dict(self) -> dict[str, Any]:
        """JSON view; a day that names no suspect carries no confidence (nulls)."""
        cal = self.calibration
        named = self.confidence is not None
        return {
            "primary": self.primary,
            "runner_up": self.runner_up,
            "confidence": round(self.confidence, 2) if self.confidence is not None else None,
            "raw_confidence": round(self.raw_confidence, 4) if named else None,
            "track_record": cal.to_dict() if cal and named else None,
            "text": self.text,
            "versus_312_519": self.versus.to_dict(),
        }


@dataclass(frozen=True)
class Diagnosis:
    """Everything riskoff says about one day or window."""

    date: dt.date
    start: dt.date
    selloff: Selloff
    suspects: tuple[SuspectScore, ...]
    verdict: Verdict
    as_of: dt.date
    missing: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    analogs: tuple[Mapping[str, Any], ...] = field(default_factory=tuple)
    moment: Mapping[str, str] = field(default_factory=dict)
    """When the diagnosis was made (``--as-of``): what prices and newspapers it read."""

    @property
    def primary(self) -> SuspectScore:
        """The top-scoring suspect."""
        return self.suspects[0]

    def suspect(self, sid: str) -> SuspectScore:
        """One suspect's score by id."""
        for s in self.suspects:
            if s.id == sid:
                return s
        raise KeyError(sid)

    def with_analogs(self, analogs: Sequence[Mapping[str, Any]]) -> Diagnosis:
        """A copy with the analog search's results attached."""
        return replace(self, analogs=tuple(analogs))

    def to_dict(self) -> dict[str, Any]:
        """Exactly the ``diagnose --json`` shape of DESIGN.md."""
        return {
            "date": self.date.isoformat(),
            "window": {"start": self.start.isoformat(), "end": self.date.isoformat()},
            "selloff": self.selloff.to_dict(),
            "suspects": [s.to_dict() for s in self.suspects],
            "verdict": self.verdict.to_dict(),
            "analogs": [dict(a) for a in self.analogs],
            "data": {
                "as_of": self.as_of.isoformat(),
                "as_of_moment": dict(self.moment),
                "missing": list(self.missing),
                "notes": list(self.notes),
                "calibration": (
                    dict(self.verdict.calibration.provenance) if self.verdict.calibration else None
                ),
            },
        }

    def __rich__(self) -> RenderableType:
        return rich_diagnosis(self)

    def to_html(self) -> str:
        """An escaped HTML fragment (a ``<section>``)."""
        return html_diagnosis(self)

    # -- notebooks (docs/notebooks.md) ----------------------------------------------------
    def _repr_html_(self) -> str:
        """Jupyter's view: the report's verdict block, suspects chart and cards."""
        from riskoff import _repr

        return _repr.html_of("diagnosis", self, self.to_html)

    def to_frame(self) -> pd.DataFrame:
        """One row per suspect, strongest first, indexed by suspect id: ``name``,
        ``score`` (0..1), ``label``, ``rank`` (1 = primary), ``n_for``, ``n_against``,
        ``n_unavailable`` (pieces of evidence), ``headline``."""
        import pandas as pd

        rows = [
            {
                "suspect": s.id,
                "name": s.name,
                "score": s.score,
                "label": s.label,
                "rank": k,
                "n_for": len(s.for_),
                "n_against": len(s.against),
                "n_unavailable": len(s.unavailable),
                "headline": s.headline,
            }
            for k, s in enumerate(self.suspects, start=1)
        ]
        return pd.DataFrame(rows).set_index("suspect")

    def evidence_frame(self) -> pd.DataFrame:
        """One row per piece of evidence of every suspect: ``suspect``, ``indicator``,
        ``observed``, ``baseline``, ``supports`` (True for, False against, None not
        computable), ``text``."""
        import pandas as pd

        cols = ["suspect", "indicator", "observed", "baseline", "supports", "text"]
        rows = [
            {"suspect": s.id, **{k: v for k, v in e.to_dict().items() if k in cols}}
            for s in self.suspects
            for e in s.evidence
        ]
        return pd.DataFrame(rows, columns=cols)

    def to_series(self) -> pd.Series:
        """The answer in one row: ``date``, ``start``, ``as_of``, ``is_selloff``,
        ``severity``, ``scope``, ``primary``, ``runner_up``, ``confidence``, ``verdict``
        (the paragraph) and ``missing`` (comma-separated)."""
        import pandas as pd

        return pd.Series(
            {
                "date": self.date,
                "start": self.start,
                "as_of": self.as_of,
                "is_selloff": self.selloff.is_selloff,
                "severity": self.selloff.severity,
                "scope": self.selloff.scope,
                "primary": self.verdict.primary,
                "runner_up": self.verdict.runner_up,
                "confidence": self.verdict.confidence,
                "verdict": self.verdict.text,
                "missing": ", ".join(self.missing),
            },
            name=self.date.isoformat(),
            dtype=object,
        )


# --------------------------------------------------------------------------------------
# views: rich console and HTML
_BAR = 20
_COLOURS = {"likely": "bold red", "possible": "yellow", "unlikely": "dim", "no sell-off": "dim"}


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
    for note in d.notes:
        if note not in d.verdict.text:  # e.g. tonight's newspapers not yet published
            head.append(f"\nnote: {note}", style="italic")

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
        from riskoff.diagnosis.names import plain_name  # no internal name reaches a person

        ev.append(f"Missing: {', '.join(plain_name(m) for m in d.missing)}", style="dim")

    verdict = Text(d.verdict.text)
    primary = next((sc.name for sc in d.suspects if sc.id == d.verdict.primary), "")
    conf = (
        f"verdict: {primary} (confidence {d.verdict.confidence:.2f})"
        if primary
        else "verdict: no suspect named"
    )
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
    primary = next((sc.name for sc in d.suspects if sc.id == d.verdict.primary), "")
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
        (
            f'<p class="verdict"><strong>{escape(primary)}</strong> '
            f"(confidence {d.verdict.confidence:.2f}): {escape(d.verdict.text)}</p>"
            if primary
            else f'<p class="verdict"><strong>No suspect named</strong>: '
            f"{escape(d.verdict.text)}</p>"
        ),
    ]
    if d.missing:
        from riskoff.diagnosis.names import plain_name

        plain = ", ".join(plain_name(m) for m in d.missing)
        parts.append(f'<p class="missing">Missing: {escape(plain)}</p>')
    parts.append("</section>")
    return "\n".join(parts)
