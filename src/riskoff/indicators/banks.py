"""Regional banks beyond their beta (``rel.regional_banks``).

Financials (XLF) are mostly the largest banks and insurers; a run on regional banks (the
SPDR S&P Regional Banking ETF, KRE, from 2006) can leave XLF close to its beta. The
regional-bank move is regressed on the S&P 500 exactly as the feature table's gaps are
(:mod:`riskoff.indicators.relative`: 250 US trading days ending the day before, the
residual in sigmas of its own trailing volatility), outside the feature table so the
table, its classes and the analog engine stay as they are.

The frame holds, per day: ``move.regional_banks`` (KRE's log move; 0 on a day it did not
trade), ``beta.regional_banks``, ``sd.regional_banks`` and the day's
``rel.regional_banks``. A window reads its summed move with the parameters of its first
day (``relative_values``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.panel import Panel

__all__ = ["REGIONAL_BANKS", "regional_banks_frame"]

REGIONAL_BANKS: Final[str] = "yahoo:KRE"
"""The regional-bank source (its ``banks/`` folder value is the adjusted close)."""
_NAME = "regional_banks"


def regional_banks_frame(panel: Panel, table: pd.DataFrame) -> pd.DataFrame:
    """Per day of ``table``: the regional-bank move, its beta/volatility parameters and
    its move beyond beta in sigmas; empty without the source."""
    import numpy as np
    import pandas as pd

    from riskoff.indicators.relative import MIN_PERIODS, WINDOW

    if REGIONAL_BANKS not in panel.moves.columns or "move.us_equities" not in table:
        return pd.DataFrame(index=table.index)
    move = panel.moves[REGIONAL_BANKS].reindex(table.index)
    spx = table["move.us_equities"]
    us = table["open.us_equities"] == 1 if "open.us_equities" in table else spx.notna()
    # the regression of relative.relative_params, on US trading days, ending the day before
    ok = us & move.notna() & spx.notna()
    g, x = move.where(ok)[us], spx.where(ok)[us]
    cov = g.rolling(WINDOW, min_periods=MIN_PERIODS).cov(x)
    var = x.rolling(WINDOW, min_periods=MIN_PERIODS).var()
    b = (cov / var).shift(1)
    res = g - b * x
    s = res.rolling(WINDOW, min_periods=MIN_PERIODS).std().shift(1)
    beta = b.reindex(table.index).ffill().to_numpy(float)
    sd = s.reindex(table.index).ffill().to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = (move.to_numpy(float) - beta * spx.to_numpy(float)) / sd
    rel = np.where(sd > 0, rel, np.nan)
    return pd.DataFrame(
        {
            f"move.{_NAME}": move.to_numpy(float),
            f"beta.{_NAME}": beta,
            f"sd.{_NAME}": sd,
            f"rel.{_NAME}": rel,
        },
        index=table.index,
    )
