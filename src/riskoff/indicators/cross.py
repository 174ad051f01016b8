"""Cross-asset breadth and safe-haven failure (from per-class sigma-moves)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskoff.knowledge.universe import universe

__all__ = ["HAVENS", "calc_breadth", "calc_haven_failure"]

HAVENS = universe().havens
"""The haven classes of ``riskoff/data/universe.toml``."""
"""The classic safe havens whose failure marks a dash for cash."""


def calc_breadth(sigmas: pd.DataFrame, threshold: float = 2.0) -> pd.DataFrame:
    """Per row: classes with ``sigma <= -threshold`` (``down2``), ``>= threshold``
    (``up2``) and with data (``n``). A closed market (sigma 0) counts as having data."""
    z = sigmas.to_numpy(dtype=np.float64)
    has = ~np.isnan(z)
    zz = np.where(has, z, 0.0)
    return pd.DataFrame(
        {
            "down2": (zz <= -threshold).sum(axis=1).astype(float),
            "up2": (zz >= threshold).sum(axis=1).astype(float),
            "n": has.sum(axis=1).astype(float),
        },
        index=sigmas.index,
    )


def calc_haven_failure(
    equity_sigma: pd.Series, haven_sigmas: pd.DataFrame, full_at: float = 2.0
) -> pd.Series:
    """0..1: how far safe havens fell together with equities.

    ``clip(-equity_sigma, 0, 1) * mean_h clip(-haven_sigma_h / full_at, 0, 1)``: 0 when
    equities did not fall; a haven falling ``full_at`` sigmas (the breadth threshold)
    counts fully; an equity fall of 1 sigma or more counts fully. Havens without data are
    left out of the mean; NaN when no haven or no equity data.
    """
    eq = np.clip(-equity_sigma.to_numpy(dtype=np.float64), 0.0, 1.0)
    h = np.clip(-haven_sigmas.to_numpy(dtype=np.float64) / full_at, 0.0, 1.0)
    with np.errstate(invalid="ignore"):
        cnt = (~np.isnan(h)).sum(axis=1)
        mean_h = np.where(cnt > 0, np.nansum(h, axis=1) / np.maximum(cnt, 1), np.nan)
    return pd.Series(eq * mean_h, index=equity_sigma.index, name="haven.failure")
