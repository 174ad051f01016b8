"""Result objects: plain frozen data that render themselves.

``to_dict()`` gives exactly the ``diagnose --json`` shape of DESIGN.md; ``__rich__`` a
console view; ``to_html()`` an escaped HTML fragment. Rendering code lives in
:mod:`riskoff.diagnosis.render` and is imported only when asked for.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from riskoff._types import Scope

if TYPE_CHECKING:
    from rich.console import RenderableType

__all__ = [
    "Comparison",
    "Diagnosis",
    "Evidence",
    "Likelihood",
    "Selloff",
    "SuspectScore",
    "Verdict",
    "likelihood",
]

Likelihood = Literal["likely", "possible", "unlikely"]

LIKELY = 0.5
POSSIBLE = 0.25


def likelihood(score: float) -> Likelihood:
    """``likely`` from 0.5, ``possible`` from 0.25, else ``unlikely``."""
    if score >= LIKELY:
        return "likely"
    if score >= POSSIBLE:
        return "possible"
    return "unlikely"


def _num(x: float | None, digits: int = 4) -> float | None:
    if x is None or math.isnan(x):
        return None
    return round(float(x), digits)


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

    @property
    def label(self) -> Likelihood:
        """``likely`` / ``possible`` / ``unlikely``."""
        return likelihood(self.score)

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

    def to_dict(self) -> dict[str, Any]:
        """JSON view: ``closer``, ``similarity`` per reference day, ``moves`` per class
        (simple % changes today and on each reference day), ``text``."""
        return {
            "closer": self.closer,
            "similarity": {k: _num(v, 2) for k, v in self.similarity.items()},
            "moves": {c: {k: _num(v, 2) for k, v in m.items()} for c, m in self.moves.items()},
            "text": self.text,
        }


@dataclass(frozen=True)
class Verdict:
    """The primary suspect, the runner-up, a confidence and one paragraph with numbers."""

    primary: str
    runner_up: str
    confidence: float
    text: str
    versus: Comparison
    backdrop: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON view."""
        return {
            "primary": self.primary,
            "runner_up": self.runner_up,
            "confidence": round(self.confidence, 2),
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
            "data": {"as_of": self.as_of.isoformat(), "missing": list(self.missing)},
        }

    def __rich__(self) -> RenderableType:
        from riskoff.diagnosis.render import rich_diagnosis

        return rich_diagnosis(self)

    def to_html(self) -> str:
        """An escaped HTML fragment (a ``<section>``)."""
        from riskoff.diagnosis.render import html_diagnosis

        return html_diagnosis(self)
