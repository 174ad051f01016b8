"""Evidence sentences are rendered from claims: direction words follow the numbers."""

from __future__ import annotations

import math

import pytest

from riskoff.diagnosis.audit import audit_diagnosis
from riskoff.diagnosis.results import Claim, Direction
from riskoff.diagnosis.text import render_claims

LOG_UP, LOG_DOWN = math.log(1.03), math.log(0.97)


@pytest.mark.parametrize(
    ("value", "word"), [(LOG_UP, "rose"), (LOG_DOWN, "fell"), (0.0001, "was unchanged")]
)
def test_a_direction_word_is_chosen_by_the_sign(value: float, word: str) -> None:
    text, claims = render_claims("Gold {move.gold|fell} {move.gold|pctabs}", {"move.gold": value})
    assert text.startswith(f"Gold {word} ")
    direction: Direction = "up" if word == "rose" else "down" if word == "fell" else "flat"
    assert claims[0] == Claim("move.gold", value, "word", word, direction)
    assert claims[1].unit == "pctabs"


def test_moved_says_barely_moved_under_one_sigma() -> None:
    assert render_claims("Stocks {s|moved}", {"s": 0.4})[0] == "Stocks barely moved"
    assert render_claims("Stocks {s|moved}", {"s": -1.4})[0] == "Stocks fell"
    assert render_claims("Stocks {s|moved}", {"s": 2.0})[0] == "Stocks rose"


def test_guarded_segments_list_only_what_holds() -> None:
    tpl = "Yields rose: [a>1: 2-year {a|sigma}][b>1: 10-year {b|sigma}][c>1: 30-year {c|sigma}]"
    text, claims = render_claims(tpl, {"a": 2.0, "b": -1.3, "c": 1.5})
    assert text == "Yields rose: 2-year +2.0σ, 30-year +1.5σ"
    assert [c.series for c in claims] == ["a", "c"]
    # a segment that starts with a space attaches to the word before it
    tpl = "Gold {g|fell} {g|pctabs}[s<0:  as stocks fell]: sold for cash"
    assert render_claims(tpl, {"g": LOG_DOWN, "s": -0.01})[0] == (
        "Gold fell 3.0% as stocks fell: sold for cash"
    )
    assert render_claims(tpl, {"g": LOG_DOWN, "s": 0.01})[0] == "Gold fell 3.0%: sold for cash"
    # a missing value fails its guard
    assert render_claims("x[m>0: y]", {})[0] == "x"


def test_the_audit_fails_on_a_false_claim() -> None:
    from tests.unit.diagnosis.test_diagnosis import crypto_only, diag

    d = diag(crypto_only())
    assert audit_diagnosis(d, references_stored=False).contradictions == ()
    ev = d.suspects[0].evidence[0]
    lie = Claim(ev.claims[0].series, ev.claims[0].value, "word", "rose", "up")
    from dataclasses import replace

    bad = replace(ev, claims=(lie, *ev.claims[1:]))
    sus = replace(d.suspects[0], evidence=(bad, *d.suspects[0].evidence[1:]))
    broken = replace(d, suspects=(sus, *d.suspects[1:]))
    found = audit_diagnosis(broken, references_stored=False).contradictions
    assert found
    assert "'rose' of" in found[0].why


def test_a_suspect_is_named_for_its_era() -> None:
    import datetime as dt

    from riskoff.diagnosis import load_suspects

    ai = next(s for s in load_suspects() if s.id == "ai_narrative")
    assert ai.named_on(dt.date(1998, 8, 31)).label == "Tech leadership"
    assert "tech leadership" in ai.named_on(dt.date(2000, 4, 14)).headline
    assert ai.named_on(dt.date(2025, 1, 27)).label == "AI narrative"


def test_an_era_must_be_a_date_with_names() -> None:
    from riskoff.errors import DataFileError
    from riskoff.knowledge.suspects import parse_suspects

    ok = (
        '[[suspect]]\nid = "x"\n[[suspect.eras]]\nuntil = 2000-01-01\nlabel = "A"\nheadline = "a"\n'
    )
    assert parse_suspects(ok)[0].eras[0].label == "A"
    with pytest.raises(DataFileError, match="until must be a date"):
        parse_suspects(ok.replace("2000-01-01", '"soon"'))
    with pytest.raises(DataFileError, match="needs a label and a headline"):
        parse_suspects(ok.replace('label = "A"\n', ""))


def test_crypto_only_is_said_only_when_nothing_else_fell() -> None:
    from tests.unit.diagnosis.test_diagnosis import crypto_only, diag, moves

    assert diag(crypto_only()).suspect("crypto").headline == 'a crypto-only crash ("519")'
    row = crypto_only()
    moves(row, gold=(-0.05, -3.0), silver=(-0.1, -3.0), oil=(-0.06, -3.0))
    assert diag(row).suspect("crypto").headline == "a crypto crash"


@pytest.mark.parametrize(
    "sentence",
    [
        "Yields jumped: 2-year +20 bp (+3.4σ), 10-year +8 bp (−1.3σ)",  # bp and sigma disagree
        "The dollar fell 0.7% (+1.3σ)",  # verb and sigma disagree
        "The Nikkei fell +3.9%",  # verb and sign disagree
        "Biggest gains: gold +3.0% (+3.0σ) and oil −4.6% (−2.3σ).",  # a fall among gains
        "2025-04-04 was a sell-off: falling: S&P 500 −6.0% (−5.1σ); rising: 30y −8 bp (−1.6σ)",
    ],
)
def test_the_prose_audit_catches_a_false_sentence(sentence: str) -> None:
    from riskoff.diagnosis.audit import audit_sentences

    assert audit_sentences("page", [sentence]).contradictions
    assert not audit_sentences("page", ["Gold fell 2.7% (−3.2σ): sold for cash"]).contradictions
