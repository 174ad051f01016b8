"""Calibration of the verdict's confidence: a mapping from the raw confidence to the
probability that the primary suspect is right, fitted and scored out of fold.

One-dimensional fits, small enough to write here rather than pull in scikit-learn or SciPy
for them: **Platt scaling** of the raw confidence (a logistic regression of the hit on the
confidence, Newton's method with a weak ridge so a separable fold stays finite), **Platt
scaling of its logarithm** (``platt-log``, the mapping riskoff uses: the raw confidence is
a product of three factors, so its log is additive; a ridge of :data:`RIDGE` on both
parameters pulls a small fold towards the base rate) and **isotonic regression**
(pool-adjacent-violators), beside the floor every mapping has to beat: the training folds'
constant hit rate. Folds are contiguous **time blocks** of the cases sorted by date: a case
is never scored by a mapping fitted on it, and the blocks keep neighbouring days (one
episode's days) mostly together.

The criterion (issue 21): on the held-out folds, every reliability bin holding at least
:data:`MIN_BIN` cases has a mean calibrated confidence within :data:`MAX_GAP` of its observed
hit rate. :class:`Calibration` records whether the chosen method meets it.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from riskoff.evaluation.stats import ReliabilityBin, brier, reliability, wilson
from riskoff.knowledge.calibration import platt_log

__all__ = [
    "CHOSEN",
    "FLOOR",
    "FOLDS",
    "FOLD_CHOICES",
    "MAX_GAP",
    "METHODS",
    "MIN_BIN",
    "RIDGE",
    "Calibration",
    "CrossValidated",
    "HeldOutSet",
    "Platt",
    "PlattLog",
    "calibrate",
    "cases_digest",
    "cross_validate",
    "fit_isotonic",
    "fit_platt",
    "fit_platt_log",
    "isotonic_map",
    "leave_one_set_out",
    "max_gap",
]

METHODS = ("constant", "platt", "isotonic", "platt-log")
"""Every method cross-validated (the constant is the floor to beat)."""
CHOSEN = "platt-log"
"""The method whose all-cases fit becomes the verdict's confidence."""
RIDGE = 1.0
"""The ridge of ``platt-log`` on both parameters (a weak prior towards the base rate)."""
FLOOR = 0.01
"""``platt-log`` reads a raw confidence under this as this (the log of 0 is not a number)."""
FOLDS = 10
"""Contiguous time blocks of the calibration's cross-validation (see :data:`FOLD_CHOICES`)."""
FOLD_CHOICES = (4, 5, 6, 8, 10)
"""Every fold count the chosen method's criterion is also reported for: with about a hundred
cases the held-out figures move with the cut, and the table shows by how much."""
MIN_BIN = 10
"""A reliability bin with fewer held-out cases is too small to judge the criterion on."""
MAX_GAP = 0.10
"""The most a judged bin's mean confidence may differ from its hit rate."""


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


@dataclass(frozen=True)
class PlattLog:
    """``p = 1 / (1 + exp(-(a + b * ln(max(confidence, floor)))))``."""

    a: float
    b: float
    floor: float = FLOOR

    def __call__(self, c: float) -> float:
        return platt_log(c, self.a, self.b, self.floor)


def fit_platt_log(
    conf: Sequence[float], hit: Sequence[bool], ridge: float = RIDGE, floor: float = FLOOR
) -> PlattLog:
    """The logistic fit of ``hit`` on ``ln(max(conf, floor))``."""
    p = fit_platt([math.log(max(c, floor)) for c in conf], hit, ridge)
    return PlattLog(p.a, p.b, floor)


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
    if method not in METHODS:
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
        elif method == "platt-log":
            f = fit_platt_log(tc, th)
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
class HeldOutSet:
    """One labelled set scored by the :data:`CHOSEN` mapping fitted on the other sets only:
    does the calibration carry over to cases of another kind?"""

    name: str
    n: int
    hits: int
    mean_confidence: float
    brier: float
    brier_raw: float
    brier_constant: float

    def to_dict(self) -> dict[str, object]:
        """JSON view."""
        return {
            "set": self.name,
            "n": self.n,
            "right": self.hits,
            "mean_confidence": round(self.mean_confidence, 4),
            "brier": round(self.brier, 4),
            "brier_raw": round(self.brier_raw, 4),
            "brier_constant": round(self.brier_constant, 4),
        }


