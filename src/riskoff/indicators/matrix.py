"""Correlation-structure kernels on a complete 2-D returns array (rows = days, columns =
assets; no NaN inside a window). All are rolling and causal, fully vectorised with numpy
(``sliding_window_view`` / strided Gram blocks, batched ``eigvalsh`` and ``solve``), and
take a plain ``ndarray`` or ``DataFrame``.

* :func:`calc_avg_pairwise_corr`: mean off-diagonal correlation, by the sum-of-z trick
  (sum_ij rho_ij = ||sum_i z_i||^2 / W).
* :func:`calc_absorption_ratio`: Kritzman, Li, Page & Rigobon (2011): the share of total
  variance explained by the top ``k = round(N/5)`` eigenvectors of the window covariance.
  With more assets than days the eigenvalues come from the ``W x W`` dual Gram matrix
  (same non-zero spectrum).
* :func:`calc_turbulence`: Kritzman & Li (2010): ``(r_t - mu)' S^-1 (r_t - mu)`` with mean
  and covariance from the ``window`` days ending the day before. When ``N >= window`` the
  covariance is shrunk to a scaled identity, ``(1-d) S + d tr(S)/N I``, and inverted by
  Woodbury through the dual Gram matrix.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import as_strided, sliding_window_view

__all__ = [
    "calc_absorption_ratio",
    "calc_absorption_shift",
    "calc_avg_pairwise_corr",
    "calc_turbulence",
    "calc_turbulence_contributions",
]

_CHUNK_ELEMS = 8_000_000  # ~64 MB of float64 per batch


def _as_array(x: np.ndarray | pd.DataFrame) -> np.ndarray:
    a = x.to_numpy(dtype=np.float64) if isinstance(x, pd.DataFrame) else np.asarray(x, float)
    if a.ndim != 2:
        raise ValueError("returns must be a 2-D array (days x assets)")
    return a


def _chunks(n: int, per_item: int, budget: int = _CHUNK_ELEMS) -> Iterator[tuple[int, int]]:
    step = max(1, budget // max(per_item, 1))
    for a in range(0, n, step):
        yield a, min(n, a + step)


def calc_avg_pairwise_corr(returns: np.ndarray | pd.DataFrame, window: int = 60) -> np.ndarray:
    """Average pairwise correlation over each trailing ``window`` rows (NaN before).

    Columns constant within a window are left out of that window's average.
    """
    x = _as_array(returns)
    t, n = x.shape
    out = np.full(t, np.nan)
    if t < window or n < 2:
        return out
    view = sliding_window_view(x, window, axis=0)  # (T-W+1, N, W)
    for a, b in _chunks(view.shape[0], n * window):
        v = view[a:b]
        mu = v.mean(axis=2, keepdims=True)
        sd = v.std(axis=2, keepdims=True)
        ok = sd > 1e-14 * (np.abs(mu) + 1.0)
        z = np.where(ok, (v - mu) / np.where(ok, sd, 1.0), 0.0)
        s = z.sum(axis=1)  # (B, W)
        tot = (s * s).sum(axis=1) / window
        ne = ok[:, :, 0].sum(axis=1).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[window - 1 + a : window - 1 + b] = np.where(
                ne >= 2, (tot - ne) / (ne * (ne - 1.0)), np.nan
            )
    return out


def _gram_blocks(x: np.ndarray, size: int, a: int, b: int) -> np.ndarray:
    """Gram matrices of the row blocks ``x[i : i + size]`` for ``i`` in ``a..b-1``:
    (b-a, size, size), from one Gram of the rows they span."""
    rows = x[a : b + size - 1]
    g = rows @ rows.T
    s0, s1 = g.strides
    return as_strided(g, shape=(b - a, size, size), strides=(s0 + s1, s0, s1)).copy()


def _center_gram(g: np.ndarray) -> np.ndarray:
    """Double-centre batched Gram matrices (the Gram of the de-meaned rows)."""
    rm = g.mean(axis=2, keepdims=True)
    cm = g.mean(axis=1, keepdims=True)
    gm = g.mean(axis=(1, 2), keepdims=True)
    return np.asarray(g - rm - cm + gm)


def _window_covs(x: np.ndarray, window: int, a: int, b: int) -> np.ndarray:
    """Sample covariances (ddof=1) of the row windows ``x[i : i + window]``, i in a..b-1.

    The first window's sums come from one matrix product; each next window adds the
    entering row's outer product and removes the leaving one's (cumulated in a batch).
    """
    rows = x[a : b + window - 1]
    r = rows - rows.mean(axis=0)  # shift for accuracy; covariance is shift invariant
    nb = b - a
    first = r[:window]
    sxx0 = first.T @ first
    sx0 = first.sum(axis=0)
    if nb > 1:
        enter = r[window : window + nb - 1]
        leave = r[: nb - 1]
        d2 = enter[:, :, None] * enter[:, None, :] - leave[:, :, None] * leave[:, None, :]
        sxx = np.concatenate([sxx0[None], sxx0[None] + np.cumsum(d2, axis=0)])
        sx = np.concatenate([sx0[None], sx0[None] + np.cumsum(enter - leave, axis=0)])
    else:
        sxx, sx = sxx0[None], sx0[None]
    m = sx / window
    return np.asarray((sxx - window * m[:, :, None] * m[:, None, :]) / (window - 1))


def calc_absorption_ratio(
    returns: np.ndarray | pd.DataFrame, window: int = 250, k: int | None = None
) -> np.ndarray:
    """Absorption ratio over each trailing ``window`` rows (NaN before): the sum of the top
    ``k`` (default ``max(1, round(N/5))``) eigenvalues of the window covariance over its
    trace."""
    x = _as_array(returns)
    t, n = x.shape
    out = np.full(t, np.nan)
    if t < window or n < 2:
        return out
    kk = k if k is not None else max(1, round(n / 5))
    nw = t - window + 1
    if n <= window:
        for a, b in _chunks(nw, 3 * n * n, 4 * _CHUNK_ELEMS):
            ev = np.linalg.eigvalsh(_window_covs(x, window, a, b))
            tr = ev.sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                out[window - 1 + a : window - 1 + b] = ev[:, -kk:].sum(axis=1) / tr
    else:
        for a, b in _chunks(nw, window * window * 3):
            g = _center_gram(_gram_blocks(x, window, a, b))
            ev = np.linalg.eigvalsh(g)  # same non-zero spectrum as the N x N covariance
            tr = np.trace(g, axis1=1, axis2=2)
            with np.errstate(invalid="ignore", divide="ignore"):
                out[window - 1 + a : window - 1 + b] = ev[:, -kk:].sum(axis=1) / tr
    return out


def calc_absorption_shift(
    ar: np.ndarray | pd.Series, short: int = 15, long: int = 252
) -> np.ndarray:
    """Standardised shift of the absorption ratio: (``short``-day mean minus ``long``-day
    mean) over the ``long``-day standard deviation (Kritzman et al. 2011, 15 days vs 1 y)."""
    s = pd.Series(np.asarray(ar, dtype=np.float64))
    ms = s.rolling(short, min_periods=short).mean()
    ml = s.rolling(long, min_periods=long // 2).mean()
    sl = s.rolling(long, min_periods=long // 2).std()
    return np.asarray(((ms - ml) / sl).to_numpy(), dtype=np.float64)


REFRESH_EVERY = 32
"""Rows between full re-inversions in :func:`_turbulence_rolling_inverse` (bounds the
round-off that rank-1 updates accumulate; on the S&P 500 table the result matches a
fresh solve to 1e-9 relative)."""


def _turbulence_rolling_inverse(x: np.ndarray, window: int) -> np.ndarray:
    """Turbulence for ``N < window`` without shrinkage, in O(N^2) per day.

    With ``A`` the window's uncentred cross-product ``X'X``, ``m`` its mean and ``w`` its
    length, the sample covariance is ``S = (A - w m m') / (w - 1)``, so by
    Sherman-Morrison ``y'S^-1 y = (w-1) [y'A^-1 y + w (y'A^-1 m)^2 / (1 - w m'A^-1 m)]``.
    Sliding the window adds one row to ``A`` and drops one: two more Sherman-Morrison
    updates of ``A^-1``. ``A^-1`` is recomputed from scratch every :data:`REFRESH_EVERY`
    rows, and each solve gets one step of iterative refinement against ``A`` itself, so
    accuracy holds even when N is close to the window (an ill-conditioned ``A``). The loop
    runs once per window (N^2 vectorised work each), never per element.
    """
    t, _ = x.shape
    w = window
    out = np.full(t, np.nan)
    for i in range(0, t - w, REFRESH_EVERY):
        stop = min(i + REFRESH_EVERY, t - w)
        win = x[i : i + w]
        amat = win.T @ win
        ainv = np.linalg.inv(amat)
        total = win.sum(axis=0)
        for k in range(i, stop):
            m = total / w
            y = x[k + w] - m
            am = ainv @ m
            am += ainv @ (m - amat @ am)  # one step of iterative refinement
            ay = ainv @ y
            ay += ainv @ (y - amat @ ay)
            denom = 1.0 - w * float(m @ am)
            out[k + w] = (w - 1) * (float(y @ ay) + w * float(y @ am) ** 2 / denom)
            if k + 1 < stop:  # slide: add row k + w, drop row k
                add, drop = x[k + w], x[k]
                aa = ainv @ add
                ainv -= np.outer(aa, aa) / (1.0 + float(add @ aa))
                ad = ainv @ drop
                ainv += np.outer(ad, ad) / (1.0 - float(drop @ ad))
                amat += np.outer(add, add) - np.outer(drop, drop)
                total += add - drop
    return out


def calc_turbulence(
    returns: np.ndarray | pd.DataFrame,
    window: int = 504,
    shrinkage: float | None = None,
) -> np.ndarray:
    """Mahalanobis turbulence of each row against the ``window`` rows before it (NaN for the
    first ``window`` rows).

    ``shrinkage`` (0..1) shrinks the covariance to ``tr(S)/N * I``; the default is none
    when ``N < window`` and 0.1 otherwise (the sample covariance is then singular).
    """
    x = _as_array(returns)
    t, n = x.shape
    out = np.full(t, np.nan)
    if t <= window or n < 1:
        return out
    nw = t - window  # rows window..t-1 get a value
    d = shrinkage if shrinkage is not None else (0.0 if n < window else 0.1)
    if n < window and d == 0.0:
        out[window:] = _turbulence_rolling_inverse(x, window)[window:]
        return out
    if n < window:
        c1 = np.concatenate([np.zeros((1, n)), np.cumsum(x - x[:window].mean(axis=0), axis=0)])
        for a, b in _chunks(nw, 3 * n * n, 4 * _CHUNK_ELEMS):
            cov = _window_covs(x, window, a, b)
            mu = (c1[window + a : window + b] - c1[a:b]) / window + x[:window].mean(axis=0)
            y = x[window + a : window + b] - mu
            if d > 0:
                tr = np.trace(cov, axis1=1, axis2=2) / n
                cov = (1 - d) * cov + d * tr[:, None, None] * np.eye(n)
            sol = np.linalg.solve(cov, y[:, :, None])[:, :, 0]
            out[window + a : window + b] = np.einsum("bi,bi->b", y, sol)
        return out
    # N >= window: Woodbury on the (window+1) Gram blocks that include the day itself
    wp = window + 1
    for a, b in _chunks(nw, wp * wp * 3):
        g = _gram_blocks(x, wp, a, b)  # rows i..i+window; last = the day
        gw = g[:, :window, :window]
        gt = g[:, :window, window]  # R_i . r_t
        rm = gw.mean(axis=2)  # R_i . m
        mr = gt.mean(axis=1)  # m . r_t
        mm = gw.mean(axis=(1, 2))  # m . m
        u = gt - rm - mr[:, None] + mm[:, None]  # X y
        yy = g[:, window, window] - 2 * mr + mm
        gc = gw - rm[:, :, None] - rm[:, None, :] + mm[:, None, None]
        mu_s = np.trace(gc, axis1=1, axis2=2) / ((window - 1) * n)
        aa = d * mu_s
        cc = (1 - d) / (window - 1)
        m = cc * gc + aa[:, None, None] * np.eye(window)
        v = np.linalg.solve(m, u[:, :, None])[:, :, 0]
        out[window + a : window + b] = (yy - cc * np.einsum("bi,bi->b", u, v)) / aa
    return out


def calc_turbulence_contributions(
    history: np.ndarray | pd.DataFrame, today: np.ndarray, shrinkage: float | None = None
) -> np.ndarray:
    """Each asset's additive contribution ``y_i (S^-1 y)_i`` to today's turbulence, with
    mean and covariance from ``history`` (rows = the window before today). Sums to the
    turbulence."""
    h = _as_array(history)
    w, n = h.shape
    d = shrinkage if shrinkage is not None else (0.0 if n < w else 0.1)
    mu = h.mean(axis=0)
    cov = np.cov(h, rowvar=False, ddof=1).reshape(n, n)
    if d > 0:
        cov = (1 - d) * cov + d * np.trace(cov) / n * np.eye(n)
    y = np.asarray(today, dtype=np.float64) - mu
    return np.asarray(y * np.linalg.solve(cov, y))
