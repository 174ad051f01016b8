"""Two kinds of evidence (prices and newspapers, combined apart) and the naming rules for
days that were not sell-offs (docs/suspects.md, "Two kinds of evidence", "When a suspect
is named")."""

from __future__ import annotations

import pytest

from riskoff.diagnosis import diagnose_row, load_suspects, parse_suspects, score_suspects
from riskoff.diagnosis.audit import audit_diagnosis
from riskoff.diagnosis.engine import with_newspapers
from riskoff.diagnosis.results import FIT_FLOOR, QUIET_FLOOR, fits
from riskoff.errors import DataFileError
from tests.unit.diagnosis.test_diagnosis import DAY, calm_row, dash_for_cash, moves


def _war_papers(row: dict[str, float], acts_x: float) -> dict[str, float]:
    """The geopolitical papers at ``acts_x`` times their median; the rest at their median."""
    row.update(
        {
            "news.gpr_acts": 100.0 * acts_x,
            "news.gpr_acts_base": 100.0,
            "news.gpr_acts_x": acts_x,
            "news.gpr_threats": 100.0,
            "news.gpr_threats_base": 100.0,
            "news.gpr_threats_x": 1.0,
            "news.geo_x": acts_x,
            "news.tpu": 100.0,
            "news.tpu_base": 100.0,
            "news.tpu_x": 1.0,
            "news.epu": 100.0,
            "news.epu_base": 100.0,
            "news.epu_x": 1.0,
            "news.policy_x": 1.0,
        }
    )
    return row


def _scramble(row: dict[str, float]) -> dict[str, float]:
    """Stocks down 4σ with every haven sold and oil down: no flight to safety in prices."""
    moves(
        row,
        us_equities=(-0.05, -4.0),
        gold=(-0.01, -1.0),
        yen=(-0.01, -1.0),
        oil=(-0.05, -2.5),
    )
    row.update({"haven.failure": 0.8, "rates.d10y_bp": 10.0, "sigma.treasuries": -1.5})
    return row


@pytest.mark.parametrize(
    ("market", "papers", "reach", "want"),
    [
        (0.0, 1.0, 0.5, 0.5),  # the papers alone give exactly the reach
        (0.6, 1.0, 0.5, 0.8),  # they lift by the reach of what the prices left
        (0.6, -1.0, 0.5, 0.3),  # quiet papers shrink by the reach of the score itself
        (0.6, 0.0, 0.5, 0.6),  # papers at their usual level change nothing
        (0.2, 3.0, 0.1, 0.28),  # a reading beyond -1..1 is clipped
    ],
)
def test_newspapers_lift_or_shrink_by_their_reach(
    market: float, papers: float, reach: float, want: float
) -> None:
    assert with_newspapers(market, papers, reach) == pytest.approx(want)


def test_war_in_the_papers_is_not_cancelled_by_a_scramble_for_cash() -> None:
    suspects = load_suspects()
    geo = next(s for s in suspects if s.id == "geopolitics")
    quiet, _ = score_suspects([geo], _war_papers(_scramble(calm_row()), 1.0))
    loud, _ = score_suspects([geo], _war_papers(_scramble(calm_row()), 30.0))
    # the prices argue against a flight to safety; the papers at 30x their median still
    # make geopolitics at least its reach (0.5, "likely")
    assert quiet[0].score < 0.1
    assert loud[0].score >= geo.newspapers == 0.5
    assert any(e.indicator == "gpr_acts" and e.supports for e in loud[0].evidence)


def test_economic_policy_papers_are_discounted_by_war_in_the_papers() -> None:
    policy = next(s for s in load_suspects() if s.id == "policy")
    row = calm_row()
    _war_papers(row, 1.0)
    row.update({"news.epu_x": 6.0, "news.epu": 600.0, "news.policy_x": 6.0})
    alone, _ = score_suspects([policy], dict(row))
    row.update({"news.gpr_acts_x": 30.0, "news.geo_x": 30.0})
    with_war, _ = score_suspects([policy], row)
    assert alone[0].score > with_war[0].score


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "[[suspect]]\nid='x'\n[[suspect.checks]]\nfeature='a'\nsupports=[0,1]\n"
            "family='radio'\n",
            "family must be",
            id="family",
        ),
        pytest.param(
            "[[suspect]]\nid='x'\nnewspapers=1.5\n[[suspect.checks]]\nfeature='a'\n"
            "supports=[0,1]\n",
            "reach in 0..1",
            id="reach",
        ),
    ],
)
def test_bad_newspaper_fields_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(DataFileError, match=message):
        parse_suspects(text, base=load_suspects())


def test_a_user_file_sets_a_packaged_suspects_reach() -> None:
    merged = parse_suspects("[[suspect]]\nid='policy'\nnewspapers=0.3\n", base=load_suspects())
    assert next(s for s in merged if s.id == "policy").newspapers == 0.3


def test_fits_on_a_sell_off_and_without_one() -> None:
    assert fits(FIT_FLOOR, True)
    assert not fits(FIT_FLOOR - 0.01, True)
    assert not fits(FIT_FLOOR, False)
    assert fits(QUIET_FLOOR, False)
    assert not fits(QUIET_FLOOR - 0.01, False)
    assert not fits(0.9, False, stocks_rose=True)
    assert fits(0.9, True, stocks_rose=True)  # a window's sell-off may end in a rebound


