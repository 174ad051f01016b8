"""Bitcoin's fall to its low in the "a new 312 or a new 519?" line.

The comparison line states Bitcoin's close-to-close move and, where the day's range is
known (``riskoff.indicators.ranges``), how far it fell to its low: "Bitcoin −5.1%,
−7.0% at its low (312: −37.2% and −48.6% to the next day's low, 519: −13.8% and −30.1%
at its low)". A reference day's next-day low (``tolow_next.btc``) is in its row only when
that next UTC day had closed by the diagnosed day; the deeper of the two lows is said.
The segment is rendered from a template, so it carries its claims like every evidence
sentence (:func:`riskoff.diagnosis.text.render_claims`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from riskoff.diagnosis.results import Claim
from riskoff.diagnosis.text import render_claims

__all__ = ["bitcoin_segment"]

_SMALL = -0.0005
"""A low less than 0.05% below the previous close prints as no fall: it is not said."""


def _get(row: Mapping[str, float], key: str) -> float:
    try:
        return float(row.get(key, math.nan))
    except (TypeError, ValueError):
        return math.nan


def _low_part(row: Mapping[str, float], prefix: str, today: bool) -> tuple[str, dict[str, float]]:
    """The template of one day's low ("at its low" or "to the next day's low")."""
    low, nxt = _get(row, "tolow.btc"), _get(row, "tolow_next.btc")
    if not today and not math.isnan(nxt) and nxt < _SMALL and not (low <= nxt):
        return f"{{{prefix}tolow_next.btc|pct}} to the next day's low", {
            f"{prefix}tolow_next.btc": nxt
        }
    if not math.isnan(low) and low < _SMALL:
        return f"{{{prefix}tolow.btc|pct}} at its low", {f"{prefix}tolow.btc": low}
    return "", {}


def bitcoin_segment(
    row: Mapping[str, float], references: Mapping[str, Mapping[str, float] | None]
) -> tuple[str, tuple[Claim, ...]]:
    """Bitcoin's part of the comparison line and its claims ("" when its move is missing)."""
    move = _get(row, "move.btc")
    if math.isnan(move):
        return "", ()
    values: dict[str, float] = {"move.btc": move}
    low, vals = _low_part(row, "", today=True)
    values.update(vals)
    template = "Bitcoin {move.btc|pct}" + (f", {low}" if low else "")
    refs = []
    for name, ref in references.items():
        if ref is None:
            continue
        prefix = f"{name}:"
        rmove = _get(ref, "move.btc")
        if math.isnan(rmove):
            continue
        values[f"{prefix}move.btc"] = rmove
        rlow, rvals = _low_part(ref, prefix, today=False)
        values.update(rvals)
        refs.append(f"{name}: {{{prefix}move.btc|pct}}" + (f" and {rlow}" if rlow else ""))
    if refs:
        template += f" ({', '.join(refs)})"
    return render_claims(template, values)
