"""Dollar liquidity: funding spreads against the Fed's administered rate, reserves and net
liquidity. Units: every input rate in percent, balance-sheet items as documented below."""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskoff.indicators.stats import asof_change, calc_causal_percentile

__all__ = [
    "BENCHMARK_LABELS",
    "IOER_OFFSETS_BP",
    "IORB_START",
    "RANGE_START",
    "calc_net_liquidity",
    "calc_policy_benchmark",
    "calc_reserves",
    "calc_spread_bp",
]

# Published facts (Federal Reserve), not tuned values:
RANGE_START = pd.Timestamp("2008-12-16")
"""FOMC statement of 2008-12-16: a target *range* (0 to 1/4 %) replaces the single target
(fred:DFEDTAR before, fred:DFEDTARU/DFEDTARL from this day)."""

IORB_START = pd.Timestamp("2021-07-29")
"""Federal Reserve Board final rule amending Regulation D (2021-06): the interest rate on
reserve balances (IORB) replaces IOER and IORR effective 2021-07-29 (fred:IORB)."""

IOER_OFFSETS_BP: tuple[tuple[str, float], ...] = (
    # IOER relative to the top of the target range, effective dates from the FOMC
    # "Implementation Note" issued with each decision (federalreserve.gov):
    ("2008-12-16", 0.0),  # 2008-12-16: IOER 0.25 % = top of the 0-0.25 % range
    ("2018-06-14", -5.0),  # note of 2018-06-13: IOER 1.95 % with the range 1.75-2.00 %
    ("2018-12-20", -10.0),  # note of 2018-12-19: IOER 2.40 % with the range 2.25-2.50 %
    ("2019-05-02", -15.0),  # note of 2019-05-01: IOER 2.35 % (technical adjustment)
    ("2019-09-19", -20.0),  # note of 2019-09-18: IOER 1.80 % with the range 1.75-2.00 %
    ("2020-01-30", -15.0),  # note of 2020-01-29: IOER 1.60 % with the range 1.50-1.75 %
    ("2021-06-17", -10.0),  # note of 2021-06-16: IOER 0.15 % with the range 0-0.25 %
)
"""IOER = top of the target range + offset, from each effective date until IORB began."""

BENCHMARK_LABELS = {0: "fed_target", 1: "ioer", 2: "iorb"}
"""Codes of ``calc_policy_benchmark``'s second output."""


def calc_policy_benchmark(
    target: pd.Series, range_top: pd.Series, iorb: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """The Fed's administered rate on each day of the common index, and which it is.

    Before 2008-12-16 the single fed funds target; from then until 2021-07-28 IOER from
    the published schedule (:data:`IOER_OFFSETS_BP` against the top of the range); from
    2021-07-29 IORB. Returns ``(rate_percent, code)`` with codes of
    :data:`BENCHMARK_LABELS` (NaN code where the rate is unknown).
    """
    idx = pd.DatetimeIndex(target.index)
    eff = pd.DatetimeIndex([pd.Timestamp(d) for d, _ in IOER_OFFSETS_BP])
    offs = np.array([o for _, o in IOER_OFFSETS_BP]) / 100.0
    pos = eff.searchsorted(idx, side="right") - 1
    ioer = range_top.to_numpy(dtype=np.float64) + np.where(
        pos >= 0, offs[np.maximum(pos, 0)], np.nan
    )
    code = np.where(idx < RANGE_START, 0.0, np.where(idx < IORB_START, 1.0, 2.0))
    rate = np.select(
        [code == 0.0, code == 1.0],
        [target.to_numpy(dtype=np.float64), ioer],
        iorb.to_numpy(dtype=np.float64),
    )
    code = np.where(np.isnan(rate), np.nan, code)
    return pd.Series(rate, index=target.index), pd.Series(code, index=target.index)


def calc_spread_bp(rate: pd.Series, benchmark: pd.Series) -> pd.Series:
    """``rate - benchmark`` in basis points (both in percent)."""
    return (rate - benchmark) * 100.0


def calc_reserves(
    reserves_mn: pd.Series, fresh: pd.Series | np.ndarray | None = None
) -> pd.DataFrame:
    """Reserve balances (WRESBAL, **millions**): level in billions, change over 4 weeks
    (28 calendar days) and percentile over the last 5 years of weekly releases
    (260 releases, causal)."""
    lvl = reserves_mn / 1000.0
    mask = np.asarray(lvl.notna()) if fresh is None else np.asarray(fresh, bool) & lvl.notna()
    rel = lvl[mask]
    pct = calc_causal_percentile(rel, window=260, min_periods=52)
    pct_d = pct.reindex(lvl.index).ffill().where(lvl.notna())
    return pd.DataFrame(
        {"level_bn": lvl, "chg4w_bn": asof_change(lvl, 28), "pct5y": pct_d}, index=lvl.index
    )


def calc_net_liquidity(
    fed_assets_mn: pd.Series, tga_mn: pd.Series, on_rrp_bn: pd.Series
) -> pd.Series:
    """Net liquidity in **billions**: Fed total assets (WALCL, millions) minus the Treasury
    General Account (millions) minus the overnight reverse repo facility (RRPONTSYD,
    **billions**). A missing ON RRP value counts as 0 (no operations; the series is sparse
    before 2013)."""
    rrp = on_rrp_bn.fillna(0.0)
    return fed_assets_mn / 1000.0 - tga_mn / 1000.0 - rrp
