"""Relative moves in their own sigmas, beyond beta (``rel.*`` values).

The feature table gives raw log-move gaps (``ai.ndx_vs_spx``, Nasdaq-100 minus S&P 500,
and so on). A raw gap is not evidence: the Nasdaq's beta to the S&P 500 was about 1.65 in
1996-2002 and about 1.15 after 2015, and the gap's noise changed as much. So each gap is
regressed on the S&P 500 move over the trailing 250 US trading days ending the day
*before* (no look-ahead), and the residual is divided by the trailing residual
volatility: ``rel.<name>`` is the move "beyond what beta explains", in sigmas.

For a window, the beta and volatility are those of the day the window starts, and the
residual volatility scales with the square root of the window's trading days.

Long-run sigmas (``lsig.<class>``): the feature table's ``sigma.<class>`` divides a move by
the 60-day volatility before it. That baseline follows the regime: after a calm quarter
(1993, 2017) an ordinary fall looks like 6σ, and inside a crisis (late 2008, early 2009)
a 5% fall looks like 1.5σ. So each class's move is also divided by its volatility over
the ``LONG_WINDOW`` (500) days the class traded before the day: a two-year yardstick
that spans more than one regime. Both are point in time (the window ends the day before).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from riskoff.knowledge.universe import universe

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "COMBOS",
    "GAPS",
    "LEVELS",
    "LONG_CLASSES",
    "LONG_GAPS",
    "relative_params",
    "relative_values",
]

WINDOW = 250
MIN_PERIODS = 120
LONG_WINDOW = 500
LONG_MIN_PERIODS = 250

# name -> (gap = a - b, regressed on the S&P 500 move); b None means the feature is a gap
GAPS: Final[dict[str, tuple[str, str | None]]] = {
    "ndx": ("ai.ndx_vs_spx", None),
    "mag7": ("ai.mag7_vs_spx", None),
    "smh": ("ai.smh_vs_spx", None),
    "igv": ("ai.igv_vs_spx", None),
    "defensive": ("rotation.defensive_vs_spx", None),
    "real": ("rotation.real_vs_spx", None),
    "nikkei": ("carry.nikkei_minus_spx", None),
    "banks": ("move.banks", "move.us_equities"),
    "small_caps": ("move.small_caps", "move.us_equities"),
    "us_vs_em": ("move.us_equities", "move.em_equities"),
}
# name -> a change series scaled by its own trailing volatility (no beta)
LEVELS: Final[dict[str, str]] = {"d2y": "rates.d2y_bp", "dtp": "rates.dtp_bp"}
# name -> a weighted sum of moves, scaled by its own trailing 60-day volatility (no beta).
# usd_ex_yen: the dollar index (DXY) with the yen's part taken out. JPY is 13.6% of the
# DXY basket and ``move.yen`` is minus the USDJPY log move, so adding 0.136 x move.yen
# removes it: what is left is the dollar against the euro, sterling, the Canadian dollar,
# the krona and the franc. A dollar that falls only because the yen is bought (a haven
# bid or a carry unwind) is not a sale of America.
COMBOS: Final[dict[str, tuple[tuple[str, float], ...]]] = {
    "usd_ex_yen": (("move.usd", 1.0), ("move.yen", 0.136)),
}
# gaps that also get a long-window reading ``rlong.<name>``: beta and residual volatility
# over the LONG_WINDOW (500) US trading days before the day. Inside a banking crisis the
# 250-day beta of financials to the S&P 500 is estimated on the crisis itself (XLF's
# beta rose from about 1.1 to 1.75 in 2008), so "beyond beta" on that yardstick reads
# the bank story as the norm; the two-year window spans the regime before it.
LONG_GAPS: Final[tuple[str, ...]] = ("banks",)
COMBO_WINDOW = 60
COMBO_MIN_PERIODS = 40
_SPX = "move.us_equities"
# classes that get a long-run sigma ``lsig.<class>`` (move over the 500-day volatility)
LONG_CLASSES: Final[tuple[str, ...]] = universe().ids


def _gap_row(row: Mapping[str, float], name: str) -> float:
    a, b = GAPS[name]
    va = float(row.get(a, math.nan))
    return va if b is None else va - float(row.get(b, math.nan))


def _gap_frame(frame: pd.DataFrame, name: str) -> pd.Series | None:
    a, b = GAPS[name]
    if a not in frame or (b is not None and b not in frame):
        return None
    return frame[a] if b is None else frame[a] - frame[b]


def relative_params(table: pd.DataFrame) -> pd.DataFrame:
    """Per day: ``beta.<name>`` and ``sd.<name>`` from the 250 US trading days before it."""
    import numpy as np
    import pandas as pd

    us = table["open.us_equities"] == 1 if "open.us_equities" in table else None
    t = table[us] if us is not None else table
    out: dict[str, pd.Series] = {}
    spx = t[_SPX] if _SPX in t else pd.Series(np.nan, index=t.index)
    for name in GAPS:
        g = _gap_frame(t, name)
        if g is None:
            continue
        ok = g.notna() & spx.notna()
        gg, xx = g.where(ok), spx.where(ok)
        cov = gg.rolling(WINDOW, min_periods=MIN_PERIODS).cov(xx)
        var = xx.rolling(WINDOW, min_periods=MIN_PERIODS).var()
        beta = cov / var
        res = gg - beta.shift(1) * xx
        sd = res.rolling(WINDOW, min_periods=MIN_PERIODS).std()
        out[f"beta.{name}"] = beta.shift(1)
        out[f"sd.{name}"] = sd.shift(1)
        if name in LONG_GAPS:
            cov_l = gg.rolling(LONG_WINDOW, min_periods=LONG_MIN_PERIODS).cov(xx)
            var_l = xx.rolling(LONG_WINDOW, min_periods=LONG_MIN_PERIODS).var()
            beta_l = cov_l / var_l
            res_l = gg - beta_l.shift(1) * xx
            sd_l = res_l.rolling(LONG_WINDOW, min_periods=LONG_MIN_PERIODS).std()
            out[f"lbeta.{name}"] = beta_l.shift(1)
            out[f"lsdr.{name}"] = sd_l.shift(1)
    for name, parts in COMBOS.items():
        if any(col not in t for col, _ in parts):
            continue
        combo = pd.Series(0.0, index=t.index)
        for col, w in parts:
            combo = combo + w * t[col]
        out[f"beta.{name}"] = pd.Series(0.0, index=t.index)
        out[f"sd.{name}"] = (
            combo.rolling(COMBO_WINDOW, min_periods=COMBO_MIN_PERIODS).std().shift(1)
        )
    for name, col in LEVELS.items():
        if col not in t:
            continue
        out[f"beta.{name}"] = pd.Series(0.0, index=t.index)
        out[f"sd.{name}"] = t[col].rolling(WINDOW, min_periods=MIN_PERIODS).std().shift(1)
    params = pd.DataFrame(out, index=t.index).reindex(table.index).ffill()
    long: dict[str, pd.Series] = {}
    for cls in LONG_CLASSES:
        col = f"move.{cls}"
        if col not in table:
            continue
        m = table[col]
        op = f"open.{cls}"
        if op in table:
            m = m[table[op] == 1]
        m = m.dropna()
        sd = m.rolling(LONG_WINDOW, min_periods=LONG_MIN_PERIODS).std().shift(1)
        long[f"lsd.{cls}"] = sd.reindex(table.index).ffill()
    if long:
        params = pd.concat([params, pd.DataFrame(long, index=table.index)], axis=1)
    return params


def relative_values(
    row: Mapping[str, float], params: Mapping[str, float], n_days: int = 1
) -> dict[str, float]:
    """``rel.<name>``: the row's gap beyond beta, in sigmas (NaN when not computable)."""
    out: dict[str, float] = {}
    spx = float(row.get(_SPX, math.nan))
    scale = math.sqrt(max(n_days, 1))
    for name in (*GAPS, *LEVELS, *COMBOS):
        beta = float(params.get(f"beta.{name}", math.nan))
        sd = float(params.get(f"sd.{name}", math.nan))
        if name in GAPS:
            value = _gap_row(row, name) - beta * spx
        elif name in COMBOS:
            value = sum(w * float(row.get(col, math.nan)) for col, w in COMBOS[name])
        else:
            value = float(row.get(LEVELS[name], math.nan))
        if math.isnan(value) or math.isnan(sd) or sd <= 0:
            out[f"rel.{name}"] = math.nan
        else:
            out[f"rel.{name}"] = value / (sd * scale)
    for name in LONG_GAPS:
        beta = float(params.get(f"lbeta.{name}", math.nan))
        sd = float(params.get(f"lsdr.{name}", math.nan))
        value = _gap_row(row, name) - beta * spx
        ok = not (math.isnan(value) or math.isnan(sd)) and sd > 0
        out[f"rlong.{name}"] = value / (sd * scale) if ok else math.nan
    for cls in LONG_CLASSES:
        sd = float(params.get(f"lsd.{cls}", math.nan))
        value = float(row.get(f"move.{cls}", math.nan))
        if float(row.get(f"open.{cls}", 1.0)) == 0.0:
            value = math.nan
        ok = not (math.isnan(value) or math.isnan(sd)) and sd > 0
        out[f"lsig.{cls}"] = value / (sd * scale) if ok else math.nan
        # the last 5 sessions on the same yardstick (the feature table's ret5.<class>)
        r5 = float(row.get(f"ret5.{cls}", math.nan))
        ok5 = not (math.isnan(r5) or math.isnan(sd)) and sd > 0
        out[f"lsig5.{cls}"] = r5 / (sd * math.sqrt(5.0)) if ok5 else math.nan
    return out
