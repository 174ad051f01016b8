"""riskoff's own daily stress index (method: ``docs/stress_index.md``).

The CISS approach of Holló, Kremer & Lo Duca (2012, ECB WP 1426):

1. raw stress measures per market segment (realised volatilities, maximum drawdowns,
   spreads, implied volatilities), each oriented so that higher = more stress;
2. each measure transformed by its **causal** empirical CDF (its percentile among all
   values up to that day), so every measure lives on 0..1 with no look-ahead;
3. a segment sub-index = the mean of its available transformed measures;
4. aggregation with time-varying cross-correlations: with ``s_t`` the vector of
   sub-indices and ``w`` equal weights over the segments available that day,
   ``index_t = (w * s_t)' C_t (w * s_t)``, where ``C_t`` is the EWMA correlation matrix
   (the paper's weekly lambda = 0.93, i.e. 0.93 ** (1/5) per daily row) of the
   sub-indices around their theoretical median 0.5. Stress in
   many segments at once therefore counts more than stress in one.
5. a full window before anything is published: a segment enters the aggregation once its
   sub-index has :data:`CORR_BURN_IN` rows of history (its correlations with the others
   are estimated on at least that much), and the index starts on the first day at least
   :data:`MIN_SEGMENTS` segments have entered. Before that it is NaN: an index built on
   two segments and a few weeks of correlations read 0.4 to 0.8 in calm 1990.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskoff.formatting import pctile_rank
from riskoff.indicators.liquidity import calc_policy_benchmark, calc_spread_bp
from riskoff.indicators.moves import calc_drawdown
from riskoff.indicators.stats import calc_causal_percentile, compress_apply
from riskoff.knowledge.universe import STRESS_HOT_PCT, STRESS_SEGMENTS
from riskoff.panel import Panel

__all__ = [
    "CDF_MIN_OBS",
    "CORR_BURN_IN",
    "EWMA_LAMBDA",
    "MIN_SEGMENTS",
    "SEGMENTS",
    "calc_ciss",
    "calc_stress_measures",
    "stress_components",
]

SEGMENTS = STRESS_SEGMENTS
EWMA_LAMBDA = 0.93 ** (1 / 5)
"""The CISS paper's lambda = 0.93 is for weekly data; the same memory on daily rows is
0.93 ** (1/5) ~ 0.9856 (a half-life of about 48 rows)."""
CDF_MIN_OBS = 250  # a measure enters the index after one year of history
CORR_BURN_IN = 250
"""Rows of sub-index history (about a year of weekdays; a year of days for crypto) before a
segment enters the aggregation: its EWMA correlations (half-life about 48 rows) have then
seen several half-lives."""
MIN_SEGMENTS = 4
"""Segments that must have entered before the index is published (half of them)."""
RV_WINDOW = 20  # sessions of realised volatility


def _rv(panel: Panel, cls: str) -> pd.Series:
    m = panel.class_moves[cls].to_numpy()
    ok = (panel.class_open[cls].to_numpy() == 1) & ~np.isnan(m)
    through = compress_apply(m, ok, RV_WINDOW, RV_WINDOW // 2, "std")
    s = pd.Series(through, index=panel.days).ffill()
    out: pd.Series = s.where(~np.isnan(m)) * np.sqrt(252)
    return out


def _sym_rv(panel: Panel, sym: str) -> pd.Series:
    m = panel.move(sym).to_numpy()
    tr = panel.traded[sym].to_numpy(bool) if sym in panel.traded else np.zeros(len(m), bool)
    ok = tr & ~np.isnan(m)
    through = compress_apply(m, ok, RV_WINDOW, RV_WINDOW // 2, "std")
    return pd.Series(through, index=panel.days).ffill().where(~np.isnan(m))


def _cmax(panel: Panel, cls: str, window: int = 252) -> pd.Series:
    cm = panel.class_moves[[cls]]
    tr = (panel.class_open[[cls]] == 1) & cm.notna()
    return 0.0 - calc_drawdown(cm, tr, window)[cls]


def calc_stress_measures(panel: Panel) -> dict[str, dict[str, pd.Series]]:
    """Raw stress measures per segment (higher = more stress), on the panel's days."""
    lv = panel.level
    bench, _ = calc_policy_benchmark(lv("fred:DFEDTAR"), lv("fred:DFEDTARU"), lv("fred:IORB"))
    effr = lv("fred:EFFR").where(lv("fred:EFFR").notna(), lv("fred:DFF"))
    return {
        "funding": {
            "banks_rv": _rv(panel, "banks"),
            "banks_cmax": _cmax(panel, "banks"),
            "sofr_spread": calc_spread_bp(lv("fred:SOFR"), bench),
            "effr_spread_abs": calc_spread_bp(effr, bench).abs().rolling(5, 1).mean(),
        },
        "equities": {
            "spx_rv": _rv(panel, "us_equities"),
            "spx_cmax": _cmax(panel, "us_equities"),
            "ndx_rv": _rv(panel, "nasdaq"),
            "small_cmax": _cmax(panel, "small_caps"),
            "em_rv": _rv(panel, "em_equities"),
        },
        "rates": {
            "ust10_rv": _rv(panel, "treasuries"),
            "ust2_rv": _sym_rv(panel, "fred:DGS2"),
            "move": lv("yahoo:^MOVE"),
        },
        "fx": {
            "usd_rv": _rv(panel, "usd"),
            "yen_rv": _rv(panel, "yen"),
            "aud_rv": _sym_rv(panel, "yahoo:AUDUSD=X"),
        },
        "credit": {
            "hy_oas": lv("fred:BAMLH0A0HYM2"),
            "ig_oas": lv("fred:BAMLC0A0CM"),
            "hy_rv": _rv(panel, "credit"),
        },
        "volatility": {
            "vix": lv("yahoo:^VIX").where(lv("yahoo:^VIX").notna(), lv("fred:VIXCLS")),
            "vxn": lv("fred:VXNCLS"),
            "ovx": lv("fred:OVXCLS"),
        },
        "metals": {
            "gold_rv": _rv(panel, "gold"),
            "gold_cmax": _cmax(panel, "gold"),
            "silver_rv": _rv(panel, "silver"),
            "silver_cmax": _cmax(panel, "silver"),
        },
        "crypto": {
            "btc_rv": _rv(panel, "btc"),
            "btc_cmax": _cmax(panel, "btc", 365),
            "eth_rv": _rv(panel, "eth"),
            "eth_cmax": _cmax(panel, "eth", 365),
        },
    }


