"""The statistics of an evaluation: agreement with intervals, the confusion matrix,
precision and recall, reliability bins and the Brier score. Pure functions over plain
values; nothing here reads the store or a file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "Agreement",
    "Confusion",
    "ReliabilityBin",
    "brier",
    "confusion",
    "reliability",
    "resolve_label",
    "wilson",
]

Z95 = 1.959963984540054
"""The two-sided 95% normal quantile."""


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of ``k`` successes in ``n`` trials (``(0, 1)`` when
    ``n == 0``). Unlike the normal interval it stays inside [0, 1] and behaves on small
    sets and on rates of 0 or 1."""
    if not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Agreement:
    """``k`` of ``n`` right, with the rate and its 95% Wilson interval."""

    k: int
    n: int

    @property
    def rate(self) -> float:
        """``k / n`` (NaN when ``n == 0``)."""
        return self.k / self.n if self.n else math.nan

    @property
    def interval(self) -> tuple[float, float]:
        """The 95% Wilson interval."""
        return wilson(self.k, self.n)

    def to_dict(self) -> dict[str, object]:
        """JSON view."""
        lo, hi = self.interval
        rate = round(self.rate, 4) if self.n else None
        return {"k": self.k, "n": self.n, "rate": rate, "ci95": [round(lo, 4), round(hi, 4)]}

    def text(self) -> str:
        """``12/30 = 40% (95% CI 25-58%)``."""
        if not self.n:
            return "0/0"
        lo, hi = self.interval
        return f"{self.k}/{self.n} = {self.rate:.0%} (95% CI {lo:.0%}-{hi:.0%})"


def resolve_label(accepted: Sequence[str], predicted: str) -> str:
    """The true label a row counts under in the confusion matrix: the prediction when it is
    one of the accepted suspects, otherwise the first accepted one."""
    return predicted if predicted in accepted else accepted[0]


@dataclass(frozen=True)
class Confusion:
    """Counts of (true label, predicted) pairs over the labels seen on either side.

    ``counts[i][j]``: rows whose true label is ``labels[i]`` and prediction ``labels[j]``.
    """

    labels: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]

    def per_label(self) -> dict[str, dict[str, float | int | None]]:
        """Per label: how often it was the true label and the prediction, how often both,
        precision (right when predicted) and recall (found when true); ``None`` where
        undefined."""
        out: dict[str, dict[str, float | int | None]] = {}
        for i, lab in enumerate(self.labels):
            true_n = sum(self.counts[i])
            pred_n = sum(row[i] for row in self.counts)
            hit = self.counts[i][i]
            out[lab] = {
                "labelled": true_n,
                "predicted": pred_n,
                "correct": hit,
                "precision": round(hit / pred_n, 4) if pred_n else None,
                "recall": round(hit / true_n, 4) if true_n else None,
            }
        return out

    def to_dict(self) -> dict[str, object]:
        """JSON view: rows are true labels, columns predictions."""
        return {"labels": list(self.labels), "counts": [list(r) for r in self.counts]}


def confusion(pairs: Sequence[tuple[Sequence[str], str]], order: Sequence[str] = ()) -> Confusion:
    """The confusion matrix of ``(accepted suspects, predicted)`` pairs (the true label of
    each is :func:`resolve_label`). Labels come in ``order`` first, then any other seen,
    sorted."""
    resolved = [(resolve_label(acc, pred), pred) for acc, pred in pairs]
    seen = {x for pair in resolved for x in pair}
    labels = [lab for lab in order if lab in seen] + sorted(seen - set(order))
    index = {lab: i for i, lab in enumerate(labels)}
    grid = [[0] * len(labels) for _ in labels]
    for true, pred in resolved:
        grid[index[true]][index[pred]] += 1
    return Confusion(tuple(labels), tuple(tuple(r) for r in grid))


@dataclass(frozen=True)
class ReliabilityBin:
    """One confidence bin: its range, how many cases fell in it, their mean confidence
    and how many were right."""

    lo: float
    hi: float
    n: int
    mean_confidence: float
    hits: int

    @property
    def hit_rate(self) -> float:
        """Observed share right (NaN for an empty bin)."""
        return self.hits / self.n if self.n else math.nan

    def to_dict(self) -> dict[str, object]:
        """JSON view."""
        return {
            "range": [self.lo, self.hi],
            "n": self.n,
            "mean_confidence": round(self.mean_confidence, 4) if self.n else None,
            "hits": self.hits,
            "hit_rate": round(self.hit_rate, 4) if self.n else None,
        }


def reliability(
    confidence: Sequence[float], hit: Sequence[bool], n_bins: int = 5
) -> list[ReliabilityBin]:
    """Equal-width confidence bins over [0, 1] (the last one closed), each with its count,
    mean confidence and observed hit rate."""
    if len(confidence) != len(hit):
        raise ValueError("confidence and hit differ in length")
    if n_bins < 1:
        raise ValueError("n_bins must be at least 1")
    out = []
    for b in range(n_bins):
        lo, hi = b / n_bins, (b + 1) / n_bins
        last = b == n_bins - 1
        idx = [
            i
            for i, c in enumerate(confidence)
            if lo <= min(max(c, 0.0), 1.0) < hi or (last and min(max(c, 0.0), 1.0) == hi)
        ]
        mean = sum(confidence[i] for i in idx) / len(idx) if idx else math.nan
        out.append(ReliabilityBin(lo, hi, len(idx), mean, sum(bool(hit[i]) for i in idx)))
    return out


def brier(confidence: Sequence[float], hit: Sequence[bool]) -> float:
    """The Brier score of ``confidence`` as the probability of ``hit`` (NaN when empty);
    0 is perfect, 0.25 is a constant 0.5."""
    if len(confidence) != len(hit):
        raise ValueError("confidence and hit differ in length")
    if not confidence:
        return math.nan
    return sum((c - float(h)) ** 2 for c, h in zip(confidence, hit, strict=True)) / len(confidence)
