"""Derived numbers (``dx.*``) computed from one feature row.

These are the cross-class summaries a fingerprint needs but a single column does not
hold: the worst US equity move, how many groups fell, how concentrated the fall was,
how violently the VIX reacted. They are plain arithmetic on the row, so a diagnosis from
a row is reproducible from the row alone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from riskoff.diagnosis.classes import GROUPS, PRICE_CLASSES
from riskoff.indicators.relative import LONG_CLASSES

__all__ = ["Derived", "derive", "get", "is_open", "sigma_of"]

NAN = float("nan")
# Groups that count for "how many markets fell": FX is directional and stays out.
_FALL_GROUPS = tuple(GROUPS)
# Candidates for a crowded trade: single markets, not the broad equity indices (a broad
# index falling from its high is the generic sell-off) and not crypto (its own suspect).
# Crowded equity shorts-of-volatility show in the VIX instead (dx.vol_convexity).
_CROWDED_CANDIDATES = ("gold", "silver", "copper", "oil")
# VIX % rise per 1% S&P fall from which short-volatility covering is suspected: the 90th
# percentile of that ratio on all 1.5%-or-worse S&P 500 down days since 1990 (median
# about 4.9, 75th percentile 7.4, 99th 22). The leverage fingerprint's convexity ramp
# starts here too: forced covering is a tail reaction, not a quarter of all down days.
_SHORT_VOL_CONVEXITY = 11.5


def get(row: Mapping[str, float], key: str) -> float:
    """``row[key]`` as a float, NaN when absent or not a number."""
    v = row.get(key, NAN)
    try:
        f = float(v)
    except (TypeError, ValueError):
        return NAN
    return f


def is_open(row: Mapping[str, float], cls: str) -> bool:
    """True unless the row says the class's market was closed (``open.<class>`` == 0)."""
    o = get(row, f"open.{cls}")
    return o != 0.0


def sigma_of(row: Mapping[str, float], cls: str) -> float:
    """The class's move in sigmas, NaN when missing or its market was closed."""
    if not is_open(row, cls):
        return NAN
    return get(row, f"sigma.{cls}")


def _long_sigma(row: Mapping[str, float], cls: str) -> float:
    """The class's move in sigmas of its 500-day volatility (``lsig.*``), NaN if closed."""
    if not is_open(row, cls):
        return NAN
    return get(row, f"lsig.{cls}")


def _stronger(a: float, b: float) -> float:
    """Of two readings of the same move, the one further from zero (NaN-aware)."""
    if math.isnan(a):
        return b
    if math.isnan(b):
        return a
    return a if abs(a) >= abs(b) else b


def _nanmin(values: list[float]) -> float:
    vals = [v for v in values if not math.isnan(v)]
    return min(vals) if vals else NAN


def _nanmean(values: list[float]) -> float:
    vals = [v for v in values if not math.isnan(v)]
    return sum(vals) / len(vals) if vals else NAN


def _concentration(falls: Mapping[str, float]) -> float:
    """The largest group fall's share of all squared group falls (0 when nothing fell 1σ)."""
    total = sum(f * f for f in falls.values())
    top = max(falls.values(), default=0.0)
    return (top * top / total) if top >= 1.0 and total > 0 else 0.0


def _banks_ratio(row: Mapping[str, float]) -> float:
    """Financials' fall as a multiple of the S&P 500's fall (0 when banks did not fall).

    Inside a banking crisis the regressions of ``rel.banks`` estimate the beta on the
    crisis itself, so banks falling twice the market reads as "normal"; the plain ratio
    does not. The S&P 500 fall in the denominator is floored at half its own 60-day daily
    volatility (the volatility is ``move / sigma``), so a flat market does not blow the
    ratio up. On S&P 500 down days of 1σ or more since 1998 the ratio's 90th percentile
    is 1.74, its 95th 2.03, its 99th 2.71 (median 1.09).
    """
    if not (is_open(row, "banks") and is_open(row, "us_equities")):
        return NAN
    banks, spx, sig = (get(row, k) for k in ("move.banks", "move.us_equities", "sigma.us_equities"))
    if math.isnan(banks) or math.isnan(spx):
        return NAN
    if banks >= 0:
        return 0.0
    vol = spx / sig if not math.isnan(sig) and sig != 0 else NAN
    floor = 0.5 * vol if not math.isnan(vol) and vol > 0 else 0.0
    den = min(spx, -floor)
    return banks / den if den < 0 else NAN


