"""The signature of a day: which features, how much each counts, how they are scaled.

A signature is a row of the daily feature table (``docs/features.md``) reduced to the
columns below, standardised robustly and compressed, so that two days can be compared
with one weighted distance. ``docs/analogs.md`` explains every choice.

Standardisation (point in time): each column is centred on its median and divided by its
robust dispersion (the central 90% range over 3.29, see :func:`robust_scale`), both over
**every row up to and including the query day D** and nothing after. The query and all
candidate days are measured with that one yardstick. A store cut at D therefore gives the
same scale as the full store. Values are then compressed with ``asinh`` so that a 12σ and a
15σ day count as alike while a 1σ and a 3σ day do not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "SIGNATURE",
    "FeatureSpec",
    "robust_scale",
    "severity",
    "signature_matrix",
    "standardise",
]


@dataclass(frozen=True)
class FeatureSpec:
    """One signature feature.

    Attributes:
        column: the feature-table column.
        family: the economic quantity it measures; a family's members share its weight.
        weight: this column's weight (the family total is 1).
        label: short human name for "why" lists and tables.
        stress: +1 if a higher value is more stress, -1 if a lower value is, 0 if neither
            (used only to find an episode's worst day).
        kind: ``move`` (a sigma move of an asset class) or ``stress`` (a stress feature).
    """

    column: str
    family: str
    weight: float
    label: str
    stress: int
    kind: str = "move"


SIGNATURE: tuple[FeatureSpec, ...] = (
    # -- sigma moves by asset class; each family totals 1 ---------------------------------
    FeatureSpec("sigma.us_equities", "us_equities", 0.5, "S&P 500", -1),
    FeatureSpec("sigma.nasdaq", "us_equities", 0.25, "Nasdaq-100", -1),
    FeatureSpec("sigma.banks", "us_equities", 0.25, "US banks", -1),
    FeatureSpec("sigma.japan_equities", "world_equities", 0.5, "Nikkei 225", -1),
    FeatureSpec("sigma.china_equities", "world_equities", 0.25, "Hang Seng", -1),
    FeatureSpec("sigma.em_equities", "world_equities", 0.25, "EM equities", -1),
    FeatureSpec("sigma.gold", "gold", 1.0, "gold", -1),
    FeatureSpec("sigma.oil", "commodities", 0.5, "oil", -1),
    FeatureSpec("sigma.silver", "commodities", 0.25, "silver", -1),
    FeatureSpec("sigma.copper", "commodities", 0.25, "copper", -1),
    FeatureSpec("sigma.treasuries", "treasuries", 0.7, "10y Treasury", -1),
    FeatureSpec("sigma.long_bond", "treasuries", 0.3, "30y Treasury", -1),
    FeatureSpec("sigma.usd", "usd", 1.0, "dollar", 0),
    FeatureSpec("sigma.yen", "yen", 1.0, "yen", 0),
    FeatureSpec("sigma.btc", "crypto", 0.5, "Bitcoin", -1),
    FeatureSpec("sigma.eth", "crypto", 0.2, "Ether", -1),
    FeatureSpec("sigma.credit", "credit", 1.0, "high-yield credit", -1),
    # -- stress features; each family totals 1 --------------------------------------------
    FeatureSpec("breadth.down2", "breadth", 0.5, "classes down 2σ", 1, "stress"),
    FeatureSpec("breadth.up2", "breadth", 0.5, "classes up 2σ", 0, "stress"),
    FeatureSpec("haven.failure", "haven_failure", 1.0, "safe-haven failure", 1, "stress"),
    FeatureSpec("funding.sofr_iorb_bp", "funding", 0.5, "SOFR−IORB", 1, "stress"),
    FeatureSpec("funding.sofr_iorb_chg5_bp", "funding", 0.5, "SOFR−IORB 5d change", 1, "stress"),
    FeatureSpec("turbulence.pct", "turbulence", 1.0, "turbulence percentile", 1, "stress"),
    FeatureSpec("crypto.idio_sigma", "crypto", 0.3, "crypto-only move", -1, "stress"),
)
"""The signature: 17 sigma moves in 9 families and 7 stress features in 4 more (the
crypto-only move shares the crypto family: it measures the same market)."""

COLUMNS: tuple[str, ...] = tuple(f.column for f in SIGNATURE)
WEIGHTS: np.ndarray = np.array([f.weight for f in SIGNATURE], dtype="float64")
STRESS_SIGN: np.ndarray = np.array([f.stress for f in SIGNATURE], dtype="float64")
_R90_TO_SD = 3.29  # width of the central 90% of a standard normal


def signature_matrix(table: pd.DataFrame) -> np.ndarray:
    """The signature columns of a feature table as a float matrix (missing columns NaN)."""
    out = np.full((len(table), len(SIGNATURE)), np.nan)
    for j, col in enumerate(COLUMNS):
        if col in table.columns:
            out[:, j] = pd.to_numeric(table[col], errors="coerce").to_numpy(dtype="float64")
    out[~np.isfinite(out)] = np.nan
    return out


def robust_scale(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column medians and robust dispersions of ``rows`` (NaN ignored).

    The dispersion is the central 90% range divided by 3.29 (the standard deviation of a
    normal variable with that range): robust to the 5% most extreme days on either side,
    yet not zero for features that are 0 on most days (breadth counts, haven failure),
    which an IQR would be. The standard deviation stands in when that range is 0, and 1
    when that is 0 or undefined too.
    """
    n, k = rows.shape
    med = np.full(k, np.nan)
    scale = np.ones(k)
    if n == 0:
        return med, scale
    finite = np.isfinite(rows)
    for j in range(k):
        col = rows[finite[:, j], j]
        if col.size == 0:
            continue
        q05, q50, q95 = np.quantile(col, [0.05, 0.5, 0.95])
        r90 = (q95 - q05) / _R90_TO_SD
        sd = float(col.std())
        med[j] = q50
        scale[j] = r90 if r90 > 0 else (sd if sd > 0 else 1.0)
    return med, scale


def standardise(rows: np.ndarray, med: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """``asinh((x - median) / scale)``; NaN stays NaN."""
    return np.asarray(np.arcsinh((rows - med) / scale), dtype="float64")


def severity(z: np.ndarray) -> np.ndarray:
    """How much stress each standardised row shows: the weighted sum of squares of its
    values in the stress direction (falls of risk assets and havens, breadth of falls,
    haven failure, funding, turbulence, a crypto-only fall); moves the other way count 0,
    and so do missing values. Squares make one extreme fall outweigh many small ones."""
    oriented = np.clip(np.nan_to_num(z) * STRESS_SIGN, 0.0, None)
    return np.asarray(oriented**2 @ WEIGHTS, dtype="float64")
