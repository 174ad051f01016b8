"""Two baselines every figure of an evaluation has to beat.

- **Most common label**: always name the suspect accepted most often in the set itself
  (and, as runner-up, the one accepted most often where the first is not). It sees the
  answers' frequencies, so it is a generous baseline.
- **Sign rules**: a one-page classifier written as simple, data-free rules on the signs of
  the day's (or window's) class moves, in sigmas of each class's own volatility
  (``sigma.<class>`` of ``docs/features.md``; a missing class counts as 0). Nothing is
  fitted. The rules, in order; every rule that fires names its suspect, the first two
  distinct ones are the answer, and ``growth_scare`` then ``rates_fiscal`` fill in:

  1. Bitcoin down 2σ or more and more than US stocks: ``crypto``.
  2. The yen up 2σ or more: ``carry_unwind``.
  3. Oil and gold both up 1σ or more: ``geopolitics``.
  4. Stocks, gold and Treasuries all down 1σ or more (everything sold): ``liquidity``.
  5. Stocks and the dollar down 1σ or more, Treasuries not up ("sell America"): ``policy``.
  6. Banks 1σ or more below US stocks: ``bank_stress``.
  7. The Magnificent Seven or the Nasdaq-100 1σ or more below US stocks: ``ai_narrative``.
  8. Treasuries down 1σ or more (yields up): ``rates_fiscal``.
  9. Gold or silver down 3σ or more: ``leverage``.
  10. Treasuries up, or oil or copper down, 1σ or more: ``growth_scare``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence

__all__ = ["SIGN_RULES", "most_common", "sign_rules"]

Rule = tuple[str, str, Callable[[Callable[[str], float]], bool]]

SIGN_RULES: tuple[Rule, ...] = (
    (
        "crypto",
        "Bitcoin -2σ and below stocks",
        lambda s: s("btc") <= -2 and s("btc") < s("us_equities"),
    ),
    ("carry_unwind", "yen +2σ", lambda s: s("yen") >= 2),
    ("geopolitics", "oil and gold +1σ", lambda s: s("oil") >= 1 and s("gold") >= 1),
    (
        "liquidity",
        "stocks, gold, Treasuries -1σ",
        lambda s: s("us_equities") <= -1 and s("gold") <= -1 and s("treasuries") <= -1,
    ),
    (
        "policy",
        "stocks and dollar -1σ, Treasuries not up",
        lambda s: s("us_equities") <= -1 and s("usd") <= -1 and s("treasuries") <= 0,
    ),
    ("bank_stress", "banks 1σ below stocks", lambda s: s("banks") <= s("us_equities") - 1),
    (
        "ai_narrative",
        "Mag 7 or Nasdaq 1σ below stocks",
        lambda s: min(s("mag7"), s("nasdaq")) <= s("us_equities") - 1,
    ),
    ("rates_fiscal", "Treasuries -1σ", lambda s: s("treasuries") <= -1),
    ("leverage", "gold or silver -3σ", lambda s: min(s("gold"), s("silver")) <= -3),
    (
        "growth_scare",
        "Treasuries +1σ, or oil or copper -1σ",
        lambda s: s("treasuries") >= 1 or min(s("oil"), s("copper")) <= -1,
    ),
)
"""The rules: suspect, a short description, and the test on the class sigmas."""

_FILL = ("growth_scare", "rates_fiscal")


def sign_rules(row: Mapping[str, float], known: Sequence[str] | None = None) -> tuple[str, str]:
    """The sign-rules classifier's top two suspects for a feature row (``sigma.<class>``
    columns); ``known`` limits the answer to suspects actually loaded."""

    def sigma(cls: str) -> float:
        v = row.get(f"sigma.{cls}", math.nan)
        return float(v) if math.isfinite(v) else 0.0

    fired = [sus for sus, _, test in SIGN_RULES if test(sigma)]
    out: list[str] = []
    for sus in [*fired, *_FILL]:
        if sus not in out and (known is None or sus in known):
            out.append(sus)
    out += ["growth_scare"] * (2 - len(out))
    return out[0], out[1]


def most_common(labels: Sequence[Sequence[str]]) -> tuple[str, str]:
    """The suspect accepted most often over ``labels``, and as runner-up the one accepted
    most often among the cases the first does not cover (ties by name)."""

    def top(rows: Sequence[Sequence[str]], skip: str = "") -> str:
        counts = Counter(s for acc in rows for s in acc if s != skip)
        ranked = sorted(counts, key=lambda s: (-counts[s], s))
        fill = [s for s in ("growth_scare", "rates_fiscal") if s != skip]
        return [*ranked, *fill][0]

    first = top(labels)
    return first, top([acc for acc in labels if first not in acc] or labels, first)
