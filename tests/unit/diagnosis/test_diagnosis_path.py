"""A window read along its path (``riskoff.diagnosis.path``), on hand-built rows."""

from __future__ import annotations

import datetime as dt

import pytest

from riskoff.diagnosis import diagnose_row, load_suspects
from riskoff.diagnosis.path import (
    PATH_WEIGHT,
    DayScores,
    aggregate_path,
    diagnose_path,
    score_days,
)
from tests.unit.diagnosis.test_diagnosis import calm_row, crypto_only, dash_for_cash

D0 = dt.date(2030, 1, 13)
D1 = dt.date(2030, 1, 14)
D2 = dt.date(2030, 1, 15)


def test_days_weigh_by_severity_and_calm_days_count_nothing() -> None:
    window = {"a": 0.2, "b": 0.4}
    days = [
        DayScores(D0, 0.0, {"a": 1.0, "b": 0.0}),  # calm: no weight
        DayScores(D1, 0.9, {"a": 0.6, "b": 0.0}),
        DayScores(D2, 0.3, {"a": 0.0, "b": 0.6}),
    ]
    out = aggregate_path(window, days)
    path_a = (0.9 * 0.6) / 1.2
    path_b = (0.3 * 0.6) / 1.2
    assert out["a"] == pytest.approx(PATH_WEIGHT * path_a + (1 - PATH_WEIGHT) * 0.2)
    assert out["b"] == pytest.approx(PATH_WEIGHT * path_b + (1 - PATH_WEIGHT) * 0.4)
    assert out["a"] > out["b"]  # the crash day outweighs the net move


def test_no_pressure_on_any_day_keeps_the_end_to_end_scores() -> None:
    window = {"a": 0.2, "b": 0.4}
    days = [DayScores(D0, 0.0, {"a": 1.0, "b": 0.0})]
    assert aggregate_path(window, days) == window


def test_a_crash_then_a_rescue_rally_keeps_the_crash_signature() -> None:
    suspects = load_suspects()
    crash, rally = dash_for_cash(), calm_row()
    net = calm_row()  # end to end the rally undid the crash: nothing to see
    whole = diagnose_row(net, suspects=suspects, date=D2, start=D1, n_days=2)
    assert whole.verdict.primary != "liquidity"
    scored = score_days([(D1, crash), (D2, rally)], suspects=suspects)
    worst = diagnose_row(crash, suspects=suspects, date=D1)
    d = diagnose_path(whole, net, scored, suspects=suspects, worst=worst, n_days=2)
    assert d.verdict.primary == "liquidity"
    assert [s.score for s in d.suspects] == sorted((s.score for s in d.suspects), reverse=True)
    assert {s.id for s in d.suspects} == {s.id for s in load_suspects()}
    liq = d.suspect("liquidity")
    assert any(e.text.startswith("On 2030-01-14, the worst day:") for e in liq.for_)
    assert "the worst day, 2030-01-14" in d.verdict.text
    doc = d.to_dict()
    assert doc["window"] == {"start": "2030-01-14", "end": "2030-01-15"}
    # the window rebounded, but it held a sell-off: the worst session sets its severity,
    # while what fell and rose is still read end to end
    e2e = whole.to_dict()["selloff"]
    assert not e2e["is_selloff"]
    assert doc["selloff"]["is_selloff"]
    assert doc["selloff"]["severity"] == pytest.approx(scored[0].severity, abs=0.005)
    assert doc["selloff"]["scope"] == "concentrated"
    assert (doc["selloff"]["falling"], doc["selloff"]["rising"]) == (e2e["falling"], e2e["rising"])
    assert f"end to end severity {e2e['severity']:.2f}; its worst day, 2030-01-14" in d.verdict.text


def test_a_window_worse_end_to_end_than_any_day_keeps_its_own_reading() -> None:
    suspects = load_suspects()
    slow = dash_for_cash()  # the window's net move: a dash for cash
    days = [(D1, calm_row(**{"turbulence.pct": 0.96})), (D2, calm_row())]
    scored = score_days(days, suspects=suspects)
    assert max(d.severity for d in scored) < 0.3
    whole = diagnose_row(slow, suspects=suspects, date=D2, start=D1, n_days=2)
    d = diagnose_path(whole, slow, scored, suspects=suspects, worst=None, n_days=2)
    assert d.to_dict()["selloff"] == whole.to_dict()["selloff"]
    assert "end to end severity" not in d.verdict.text


def test_a_crypto_crash_day_enters_with_its_own_severity() -> None:
    suspects = load_suspects()
    scored = score_days([(D0, crypto_only()), (D1, calm_row())], suspects=suspects)
    assert scored[0].severity > scored[1].severity
    assert max(scored[0].scores, key=lambda k: scored[0].scores[k]) == "crypto"