def calc_ciss(
    sub: pd.DataFrame,
    lam: float = EWMA_LAMBDA,
    weights: np.ndarray | None = None,
    *,
    entered: pd.DataFrame | None = None,
    min_segments: int = 1,
) -> pd.Series:
    """CISS aggregation of sub-indices on 0..1 (NaN = segment not available that day).

    ``(w*s)' C (w*s)`` with ``C`` the EWMA correlations of ``s - 0.5``; weights
    renormalised over the segments available each day. ``entered`` (same shape, bool):
    the segments allowed into the aggregation each day (their correlations are still
    estimated from all their history); NaN on days with fewer than ``min_segments``.
    """
    s = sub.to_numpy(dtype=np.float64)
    t, k = s.shape
    seen = ~np.isnan(s)
    avail = seen if entered is None else seen & entered.to_numpy(dtype=bool)
    d = np.where(seen, s - 0.5, np.nan)
    prods = (d[:, :, None] * d[:, None, :]).reshape(t, k * k)
    ew = pd.DataFrame(prods).ewm(alpha=1 - lam, adjust=False, ignore_na=True).mean()
    cov = ew.to_numpy().reshape(t, k, k)
    var = np.diagonal(cov, axis1=1, axis2=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.sqrt(var[:, :, None] * var[:, None, :])
    corr = np.where(np.isnan(corr), 0.0, corr)
    idx = np.arange(k)
    corr[:, idx, idx] = 1.0
    w0 = np.ones(k) if weights is None else np.asarray(weights, dtype=np.float64)
    w = np.where(avail, w0[None, :], 0.0)
    tot = w.sum(axis=1, keepdims=True)
    w = np.where(tot > 0, w / np.where(tot > 0, tot, 1.0), 0.0)
    ws = w * np.nan_to_num(s)
    val = np.einsum("ti,tij,tj->t", ws, corr, ws)
    ok = avail.sum(axis=1) >= max(min_segments, 1)
    return pd.Series(np.where(ok, val, np.nan), index=sub.index)


def stress_components(panel: Panel) -> pd.DataFrame:
    """``stress.index`` and ``stress.<segment>`` (0..1) on the panel's days."""
    wk = panel.weekday_mask()
    meas = calc_stress_measures(panel)
    subs: dict[str, pd.Series] = {}
    for seg, ms in meas.items():
        cdfs = []
        for x in ms.values():
            if seg == "crypto":
                cdfs.append(calc_causal_percentile(x, min_periods=CDF_MIN_OBS))
            else:  # rank on weekdays only; weekends carry Friday's value
                p = calc_causal_percentile(x[wk], min_periods=CDF_MIN_OBS)
                cdfs.append(p.reindex(panel.days).ffill(limit=2))
        subs[seg] = pd.concat(cdfs, axis=1).mean(axis=1, skipna=True)
    sub = pd.DataFrame(subs, index=panel.days)[list(SEGMENTS)]
    # a segment enters once its sub-index has a full window of history (weekday rows;
    # every row for crypto, which trades every day)
    rows = pd.DataFrame(
        {seg: (sub[seg].notna() & (wk | (seg == "crypto"))).cumsum() for seg in sub.columns},
        index=panel.days,
    )
    entered = rows >= CORR_BURN_IN
    out = pd.DataFrame({f"stress.{k}": v for k, v in subs.items()}, index=panel.days)
    index = calc_ciss(sub, entered=entered, min_segments=MIN_SEGMENTS)
    out.insert(0, "stress.index", index)
    # One market in stress: the systemic index weighs eight segments and their
    # co-movement, so one segment at its extreme moves it little (docs/stress_index.md,
    # "One market in stress"). These say which segment was most stressed and how many
    # stood at or above their own 90th percentile.
    own = pd.DataFrame(
        {
            seg: (
                calc_causal_percentile(sub[seg], min_periods=CDF_MIN_OBS)
                if seg == "crypto"
                else calc_causal_percentile(sub[seg][wk], min_periods=CDF_MIN_OBS)
                .reindex(panel.days)
                .ffill(limit=2)
            )
            for seg in sub.columns
        },
        index=panel.days,
    ).where(entered)
    vals = sub.where(entered).to_numpy(dtype=np.float64)
    published = index.notna().to_numpy()
    has = ~np.isnan(vals).all(axis=1) & published
    top = np.argmax(np.nan_to_num(vals, nan=-1.0), axis=1)
    rows_i = np.arange(len(top))
    pct = own.to_numpy(dtype=np.float64)
    out["stress.peak"] = np.where(has, vals[rows_i, top], np.nan)
    out["stress.peak_segment"] = np.where(has, top.astype(np.float64), np.nan)
    out["stress.peak_pct"] = np.where(has, pct[rows_i, top], np.nan)
    # "at or above the 90th percentile" as a sentence prints it (formatting.pctile_rank,
    # vectorised): 0.897 is the 90th
    hot = np.clip(np.round(np.nan_to_num(pct) * 100), 0, 100) >= pctile_rank(STRESS_HOT_PCT)
    out["stress.breadth"] = np.where(has, hot.sum(axis=1), np.nan)
    return out
