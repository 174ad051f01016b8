"""Fitting the checks' weights, honestly (issue 21, item 4): would weights learned from the
labelled cases name the right suspect more often than the hand-written ones?

The model is a regularised multinomial (conditional) logistic regression over the checks'
strengths: each suspect's utility is a weighted sum of its own checks' strengths (the same
-1..1 numbers the hand-written ramps give, ``docs/suspects.md``) plus an intercept, and the
probability of naming it is the softmax of the utilities. A case with several accepted
suspects counts as right when any is named (its likelihood is the sum of theirs). Two
variants: ``checks`` (weights from scratch) and ``checks+hand`` (the hand-written score
as one more input, so the fit only has to correct it). An L2 penalty ``lam`` on the
weights (not on the hand score's coefficient) is taken from a fixed grid, :data:`LAMBDAS`.

Scored like the calibration: cases sorted by end day, cut into contiguous time blocks;
each block is named by a model fitted on the others (**out of fold**), beside the same
model fitted and scored on every case (**in sample**, optimistic by construction) and the
hand-written weights (fitted on nothing here). Plain numpy, full-batch gradient descent
with momentum from zero: deterministic, no new dependency.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from riskoff.evaluation.stats import Agreement

__all__ = [
    "LAMBDAS",
    "STEPS",
    "VARIANTS",
    "FitRow",
    "WeightCase",
    "WeightsExperiment",
    "experiment",
]

LAMBDAS = (0.001, 0.01, 0.03, 0.1, 0.3)
"""The L2 penalties tried (fixed beforehand, every one reported)."""
VARIANTS = ("checks", "checks+hand")
"""``checks``: weights from scratch; ``checks+hand``: the hand-written score as an input."""
STEPS = 1500
"""Gradient steps per fit (full batch, momentum)."""
_RATE = 0.5
_MOMENTUM = 0.9

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class WeightCase:
    """One labelled case: every suspect's check strengths and hand-written score, the
    accepted suspects and the hand-written primary."""

    key: str
    strengths: Mapping[str, Mapping[str, float]]
    scores: Mapping[str, float]
    accepted: tuple[str, ...]
    primary: str


@dataclass(frozen=True)
class FitRow:
    """One variant at one penalty: top-1 agreement in sample and out of fold."""

    variant: str
    lam: float
    in_sample: Agreement
    out_of_fold: Agreement

    def to_dict(self) -> dict[str, object]:
        """JSON view."""
        return {
            "variant": self.variant,
            "lambda": self.lam,
            "in_sample": self.in_sample.to_dict(),
            "out_of_fold": self.out_of_fold.to_dict(),
        }


@dataclass(frozen=True)
class _Design:
    x: Array  # cases x features: strength of each (suspect, check)
    h: Array  # cases x suspects: hand-written score
    a: Array  # cases x suspects: 1 where accepted
    owner: npt.NDArray[np.int64]  # feature -> suspect index
    m: Array  # features x suspects: 1 where the feature is the suspect's check


@dataclass(frozen=True)
class _Fit:
    w: Array
    b: Array
    alpha: float

    def utility(self, d: _Design, rows: npt.NDArray[np.int64]) -> Array:
        out: Array = (d.x[rows] * self.w) @ d.m + self.b + self.alpha * d.h[rows]
        return out


def _fit(d: _Design, rows: npt.NDArray[np.int64], lam: float, with_hand: bool, steps: int) -> _Fit:
    x, h, a = d.x[rows], d.h[rows], d.a[rows]
    n, k = h.shape
    w, b, alpha = np.zeros(x.shape[1]), np.zeros(k), 0.0
    vw, vb, va = np.zeros_like(w), np.zeros_like(b), 0.0
    for _ in range(steps):
        u = _Fit(w, b, alpha).utility(d, rows)
        u -= u.max(axis=1, keepdims=True)
        p = np.exp(u)
        p /= p.sum(axis=1, keepdims=True)
        q = p * a
        q /= q.sum(axis=1, keepdims=True)
        g = (p - q) / n  # d(mean negative log-likelihood) / d(utility)
        gw = (x * g[:, d.owner]).sum(axis=0) + lam * w
        gb = g.sum(axis=0) + lam * b
        ga = float((g * h).sum()) if with_hand else 0.0
        vw = _MOMENTUM * vw - _RATE * gw
        vb = _MOMENTUM * vb - _RATE * gb
        va = _MOMENTUM * va - _RATE * ga
        w, b, alpha = w + vw, b + vb, alpha + va
    return _Fit(w, b, alpha)


def _hits(f: _Fit, d: _Design, rows: npt.NDArray[np.int64]) -> int:
    named = f.utility(d, rows).argmax(axis=1)
    return int((d.a[rows, named] > 0).sum())


@dataclass(frozen=True)
class WeightsExperiment:
    """The hand-written weights beside every fitted variant and penalty, and the weights
    of the best out-of-fold configuration fitted on every case (data, never used unless
    it beats the hand-written ones out of fold)."""

    n: int
    folds: int
    hand: Agreement
    rows: tuple[FitRow, ...]
    best: FitRow
    weights: Mapping[str, Mapping[str, float]]
    intercepts: Mapping[str, float]
    hand_coefficient: float

    @property
    def beats_hand(self) -> bool:
        """True when the best fit names more cases right out of fold than the hand-written
        weights."""
        return self.best.out_of_fold.k > self.hand.k

    def to_dict(self) -> dict[str, object]:
        """JSON view (``riskoff/data/weights_fit.json``)."""
        return {
            "what": "multinomial logistic regression over the checks' strengths, L2 "
            "penalty; top-1 agreement in sample and out of fold (contiguous time blocks)",
            "cases": self.n,
            "folds": self.folds,
            "hand_written": self.hand.to_dict(),
            "fits": [r.to_dict() for r in self.rows],
            "best_out_of_fold": self.best.to_dict(),
            "used": self.beats_hand,
            "verdict": (
                "the fit beats the hand-written weights out of fold"
                if self.beats_hand
                else "the fit does not beat the hand-written weights out of fold: "
                "the hand-written weights are kept"
            ),
            "fitted_on_all_cases": {
                "variant": self.best.variant,
                "lambda": self.best.lam,
                "hand_coefficient": round(self.hand_coefficient, 6),
                "intercepts": {k: round(v, 6) for k, v in self.intercepts.items()},
                "weights": {
                    s: {c: round(v, 6) for c, v in ws.items()} for s, ws in self.weights.items()
                },
            },
        }


def experiment(
    cases: Sequence[WeightCase],
    checks: Mapping[str, Sequence[str]],
    *,
    folds: int = 5,
    steps: int = STEPS,
) -> WeightsExperiment:
    """Fit every variant at every penalty of :data:`LAMBDAS`; ``checks``: each suspect's
    check indicators (the features), in the suspects' order. ``cases`` are sorted by their
    key's end day here; ``steps``: gradient steps per fit."""
    if len(cases) < 2 * folds:
        raise ValueError(f"need at least {2 * folds} cases, got {len(cases)}")
    ordered = sorted(cases, key=lambda c: c.key.split(":")[-1])
    ids = list(checks)
    feats = [(s, c) for s in ids for c in checks[s]]
    owner = np.array([ids.index(s) for s, _ in feats], dtype=np.int64)
    m = np.zeros((len(feats), len(ids)))
    m[np.arange(len(feats)), owner] = 1.0
    d = _Design(
        x=np.array([[c.strengths.get(s, {}).get(i, 0.0) for s, i in feats] for c in ordered]),
        h=np.array([[c.scores.get(s, 0.0) for s in ids] for c in ordered]),
        a=np.array([[float(s in c.accepted) for s in ids] for c in ordered]),
        owner=owner,
        m=m,
    )
    n = len(ordered)
    every = np.arange(n, dtype=np.int64)
    blocks = [every[j * n // folds : (j + 1) * n // folds] for j in range(folds)]
    hand = Agreement(sum(c.primary in c.accepted for c in ordered), n)
    rows: list[FitRow] = []
    fits: dict[tuple[str, float], _Fit] = {}
    for variant in VARIANTS:
        for lam in LAMBDAS:
            with_hand = variant == "checks+hand"
            oof = 0
            for held in blocks:
                train = np.setdiff1d(every, held)
                oof += _hits(_fit(d, train, lam, with_hand, steps), d, held)
            full = _fit(d, every, lam, with_hand, steps)
            fits[(variant, lam)] = full
            rows.append(
                FitRow(variant, lam, Agreement(_hits(full, d, every), n), Agreement(oof, n))
            )
    best = max(rows, key=lambda r: (r.out_of_fold.k, -r.in_sample.k))
    f = fits[(best.variant, best.lam)]
    weights: dict[str, dict[str, float]] = {}
    for j, (s, c) in enumerate(feats):
        weights.setdefault(s, {})[c] = float(f.w[j])
    return WeightsExperiment(
        n=n,
        folds=folds,
        hand=hand,
        rows=tuple(rows),
        best=best,
        weights=weights,
        intercepts={s: float(f.b[i]) for i, s in enumerate(ids)},
        hand_coefficient=f.alpha,
    )
