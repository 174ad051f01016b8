"""Calibration of the verdict's confidence: a mapping from the raw confidence to the
probability that the primary suspect is right, fitted and scored out of fold.

Two one-dimensional fits, both small enough to write here rather than pull in scikit-learn
or SciPy for them: **Platt scaling** (a logistic regression of the hit on the confidence,
two parameters, Newton's method with a weak ridge so a separable fold stays finite) and
**isotonic regression** (pool-adjacent-violators: the best non-decreasing step function),
beside the floor every mapping has to beat: the training folds' constant hit rate.
Folds are contiguous **time blocks** of the cases sorted by date: a case is never scored by
a mapping fitted on it, and the blocks keep neighbouring days (one episode's days) mostly
together.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from riskoff.evaluation.stats import ReliabilityBin, brier, reliability

__all__ = [
    "Calibration",
    "CrossValidated",
    "Platt",
    "calibrate",
    "cross_validate",
    "fit_isotonic",
    "fit_platt",
    "isotonic_map",
]


@dataclass(frozen=True)
class Platt:
    """``p = 1 / (1 + exp(-(a + b * confidence)))``."""

    a: float
    b: float

    def __call__(self, c: float) -> float:
        z = self.a + self.b * c
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def fit_platt(conf: Sequence[float], hit: Sequence[bool], ridge: float = 1e-3) -> Platt:
    """The logistic fit of ``hit`` on ``conf`` (Newton-Raphson, ridge on both terms)."""
    a = b = 0.0
    for _ in range(100):
        ga, gb, haa, hab, hbb = ridge * a, ridge * b, ridge, 0.0, ridge
        for c, h in zip(conf, hit, strict=True):
            p = Platt(a, b)(c)
            w = p * (1 - p)
            ga += p - float(h)
            gb += (p - float(h)) * c
            haa += w
            hab += w * c
            hbb += w * c * c
        det = haa * hbb - hab * hab
        if det <= 0:
            break
        da, db = (hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det
        a, b = a - da, b - db
        if abs(da) + abs(db) < 1e-10:
            break
    return Platt(a, b)


def fit_isotonic(conf: Sequence[float], hit: Sequence[bool]) -> list[tuple[float, float]]:
    """Pool-adjacent-violators: the non-decreasing steps ``(upper confidence, p)`` that fit
    ``hit`` best in squared error."""
    pairs = sorted(zip(conf, (float(h) for h in hit), strict=True))
    blocks: list[list[float]] = []  # [sum, count, upper confidence]
    for c, h in pairs:
        blocks.append([h, 1.0, c])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] >= blocks[-1][0] / blocks[-1][1]:
            s, n, up = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += n
            blocks[-1][2] = up
    return [(up, s / n) for s, n, up in blocks]


def isotonic_map(steps: Sequence[tuple[float, float]]) -> Callable[[float], float]:
    """The step function of :func:`fit_isotonic` (beyond the last step: the last value)."""

    def f(c: float) -> float:
        for up, p in steps:
            if c <= up:
                return p
        return steps[-1][1] if steps else math.nan

    return f


@dataclass(frozen=True)
class CrossValidated:
    """Out-of-fold results of one method: the Brier score and reliability bins of the
    mapped confidence, beside the raw confidence's."""

    method: str
    folds: int
    brier_raw: float
    brier_out_of_fold: float
    bins_raw: tuple[ReliabilityBin, ...]
    bins_out_of_fold: tuple[ReliabilityBin, ...]

    def to_dict(self) -> dict[str, object]:
        """JSON view."""
        return {
            "method": self.method,
            "folds": self.folds,
            "brier_raw": round(self.brier_raw, 4),
            "brier_out_of_fold": round(self.brier_out_of_fold, 4),
            "bins_raw": [b.to_dict() for b in self.bins_raw],
            "bins_out_of_fold": [b.to_dict() for b in self.bins_out_of_fold],
        }


def cross_validate(
    order: Sequence[object],
    conf: Sequence[float],
    hit: Sequence[bool],
    *,
    method: str = "platt",
    folds: int = 5,
    n_bins: int = 5,
) -> CrossValidated:
    """Fit on all time blocks but one, score the held-out block, for every block; ``order``
    sorts the cases in time (dates)."""
    if method not in ("constant", "platt", "isotonic"):
        raise ValueError(f"unknown method {method!r}")
    n = len(conf)
    idx = sorted(range(n), key=lambda i: str(order[i]))
    k = max(2, min(folds, n))
    blocks = [idx[j * n // k : (j + 1) * n // k] for j in range(k)]
    pred = [math.nan] * n
    for held in blocks:
        out = set(held)
        tc = [conf[i] for i in range(n) if i not in out]
        th = [hit[i] for i in range(n) if i not in out]
        f: Callable[[float], float]
        if method == "platt":
            f = fit_platt(tc, th)
        elif method == "isotonic":
            f = isotonic_map(fit_isotonic(tc, th))
        else:
            f = Platt(_logit(sum(th) / len(th) if th else 0.5), 0.0)  # a constant

        for i in held:
            pred[i] = f(conf[i])
    return CrossValidated(
        method=method,
        folds=k,
        brier_raw=brier(conf, hit),
        brier_out_of_fold=brier(pred, hit),
        bins_raw=tuple(reliability(conf, hit, n_bins)),
        bins_out_of_fold=tuple(reliability(pred, hit, n_bins)),
    )


@dataclass(frozen=True)
class Calibration:
    """A calibration report: the cases it used, every method's out-of-fold figures, and the
    Platt mapping fitted on all the cases (to be saved as data, not wired in)."""

    sets: tuple[str, ...]
    n: int
    first: str
    last: str
    base_rate: float
    results: tuple[CrossValidated, ...]
    mapping: Platt

    def to_dict(self) -> dict[str, object]:
        """JSON view (also the saved mapping's file)."""
        return {
            "what": "P(primary suspect right | verdict confidence c) = 1/(1+exp(-(a+b*c)))",
            "mapping": {
                "method": "platt",
                "a": round(self.mapping.a, 6),
                "b": round(self.mapping.b, 6),
            },
            "data": {
                "sets": list(self.sets),
                "cases": self.n,
                "first": self.first,
                "last": self.last,
            },
            "base_rate": round(self.base_rate, 4),
            "cross_validation": [r.to_dict() for r in self.results],
        }


def calibrate(
    sets: Sequence[str],
    order: Sequence[str],
    conf: Sequence[float],
    hit: Sequence[bool],
    *,
    folds: int = 5,
    n_bins: int = 5,
) -> Calibration:
    """Cross-validate Platt and isotonic mappings (and, as the floor, the constant training
    hit rate) by time blocks, and fit the Platt mapping on every case."""
    if len(conf) < 2 * folds:
        raise ValueError(f"need at least {2 * folds} cases to calibrate, got {len(conf)}")
    results = tuple(
        cross_validate(order, conf, hit, method=m, folds=folds, n_bins=n_bins)
        for m in ("constant", "platt", "isotonic")
    )
    return Calibration(
        sets=tuple(sets),
        n=len(conf),
        first=min(order),
        last=max(order),
        base_rate=sum(hit) / len(hit),
        results=results,
        mapping=fit_platt(conf, hit),
    )
