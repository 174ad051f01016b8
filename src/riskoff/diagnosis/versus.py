"""Bitcoin's fall to its low in the "a new 312 or a new 519?" line.

The comparison line states Bitcoin's close-to-close move and, where the day's range is
known (``riskoff.indicators.ranges``), how far it fell to its low: "Bitcoin −5.1% (312:
−37.2%, 519: −13.8%), −7.0% at its low (312: −48.1% to the next day's low, 519: −28.5% at
its low)". A reference day's next-day low (``tolow_next.btc``) is in its row only when
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


def _low_part(row: Mapping[str, float], prefix: str) -> tuple[str, dict[str, float]]:
    """The template of a reference day's low: the next day's when it is known and deeper
    ("to the next day's low"), else the day's own ("at its low"); "" when neither fell."""
    low, nxt = _get(row, "tolow.btc"), _get(row, "tolow_next.btc")
    if not math.isnan(nxt) and nxt < _SMALL and not (low <= nxt):
        key = f"{prefix}tolow_next.btc"
        return f"{{{key}|pct}} to the next day's low", {key: nxt}
    if not math.isnan(low) and low < _SMALL:
        key = f"{prefix}tolow.btc"
        return f"{{{key}|pct}} at its low", {key: low}
    return "", {}


def bitcoin_segment(
    row: Mapping[str, float], references: Mapping[str, Mapping[str, float] | None]
) -> tuple[str, tuple[Claim, ...]]:
    """Bitcoin's part of the comparison line and its claims ("" when its move is missing):
    its close-to-close move beside each reference day's, as every class of the line, then,
    when the day's low is known, the fall to it beside each reference day's."""
    move = _get(row, "move.btc")
    if math.isnan(move):
        return "", ()
    values: dict[str, float] = {"move.btc": move}
    moves, lows = [], []
    for name, ref in references.items():
        rmove = _get(ref, "move.btc") if ref is not None else math.nan
        if ref is None or math.isnan(rmove):
            continue
        prefix = f"{name}:"
        values[f"{prefix}move.btc"] = rmove
        moves.append(f"{name}: {{{prefix}move.btc|pct}}")
        rlow, rvals = _low_part(ref, prefix)
        if rlow:
            values.update(rvals)
            lows.append(f"{name}: {rlow}")
    template = "Bitcoin {move.btc|pct}" + (f" ({', '.join(moves)})" if moves else "")
    low = _get(row, "tolow.btc")
    if not math.isnan(low):
        values["tolow.btc"] = low
        template += ", {tolow.btc|pct} at its low" + (f" ({', '.join(lows)})" if lows else "")
    return render_claims(template, values)