def leave_one_set_out(
    groups: Sequence[str], conf: Sequence[float], hit: Sequence[bool]
) -> list[HeldOutSet]:
    """For every group: the :data:`CHOSEN` mapping (and the constant hit rate) fitted on
    the other groups, scored on it, beside the raw confidence."""
    out = []
    for g in dict.fromkeys(groups):
        tr = [i for i, x in enumerate(groups) if x != g]
        te = [i for i, x in enumerate(groups) if x == g]
        if not tr or not te:
            continue
        f = fit_platt_log([conf[i] for i in tr], [hit[i] for i in tr])
        p = [f(conf[i]) for i in te]
        h = [hit[i] for i in te]
        rate = sum(hit[i] for i in tr) / len(tr)
        out.append(
            HeldOutSet(
                name=g,
                n=len(te),
                hits=sum(h),
                mean_confidence=sum(p) / len(p),
                brier=brier(p, h),
                brier_raw=brier([conf[i] for i in te], h),
                brier_constant=brier([rate] * len(te), h),
            )
        )
    return out


def max_gap(bins: Sequence[ReliabilityBin], min_n: int = MIN_BIN) -> float:
    """The largest ``|mean confidence - hit rate|`` over the bins holding at least ``min_n``
    cases (0 when none does)."""
    return max((abs(b.mean_confidence - b.hit_rate) for b in bins if b.n >= min_n), default=0.0)


def cases_digest(keys: Sequence[str], conf: Sequence[float], hit: Sequence[bool]) -> str:
    """A SHA-256 of the cases (key, raw confidence to 4 places, hit), in order: the
    calibration's fingerprint of the diagnosis it was fitted on."""
    text = "\n".join(f"{k},{c:.4f},{int(h)}" for k, c, h in zip(keys, conf, hit, strict=True))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Calibration:
    """A calibration: the cases it used (in time order), every method's out-of-fold
    figures, the :data:`CHOSEN` mapping fitted on all the cases, its held-out reliability
    table (the verdict's track record) and each suspect's precision when named first."""

    sets: tuple[str, ...]
    keys: tuple[str, ...]
    conf: tuple[float, ...]
    hit: tuple[bool, ...]
    primary: tuple[str, ...]
    results: tuple[CrossValidated, ...]
    mapping: PlattLog
    folds: int
    groups: tuple[str, ...] = ()

    def by_folds(self) -> list[tuple[int, float, float]]:
        """For every fold count of :data:`FOLD_CHOICES`: the :data:`CHOSEN` method's worst
        judged bin (:func:`max_gap`) and out-of-fold Brier."""
        ends = [k.split(":")[-1] for k in self.keys]
        out = []
        for k in FOLD_CHOICES:
            if len(self.conf) < 2 * k:
                continue
            r = cross_validate(ends, self.conf, self.hit, method=CHOSEN, folds=k)
            out.append((k, max_gap(r.bins_out_of_fold), r.brier_out_of_fold))
        return out

    @property
    def by_set(self) -> list[HeldOutSet]:
        """:func:`leave_one_set_out` over the cases' sets (empty with one set)."""
        if len(set(self.groups)) < 2:
            return []
        return leave_one_set_out(self.groups, self.conf, self.hit)

    @property
    def n(self) -> int:
        """How many cases."""
        return len(self.conf)

    @property
    def first(self) -> str:
        """The first case's day (a window: its start)."""
        return min(k.split(":")[0] for k in self.keys)

    @property
    def last(self) -> str:
        """The last case's day (a window: its end)."""
        return max(k.split(":")[-1] for k in self.keys)

    @property
    def base_rate(self) -> float:
        """The share of cases whose primary suspect was right."""
        return sum(self.hit) / len(self.hit)

    @property
    def chosen(self) -> CrossValidated:
        """The out-of-fold figures of the :data:`CHOSEN` method."""
        return next(r for r in self.results if r.method == CHOSEN)

    @property
    def gap(self) -> float:
        """The chosen method's :func:`max_gap` on the held-out folds."""
        return max_gap(self.chosen.bins_out_of_fold)

    @property
    def digest(self) -> str:
        """:func:`cases_digest` of the cases."""
        return cases_digest(self.keys, self.conf, self.hit)

    def per_suspect(self) -> dict[str, dict[str, object]]:
        """Per suspect named first: how often, how often right, the 95% Wilson interval
        (cases where the verdict named none are left out)."""
        out: dict[str, dict[str, object]] = {}
        for sid in sorted(set(self.primary) - {""}):  # "": no suspect named (under the floor)
            named = sum(p == sid for p in self.primary)
            hits = sum(p == sid and h for p, h in zip(self.primary, self.hit, strict=True))
            lo, hi = wilson(hits, named)
            out[sid] = {"named": named, "right": hits, "ci95": [round(lo, 4), round(hi, 4)]}
        return out

    def to_dict(self) -> dict[str, object]:
        """JSON view (also the saved file, ``riskoff/data/calibration.json``)."""
        m = self.mapping
        return {
            "what": "P(primary suspect right | raw verdict confidence c) = "
            "1/(1+exp(-(a+b*ln(max(c, floor)))))",
            "mapping": {
                "method": CHOSEN,
                "a": round(m.a, 6),
                "b": round(m.b, 6),
                "floor": m.floor,
                "ridge": RIDGE,
            },
            "data": {
                "sets": list(self.sets),
                "cases": self.n,
                "first": self.first,
                "last": self.last,
                "command": "riskoff evaluate --calibrate --save (make evaluate)",
            },
            "folds": {
                "scheme": "contiguous time blocks of the cases sorted by end day; each "
                "block scored by a mapping fitted on the others",
                "k": self.folds,
            },
            "base_rate": round(self.base_rate, 4),
            "criterion": {
                "rule": f"held-out reliability bins with at least {MIN_BIN} cases within "
                f"{MAX_GAP:.2f} of the diagonal",
                "max_gap": round(self.gap, 4),
                "holds": self.gap <= MAX_GAP,
                "by_folds": [
                    {"folds": k, "max_gap": round(g, 4), "brier_out_of_fold": round(b, 4)}
                    for k, g, b in self.by_folds()
                ],
            },
            "track_record": {
                "of": "the held-out (out-of-fold) calibrated confidence of every case",
                "bins": [b.to_dict() for b in self.chosen.bins_out_of_fold],
                "per_suspect": self.per_suspect(),
            },
            "cases": {
                "digest": self.digest,
                "raw_confidence": [round(c, 4) for c in self.conf],
                "hit": [int(h) for h in self.hit],
                "primary": list(self.primary),
                "set": list(self.groups),
            },
            "leave_one_set_out": [h.to_dict() for h in self.by_set],
            "cross_validation": [r.to_dict() for r in self.results],
        }


