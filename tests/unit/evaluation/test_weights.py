"""The weight-fitting experiment on hand-made cases: a fit finds a check that decides the
label, scores it out of fold, and never claims to beat the hand-written weights when it
does not."""

from __future__ import annotations

import random

from riskoff.evaluation.weights import LAMBDAS, VARIANTS, WeightCase, experiment

CHECKS = {"a": ["a1", "a2"], "b": ["b1"]}


def _cases(n: int, *, informative: bool, hand_right: bool) -> list[WeightCase]:
    rng = random.Random(5)
    out = []
    for i in range(n):
        truth = "a" if i % 2 else "b"
        signal = 1.0 if truth == "a" else -1.0
        strengths = {
            "a": {"a1": signal if informative else rng.uniform(-1, 1), "a2": rng.uniform(-1, 1)},
            "b": {"b1": rng.uniform(-1, 1)},
        }
        primary = truth if hand_right else ("b" if truth == "a" else "a")
        scores = {"a": float(primary == "a"), "b": float(primary == "b")}
        day = f"2020-{1 + i // 28:02d}-{1 + i % 28:02d}"
        out.append(WeightCase(day, strengths, scores, (truth,), primary))
    return out


def test_a_deciding_check_is_learned_and_holds_out_of_fold() -> None:
    exp = experiment(_cases(40, informative=True, hand_right=False), CHECKS, steps=300)
    assert exp.hand.k == 0
    assert exp.beats_hand
    assert exp.best.out_of_fold.k >= 36
    assert exp.weights["a"]["a1"] > 0.5
    assert len(exp.rows) == len(VARIANTS) * len(LAMBDAS)
    d = exp.to_dict()
    assert d["used"] is True


def test_noise_does_not_beat_right_hand_written_weights() -> None:
    exp = experiment(_cases(40, informative=False, hand_right=True), CHECKS, steps=300)
    assert exp.hand.k == 40
    assert not exp.beats_hand
    assert "hand-written weights are kept" in str(exp.to_dict()["verdict"])
