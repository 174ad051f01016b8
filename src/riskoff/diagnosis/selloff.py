"""Is it a sell-off, how severe, and how wide?

Severity combines five independent readings, each graded by a ramp in its own units and
combined as independent "alarms" (``1 - prod(1 - w_i * r_i)``):

- the US equity move in sigmas of its own trailing volatility (1σ → 0, 5σ → full);
- how many market groups (US equities, world equities, precious metals, commodities,
  bonds, credit, crypto) had a member fall 2σ or more (1 → 0, 5 → full);
- the worst single price class in sigmas (2.5σ → 0, 6.5σ → full): a crash in one market
  is a sell-off even when the rest is calm;
- turbulence percentile within all earlier days (0.95 → 0, 1.0 → full);
- the crowded sector crashing: semiconductors (SMH) beyond their beta to the S&P 500
  (``rel.smh``, 3σ → 0, 6σ → full), counted only while the Nasdaq-100 fell 1σ or more.
  A crash in the market's most crowded equity trade is a sell-off even when the index,
  diluted by everything else, fell 1.5%; on 2015-2025 it adds three days to the 4.9% of
  rows that were sell-offs, each a day the semiconductor trade broke (docs/suspects.md).

A day is a sell-off from severity 0.3. The scope is ``cross_asset`` when, on a sell-off,
US equities fell at least 2σ, at least four groups fell 1.5σ or more, and a safe haven
(gold or 10-year Treasuries) fell 1σ or more with them; otherwise ``concentrated``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from riskoff._types import Scope
from riskoff.diagnosis.classes import CLASSES, GROUPS
from riskoff.diagnosis.derived import Derived, get, sigma_of
from riskoff.diagnosis.results import Selloff
from riskoff.knowledge.suspects import Ramp

__all__ = ["SELLOFF_THRESHOLD", "assess_selloff", "severity"]

SELLOFF_THRESHOLD = 0.3
MOVE_SIGMA = 1.0  # a class "fell" / "rose" from 1σ

_EQ = Ramp(-1.0, -5.0)
_GROUPS = Ramp(1.0, 5.0)
_WORST = Ramp(-2.5, -6.5)
_TURB = Ramp(0.95, 1.0)
_SECTOR = Ramp(-3.0, -6.0)
_SECTOR_NDX = -1.0
_WEIGHTS = (0.6, 0.5, 0.5, 0.25, 0.5)


def severity(row: Mapping[str, float], dx: Derived) -> float:
    """Severity 0..1 of the day's (or window's) fall."""
    v = dx.values
    eq = v.get("dx.us_eq_big", v["dx.us_eq_sigma"])
    worst = v.get("dx.worst_big", v["dx.worst_sigma"])
    semis, ndx = get(row, "rel.smh"), sigma_of(row, "nasdaq")
    sector_broke = not (math.isnan(semis) or math.isnan(ndx)) and ndx <= _SECTOR_NDX
    parts = [
        _EQ(eq) if not math.isnan(eq) else 0.0,
        _GROUPS(v["dx.groups_down"]),
        _WORST(worst) if not math.isnan(worst) else 0.0,
        _TURB(t) if not math.isnan(t := get(row, "turbulence.pct")) else 0.0,
        _SECTOR(semis) if sector_broke else 0.0,
    ]
    keep = 1.0
    for w, r in zip(_WEIGHTS, parts, strict=True):
        keep *= 1.0 - w * r
    return 1.0 - keep


def _scope(row: Mapping[str, float], dx: Derived, is_selloff: bool) -> Scope:
    if not is_selloff:
        return "none"
    v = dx.values
    groups_15 = sum(1 for g in GROUPS if not math.isnan(m := v[f"dx.group.{g}"]) and m <= -1.5)
    haven_fell = any(
        not math.isnan(s := sigma_of(row, c)) and s <= -MOVE_SIGMA for c in ("gold", "treasuries")
    )
    us = v["dx.us_eq_sigma"]
    if not math.isnan(us) and us <= -2.0 and groups_15 >= 4 and haven_fell:
        return "cross_asset"
    return "concentrated"


def assess_selloff(row: Mapping[str, float], dx: Derived, *, floor: float = 0.0) -> Selloff:
    """Severity, scope, and the classes that fell and rose (by 1σ or more).

    ``floor``: a severity the reading cannot fall below (a window whose worst session was
    a sell-off is one, even when it rebounded by its end); scope and the classes that
    fell and rose are still read from ``row``."""
    sev = max(severity(row, dx), floor)
    is_sell = sev >= SELLOFF_THRESHOLD
    falling: list[tuple[float, str]] = []
    rising: list[tuple[float, str]] = []
    for c in CLASSES:
        s = sigma_of(row, c)
        if math.isnan(s):
            continue
        if s <= -MOVE_SIGMA:
            falling.append((s, c))
        elif s >= MOVE_SIGMA:
            rising.append((-s, c))
    return Selloff(
        is_selloff=is_sell,
        severity=round(sev, 4),
        scope=_scope(row, dx, is_sell),
        falling=tuple(c for _, c in sorted(falling)),
        rising=tuple(c for _, c in sorted(rising)),
    )
