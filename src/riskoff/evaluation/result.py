"""The result of an evaluation: each labelled case with riskoff's answer, and the
figures of riskoff and the baselines (plain data, built by
:func:`riskoff.usecases.evaluating.evaluate`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from riskoff.evaluation.labels import LabelRow
from riskoff.evaluation.score import Figures
from riskoff.evaluation.stats import ReliabilityBin

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Evaluation", "Judged"]


@dataclass(frozen=True)
class Judged:
    """One labelled case and riskoff's answer (and the sign rules'): ``confidence`` is the
    calibrated one the verdict prints (None when it names no suspect: then ``primary`` and
    ``runner_up`` are empty, no answer), ``raw_confidence`` the figure it was mapped from."""

    label: LabelRow
    primary: str
    runner_up: str
    confidence: float | None
    flagged: bool
    severity: float
    sign: tuple[str, str]
    raw_confidence: float = float("nan")

    def to_dict(self) -> dict[str, object]:
        """JSON view."""
        return {
            "date": self.label.key,
            "accepted": list(self.label.suspects),
            "primary": self.primary,
            "runner_up": self.runner_up,
            "confidence": round(self.confidence, 4) if self.confidence is not None else None,
            "raw_confidence": round(self.raw_confidence, 4),
            "is_selloff": self.flagged,
            "severity": round(self.severity, 2),
            "sign_rules": list(self.sign),
            "why": self.label.why,
        }


@dataclass(frozen=True)
class Evaluation:
    """The figures of one labelled set (``riskoff evaluate``)."""

    name: str
    source: str
    judged: tuple[Judged, ...]
    calm: tuple[Judged, ...]
    refused: tuple[tuple[str, str], ...]
    apart: dict[str, list[str]]
    macro: tuple[Judged, ...]
    macro_misblame: tuple[str, ...]
    riskoff: Figures
    baselines: dict[str, Figures]
    common: tuple[str, str]
    bins: tuple[ReliabilityBin, ...]
    brier: float
    brier_raw: float = float("nan")
    seconds: float = field(default=0.0, compare=False)

    @property
    def macro_misblamed(self) -> int:
        """Macro days whose primary suspect is one of the mis-blamed causes."""
        return sum(j.primary in self.macro_misblame for j in self.macro)

    def to_dict(self) -> dict[str, object]:
        """JSON view: every figure, every case."""
        r = round(self.brier, 4) if self.judged else None
        r_raw = round(self.brier_raw, 4) if self.judged else None
        return {
            "set": self.name,
            "source": self.source,
            "scored": len(self.judged),
            "riskoff": self.riskoff.to_dict(),
            "baselines": {k: v.to_dict() for k, v in self.baselines.items()},
            "most_common_labels": list(self.common),
            "reliability": {
                "of": "the calibrated confidence the verdict prints",
                "bins": [b.to_dict() for b in self.bins],
                "brier": r,
                "brier_raw_confidence": r_raw,
            },
            "refused": [{"date": d, "reason": why} for d, why in self.refused],
            "apart": self.apart,
            "calm": {
                "n": len(self.calm),
                "flagged": sum(j.flagged for j in self.calm),
                "cases": [j.to_dict() for j in self.calm],
            },
            "macro": {
                "n": len(self.macro),
                "misblamed_on": list(self.macro_misblame),
                "misblamed": self.macro_misblamed,
                "primary": dict(Counter(j.primary for j in self.macro)),
            },
            "cases": [j.to_dict() for j in self.judged],
            "seconds": round(self.seconds, 2),
        }

    # -- notebooks (docs/notebooks.md) ----------------------------------------------------
    def _repr_html_(self) -> str:
        """Jupyter's view: the ``riskoff evaluate --html`` page's content (agreement beside
        the baselines, confusion matrix, reliability diagram, every case)."""
        from riskoff import _repr

        return _repr.html_of(
            "evaluation", self, lambda: f"<pre>{self.name}: {len(self.judged)} cases</pre>"
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per scored case: ``date`` (a day or START:END), ``accepted`` (the
        labelled suspects, ``|``-joined), ``primary``, ``runner_up``, ``confidence``,
        ``is_selloff``, ``severity``, ``hit`` (primary among the accepted), ``top2``
        (primary or runner-up among them), ``sign_rules``, ``why``."""
        import pandas as pd

        rows = []
        for j in self.judged:
            d = j.to_dict()
            accepted = set(j.label.suspects)
            rows.append(
                {
                    **d,
                    "accepted": "|".join(j.label.suspects),
                    "sign_rules": "|".join(j.sign),
                    "hit": j.primary in accepted,
                    "top2": j.primary in accepted or j.runner_up in accepted,
                }
            )
        cols = [
            "date",
            "accepted",
            "primary",
            "runner_up",
            "confidence",
            "is_selloff",
            "severity",
            "hit",
            "top2",
            "sign_rules",
            "why",
        ]
        return pd.DataFrame(rows, columns=cols)