def calibrate(
    sets: Sequence[str],
    keys: Sequence[str],
    conf: Sequence[float],
    hit: Sequence[bool],
    primary: Sequence[str],
    *,
    groups: Sequence[str] = (),
    folds: int = FOLDS,
    n_bins: int = 5,
) -> Calibration:
    """Cross-validate every method of :data:`METHODS` by time blocks (``keys`` are the
    cases' ``YYYY-MM-DD`` or ``START:END``, sorted by end day here) and fit the
    :data:`CHOSEN` mapping on every case. ``groups``: each case's labelled set (for
    :func:`leave_one_set_out`; default one group)."""
    if len(conf) < 2 * folds:
        raise ValueError(f"need at least {2 * folds} cases to calibrate, got {len(conf)}")
    idx = sorted(range(len(keys)), key=lambda i: keys[i].split(":")[-1])
    k = [keys[i] for i in idx]
    c = [conf[i] for i in idx]
    h = [bool(hit[i]) for i in idx]
    ends = [x.split(":")[-1] for x in k]
    results = tuple(
        cross_validate(ends, c, h, method=m, folds=folds, n_bins=n_bins) for m in METHODS
    )
    return Calibration(
        sets=tuple(sets),
        keys=tuple(k),
        conf=tuple(c),
        hit=tuple(h),
        primary=tuple(primary[i] for i in idx),
        results=results,
        mapping=fit_platt_log(c, h),
        folds=results[0].folds,
        groups=tuple(groups[i] for i in idx) if groups else ("",) * len(idx),
    )
