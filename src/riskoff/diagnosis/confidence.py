"""The verdict's confidence: the raw figure the scores give, and the probability that the
primary suspect is right that riskoff prints, read off the fitted mapping and the
held-out track record in ``riskoff/data/calibration.json``
(:mod:`riskoff.knowledge.calibration`; refitted by ``riskoff evaluate --calibrate --save``).
"""

from __future__ import annotations

from collections.abc import Sequence

from riskoff.diagnosis.results import Confidence, SuspectScore
from riskoff.knowledge.calibration import TrackRecord, load_track_record

__all__ = ["MIN_RECORD", "assess_confidence", "raw_confidence", "track_record_text"]

MIN_RECORD = 5
"""Fewer labelled cases than this in the confidence's bin: the record is too thin to quote."""


def raw_confidence(scores: Sequence[SuspectScore]) -> float:
    """Top score x margin over the runner-up (``0.4 + 2 * gap``, at most 1) x coverage
    (``0.5 + 0.5 * share of its checks with data``): the input of the calibration."""
    p = scores[0].score if scores else 0.0
    r = scores[1].score if len(scores) > 1 else 0.0
    margin = min(1.0, 0.4 + 2.0 * (p - r))
    cov = scores[0].coverage if scores else 0.0
    return round(p * margin * (0.5 + 0.5 * cov), 4)


def track_record_text(c: Confidence) -> str:
    """The calibrated confidence and the held-out record of its bin, in one sentence
    (numbers from the stored table); empty when there is no bin."""
    if c.n_bin is None or c.bin_range is None:
        return ""
    lo, hi = c.bin_range
    head = f"Confidence {c.probability:.2f} that it is right"
    rng = f"({lo:.1f} to {hi:.1f}, held out)"
    if c.n_bin == 0:
        return f"{head}; no labelled day was this confident {rng}."
    if c.n_bin < MIN_RECORD:
        days = "days were" if c.n_bin != 1 else "day was"
        return (
            f"{head}; only {c.n_bin} labelled {days} this confident {rng}: "
            "too few to quote a record."
        )
    return (
        f"{head}: on labelled days where riskoff was this confident {rng}, "
        f"it was right {c.hits_bin} of {c.n_bin} times."
    )


def assess_confidence(
    scores: Sequence[SuspectScore], record: TrackRecord | None = None
) -> Confidence:
    """The raw confidence of ``scores``, its calibrated probability and the track record
    behind it (``record``: the packaged one unless given; the use-cases pass the user's
    ``$RISKOFF_HOME/calibration.json`` when there is one)."""
    rec = record or load_track_record()
    raw = raw_confidence(scores)
    p = rec.probability(raw)
    b = rec.bin_of(p)
    primary = scores[0].id if scores else ""
    sr = rec.suspects.get(primary)
    return Confidence(
        probability=p,
        raw=raw,
        bin_range=(b.lo, b.hi) if b else None,
        n_bin=b.n if b else None,
        hits_bin=b.hits if b else None,
        suspect=primary,
        named=sr.named if sr else 0,
        named_right=sr.hits if sr else 0,
        named_ci95=sr.ci95 if sr else (0.0, 1.0),
        cases=rec.cases,
        method=rec.method,
        provenance=rec.provenance(),
    )
