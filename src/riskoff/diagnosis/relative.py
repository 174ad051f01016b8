"""Relative moves in their own sigmas, beyond beta (``rel.*`` values).

The feature table gives raw log-move gaps (``ai.ndx_vs_spx``, Nasdaq-100 minus S&P 500,
and so on). A raw gap is not evidence: the Nasdaq's beta to the S&P 500 was about 1.65 in
1996-2002 and about 1.15 after 2015, and the gap's noise changed as much. So each gap is
regressed on the S&P 500 move over the trailing 250 US trading days ending the day
*before* (no look-ahead), and the residual is divided by the trailing residual
volatility: ``rel.<name>`` is the move "beyond what beta explains", in sigmas.

For a window, the beta and volatility are those of the day the window starts, and the
residual volatility scales with the square root of the window's trading days.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["GAPS", "LEVELS", "relative_params", "relative_values"]

WINDOW = 250
MIN_PERIODS = 120

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
_SPX = "move.us_equities"


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
    for name, col in LEVELS.items():
        if col not in t:
            continue
        out[f"beta.{name}"] = pd.Series(0.0, index=t.index)
        out[f"sd.{name}"] = t[col].rolling(WINDOW, min_periods=MIN_PERIODS).std().shift(1)
    params = pd.DataFrame(out, index=t.index)
    return params.reindex(table.index).ffill()


def relative_values(
    row: Mapping[str, float], params: Mapping[str, float], n_days: int = 1
) -> dict[str, float]:
    """``rel.<name>``: the row's gap beyond beta, in sigmas (NaN when not computable)."""
    out: dict[str, float] = {}
    spx = float(row.get(_SPX, math.nan))
    scale = math.sqrt(max(n_days, 1))
    for name in (*GAPS, *LEVELS):
        beta = float(params.get(f"beta.{name}", math.nan))
        sd = float(params.get(f"sd.{name}", math.nan))
        if name in GAPS:
            value = _gap_row(row, name) - beta * spx
        else:
            value = float(row.get(LEVELS[name], math.nan))
        if math.isnan(value) or math.isnan(sd) or sd <= 0:
            out[f"rel.{name}"] = math.nan
        else:
            out[f"rel.{name}"] = value / (sd * scale)
    return out
