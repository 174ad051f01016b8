"""The feature table of ``docs/features.md``: one row of named numbers per panel day.

``daily_features(panel)`` computes the whole table; ``window_features(panel, Window)``
recomputes the move-derived columns over a multi-day window and takes every state column
(levels, percentiles, correlations) at the window's last day, so a one-day window equals
the table's row.

The functions here are pure: they never write into the panel. What is worth computing
once per panel (the trailing volatilities, the BTC beta, the table itself) is returned
as a value (:class:`FeatureState`, the table) and handed back in by the caller, which is
the use-case layer's immutable ``Workspace``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskoff.dates import Window
from riskoff.indicators.cross import HAVENS, calc_breadth, calc_haven_failure
from riskoff.indicators.liquidity import (
    calc_net_liquidity,
    calc_policy_benchmark,
    calc_reserves,
    calc_spread_bp,
)
from riskoff.indicators.matrix import (
    calc_absorption_ratio,
    calc_absorption_shift,
    calc_avg_pairwise_corr,
    calc_turbulence,
    calc_turbulence_contributions,
)
from riskoff.indicators.moves import calc_drawdown, calc_kday_moves, calc_trailing_vol
from riskoff.indicators.ranges import range_features, window_ranges
from riskoff.indicators.stats import asof_change, calc_causal_percentile
from riskoff.panel import CLASSES, Panel

__all__ = [
    "MATRIX_MIN_CLASSES",
    "FeatureState",
    "daily_features",
    "feature_state",
    "kernel_moves",
    "turbulence_contributions",
    "window_features",
]

MATRIX_MIN_CLASSES = 8
"""The correlation kernels start once this many classes have a full window of history."""

CORR_WINDOW = 60
AR_WINDOW = 250
TURB_WINDOW = 504
BETA_WINDOW = 90
STOCKBOND_WINDOW = 60

_SYM_SUMS = {
    "smh": "yahoo:SMH",
    "igv": "yahoo:IGV",
    "xlp": "yahoo:XLP",
    "xlu": "yahoo:XLU",
    "xlv": "yahoo:XLV",
    "xle": "yahoo:XLE",
    "xlb": "yahoo:XLB",
    "dgs2": "fred:DGS2",
    "dgs10": "fred:DGS10",
    "dgs30": "fred:DGS30",
    "acm": "nyfed:ACMTP10",
    "mortgage": "fred:MORTGAGE30US",
    "vix": "yahoo:^VIX",
    "vixcls": "fred:VIXCLS",
}
# Risk currencies read against the dollar (not asset classes: no breadth, no kernels).
# ``move.<name>`` is the log move of the quote in dollars per unit, so positive = the
# dollar fell against it. The dollar index is mostly havens and Europe; a dollar that also
# falls against a commodity/risk currency is money leaving America, not a haven bid.
RISK_FX: dict[str, str] = {"aud": "yahoo:AUDUSD=X"}
_CLASS_NAMES = [c.name for c in CLASSES]
_PRICE_CLASSES = [c.name for c in CLASSES if c.price]


# --------------------------------------------------------------------------------------
# helpers
def _cum(a: np.ndarray) -> np.ndarray:
    """Cumulative sums with a leading zero row, NaN counted as 0."""
    z = np.zeros((1, *a.shape[1:]))
    return np.concatenate([z, np.cumsum(np.nan_to_num(a), axis=0)])


def _win_sum(c: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    return np.asarray(c[ends + 1] - c[starts])


def _rowmean(arrays: list[np.ndarray]) -> np.ndarray:
    """Mean over the available arrays per row (NaN when none is)."""
    a = np.vstack(arrays)
    cnt = (~np.isnan(a)).sum(axis=0)
    return np.where(cnt > 0, np.nansum(a, axis=0) / np.maximum(cnt, 1), np.nan)


FxState = tuple[np.ndarray, np.ndarray, np.ndarray]
"""A risk currency's moves (0 on carried days), traded flags (1/0) and trailing volatility."""


