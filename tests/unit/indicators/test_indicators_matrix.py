"""Matrix kernels against direct, naive per-window computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskoff.indicators.matrix import (
    calc_absorption_ratio,
    calc_absorption_shift,
    calc_avg_pairwise_corr,
    calc_turbulence,
    calc_turbulence_contributions,
)


def _panel(t: int, n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    mix = rng.standard_normal((n, n)) / np.sqrt(n)
    return np.asarray(rng.standard_normal((t, n)) @ mix * 0.01 + 0.0005)


def _naive_turbulence(x: np.ndarray, w: int, shrink: float) -> np.ndarray:
    out = np.full(len(x), np.nan)
    n = x.shape[1]
    for t in range(w, len(x)):
        h = x[t - w : t]
        cov = np.cov(h, rowvar=False)
        if shrink:
            cov = (1 - shrink) * cov + shrink * np.trace(cov) / n * np.eye(n)
        y = x[t] - h.mean(axis=0)
        out[t] = y @ np.linalg.inv(cov) @ y
    return out


def _naive_ar(x: np.ndarray, w: int) -> np.ndarray:
    out = np.full(len(x), np.nan)
    k = max(1, round(x.shape[1] / 5))
    for t in range(w - 1, len(x)):
        ev = np.linalg.eigvalsh(np.cov(x[t - w + 1 : t + 1], rowvar=False))
        out[t] = ev[-k:].sum() / ev.sum()
    return out


def _naive_corr(x: np.ndarray, w: int) -> np.ndarray:
    out = np.full(len(x), np.nan)
    n = x.shape[1]
    for t in range(w - 1, len(x)):
        c = np.corrcoef(x[t - w + 1 : t + 1], rowvar=False)
        out[t] = (c.sum() - n) / (n * (n - 1))
    return out


@pytest.mark.parametrize(
    ("t", "n", "w"),
    [(200, 7, 60), (160, 40, 30), (400, 55, 60)],  # the last: N close to the window
)
def test_turbulence_matches_naive(t: int, n: int, w: int) -> None:
    x = _panel(t, n)
    shrink = 0.0 if n < w else 0.1
    got = calc_turbulence(x, w)
    want = _naive_turbulence(x, w, shrink)
    # two backward-stable solves agree to about cond(S) * eps, not better
    cond = max(np.linalg.cond(np.cov(x[i : i + w], rowvar=False)) for i in range(0, t - w, 25))
    rtol = max(1e-8, 10 * cond * np.finfo(float).eps)
    np.testing.assert_allclose(got, want, rtol=rtol, equal_nan=True)
    assert np.isnan(got[:w]).all()
    assert np.isfinite(got[w:]).all()


def test_turbulence_explicit_shrinkage_and_dataframe() -> None:
    x = _panel(150, 6, seed=3)
    df = pd.DataFrame(x)
    np.testing.assert_allclose(
        calc_turbulence(df, 50, shrinkage=0.2), _naive_turbulence(x, 50, 0.2), rtol=1e-8
    )


@pytest.mark.parametrize(("t", "n", "w"), [(180, 10, 50), (140, 60, 25)])
def test_absorption_ratio_matches_naive(t: int, n: int, w: int) -> None:
    x = _panel(t, n, seed=1)
    np.testing.assert_allclose(
        calc_absorption_ratio(x, w), _naive_ar(x, w), rtol=1e-9, equal_nan=True
    )


def test_avg_corr_matches_naive() -> None:
    x = _panel(150, 9, seed=2)
    np.testing.assert_allclose(
        calc_avg_pairwise_corr(x, 40), _naive_corr(x, 40), rtol=1e-9, atol=1e-12, equal_nan=True
    )


def test_contributions_sum_to_turbulence() -> None:
    x = _panel(120, 5, seed=4)
    turb = calc_turbulence(x, 100)
    contrib = calc_turbulence_contributions(x[10:110], x[110])
    assert contrib.sum() == pytest.approx(turb[110], rel=1e-9)


def test_absorption_shift_is_standardised() -> None:
    ar = np.r_[np.full(300, 0.5) + np.sin(np.arange(300)) * 0.01, np.full(15, 0.9)]
    shift = calc_absorption_shift(ar)
    assert np.isnan(shift[:14]).all()
    assert shift[-1] > 3
