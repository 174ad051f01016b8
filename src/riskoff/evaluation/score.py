"""Score a classifier's answers on labelled cases: the figures of one column of
``riskoff evaluate`` (riskoff itself, or a baseline)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from riskoff.evaluation.stats import Agreement, Confusion, confusion

__all__ = ["Case", "Figures", "score"]


@dataclass(frozen=True)
class Case:
    """One labelled case and a classifier's answer: the accepted suspects, the top two
    named, and (riskoff only) whether the day was flagged as a sell-off."""

    accepted: tuple[str, ...]
    top: tuple[str, ...]
    flagged: bool | None = None

    @property
    def hit1(self) -> bool:
        """The first named is accepted."""
        return bool(self.top) and self.top[0] in self.accepted

    @property
    def hit2(self) -> bool:
        """One of the first two named is accepted."""
        return any(t in self.accepted for t in self.top[:2])


@dataclass(frozen=True)
class Figures:
    """Top-1 and top-2 agreement, the confusion matrix of the first named, precision and
    recall per suspect, and how many cases were not flagged as sell-offs."""

    top1: Agreement
    top2: Agreement
    matrix: Confusion
    not_flagged: Agreement | None

    def to_dict(self) -> dict[str, object]:
        """JSON view."""
        return {
            "top1": self.top1.to_dict(),
            "top2": self.top2.to_dict(),
            "not_flagged": self.not_flagged.to_dict() if self.not_flagged else None,
            "confusion": self.matrix.to_dict(),
            "per_suspect": self.matrix.per_label(),
        }


def score(cases: Sequence[Case], order: Sequence[str] = ()) -> Figures:
    """The figures of ``cases`` (suspects in the confusion matrix in ``order`` first)."""
    n = len(cases)
    flags = [c.flagged for c in cases if c.flagged is not None]
    return Figures(
        top1=Agreement(sum(c.hit1 for c in cases), n),
        top2=Agreement(sum(c.hit2 for c in cases), n),
        matrix=confusion([(c.accepted, c.top[0]) for c in cases if c.top], order),
        not_flagged=Agreement(sum(not f for f in flags), len(flags)) if flags else None,
    )