@dataclass(frozen=True, eq=False)
class FeatureState:
    """Per-panel trailing quantities the move-derived columns need, computed once by
    :func:`feature_state` and handed to :func:`daily_features` and :func:`window_features`
    (the workspace keeps it beside the table).

    Attributes:
        vol: per class, the trailing 60-session volatility strictly before each day.
        traded: per class, True where the class's market published a close that day.
        fx: per risk currency (:data:`RISK_FX`), moves, traded flags and volatility.
        beta: BTC beta to the S&P 500 known before each day.
    """

    vol: pd.DataFrame
    traded: pd.DataFrame
    fx: Mapping[str, FxState]
    beta: pd.Series


def feature_state(panel: Panel) -> FeatureState:
    """The :class:`FeatureState` of ``panel`` (pure: the panel is not changed)."""
    cm, co = panel.class_moves, panel.class_open
    traded = co.fillna(0).astype(bool)
    return FeatureState(
        vol=calc_trailing_vol(cm, traded),
        traded=traded,
        fx=_fx_state(panel),
        beta=_beta(panel),
    )


def _fx_state(panel: Panel) -> dict[str, FxState]:
    """Per risk currency: moves (0 on carried days), traded flags and the trailing 60-session
    volatility strictly before each day (the same yardstick as the classes)."""
    out: dict[str, FxState] = {}
    for name, sym in RISK_FX.items():
        m = panel.move(sym).to_frame(name)
        if sym in panel.traded.columns:
            tr = panel.traded[sym].to_frame(name)
        else:
            tr = pd.DataFrame(False, index=panel.days, columns=[name])
        vol = calc_trailing_vol(m, tr)
        out[name] = (
            m[name].to_numpy(dtype=np.float64),
            tr[name].to_numpy(dtype=np.float64),
            vol[name].to_numpy(dtype=np.float64),
        )
    return out


