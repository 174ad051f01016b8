"""Moves: log returns, trailing volatility, sigma-moves, k-session moves, drawdowns.

All functions take per-day moves (``NaN`` = no data, ``0`` on a day the market was closed
and carried its close) and a ``traded`` mask, and work on each column's own trading days:
volatility and k-session windows count sessions, never carried days.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskoff.indicators.stats import compress_apply

__all__ = [
    "VOL_WINDOW",
    "calc_drawdown",
    "calc_kday_moves",
    "calc_log_returns",
    "calc_sigma",
    "calc_trailing_vol",
]

VOL_WINDOW = 60
"""Sessions of trailing volatility behind every sigma-move."""
_VOL_MIN = 40


def calc_log_returns(prices: pd.DataFrame) -> pd.DataFrame:
    """Log returns between consecutive rows of positive prices (NaN elsewhere)."""
    p = prices.where(prices > 0).to_numpy(dtype=np.float64)
    out = np.full(p.shape, np.nan)
    out[1:] = np.log(p[1:] / p[:-1])
    return pd.DataFrame(out, index=prices.index, columns=prices.columns)


def _traded(moves: pd.DataFrame, traded: pd.DataFrame | None) -> np.ndarray:
    ok = np.array(moves.notna().to_numpy(), dtype=bool)
    if traded is not None:
        ok &= traded.to_numpy(dtype=bool)
    return ok


def calc_trailing_vol(
    moves: pd.DataFrame,
    traded: pd.DataFrame | None = None,
    window: int = VOL_WINDOW,
) -> pd.DataFrame:
    """Daily volatility of each column over the ``window`` sessions strictly before each
    day (the sessions up to the day before; closed days do not count as sessions)."""
    mv = moves.to_numpy(dtype=np.float64)
    ok = _traded(moves, traded)
    out = np.full(mv.shape, np.nan)
    for j in range(mv.shape[1]):
        through = compress_apply(mv[:, j], ok[:, j], window, _VOL_MIN, "std")
        prior = pd.Series(through).ffill().shift(1).to_numpy()
        out[:, j] = np.where(np.isnan(mv[:, j]), np.nan, prior)
    return pd.DataFrame(out, index=moves.index, columns=moves.columns)


def calc_sigma(
    move: pd.DataFrame, vol: pd.DataFrame, sessions: pd.DataFrame | int = 1
) -> pd.DataFrame:
    """``move / (vol * sqrt(sessions))``; 0 when no session (closed market, zero move)."""
    n = sessions if isinstance(sessions, int) else sessions.to_numpy(dtype=np.float64)
    scale = vol.to_numpy() * np.sqrt(np.maximum(n, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = move.to_numpy() / scale
    z = np.where(move.to_numpy() == 0, np.where(np.isnan(scale), np.nan, 0.0), z)
    return pd.DataFrame(z, index=move.index, columns=move.columns)


def calc_kday_moves(
    moves: pd.DataFrame,
    traded: pd.DataFrame | None,
    k: int,
    window: int = VOL_WINDOW,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Log move over the last ``k`` sessions of each column ending on (or carried to) each
    day, and its sigma against the ``window``-session volatility ending the session before
    the k-session window starts."""
    mv = moves.to_numpy(dtype=np.float64)
    ok = _traded(moves, traded)
    ret = np.full(mv.shape, np.nan)
    sig = np.full(mv.shape, np.nan)
    for j in range(mv.shape[1]):
        idx = np.flatnonzero(ok[:, j])
        if len(idx) < k:  # k sessions make the first k-session move
            continue
        r = mv[idx, j]
        c = np.concatenate([[0.0], np.cumsum(r)])
        rk = np.full(len(r), np.nan)
        rk[k - 1 :] = c[k:] - c[:-k]
        vol = pd.Series(r).rolling(window, min_periods=_VOL_MIN).std().to_numpy()
        vb = np.full(len(r), np.nan)
        vb[k:] = vol[:-k]
        with np.errstate(divide="ignore", invalid="ignore"):
            sk = rk / (vb * np.sqrt(k))
        for arr, vals in ((ret, rk), (sig, sk)):
            placed = np.full(len(mv), np.nan)
            placed[idx] = vals
            col = pd.Series(placed).ffill().to_numpy()
            arr[:, j] = np.where(np.isnan(mv[:, j]), np.nan, col)
    return (
        pd.DataFrame(ret, index=moves.index, columns=moves.columns),
        pd.DataFrame(sig, index=moves.index, columns=moves.columns),
    )


def calc_drawdown(
    moves: pd.DataFrame, traded: pd.DataFrame | None = None, window: int = 252
) -> pd.DataFrame:
    """Drawdown (fraction, <= 0) of the cumulated log moves from their high over the last
    ``window`` sessions (252 = 52 weeks). A portfolio's depth below its running peak (>= 0)
    is :func:`riskoff.portfolio.replay.calc_drawdown_depth`."""
    mv = moves.to_numpy(dtype=np.float64)
    ok = _traded(moves, traded)
    out = np.full(mv.shape, np.nan)
    for j in range(mv.shape[1]):
        idx = np.flatnonzero(ok[:, j])
        if len(idx) == 0:
            continue
        lvl = np.cumsum(mv[idx, j])
        hi = pd.Series(lvl).rolling(window, min_periods=1).max().to_numpy()
        hi = np.maximum(hi, lvl)
        dd = np.expm1(lvl - hi)
        placed = np.full(len(mv), np.nan)
        placed[idx] = dd
        col = pd.Series(placed).ffill().to_numpy()
        out[:, j] = np.where(np.isnan(mv[:, j]), np.nan, col)
    return pd.DataFrame(out, index=moves.index, columns=moves.columns)
