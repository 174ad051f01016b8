"""The signature of a day: which features, how much each counts, how they are scaled.

A signature is a row of the daily feature table (``docs/features.md``) reduced to the
columns below, plus each asset-class move in units of its long-run (two-year) volatility
(:func:`longrun_sigma`), bounded, standardised robustly and compressed, so that two days
can be compared with one weighted distance. ``docs/analogs.md`` explains every choice.

Bounding: every value in sigmas is clipped to ±:data:`SIGMA_CLIP` (:func:`bound`).
Standardisation (point in time): each column is centred on its median and divided by its
robust dispersion (the central 90% range over 3.29, see :func:`robust_scale`), both over
**every row up to and including the query day D** and nothing after. The query and all
candidate days are measured with that one yardstick. A store cut at D therefore gives the
same scale as the full store. Values are then compressed with ``asinh``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskoff.indicators.stats import compress_apply

__all__ = [
    "FAMILIES",
    "FAMILY_OF",
    "LONGRUN_CLASSES",
    "SIGMA_CLIP",
    "SIGNATURE",
    "FeatureSpec",
    "bound",
    "longrun_sigma",
    "robust_scale",
    "severity",
    "signature_matrix",
    "standardise",
]


@dataclass(frozen=True)
class FeatureSpec:
    """One signature feature.

    Attributes:
        column: the feature-table column (``longrun.<class>`` columns are derived here from
            ``move.<class>`` and ``open.<class>``, see :func:`longrun_sigma`).
        family: the economic quantity it measures; a family's members share its weight.
        weight: this column's weight (the family total is 1).
        label: short human name for "why" lists and tables.
        stress: +1 if a higher value is more stress, -1 if a lower value is, 0 if neither
            (used only to find an episode's worst day).
        kind: ``move`` (a sigma move against the trailing 60-session volatility),
            ``longrun`` (the same move against the trailing two-year volatility) or
            ``stress`` (a stress feature).
        sigma: True when the value is in sigmas, and so bounded at :data:`SIGMA_CLIP`.
    """

    column: str
    family: str
    weight: float
    label: str
    stress: int
    kind: str = "move"
    sigma: bool = True


SIGMA_CLIP = 6.0
"""Sigma values are clipped to ±6 before scaling. A 6σ daily move is beyond anything a
normal market produces in centuries and rare even under fat tails; past it the size mostly
measures how calm the trailing window happened to be, not the day. So a -16σ Bitcoin day
counts as extreme, as much as a -6σ one and no more, and cannot swamp the other classes."""

LONGRUN_WINDOW = 504
"""Sessions (about two years) of the long-run volatility behind ``longrun.<class>``."""
LONGRUN_MIN = 250
"""Sessions needed before the long-run volatility is defined."""

# (class, family, weight of the class in its family, label, stress direction)
_MOVES: tuple[tuple[str, str, float, str, int], ...] = (
    ("us_equities", "us_equities", 0.5, "S&P 500", -1),
    ("nasdaq", "us_equities", 0.25, "Nasdaq-100", -1),
    ("banks", "us_equities", 0.25, "US banks", -1),
    ("japan_equities", "world_equities", 0.5, "Nikkei 225", -1),
    ("china_equities", "world_equities", 0.25, "Hang Seng", -1),
    ("em_equities", "world_equities", 0.25, "EM equities", -1),
    ("gold", "gold", 1.0, "gold", -1),
    ("oil", "commodities", 0.5, "oil", -1),
    ("silver", "commodities", 0.25, "silver", -1),
    ("copper", "commodities", 0.25, "copper", -1),
    ("treasuries", "treasuries", 0.7, "10y Treasury", -1),
    ("long_bond", "treasuries", 0.3, "30y Treasury", -1),
    ("usd", "usd", 1.0, "dollar", 0),
    ("yen", "yen", 1.0, "yen", 0),
    ("btc", "crypto", 0.5, "Bitcoin", -1),
    ("eth", "crypto", 0.2, "Ether", -1),
    ("credit", "credit", 1.0, "high-yield credit", -1),
)
LONGRUN_CLASSES: tuple[str, ...] = tuple(m[0] for m in _MOVES)


def _move_specs() -> tuple[FeatureSpec, ...]:
    """Each class's move seen two ways, sharing the class's weight equally: against the
    trailing 60-session volatility (a surprise for the current regime) and against the
    trailing two-year volatility (the size of the move in ordinary units)."""
    out: list[FeatureSpec] = []
    for cls, fam, w, label, stress in _MOVES:
        out.append(FeatureSpec(f"sigma.{cls}", fam, w / 2, label, stress, "move"))
        out.append(FeatureSpec(f"longrun.{cls}", fam, w / 2, f"{label} (2y σ)", stress, "longrun"))
    return tuple(out)


SIGNATURE: tuple[FeatureSpec, ...] = (
    # -- moves by asset class, two yardsticks each; each family totals 1 -------------------
    *_move_specs(),
    # -- stress features; each family totals 1 --------------------------------------------
    FeatureSpec("breadth.down2", "breadth", 0.5, "classes down 2σ", 1, "stress", False),
    FeatureSpec("breadth.up2", "breadth", 0.5, "classes up 2σ", 0, "stress", False),
    FeatureSpec("haven.failure", "haven_failure", 1.0, "safe-haven failure", 1, "stress", False),
    FeatureSpec("funding.sofr_iorb_bp", "funding", 0.5, "SOFR−IORB", 1, "stress", False),
    FeatureSpec(
        "funding.sofr_iorb_chg5_bp", "funding", 0.5, "SOFR−IORB 5d change", 1, "stress", False
    ),
    FeatureSpec("turbulence.pct", "turbulence", 1.0, "turbulence percentile", 1, "stress", False),
    FeatureSpec("crypto.idio_sigma", "crypto", 0.3, "crypto-only move", -1, "stress"),
)
"""The signature: 17 asset-class moves, each against two volatility yardsticks, in 9
families, and 7 stress features in 4 more (the crypto-only move shares the crypto family:
it measures the same market)."""

COLUMNS: tuple[str, ...] = tuple(f.column for f in SIGNATURE)
WEIGHTS: np.ndarray = np.array([f.weight for f in SIGNATURE], dtype="float64")
STRESS_SIGN: np.ndarray = np.array([f.stress for f in SIGNATURE], dtype="float64")
IN_SIGMAS: np.ndarray = np.array([f.sigma for f in SIGNATURE], dtype=bool)
FAMILIES: tuple[str, ...] = tuple(dict.fromkeys(f.family for f in SIGNATURE))
FAMILY_OF: np.ndarray = np.array(
    [[f.family == g for g in FAMILIES] for f in SIGNATURE], dtype="float64"
)
"""(features × families) membership matrix."""
_R90_TO_SD = 3.29  # width of the central 90% of a standard normal


def longrun_sigma(table: pd.DataFrame, cls: str) -> np.ndarray:
    """``move.<cls>`` in units of the class's long-run daily volatility: the standard
    deviation of its moves over the :data:`LONGRUN_WINDOW` sessions strictly before each
    day (at least :data:`LONGRUN_MIN`; closed days, ``open.<cls>`` 0, are not sessions).

    Causal: a day's value uses its own move and earlier moves only, so a table cut at D
    gives the same values up to D. 0 on a day the market was closed; NaN without data.
    """
    mcol, ocol = f"move.{cls}", f"open.{cls}"
    if mcol not in table.columns:
        return np.full(len(table), np.nan)
    mv = pd.to_numeric(table[mcol], errors="coerce").to_numpy(dtype="float64")
    mv = np.where(np.isfinite(mv), mv, np.nan)
    ok = np.isfinite(mv)
    if ocol in table.columns:
        ok &= pd.to_numeric(table[ocol], errors="coerce").fillna(0).to_numpy() > 0
    through = compress_apply(mv, ok, LONGRUN_WINDOW, LONGRUN_MIN, "std")
    prior = pd.Series(through).ffill().shift(1).to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(prior > 0, mv / prior, np.nan)
    return np.asarray(np.where(ok | np.isnan(out), out, 0.0), dtype="float64")


def signature_matrix(table: pd.DataFrame) -> np.ndarray:
    """The signature columns of a feature table as a float matrix (missing columns NaN),
    with the ``longrun.<class>`` columns computed from the table's moves. Values as in
    the table (sigmas not yet clipped: :func:`bound` does that)."""
    out = np.full((len(table), len(SIGNATURE)), np.nan)
    for j, spec in enumerate(SIGNATURE):
        if spec.kind == "longrun":
            out[:, j] = longrun_sigma(table, spec.column.split(".", 1)[1])
        elif spec.column in table.columns:
            col = pd.to_numeric(table[spec.column], errors="coerce")
            out[:, j] = col.to_numpy(dtype="float64")
    out[~np.isfinite(out)] = np.nan
    return out


def bound(raw: np.ndarray) -> np.ndarray:
    """Signature rows with every sigma value clipped to ±:data:`SIGMA_CLIP` (NaN kept)."""
    out = raw.copy()
    out[:, IN_SIGMAS] = np.clip(out[:, IN_SIGMAS], -SIGMA_CLIP, SIGMA_CLIP)
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