# --------------------------------------------------------------------------------------
# move-derived columns (daily or over windows)
def _move_block(
    panel: Panel, state: FeatureState, starts: np.ndarray, ends: np.ndarray
) -> dict[str, np.ndarray]:
    """Columns that depend on the moves within each window [starts[i], ends[i]] (row
    positions). Everything vectorised over windows."""
    cm = panel.class_moves.to_numpy()
    co = panel.class_open.to_numpy()
    vol = state.vol.to_numpy()
    cmv = _cum(cm)
    cop = _cum(np.nan_to_num(co))
    alive_end = ~np.isnan(cm[ends])
    mv = np.where(alive_end, _win_sum(cmv, starts, ends), np.nan)
    n = _win_sum(cop, starts, ends)
    v0 = vol[starts]
    with np.errstate(divide="ignore", invalid="ignore"):
        sig = mv / (v0 * np.sqrt(np.maximum(n, 1.0)))
    sig = np.where((mv == 0) & (n == 0), np.where(np.isnan(v0), np.nan, 0.0), sig)
    opn = np.where(alive_end, (n > 0).astype(float), np.nan)
    out: dict[str, np.ndarray] = {}
    ci = {c: i for i, c in enumerate(_CLASS_NAMES)}
    for c, i in ci.items():
        out[f"move.{c}"] = mv[:, i]
        out[f"sigma.{c}"] = sig[:, i]
        out[f"open.{c}"] = opn[:, i]
    sig_df = pd.DataFrame(sig, columns=_CLASS_NAMES)
    br = calc_breadth(sig_df)
    out["breadth.down2"] = br["down2"].to_numpy()
    out["breadth.up2"] = br["up2"].to_numpy()
    out["breadth.n"] = br["n"].to_numpy()
    out["haven.failure"] = calc_haven_failure(
        sig_df["us_equities"], sig_df[list(HAVENS)]
    ).to_numpy()
    out["usd.direction"] = sig[:, ci["usd"]]

    # symbol-level sums over the window (moves released in the window)
    def ssum(sym: str) -> np.ndarray:
        m = panel.move(sym).to_numpy()
        alive = ~np.isnan(panel.level(sym).to_numpy()[ends])
        return np.where(alive, _win_sum(_cum(m), starts, ends), np.nan)

    s = {k: ssum(v) for k, v in _SYM_SUMS.items()}
    spx = mv[:, ci["us_equities"]]
    out["rates.d2y_bp"] = s["dgs2"] * 100
    out["rates.d10y_bp"] = s["dgs10"] * 100
    out["rates.d30y_bp"] = s["dgs30"] * 100
    out["rates.d2s10s_bp"] = (s["dgs10"] - s["dgs2"]) * 100
    out["rates.dtp_bp"] = s["acm"] * 100
    out["rates.dmortgage_bp"] = s["mortgage"] * 100
    out["rates.sigma10y"] = 0.0 - sig[:, ci["treasuries"]]
    out["carry.usdjpy_sigma"] = 0.0 - sig[:, ci["yen"]]
    out["carry.nikkei_minus_spx"] = mv[:, ci["japan_equities"]] - spx
    out["crypto.btc_sigma"] = sig[:, ci["btc"]]
    out["crypto.eth_sigma"] = sig[:, ci["eth"]]
    beta = state.beta.to_numpy()
    b0 = beta[starts]
    btc = mv[:, ci["btc"]]
    with np.errstate(divide="ignore", invalid="ignore"):
        idio = (btc - b0 * spx) / (
            vol[starts, ci["btc"]] * np.sqrt(np.maximum(n[:, ci["btc"]], 1.0))
        )
    out["crypto.idio_sigma"] = idio
    out["ai.mag7_vs_spx"] = mv[:, ci["mag7"]] - spx
    out["ai.ndx_vs_spx"] = mv[:, ci["nasdaq"]] - spx
    out["ai.smh_vs_spx"] = s["smh"] - spx
    out["ai.igv_vs_spx"] = s["igv"] - spx
    out["rotation.defensive_vs_spx"] = _rowmean([s["xlp"], s["xlu"], s["xlv"]]) - spx
    out["rotation.real_vs_spx"] = _rowmean([s["xle"], s["xlb"]]) - spx
    dvix = np.where(np.isnan(s["vix"]), s["vixcls"], s["vix"])
    out["vol.dvix"] = dvix
    for name, (fm, ftr, fvol) in state.fx.items():
        alive = ~np.isnan(fm[ends])
        fmv = np.where(alive, _win_sum(_cum(fm), starts, ends), np.nan)
        fn = _win_sum(_cum(ftr), starts, ends)
        fv0 = fvol[starts]
        with np.errstate(divide="ignore", invalid="ignore"):
            fsig = fmv / (fv0 * np.sqrt(np.maximum(fn, 1.0)))
        fsig = np.where((fmv == 0) & (fn == 0), np.where(np.isnan(fv0), np.nan, 0.0), fsig)
        out[f"move.{name}"] = fmv
        out[f"sigma.{name}"] = fsig
        out[f"open.{name}"] = np.where(alive, (fn > 0).astype(float), np.nan)
    return out


