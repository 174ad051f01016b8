"""The calibration fits: Platt and isotonic on hand-made data, folds by time blocks."""

from __future__ import annotations

import math
import random

import pytest

from riskoff.evaluation.calibration import (
    calibrate,
    cross_validate,
    fit_isotonic,
    fit_platt,
    isotonic_map,
)


def test_isotonic_pools_adjacent_violators_by_hand() -> None:
    # hits by confidence: 0.1 -> 1, 0.2 -> 0, 0.3 -> 0, 0.4 -> 1: the first three pool to 1/3
    steps = fit_isotonic([0.4, 0.1, 0.3, 0.2], [True, True, False, False])
    assert steps == [(0.3, pytest.approx(1 / 3)), (0.4, 1.0)]
    f = isotonic_map(steps)
    assert f(0.05) == pytest.approx(1 / 3)
    assert f(0.35) == 1.0
    assert f(2.0) == 1.0


def test_platt_recovers_a_known_logistic() -> None:
    rng = random.Random(7)
    a, b = -2.0, 4.0
    conf = [rng.random() for _ in range(4000)]
    hit = [rng.random() < 1 / (1 + math.exp(-(a + b * c))) for c in conf]
    fit = fit_platt(conf, hit)
    assert fit.a == pytest.approx(a, abs=0.3)
    assert fit.b == pytest.approx(b, abs=0.5)


def test_platt_stays_finite_on_separable_data() -> None:
    fit = fit_platt([0.1, 0.2, 0.8, 0.9], [False, False, True, True])
    assert math.isfinite(fit.a)
    assert math.isfinite(fit.b)
    assert fit(0.9) > fit(0.1)


def test_cross_validation_scores_every_case_out_of_fold() -> None:
    # the first half of time always hits, the second never: a mapping fitted on the other
    # blocks cannot know the held-out block's rate, so out-of-fold is worse than in-sample
    days = [f"2020-01-{d:02d}" for d in range(1, 21)]
    conf = [0.5] * 20
    hit = [i < 10 for i in range(20)]
    r = cross_validate(days, conf, hit, method="constant", folds=2)
    assert r.folds == 2
    assert r.brier_out_of_fold == pytest.approx(1.0, abs=1e-4)  # each half by the other
    assert sum(b.n for b in r.bins_out_of_fold) == 20


def test_calibrate_records_its_data_and_needs_enough_cases() -> None:
    days = [f"2021-02-{d:02d}" for d in range(1, 21)]
    cal = calibrate(
        ["mine.csv"], days, [i / 20 for i in range(20)], [i % 3 == 0 for i in range(20)]
    )
    d = cal.to_dict()
    assert d["data"] == {"sets": ["mine.csv"], "cases": 20, "first": days[0], "last": days[-1]}
    assert [r.method for r in cal.results] == ["constant", "platt", "isotonic"]
    with pytest.raises(ValueError, match="at least"):
        calibrate(["x"], days[:5], [0.5] * 5, [True] * 5)