def _crowded_wick(row: Mapping[str, float], cls: str) -> dict[str, float]:
    """The crowded asset's day range (``indicators.ranges``): its fall to the low
    (``dx.crowded_tolow``), its close's distance back above the low (``dx.crowded_rebound``)
    and that in sigmas of its own volatility (``dx.crowded_wick``: 0 when its low was not
    below the previous close, NaN without range data)."""
    if not cls:
        return {"dx.crowded_tolow": NAN, "dx.crowded_rebound": NAN, "dx.crowded_wick": NAN}
    tolow = get(row, f"tolow.{cls}")
    wick = get(row, f"wick_sigma.{cls}")
    return {
        "dx.crowded_tolow": tolow,
        "dx.crowded_rebound": get(row, f"rebound.{cls}"),
        "dx.crowded_wick": wick if math.isnan(tolow) or tolow < 0 else 0.0,
    }


class Derived:
    """Derived values (floats, keyed ``dx.*``) and labels (strings) for one row."""

    __slots__ = ("labels", "values")

    def __init__(self, values: dict[str, float], labels: dict[str, str]) -> None:
        self.values = values
        self.labels = labels


def derive(row: Mapping[str, float], n_days: int = 1) -> Derived:
    """All ``dx.*`` values for one feature row."""
    v: dict[str, float] = {}
    lab: dict[str, str] = {}
    us = sigma_of(row, "us_equities")
    if math.isnan(us):
        us = sigma_of(row, "nasdaq")
    v["dx.us_eq_sigma"] = us
    us_l = _long_sigma(row, "us_equities")
    if math.isnan(us_l):
        us_l = _long_sigma(row, "nasdaq")
    v["dx.us_eq_lsig"] = us_l
    # the larger fall of the two yardsticks (60-day and 500-day volatility): a crisis-
    # regime crash is not small because the regime was already volatile
    v["dx.us_eq_big"] = _nanmin([us, us_l])
    v["dx.banks_big"] = _nanmin([sigma_of(row, "banks"), _long_sigma(row, "banks")])
    # financials beyond beta, the stronger (more negative) of the 250-day and the 500-day
    # regression (``rel.banks``, ``rlong.banks``): see relative.LONG_GAPS
    v["dx.banks_rel_big"] = _nanmin([get(row, "rel.banks"), get(row, "rlong.banks")])
    v["dx.banks_ratio"] = _banks_ratio(row)
    # ``big.<class>``: the class's move on whichever yardstick (60-day or 500-day
    # volatility) reads it as larger, sign kept. Inside a crisis regime the 60-day
    # volatility is already high and shrinks every signature toward zero; after a calm
    # quarter the 500-day one does. A signature check keyed on "the dollar jumped" or
    # "banks crashed" should see the move at its larger reading either way.
    for cls in LONG_CLASSES:
        v[f"big.{cls}"] = _stronger(sigma_of(row, cls), _long_sigma(row, cls))
    # yields in yield sigmas: ``sigma.treasuries`` and ``sigma.long_bond`` are bond-price
    # proxies (a yield rise is negative); a sentence about a yield prints ``ysig.*`` (a
    # rise is positive), so every yield on a page has one sign convention
    for cls in ("treasuries", "long_bond"):
        v[f"ysig.{cls}"] = -sigma_of(row, cls)
        v[f"ysig5.{cls}"] = -get(row, f"sigma5.{cls}") if is_open(row, cls) else NAN
    v["dx.world_eq_sigma"] = _nanmean(
        [sigma_of(row, c) for c in ("japan_equities", "china_equities", "em_equities")]
    )
    v["dx.commod_sigma"] = _nanmean([sigma_of(row, c) for c in ("oil", "copper")])
    v["dx.crypto_sigma"] = _nanmean([sigma_of(row, c) for c in ("btc", "eth")])

    falls: dict[str, float] = {}
    down = down_ex_crypto = n_groups = 0
    for g, members in GROUPS.items():
        m = _nanmin([sigma_of(row, c) for c in members])
        v[f"dx.group.{g}"] = m
        if math.isnan(m):
            continue
        n_groups += 1
        falls[g] = max(0.0, -m)
        if m <= -2.0:
            down += 1
            if g != "crypto":
                down_ex_crypto += 1
    v["dx.groups_down"] = float(down)
    v["dx.groups_down_ex_crypto"] = float(down_ex_crypto)
    v["dx.groups_n"] = float(n_groups)

    # Concentration: the largest group fall's share of all squared group falls.
    v["dx.concentration"] = _concentration(falls)
    v["dx.concentration_ex_crypto"] = _concentration(
        {g: f for g, f in falls.items() if g != "crypto"}
    )

    # The worst non-crypto price class: the candidate "crowded" asset.
    worst_cls, worst = "", math.inf
    for c in _CROWDED_CANDIDATES:
        s = sigma_of(row, c)
        if not math.isnan(s) and s < worst:
            worst_cls, worst = c, s
    v["dx.crowded_sigma"] = worst if worst_cls else NAN
    lab["dx.crowded_class"] = worst_cls
    if worst_cls:
        move = get(row, f"move.{worst_cls}")
        dd = get(row, f"dd52.{worst_cls}")
        v["dx.crowded_move"] = move
        # drawdown from the 52-week high on the eve of the fall
        v["dx.crowded_top"] = (
            math.exp(-move) * (1.0 + dd) - 1.0 if not (math.isnan(move) or math.isnan(dd)) else NAN
        )
    else:
        v["dx.crowded_move"] = NAN
        v["dx.crowded_top"] = NAN
    v.update(_crowded_wick(row, worst_cls))

    worst_any_cls, worst_any = "", math.inf
    for c in (*PRICE_CLASSES, "credit"):
        s = sigma_of(row, c)
        if not math.isnan(s) and s < worst_any:
            worst_any_cls, worst_any = c, s
    v["dx.worst_sigma"] = worst_any if worst_any_cls else NAN
    lab["dx.worst_class"] = worst_any_cls
    worst_big = _nanmin(
        [_nanmin([sigma_of(row, c), _long_sigma(row, c)]) for c in (*PRICE_CLASSES, "credit")]
    )
    v["dx.worst_big"] = worst_big

    # The VIX: relative change, and its size against the S&P 500 fall (convexity).
    dvix = get(row, "vol.dvix")  # the VIX's log change over the day or window
    v["dx.vix_chg"] = math.expm1(dvix) if not math.isnan(dvix) else NAN
    spx = get(row, "move.us_equities")
    if math.isnan(v["dx.vix_chg"]) or math.isnan(spx) or not is_open(row, "us_equities"):
        v["dx.vol_convexity"] = NAN
    elif spx <= -0.005 * math.sqrt(n_days) and us <= -1.0:
        v["dx.vol_convexity"] = v["dx.vix_chg"] / -spx
    else:
        v["dx.vol_convexity"] = 0.0
    # The share of the (non-crypto) fall that sits in the crowded trade: the crowded
    # class's group, or US equities when the VIX's convexity says short-volatility
    # positions were forced to cover. A fall concentrated in US equities without that is
    # the generic equity sell-off, not a crowded trade unwinding.
    ex = {g: f for g, f in falls.items() if g != "crypto"}
    total = sum(f * f for f in ex.values())
    crowded_group = next((g for g, m in GROUPS.items() if worst_cls in m), "")
    share = ex.get(crowded_group, 0.0) ** 2 / total if total > 0 else 0.0
    conv = v["dx.vol_convexity"]
    if not math.isnan(conv) and conv >= _SHORT_VOL_CONVEXITY and total > 0:
        share = max(share, ex.get("us_equities", 0.0) ** 2 / total)
    v["dx.crowded_share"] = share if max(ex.values(), default=0.0) >= 1.0 else 0.0
    return Derived(v, lab)