def _beta(panel: Panel) -> pd.Series:
    """BTC beta to the S&P 500 over the last 90 days both traded, known before each day."""
    cm, co = panel.class_moves, panel.class_open
    both = (co["btc"] == 1) & (co["us_equities"] == 1)
    both &= cm["btc"].notna() & cm["us_equities"].notna()
    b = cm.loc[both, "btc"]
    e = cm.loc[both, "us_equities"]
    cov = b.rolling(BETA_WINDOW, min_periods=BETA_WINDOW // 2).cov(e)
    var = e.rolling(BETA_WINDOW, min_periods=BETA_WINDOW // 2).var()
    beta = (cov / var).reindex(cm.index).ffill().shift(1)
    out: pd.Series = beta.where(cm["btc"].notna())
    return out


# --------------------------------------------------------------------------------------
# correlation structure
def kernel_moves(panel: Panel) -> pd.DataFrame:
    """The class moves the matrix kernels use: weekday rows only, each day's move = the
    sum of the moves since the previous weekday (crypto weekends roll into Monday), a
    closed market's move 0; NaN where a class has no data."""
    wk = panel.weekday_mask()
    cm = panel.class_moves.to_numpy()
    c = _cum(cm)
    rows = np.flatnonzero(wk)
    prev = np.concatenate([[-1], rows[:-1]])
    sums = c[rows + 1] - c[prev + 1]
    alive = ~np.isnan(cm[rows])
    return pd.DataFrame(np.where(alive, sums, np.nan), index=panel.days[rows], columns=_CLASS_NAMES)


def _by_column_sets(
    x: np.ndarray,
    span: int,
    fn: Callable[[np.ndarray], np.ndarray],
    min_cols: int = MATRIX_MIN_CLASSES,
) -> np.ndarray:
    """Apply a rolling kernel whose value at row t uses rows ``t-span+1..t``, on the
    columns complete over that span; consecutive rows with the same column set share one
    call. Rows with fewer than ``min_cols`` complete columns are NaN."""
    t, n = x.shape
    ok = ~np.isnan(x)
    c = np.concatenate([np.zeros((1, n), dtype=np.int64), np.cumsum(ok, axis=0)])
    full = np.zeros((t, n), dtype=bool)
    if t >= span:
        full[span - 1 :] = (c[span:] - c[:-span]) == span
    out = np.full(t, np.nan)
    change = np.flatnonzero(np.any(full[1:] != full[:-1], axis=1)) + 1
    bounds = np.concatenate([[0], change, [t]])
    for a, b in itertools.pairwise(bounds):
        cols = np.flatnonzero(full[a])
        if len(cols) < min_cols:
            continue
        lo = a - span + 1
        res = fn(x[lo:b][:, cols])
        out[a:b] = res[span - 1 :]
    return out


def _matrix_features(panel: Panel) -> pd.DataFrame:
    km = kernel_moves(panel)
    x = km.to_numpy()
    corr = _by_column_sets(x, CORR_WINDOW, lambda a: calc_avg_pairwise_corr(a, CORR_WINDOW))
    ar = _by_column_sets(x, AR_WINDOW, lambda a: calc_absorption_ratio(a, AR_WINDOW))
    turb = _by_column_sets(x, TURB_WINDOW + 1, lambda a: calc_turbulence(a, TURB_WINDOW))
    df = pd.DataFrame(index=km.index)
    df["corr.avg60"] = corr
    df["corr.avg60_pct"] = calc_causal_percentile(df["corr.avg60"])
    df["absorption.ratio"] = ar
    df["absorption.shift"] = calc_absorption_shift(ar)
    df["turbulence.value"] = turb
    df["turbulence.pct"] = calc_causal_percentile(df["turbulence.value"])
    # weekend rows carry Friday's structure (the kernels run on weekdays)
    return df.reindex(panel.days, method="ffill", limit=2)


def turbulence_contributions(
    panel: Panel, day: dt.date | str | pd.Timestamp, *, kernel: pd.DataFrame | None = None
) -> pd.Series:
    """Each class's share of the turbulence on ``day`` (shares sum to 1; sorted by share,
    largest first). Empty when turbulence cannot be computed that day. ``kernel``: the
    panel's :func:`kernel_moves` when the caller already has them."""
    km = kernel if kernel is not None else kernel_moves(panel)
    ts = pd.Timestamp(day)
    pos = int(km.index.searchsorted(ts, side="right")) - 1
    if pos < TURB_WINDOW:
        return pd.Series(dtype=float)
    hist = km.iloc[pos - TURB_WINDOW : pos]
    today = km.iloc[pos]
    cols = [c for c in km.columns if hist[c].notna().all() and pd.notna(today[c])]
    if len(cols) < MATRIX_MIN_CLASSES:
        return pd.Series(dtype=float)
    contrib = calc_turbulence_contributions(hist[cols].to_numpy(), today[cols].to_numpy())
    total = contrib.sum()
    share = pd.Series(contrib / total if total else contrib, index=cols, name="share")
    return share.sort_values(ascending=False)


# --------------------------------------------------------------------------------------
# state columns (levels as known at the end of each day)
def _first_alive(panel: Panel, symbols: list[str]) -> pd.Series:
    out = pd.Series(np.nan, index=panel.days)
    for sym in reversed(symbols):
        lv = panel.level(sym)
        out = lv.where(lv.notna(), out)
    return out


def _on_observation_day(panel: Panel, sym: str, series: pd.Series) -> pd.Series:
    """``series`` (one value per panel day) read on the observation date behind ``sym``'s
    level of each day, not on the day itself.

    SOFR and EFFR for D are published on D+1B, so the panel's SOFR on D is the rate of the
    business day before; the administered rate it is compared with must be that day's too.
    Read on D, a rate decision effective on D (2020-03-16: IOER cut by 100 bp) would show
    as a 100 bp funding squeeze that never happened.
    """
    age = panel.obs_age[sym] if sym in panel.obs_age.columns else None
    if age is None:
        return pd.Series(np.nan, index=panel.days)
    ages = age.to_numpy(dtype=np.float64)
    ok = ~np.isnan(ages)
    obs = panel.days.to_numpy() - pd.to_timedelta(np.where(ok, ages, 0.0), unit="D").to_numpy()
    pos = panel.days.searchsorted(obs, side="right") - 1
    vals = series.to_numpy(dtype=np.float64)
    out = np.where(ok & (pos >= 0), vals[np.maximum(pos, 0)], np.nan)
    return pd.Series(out, index=panel.days)


def _fresh(panel: Panel, sym: str) -> np.ndarray:
    if sym in panel.traded.columns:
        return panel.traded[sym].to_numpy(dtype=bool)
    return np.zeros(len(panel.days), dtype=bool)


def _state_columns(panel: Panel, state: FeatureState) -> pd.DataFrame:
    days = panel.days
    cols: dict[str, pd.Series | np.ndarray] = {}
    cm = panel.class_moves
    traded = state.traded
    for k in (3, 5, 10):
        rk, sk = calc_kday_moves(cm, traded, k)
        for c in _CLASS_NAMES:
            cols[f"ret{k}.{c}"] = rk[c]
            cols[f"sigma{k}.{c}"] = sk[c]
    dd = calc_drawdown(cm[_PRICE_CLASSES], traded[_PRICE_CLASSES])
    for c in _PRICE_CLASSES:
        cols[f"dd52.{c}"] = dd[c]

    # funding
    bench, code = calc_policy_benchmark(
        panel.level("fred:DFEDTAR"), panel.level("fred:DFEDTARU"), panel.level("fred:IORB")
    )
    sofr_sp = calc_spread_bp(
        panel.level("fred:SOFR"), _on_observation_day(panel, "fred:SOFR", bench)
    )
    cols["funding.sofr_iorb_bp"] = sofr_sp
    cols["funding.sofr_iorb_chg5_bp"] = asof_change(sofr_sp, 7)
    effr_bench = _on_observation_day(panel, "fred:EFFR", bench)
    dff_bench = _on_observation_day(panel, "fred:DFF", bench)
    effr_alive = panel.level("fred:EFFR").notna()
    effr = _first_alive(panel, ["fred:EFFR", "fred:DFF"])
    cols["funding.effr_iorb_bp"] = calc_spread_bp(effr, effr_bench.where(effr_alive, dff_bench))
    cols["funding.benchmark_id"] = _on_observation_day(panel, "fred:SOFR", code).where(
        panel.level("fred:SOFR").notna(), code
    )
    res_df = calc_reserves(panel.level("fred:WRESBAL"), _fresh(panel, "fred:WRESBAL"))
    cols["reserves.level_bn"] = res_df["level_bn"]
    cols["reserves.chg4w_bn"] = res_df["chg4w_bn"]
    cols["reserves.pct5y"] = res_df["pct5y"]
    tga = _first_alive(panel, ["treasury:TGA", "fred:WTREGEN"])
    netliq = calc_net_liquidity(panel.level("fred:WALCL"), tga, panel.level("fred:RRPONTSYD"))
    cols["netliq.level_bn"] = netliq
    cols["netliq.chg4w_bn"] = asof_change(netliq, 28)

    # rates
    spx_ok = (panel.class_open["us_equities"] == 1) & cm["us_equities"].notna()
    tsy_ok = (panel.class_open["treasuries"] == 1) & cm["treasuries"].notna()
    both = spx_ok & tsy_ok
    sb = (
        cm.loc[both, "us_equities"]
        .rolling(STOCKBOND_WINDOW, min_periods=STOCKBOND_WINDOW // 2)
        .corr(cm.loc[both, "treasuries"])
    )
    cols["rates.stockbond_corr60"] = sb.reindex(days).ffill().where(cm["us_equities"].notna())

    # carry
    cols["carry.us_jp_2y_bp"] = (panel.level("fred:DGS2") - panel.level("mof:JGB2Y")) * 100
    cols["carry.cftc_yen_net"] = panel.level("cftc:JPY_NONCOMM_NET")
    cols["crypto.beta"] = state.beta

    # volatility
    vix = _first_alive(panel, ["yahoo:^VIX", "fred:VIXCLS"])
    cols["vol.vix"] = vix
    cols["vol.vix_pct"] = calc_causal_percentile(vix)
    cols["vol.move"] = panel.level("yahoo:^MOVE")
    cols["stress.stlfsi"] = panel.level("fred:STLFSI4")
    cols["stress.ofr_fsi"] = panel.level("ofr:FSI")

    # macro
    icsa = panel.level("fred:ICSA")
    fresh = _fresh(panel, "fred:ICSA")
    rel = icsa[fresh & icsa.notna().to_numpy()]
    avg = rel.rolling(52, min_periods=40).mean()
    ratio = (rel / avg).reindex(days).ffill().where(icsa.notna())
    cols["macro.claims_vs_1y"] = ratio
    cols["macro.recession"] = panel.level("fred:USREC")

    df = pd.DataFrame({k: np.asarray(v, dtype=np.float64) for k, v in cols.items()}, index=days)
    df = pd.concat([df, _matrix_features(panel)], axis=1)
    from riskoff.indicators.stress import stress_components

    sc = stress_components(panel)
    return pd.concat([df, sc], axis=1)


# --------------------------------------------------------------------------------------
# public entry points
def daily_features(panel: Panel, state: FeatureState | None = None) -> pd.DataFrame:
    """The feature table: index = the panel's days, columns of ``docs/features.md``.

    ``state``: the panel's :func:`feature_state` when the caller already has it.
    """
    st = state if state is not None else feature_state(panel)
    pos = np.arange(len(panel.days))
    mb = pd.DataFrame(_move_block(panel, st, pos, pos), index=panel.days)
    table = pd.concat([mb, _state_columns(panel, st), range_features(panel)], axis=1)
    table.index.name = "date"
    return table


WINDOW_PEAK_COLUMNS: dict[str, tuple[str, ...]] = {
    "funding.sofr_iorb_bp": ("funding.benchmark_id",),
    "funding.sofr_iorb_chg5_bp": (),
    "funding.effr_iorb_bp": (),
    "stress.stlfsi": (),
    "stress.ofr_fsi": (),
}
"""Strain gauges a window reads at their worst day rather than its last: a funding squeeze
or a stress spike inside the window is evidence about the window even once it has eased
(2019-09-17: SOFR 315 bp over IOER, back to 15 bp by the window's Friday). The columns
listed with each are read on the same day, so a sentence names the right benchmark."""


def window_features(
    panel: Panel,
    window: Window,
    *,
    table: pd.DataFrame | None = None,
    state: FeatureState | None = None,
) -> dict[str, float]:
    """The feature row for a multi-day window: moves, sigmas and everything derived from
    them over the window (sigma against the volatility before the window starts); state
    columns at the window's last panel day. Empty when the window holds no panel day.

    ``table`` and ``state``: the panel's :func:`daily_features` and :func:`feature_state`
    when the caller keeps them (the workspace does); computed here otherwise.
    """
    days = panel.days
    a = int(days.searchsorted(pd.Timestamp(window.start), side="left"))
    b = int(days.searchsorted(pd.Timestamp(window.end), side="right")) - 1
    if b < a or a >= len(days):
        return {}
    st = state if state is not None else feature_state(panel)
    mb = _move_block(panel, st, np.array([a]), np.array([b]))
    if table is None:
        table = daily_features(panel, st)
    row = table.iloc[b].to_dict()
    for k, v in mb.items():
        row[k] = v[0]
    row.update(window_ranges(panel, a, b))  # the window's deepest low (indicators.ranges)
    span = table.iloc[a : b + 1]
    for col, companions in WINDOW_PEAK_COLUMNS.items():
        vals = span[col].to_numpy(dtype=np.float64)
        if np.isnan(vals).all():
            continue
        at = int(np.nanargmax(vals))
        row[col] = float(vals[at])
        for c in companions:
            row[c] = span[c].iloc[at]
    return {str(k): float(v) for k, v in row.items()}
