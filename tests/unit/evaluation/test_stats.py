"""The statistics of ``riskoff evaluate`` against hand-computed values."""

from __future__ import annotations

import math

import pytest

from riskoff.errors import DataFileError
from riskoff.evaluation import (
    Case,
    brier,
    confusion,
    most_common,
    parse_labels,
    reliability,
    score,
    sign_rules,
    wilson,
)

KNOWN = ["geopolitics", "policy", "growth_scare", "rates_fiscal", "crypto", "carry_unwind"]


def test_wilson_against_a_hand_computed_interval() -> None:
    # 7 of 10, z = 1.96 (z^2 = 3.8416): centre (0.7 + 3.8416/20) / (1 + 0.38416) = 0.64450;
    # half width 1.96 / 1.38416 * sqrt(0.21/10 + 3.8416/400) = 0.24772 -> [0.3968, 0.8922]
    lo, hi = wilson(7, 10)
    assert lo == pytest.approx(0.39677, abs=1e-4)
    assert hi == pytest.approx(0.89221, abs=1e-4)


def test_wilson_edges() -> None:
    assert wilson(0, 0) == (0.0, 1.0)
    lo, hi = wilson(0, 5)
    assert lo == 0.0
    assert hi == pytest.approx(0.4345, abs=1e-4)
    lo, hi = wilson(5, 5)
    assert hi == 1.0
    assert lo == pytest.approx(1 - 0.4345, abs=1e-4)
    with pytest.raises(ValueError):
        wilson(3, 2)


def test_confusion_precision_recall_on_a_tiny_set() -> None:
    pairs = [
        (("geopolitics",), "geopolitics"),
        (("geopolitics",), "policy"),
        (("policy",), "policy"),
        (("policy", "rates_fiscal"), "rates_fiscal"),  # accepted second label: a hit
        (("growth_scare",), "policy"),
    ]
    m = confusion(pairs, order=KNOWN)
    assert m.labels == ("geopolitics", "policy", "growth_scare", "rates_fiscal")
    assert m.counts == ((1, 1, 0, 0), (0, 1, 0, 0), (0, 1, 0, 0), (0, 0, 0, 1))
    per = m.per_label()
    assert per["policy"]["precision"] == pytest.approx(1 / 3, abs=1e-4)
    assert per["policy"]["recall"] == 1.0
    assert per["geopolitics"]["recall"] == 0.5
    assert per["growth_scare"]["precision"] is None  # never predicted
    assert per["growth_scare"]["recall"] == 0.0


def test_score_counts_top1_top2_and_unflagged() -> None:
    cases = [
        Case(("policy",), ("policy", "geopolitics"), True),
        Case(("policy",), ("geopolitics", "policy"), False),
        Case(("crypto",), ("geopolitics", "policy"), True),
    ]
    f = score(cases, KNOWN)
    assert (f.top1.k, f.top1.n) == (1, 3)
    assert (f.top2.k, f.top2.n) == (2, 3)
    assert f.not_flagged is not None
    assert (f.not_flagged.k, f.not_flagged.n) == (1, 3)
    assert score([Case(("policy",), ("policy", "x"))]).not_flagged is None  # a baseline


def test_reliability_bins_and_brier() -> None:
    conf = [0.1, 0.15, 0.5, 0.9, 1.0]
    hit = [False, True, True, True, False]
    bins = reliability(conf, hit, n_bins=2)
    assert [b.n for b in bins] == [2, 3]  # 1.0 falls in the last, closed bin
    assert [b.hits for b in bins] == [1, 2]
    assert bins[0].mean_confidence == pytest.approx(0.125)
    expected = (0.01 + 0.7225 + 0.25 + 0.01 + 1.0) / 5
    assert brier(conf, hit) == pytest.approx(expected)
    assert math.isnan(brier([], []))


def test_most_common_runner_up_covers_the_rest() -> None:
    labels = [("policy", "rates_fiscal"), ("policy",), ("geopolitics",), ("rates_fiscal", "policy")]
    # rates_fiscal is accepted twice, but only with policy: the runner-up is geopolitics
    assert most_common(labels) == ("policy", "geopolitics")


def test_sign_rules_are_fixed_rules_on_signs() -> None:
    war = {"sigma.oil": 2.5, "sigma.gold": 1.4, "sigma.us_equities": -1.5}
    assert sign_rules(war)[0] == "geopolitics"
    assert "geopolitics" not in sign_rules({"sigma.oil": 2.5, "sigma.us_equities": -1.5})
    carry = {"sigma.yen": 3.0, "sigma.us_equities": -2.0, "sigma.treasuries": 1.5}
    assert sign_rules(carry) == ("carry_unwind", "growth_scare")
    dash = {"sigma.us_equities": -3, "sigma.gold": -2, "sigma.treasuries": -2}
    assert sign_rules(dash)[0] == "liquidity"
    assert sign_rules({}) == ("growth_scare", "rates_fiscal")  # nothing fires: the fill
    assert sign_rules({"sigma.oil": float("nan")}) == ("growth_scare", "rates_fiscal")
    assert sign_rules(war, known=["policy", "growth_scare"])[0] == "growth_scare"


def test_parse_labels_days_windows_and_calm() -> None:
    rows = parse_labels(
        "date,suspects,why\n2020-03-16,liquidity|growth_scare,x\n2020-03-09:2020-03-19,crypto,\n"
        "2019-07-03,none,calm\n",
        "t.csv",
        [*KNOWN, "liquidity"],
    )
    assert rows[0].suspects == ("liquidity", "growth_scare")
    assert not rows[0].is_window
    assert rows[1].is_window
    assert rows[1].key == "2020-03-09:2020-03-19"
    assert rows[2].is_calm


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "empty file"),
        ("day,suspects\n2020-01-02,policy\n", "no date column"),
        ("date,suspects\n2020-02-30,policy\n", "2020-02-30"),
        ("date,suspects\n2020-03-19:2020-03-09,policy\n", "reversed"),
        ("date,suspects\n2020-01-02,aliens\n", "aliens"),
        ("date,suspects\n2020-01-02,\n", "no suspect"),
        ("date,suspects\n2020-01-02,none|policy\n", "calm"),
        ("date,suspects\n", "no labelled rows"),
    ],
)
def test_parse_labels_faults_are_one_line(text: str, needle: str) -> None:
    with pytest.raises(DataFileError, match=needle) as info:
        parse_labels(text, "t.csv", KNOWN)
    assert "\n" not in str(info.value)
    assert "t.csv" in str(info.value)
