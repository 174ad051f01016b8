"""The calibration fits: Platt and isotonic on hand-made data, folds by time blocks."""

from __future__ import annotations

import math
import random

import pytest

from riskoff.evaluation.calibration import (
    FLOOR,
    calibrate,
    cases_digest,
    cross_validate,
    fit_isotonic,
    fit_platt,
    fit_platt_log,
    isotonic_map,
    leave_one_set_out,
    max_gap,
)
from riskoff.evaluation.stats import ReliabilityBin


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
    conf = [i / 20 for i in range(20)]
    hit = [i % 3 == 0 for i in range(20)]
    cal = calibrate(["mine.csv"], days, conf, hit, ["liquidity", "crypto"] * 10)
    d = cal.to_dict()
    data = d["data"]
    assert isinstance(data, dict)
    assert (data["sets"], data["cases"], data["first"], data["last"]) == (
        ["mine.csv"],
        20,
        days[0],
        days[-1],
    )
    assert [r.method for r in cal.results] == ["constant", "platt", "isotonic", "platt-log"]
    assert d["cases"] == {
        "digest": cases_digest(days, conf, hit),
        "raw_confidence": [round(c, 4) for c in conf],
        "hit": [int(h) for h in hit],
        "primary": ["liquidity", "crypto"] * 10,
        "set": [""] * 20,
    }
    assert d["leave_one_set_out"] == []
    per = cal.per_suspect()
    assert per["liquidity"]["named"] == 10
    assert per["liquidity"]["right"] == sum(h for i, h in enumerate(hit) if i % 2 == 0)
    with pytest.raises(ValueError, match="at least"):
        calibrate(["x"], days[:5], [0.5] * 5, [True] * 5, ["x"] * 5)


def test_calibrate_sorts_windows_by_their_end_day() -> None:
    keys = [f"2021-03-{d:02d}" for d in range(20, 0, -1)]  # newest first
    keys[0] = "2021-01-01:2021-03-25"  # a window ending last, starting first
    cal = calibrate(["x"], keys, [0.5] * 20, [True] * 20, ["x"] * 20)
    assert cal.keys[-1] == "2021-01-01:2021-03-25"
    assert cal.keys[0] == "2021-03-01"
    assert (cal.first, cal.last) == ("2021-01-01", "2021-03-25")


def test_platt_log_is_a_logistic_in_the_log_of_the_confidence() -> None:
    rng = random.Random(11)
    a, b = 1.5, 1.2
    conf = [math.exp(-4 * rng.random()) for _ in range(4000)]
    hit = [rng.random() < 1 / (1 + math.exp(-(a + b * math.log(c)))) for c in conf]
    fit = fit_platt_log(conf, hit, ridge=1e-3)
    assert fit.a == pytest.approx(a, abs=0.3)
    assert fit.b == pytest.approx(b, abs=0.3)
    assert fit(0.0) == fit(FLOOR)  # under the floor, read as the floor


def test_max_gap_judges_only_bins_with_enough_cases() -> None:
    bins = [ReliabilityBin(0.0, 0.5, 9, 0.1, 9), ReliabilityBin(0.5, 1.0, 10, 0.7, 6)]
    assert max_gap(bins) == pytest.approx(0.1)
    assert max_gap(bins, min_n=9) == pytest.approx(0.9)


def test_leave_one_set_out_fits_on_the_other_sets_only() -> None:
    # set "a" always right at high raw confidence, set "b" never right at the same:
    # fitted on "a" alone, "b" is scored as confident and wrong, and the reverse
    groups = ["a"] * 10 + ["b"] * 10
    conf = [0.8] * 20
    hit = [True] * 10 + [False] * 10
    out = {h.name: h for h in leave_one_set_out(groups, conf, hit)}
    assert out["b"].hits == 0
    assert out["b"].mean_confidence > 0.8
    assert out["a"].mean_confidence < 0.2
    assert out["b"].brier_constant == pytest.approx(1.0)  # the training rate: always right
