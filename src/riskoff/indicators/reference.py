"""How much a day looks like a reference day ("312", "519"): one definition for every face.

``diagnose``, ``analogs``, the report and the dashboard all print "similarity 0.61 to
312"; each reads it from :func:`reference_similarity`, so one day has one number.

A day is the vector of its classes' moves in sigmas (``sigma.<class>``, classes whose
market was open, clipped to ±8σ). The similarity of two days is the cosine of their
vectors over the classes both have (at least three), times the square root of the ratio
of the smaller vector's length to the larger's (a 1σ wobble in the 312 pattern is not a
312), floored at 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from riskoff.knowledge.universe import universe

__all__ = ["MIN_CLASSES", "reference_similarity", "sigma_vector"]

MIN_CLASSES = 3
"""Classes two days must share to be compared."""
_CLIP = 8.0


def sigma_vector(row: Mapping[str, float]) -> dict[str, float]:
    """The day's moves in sigmas by class, for the classes whose market was open."""
    out: dict[str, float] = {}
    for c in universe().ids:
        o = row.get(f"open.{c}", math.nan)
        if o == 0.0:
            continue
        s = row.get(f"sigma.{c}", math.nan)
        try:
            f = float(s)
        except (TypeError, ValueError):
            continue
        if not math.isnan(f):
            out[c] = max(-_CLIP, min(_CLIP, f))
    return out


def reference_similarity(a: Mapping[str, float], b: Mapping[str, float]) -> float | None:
    """Similarity 0..1 of two sigma vectors (:func:`sigma_vector`); None when they share
    fewer than :data:`MIN_CLASSES` classes."""
    keys = [k for k in a if k in b]
    if len(keys) < MIN_CLASSES:
        return None
    dot = sum(a[k] * b[k] for k in keys)
    na = math.sqrt(sum(a[k] ** 2 for k in keys))
    nb = math.sqrt(sum(b[k] ** 2 for k in keys))
    if na == 0 or nb == 0:
        return 0.0
    cos = dot / (na * nb)
    size = min(na, nb) / max(na, nb)
    return max(0.0, cos) * math.sqrt(size)