def _quiet_war_day(spx: float) -> dict[str, float]:
    """Not a sell-off: stocks ``spx`` (log move, 0.5σ a side), the war papers at 30x."""
    row = _war_papers(calm_row(), 30.0)
    return moves(row, us_equities=(spx, 0.5 if spx > 0 else -0.5))


def test_a_shock_without_a_sell_off_is_named_from_the_quiet_floor() -> None:
    row = _quiet_war_day(-0.004)
    d = diagnose_row(row, suspects=load_suspects(), date=DAY)
    assert not d.selloff.is_selloff
    assert d.verdict.primary == "geopolitics"
    assert "Not a sell-off, but the day fits" in d.verdict.text
    assert "Most like" not in d.verdict.text
    assert audit_diagnosis(d, row, references_stored=False).contradictions == ()


def test_a_rally_is_never_explained() -> None:
    row = _quiet_war_day(0.004)
    d = diagnose_row(row, suspects=load_suspects(), date=DAY)
    assert d.verdict.primary == ""
    assert d.verdict.text.count("Stocks rose: with no sell-off there is nothing to explain") == 1
    assert audit_diagnosis(d, row, references_stored=False).contradictions == ()


def test_the_audit_catches_a_rally_explained() -> None:
    from dataclasses import replace

    row = _quiet_war_day(0.004)
    d = diagnose_row(row, suspects=load_suspects(), date=DAY)
    lie = replace(d, verdict=replace(d.verdict, primary="geopolitics"))
    found = audit_diagnosis(lie, row, references_stored=False).contradictions
    assert [c.why for c in found] == [
        "a suspect named without a sell-off on a rally or under the quiet floor"
    ]


def test_a_suspect_with_less_than_half_its_evidence_readable_scores_zero() -> None:
    import math

    from riskoff.diagnosis.results import MIN_COVERAGE

    text = "[[suspect]]\nid='x'\nlabel='X'\n" + "".join(
        f"[[suspect.checks]]\nfeature='f{i}'\nweight=1.0\nsupports=[0.0, 1.0]\n" for i in range(4)
    )
    x = next(s for s in parse_suspects(text, base=load_suspects()) if s.id == "x")
    nan = math.nan
    half, _ = score_suspects([x], {"f0": 1.0, "f1": 1.0, "f2": nan, "f3": nan})
    less, _ = score_suspects([x], {"f0": 1.0, "f1": nan, "f2": nan, "f3": nan})
    assert MIN_COVERAGE == 0.5
    assert half[0].coverage == 0.5
    assert half[0].score == 1.0
    assert less[0].coverage == 0.25
    assert less[0].score == 0.0
    assert [e.available for e in less[0].evidence].count(False) == 3


def _trade_papers_on_a_cash_day() -> dict[str, float]:
    """A dash for cash (the prices' story) while the trade-policy papers read 8x."""
    row = _war_papers(dash_for_cash(), 1.0)
    row.update({"news.tpu_x": 8.0, "news.tpu": 800.0, "news.policy_x": 8.0})
    return row


def test_the_verdict_says_what_filled_the_papers_when_the_prices_point_elsewhere() -> None:
    row = _trade_papers_on_a_cash_day()
    d = diagnose_row(row, suspects=load_suspects(), date=DAY)
    policy = next(s for s in d.suspects if s.id == "policy")
    assert d.verdict.primary == "liquidity"
    want = (
        "The newspapers were full of trade policy: their trade-policy-uncertainty index at "
        f"8.00× its one-year median (800 against 100); that points to a US policy shock "
        f"(score {policy.score:.2f})."
    )
    assert want in d.verdict.text
    assert audit_diagnosis(d, row, references_stored=False).contradictions == ()


def test_the_papers_sentence_is_not_said_twice_or_without_loud_papers() -> None:
    from riskoff.diagnosis.verdict import papers_sentence

    row = _trade_papers_on_a_cash_day()
    scores, _ = score_suspects(load_suspects(), row)
    policy = next(s for s in scores if s.id == "policy")
    loud = next(e for e in policy.for_ if e.family == "newspapers")
    assert papers_sentence(scores, policy, "").endswith("that too points to a US policy shock.")
    assert papers_sentence(scores, None, f"Most like it: {loud.text}.") == ""
    quiet, _ = score_suspects(load_suspects(), _war_papers(calm_row(), 1.0))
    assert papers_sentence(quiet, None, "") == ""


def test_the_loudest_paper_speaks_when_several_are_loud() -> None:
    from riskoff.diagnosis.verdict import papers_sentence

    row = _trade_papers_on_a_cash_day()
    row.update({"news.gpr_acts_x": 3.0, "news.gpr_acts": 300.0, "news.geo_x": 3.0})
    scores, _ = score_suspects(load_suspects(), row)
    said = papers_sentence(scores, None, "")
    assert said.startswith("The newspapers were full of trade policy")  # 8x beats 3x
