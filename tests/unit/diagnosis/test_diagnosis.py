# ruff: noqa: E501  (the golden console output is 100 columns wide by design)
"""Unit tests of the diagnosis engine on hand-built feature rows (no store, no data)."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from pathlib import Path

import pytest
from rich.console import Console

from riskoff.diagnosis import (
    Diagnosis,
    Ramp,
    diagnose_row,
    load_suspects,
    parse_suspects,
    score_suspects,
)
from riskoff.diagnosis.classes import CLASSES
from riskoff.diagnosis.results import Evidence, html_diagnosis
from riskoff.diagnosis.text import render_template
from riskoff.errors import DataFileError
from riskoff.formatting import fmt_log_pct, fmt_sigma
from riskoff.indicators.ranges import RANGE_CLASSES
from riskoff.knowledge.calibration import ConfidenceBin, SuspectRecord, TrackRecord

SUSPECT_IDS = {
    "geopolitics",
    "policy",
    "ai_narrative",
    "liquidity",
    "rates_fiscal",
    "carry_unwind",
    "crypto",
    "leverage",
    "bank_stress",
    "growth_scare",
}
DAY = dt.date(2030, 1, 15)

# A fixed track record, so these goldens do not move when the packaged calibration is refitted
FIXED_RECORD = TrackRecord(
    method="platt-log",
    a=0.5,
    b=0.5,
    floor=0.01,
    bins=tuple(ConfidenceBin(i / 5, (i + 1) / 5, 10 + i, 2 + 2 * i) for i in range(5)),
    suspects={"crypto": SuspectRecord("crypto", 6, 5, (0.44, 0.97))},
    cases=60,
    first="2000-01-03",
    last="2001-01-03",
    sets=("probes",),
)


@pytest.fixture(autouse=True)
def _fixed_track_record(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("riskoff.diagnosis.confidence.load_track_record", lambda: FIXED_RECORD)


def calm_row(**over: float) -> dict[str, float]:
    """Every class open with a tiny move; the macro and funding backdrop normal."""
    row: dict[str, float] = {}
    for c in CLASSES:
        row[f"move.{c}"] = 0.001
        row[f"sigma.{c}"] = 0.1
        row[f"lsig.{c}"] = 0.1
        row[f"open.{c}"] = 1.0
        row[f"dd52.{c}"] = -0.05
    for c in RANGE_CLASSES:  # a small lower wick (indicators.ranges)
        row[f"rebound.{c}"] = 0.003
        row[f"wick_sigma.{c}"] = 0.3
    row.update(
        {
            "haven.failure": 0.0,
            "rates.d2y_bp": 0.0,
            "rates.d10y_bp": 0.0,
            "rates.d30y_bp": 0.0,
            "rates.dtp_bp": 0.0,
            "rates.stockbond_corr60": -0.3,
            "carry.usdjpy_sigma": -0.1,
            "carry.nikkei_minus_spx": 0.0,
            "carry.us_jp_2y_bp": 350.0,
            "crypto.btc_sigma": 0.1,
            "crypto.eth_sigma": 0.1,
            "crypto.idio_sigma": 0.1,
            "vol.vix": 15.0,
            "vol.dvix": 0.0,
            "turbulence.pct": 0.5,
            "corr.avg60_pct": 0.5,
            "funding.sofr_iorb_bp": -5.0,
            "funding.sofr_iorb_chg5_bp": 0.0,
            "reserves.pct5y": 0.5,
            "reserves.level_bn": 3000.0,
            "stress.stlfsi": -0.5,
            "macro.claims_vs_1y": 0.95,
            "macro.recession": 0.0,
            "sigma10.yen": 0.0,
            "ret10.yen": 0.0,
            "move.aud": 0.001,
            "sigma.aud": 0.1,
            "open.aud": 1.0,
        }
    )
    for k in ("ndx", "mag7", "smh", "defensive", "real", "nikkei", "banks", "small_caps"):
        row[f"rel.{k}"] = 0.0
    row.update({"rel.us_vs_em": 0.0, "rel.d2y": 0.0, "rel.dtp": 0.0, "rel.usd_ex_yen": 0.0})
    row.update(over)
    return row


def moves(row: dict[str, float], **sig: tuple[float, float]) -> dict[str, float]:
    """Set ``class=(log move, sigma)`` pairs."""
    for c, (m, s) in sig.items():
        row[f"move.{c}"] = m
        row[f"sigma.{c}"] = s
        row[f"lsig.{c}"] = s
    return row


def dash_for_cash() -> dict[str, float]:
    row = calm_row(
        **{
            "haven.failure": 0.6,
            "rates.d10y_bp": 8.0,
            "rates.d30y_bp": 12.0,
            "crypto.btc_sigma": -6.0,
            "crypto.eth_sigma": -5.0,
            "crypto.idio_sigma": -5.0,
            "funding.sofr_iorb_bp": 12.0,
            "funding.sofr_iorb_chg5_bp": 10.0,
            "vol.dvix": 0.35,
            "vol.vix": 70.0,
            "turbulence.pct": 1.0,
            "corr.avg60_pct": 0.99,
            "stress.stlfsi": 2.0,
        }
    )
    return moves(
        row,
        us_equities=(-0.09, -5.0),
        nasdaq=(-0.09, -4.5),
        mag7=(-0.09, -4.0),
        small_caps=(-0.10, -5.5),
        banks=(-0.10, -4.5),
        japan_equities=(-0.05, -3.0),
        china_equities=(-0.04, -2.5),
        em_equities=(-0.09, -5.0),
        gold=(-0.03, -3.0),
        silver=(-0.05, -3.0),
        copper=(-0.03, -2.0),
        oil=(-0.05, -2.0),
        treasuries=(-0.08, -1.5),
        long_bond=(-0.12, -2.0),
        usd=(0.012, 2.5),
        yen=(-0.005, -0.8),
        btc=(-0.4, -6.0),
        eth=(-0.45, -5.0),
        credit=(-0.3, -2.5),
    )


def crypto_only() -> dict[str, float]:
    row = calm_row(
        **{"crypto.btc_sigma": -4.0, "crypto.eth_sigma": -5.0, "crypto.idio_sigma": -3.8}
    )
    return moves(row, btc=(-0.15, -4.0), eth=(-0.3, -5.0), us_equities=(-0.003, -0.3))


def diag(row: dict[str, float], **kw: object) -> Diagnosis:
    return diagnose_row(row, suspects=load_suspects(), date=DAY, **kw)  # type: ignore[arg-type]


# --- fingerprints ----------------------------------------------------------------------------


def test_default_fingerprints_are_the_ten_suspects() -> None:
    suspects = load_suspects()
    assert {s.id for s in suspects} == SUSPECT_IDS
    for s in suspects:
        assert s.checks, s.id
        assert any(c.key for c in s.checks), f"{s.id} has no signature check"
        for c in s.checks:
            assert c.supports or c.contradicts
            if c.supports:
                assert c.text_for, f"{s.id}:{c.id} lacks a supporting sentence"
            if c.contradicts:
                assert c.text_against, f"{s.id}:{c.id} lacks a contradicting sentence"


def test_user_file_reweights_adds_and_drops(tmp_path: Path) -> None:
    (tmp_path / "suspects.toml").write_text(
        """
[[suspect]]
id = "crypto"
weights = { "crypto.btc_sigma" = 9.0 }

[[suspect]]
id = "growth_scare"
enabled = false

[[suspect]]
id = "oil_shock"
label = "Oil shock"
[[suspect.checks]]
feature = "sigma.oil"
key = true
supports = [1.0, 3.0]
for = "Oil jumped {move.oil|pct}"
"""
    )
    suspects = {s.id: s for s in load_suspects(tmp_path)}
    assert "growth_scare" not in suspects
    assert "oil_shock" in suspects
    btc = next(c for c in suspects["crypto"].checks if c.id == "crypto.btc_sigma")
    assert btc.weight == 9.0
    row = moves(calm_row(), oil=(0.1, 3.5))
    scores, _ = score_suspects(list(suspects.values()), row)
    assert scores[0].id == "oil_shock"
    assert scores[0].evidence[0].text == "Oil jumped +10.5%"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("[[suspect]]\nlabel='x'", "needs an 'id'", id="no-id"),
        pytest.param(
            "[[suspect]]\nid='x'\n[[suspect.checks]]\nfeature='a'\n", "neither", id="no-ramp"
        ),
        pytest.param(
            "[[suspect]]\nid='x'\n[[suspect.checks]]\nfn='nope'\nsupports=[0,1]\n",
            "unknown check function",
            id="bad-fn",
        ),
        pytest.param(
            "[[suspect]]\nid='x'\n[[suspect.checks]]\nfeature='a'\nsupports=[1,1]\n",
            "start != full",
            id="flat-ramp",
        ),
        pytest.param("[[suspect", "suspects.toml", id="not-toml"),
        pytest.param(
            "[[suspect]]\nid='x'\n[[suspect.checks]]\nfn='any_of'\nsupports=[0,1]\n"
            "params={terms=[['a', 0, 1], ['a', 0, 1, 'b']]}\n",
            "a term is",
            id="bad-term",
        ),
        pytest.param(
            "[[suspect]]\nid='x'\n[[suspect.checks]]\nfn='all_of'\nsupports=[0,1]\n",
            "non-empty list",
            id="no-terms",
        ),
        pytest.param(
            "[[suspect]]\nid='x'\n[[suspect.checks]]\nfn='any_of'\nsupports=[0,1]\n"
            "params={terms=[['a', 1, 1]]}\n",
            "a term is",
            id="flat-term",
        ),
        pytest.param("[[suspect]]\nid='crypto'\nweights={nope=1.0}\n", "no check", id="weights"),
    ],
)
def test_bad_fingerprint_files_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(DataFileError, match=message):
        parse_suspects(text, base=load_suspects())


def test_ramp_runs_both_ways_and_scales() -> None:
    up, down = Ramp(1.0, 3.0), Ramp(-1.0, -3.0)
    assert [up(0.0), up(2.0), up(5.0)] == [0.0, 0.5, 1.0]
    assert [down(0.0), down(-2.0), down(-9.0)] == [0.0, 0.5, 1.0]
    assert up(4.0, factor=2.0) == 0.5


# --- the engine on synthetic days ------------------------------------------------------------


def test_dash_for_cash_is_liquidity_and_cross_asset() -> None:
    d = diag(dash_for_cash())
    assert d.selloff.is_selloff
    assert d.selloff.scope == "cross_asset"
    assert d.selloff.severity > 0.8
    assert "usd" in d.selloff.rising
    assert "gold" in d.selloff.falling
    assert d.verdict.primary == "liquidity"
    geo = d.suspect("geopolitics")
    assert geo.score < 0.1
    assert any("why did gold fall" in e.text for e in geo.against)


def test_crypto_only_day_is_crypto_and_concentrated() -> None:
    d = diag(crypto_only())
    assert d.selloff.is_selloff
    assert d.selloff.scope == "concentrated"
    assert d.verdict.primary == "crypto"
    assert d.primary.label == "likely"


def test_a_big_equity_fall_contradicts_crypto_only() -> None:
    row = crypto_only()
    moves(row, us_equities=(-0.09, -5.0))
    c = diag(row).suspect("crypto")
    assert c.score < diag(crypto_only()).suspect("crypto").score
    assert any("why did the S&P 500 fall 8.6%" in e.text for e in c.against)


def test_calm_day_is_not_a_selloff_but_still_scores_everyone() -> None:
    d = diag(calm_row())
    assert not d.selloff.is_selloff
    assert d.selloff.scope == "none"
    assert {s.id for s in d.suspects} == SUSPECT_IDS
    assert all(s.score < 0.25 for s in d.suspects)
    assert "was not a sell-off" in d.verdict.text


def test_missing_funding_data_is_said_and_renormalised() -> None:
    full = dash_for_cash()
    gone = dict(full)
    gone["funding.sofr_iorb_bp"] = math.nan
    gone["funding.sofr_iorb_chg5_bp"] = math.nan
    d = diag(gone)
    assert "fred:SOFR" in d.missing
    liq = d.suspect("liquidity")
    unavailable = [e for e in liq.evidence if e.supports is None]
    assert {e.indicator for e in unavailable} == {
        "funding.sofr_iorb_bp",
        "funding.sofr_iorb_chg5_bp",
    }
    assert all(e.observed is None and "unavailable" in e.text for e in unavailable)
    assert liq.coverage < 1.0
    # renormalised: the score is what the available evidence says, not diluted by zeros
    assert liq.score > 0.4
    assert "Scored without" in d.verdict.text


def test_a_missing_class_is_listed_by_symbol() -> None:
    row = calm_row()
    row["move.btc"] = row["sigma.btc"] = math.nan
    d = diag(row)
    assert "yahoo:BTC-USD" in d.missing  # the JSON keeps the symbol
    assert "yahoo:BTC-USD" in d.to_dict()["data"]["missing"]
    # people read its name: the verdict, the terminal panel and the HTML fragment
    assert "yahoo:" not in d.verdict.text
    assert "Bitcoin in USD" in d.verdict.text
    assert "yahoo:" not in html_diagnosis(d)
    assert "Bitcoin in USD" in html_diagnosis(d)


def test_weekend_day_says_other_markets_were_closed() -> None:
    row = crypto_only()
    for c in CLASSES:
        if c not in ("btc", "eth"):
            row[f"open.{c}"] = 0.0
            row[f"move.{c}"] = row[f"sigma.{c}"] = 0.0
    d = diag(row)
    assert d.verdict.primary == "crypto"
    assert "markets were closed" in d.verdict.text
    assert d.selloff.falling == ("eth", "btc")
    # closed markets are neither evidence nor missing data
    assert not any(m.startswith("yahoo:^") for m in d.missing)


def test_json_has_exactly_the_design_shape() -> None:
    refs = {"312": dash_for_cash(), "519": crypto_only()}
    d = diag(dash_for_cash(), references=refs).with_analogs(
        [{"episode": "x", "name": "X", "similarity": 0.5}]
    )
    out = json.loads(json.dumps(d.to_dict()))
    assert list(out) == ["date", "window", "selloff", "suspects", "verdict", "analogs", "data"]
    assert out["window"] == {"start": "2030-01-15", "end": "2030-01-15"}
    assert set(out["selloff"]) == {"is_selloff", "severity", "scope", "falling", "rising"}
    assert [s["id"] for s in out["suspects"]] != []
    assert {s["id"] for s in out["suspects"]} == SUSPECT_IDS
    scores = [s["score"] for s in out["suspects"]]
    assert scores == sorted(scores, reverse=True)
    for s in out["suspects"]:
        assert set(s) == {"id", "score", "label", "evidence"}
        assert s["label"] in ("likely", "possible", "unlikely")
        assert 0.0 <= s["score"] <= 1.0
        for e in s["evidence"]:
            assert set(e) == {"indicator", "observed", "baseline", "supports", "text", "claims"}
    v = out["verdict"]
    assert set(v) == {
        "primary",
        "runner_up",
        "confidence",
        "raw_confidence",
        "track_record",
        "text",
        "versus_312_519",
    }
    tr = v["track_record"]
    assert set(tr) == {"method", "cases", "confidence_bin", "n", "right", "primary"}
    assert tr["primary"]["suspect"] == v["primary"]
    lo, hi = tr["confidence_bin"]
    assert lo <= v["confidence"] <= hi
    assert v["versus_312_519"]["closer"] == "312"
    assert "A new 312 or a new 519?" in v["text"]
    assert out["analogs"] == [{"episode": "x", "name": "X", "similarity": 0.5}]
    # the moment of the diagnosis and its notes are set by the use-case (riskoff diagnose)
    assert out["data"] == {
        "as_of": "2030-01-15",
        "as_of_moment": {},
        "missing": [],
        "notes": [],
        "calibration": {  # which fit the confidence was read from
            "file": "riskoff/data/calibration.json",
            "method": tr["method"],
            "cases": tr["cases"],
            "first": out["data"]["calibration"]["first"],
            "last": out["data"]["calibration"]["last"],
            "sets": out["data"]["calibration"]["sets"],
        },
    }


def test_a_day_that_names_no_suspect_carries_no_confidence() -> None:
    """No primary, no chance that it is right: JSON nulls, and the text says so."""
    d = diag(calm_row())
    assert d.verdict.primary == ""
    assert d.verdict.runner_up == ""
    assert d.verdict.confidence is None
    v = json.loads(json.dumps(d.to_dict()))["verdict"]
    assert v["confidence"] is None
    assert v["raw_confidence"] is None
    assert v["track_record"] is None
    assert "no suspect is named and no confidence given" in d.verdict.text
    assert "Confidence" not in d.verdict.text
    console = Console(file=io.StringIO(), width=100, color_system=None, legacy_windows=False)
    console.print(d)
    assert "verdict: no suspect named" in console.file.getvalue()  # type: ignore[attr-defined]
    assert "(confidence " not in html_diagnosis(d)
    # kept for the calibration's cases: the top score's raw figure
    assert d.verdict.raw_confidence == d.verdict.calibration.raw  # type: ignore[union-attr]


def test_versus_without_reference_days_says_so() -> None:
    d = diag(crypto_only())
    assert d.verdict.versus.closer == "unavailable"
    assert "Cannot say" in d.verdict.text


def test_versus_before_the_reference_days_says_they_had_not_happened() -> None:
    from riskoff.diagnosis.engine import compare_references

    row = crypto_only()
    early = compare_references(row, {"312": None, "519": None}, dt.date(1990, 8, 6))
    assert early.closer == "unavailable"
    assert "neither 312 (2020-03-12) nor 519 (2021-05-19) had happened yet" in early.text
    assert "store" not in early.text
    between = compare_references(row, {"312": None, "519": None}, dt.date(2020, 6, 1))
    assert "519 (2021-05-19) had not happened yet" in between.text
    assert "does not hold 312" in between.text


def test_backdrop_when_markets_fall_and_the_economy_looks_fine() -> None:
    d = diag(dash_for_cash())
    assert (
        "initial jobless claims at 0.95× their 1-year average and no recession flag: "
        "markets fell while the economy looked fine" in d.verdict.text
    )


def test_window_mode_skips_daily_only_checks() -> None:
    d = diagnose_row(
        dash_for_cash(), suspects=load_suspects(), date=DAY, start=DAY - dt.timedelta(days=7)
    )
    carry = d.suspect("carry_unwind")
    assert not any(e.indicator == "sigma10.yen" for e in carry.evidence)
    assert d.to_dict()["window"]["start"] == "2030-01-08"
    assert d.verdict.text.startswith("The window 2030-01-08 to 2030-01-15")


def test_text_formats() -> None:
    assert fmt_log_pct(math.log(0.968)) == "−3.2%"
    assert fmt_log_pct(math.log(1.5)) == "+50.0%"
    assert fmt_sigma(-2.05) == "−2.0σ" or fmt_sigma(-2.05) == "−2.1σ"
    assert (
        render_template(
            "{a|bp} {b|name} {c|pctile} {z|num}", {"a": -12.0, "c": 0.973}, {"b": "japan_equities"}
        )
        == "−12 bp Nikkei 225 97th percentile n/a"
    )


def test_html_fragment_is_escaped() -> None:
    d = diag(dash_for_cash())
    html = d.to_html()
    assert html.startswith('<section class="riskoff-diagnosis">')
    assert "S&amp;P 500" in html
    assert "<script" not in html


# --- golden output ---------------------------------------------------------------------------

GOLDEN_VERDICT = (
    "2030-01-15 was a concentrated sell-off (severity 0.31): falling: Ether −25.9% (−"
    '5.0σ), Bitcoin −13.9% (−4.0σ). Most like a crypto-only crash ("519") (score 1.00'
    ", likely): Bitcoin fell 13.9% (−4.0σ); Bitcoin moved −3.8σ beyond what its beta "
    "to the S&P 500 explains. Raw confidence 1.00: the score, nothing to discount. Co"
    "nfidence 0.62 that it is right: on labelled days where riskoff was this confiden"
    "t (0.6 to 0.8, held out), it was right 8 of 13 times. Runner-up: a yen carry-tra"
    "de unwind (0.03). A new 312 or a new 519? Cannot say: the store holds neither 20"
    "20-03-12 nor 2021-05-19. Backdrop: initial jobless claims at 0.95× their 1-year "
    "average and no recession flag: markets fell while the economy looked fine."
)


def test_golden_verdict_text() -> None:
    assert diag(crypto_only()).verdict.text == GOLDEN_VERDICT


def test_golden_rich_rendering_at_width_100() -> None:
    console = Console(file=io.StringIO(), width=100, color_system=None, legacy_windows=False)
    console.print(diag(crypto_only()))
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert [line.rstrip() for line in out.splitlines()] == list(GOLDEN_RICH)


GOLDEN_RICH = (
    "╭─ riskoff diagnosis 2030-01-15 ───────────────────────────────────────────────────────────────────╮",
    "│ SELL-OFF severity 0.31, scope concentrated                                                       │",
    "│ falling: Ether, Bitcoin                                                                          │",
    "│ rising: none                                                                                     │",
    "│                                                                                                  │",
    "│                           Suspects                                                               │",
    "│  suspect          ┃ score ┃                      ┃ label                                         │",
    "│ ━━━━━━━━━━━━━━━━━━╇━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━                                     │",
    "│  Crypto           │  1.00 │ ████████████████████ │ likely                                        │",
    "│  Carry unwind     │  0.03 │ █··················· │ unlikely                                      │",
    "│  Growth scare     │  0.01 │ ···················· │ unlikely                                      │",
    "│  Geopolitics      │  0.00 │ ···················· │ unlikely                                      │",
    "│  Policy shock     │  0.00 │ ···················· │ unlikely                                      │",
    "│  AI narrative     │  0.00 │ ···················· │ unlikely                                      │",
    "│  Dollar liquidity │  0.00 │ ···················· │ unlikely                                      │",
    "│  Rates and fiscal │  0.00 │ ···················· │ unlikely                                      │",
    "│  Leverage         │  0.00 │ ···················· │ unlikely                                      │",
    "│  Bank stress      │  0.00 │ ···················· │ unlikely                                      │",
    "│                                                                                                  │",
    "│ For Crypto:                                                                                      │",
    "│   + Bitcoin fell 13.9% (−4.0σ)                                                                   │",
    "│   + Bitcoin moved −3.8σ beyond what its beta to the S&P 500 explains                             │",
    "│   + Stocks barely moved: S&P 500 −0.3% (−0.3σ)                                                   │",
    "│ Against Crypto:                                                                                  │",
    "│   (none)                                                                                         │",
    "│                                                                                                  │",
    "│ ╭─ verdict: Crypto (confidence 0.62) ──────────────────────────────────────────────────────────╮ │",
    "│ │ 2030-01-15 was a concentrated sell-off (severity 0.31): falling: Ether −25.9% (−5.0σ),       │ │",
    '│ │ Bitcoin −13.9% (−4.0σ). Most like a crypto-only crash ("519") (score 1.00, likely): Bitcoin  │ │',
    "│ │ fell 13.9% (−4.0σ); Bitcoin moved −3.8σ beyond what its beta to the S&P 500 explains. Raw    │ │",
    "│ │ confidence 1.00: the score, nothing to discount. Confidence 0.62 that it is right: on        │ │",
    "│ │ labelled days where riskoff was this confident (0.6 to 0.8, held out), it was right 8 of 13  │ │",
    "│ │ times. Runner-up: a yen carry-trade unwind (0.03). A new 312 or a new 519? Cannot say: the   │ │",
    "│ │ store holds neither 2020-03-12 nor 2021-05-19. Backdrop: initial jobless claims at 0.95×     │ │",
    "│ │ their 1-year average and no recession flag: markets fell while the economy looked fine.      │ │",
    "│ ╰──────────────────────────────────────────────────────────────────────────────────────────────╯ │",
    "╰──────────────────────────────────────────────────────────────────────────────────────────────────╯",
)


# --- round 3: banks at a multiple of the market, the yen far beyond a haven bid ---------------


def test_banks_ratio_floors_a_flat_market_and_is_zero_when_banks_rose() -> None:
    from riskoff.diagnosis.derived import derive

    row = moves(calm_row(), us_equities=(-0.01, -1.0), banks=(-0.025, -1.2))
    assert derive(row).values["dx.banks_ratio"] == pytest.approx(2.5)
    # the S&P 500 barely moved (0.1σ of a 1% daily vol): the floor is half the vol
    flat = moves(calm_row(), us_equities=(-0.001, -0.1), banks=(-0.02, -1.0))
    assert derive(flat).values["dx.banks_ratio"] == pytest.approx(4.0)
    up = moves(calm_row(), us_equities=(-0.01, -1.0), banks=(0.01, 1.0))
    assert derive(up).values["dx.banks_ratio"] == 0.0


def test_banks_at_twice_the_market_with_stress_high_is_bank_stress() -> None:
    # a slow crisis: banks fall 2.5x a modest market fall; beyond-beta readings look mild
    # because the crisis-era beta is itself high; financial stress is high
    row = calm_row(**{"stress.stlfsi": 3.0, "rel.banks": -1.2, "rel.d2y": -1.0})
    row = moves(
        row,
        us_equities=(-0.012, -1.0),
        banks=(-0.03, -1.2),
        treasuries=(0.05, 1.0),
        gold=(0.005, 0.5),
        oil=(-0.01, -0.5),
        copper=(-0.01, -0.5),
    )
    scores, _ = score_suspects(load_suspects(), row)
    by = {s.id: s for s in scores}
    ev = [e for e in by["bank_stress"].evidence if e.indicator == "banks_led_in_stress"]
    assert ev
    assert ev[0].strength == pytest.approx(1.0)
    assert scores[0].id == "bank_stress"
    # the same day with calm financial stress: the compound key does not fire
    calm = {**row, "stress.stlfsi": -0.2}
    ev2 = [
        e
        for e in next(
            s for s in score_suspects(load_suspects(), calm)[0] if s.id == "bank_stress"
        ).evidence
        if e.indicator == "banks_led_in_stress"
    ]
    assert not ev2 or ev2[0].strength == 0.0


def test_an_ordinary_haven_yen_bid_is_not_a_carry_signature() -> None:
    # yen +1.8σ on a bad day: about the 90th percentile of down-day yen moves
    row = calm_row(**{"carry.usdjpy_sigma": -1.8, "sigma5.yen": 1.0})
    row = moves(row, us_equities=(-0.03, -3.0), yen=(0.01, 1.8))
    carry = next(s for s in score_suspects(load_suspects(), row)[0] if s.id == "carry_unwind")
    key = [e for e in carry.evidence if e.indicator == "yen_jump"]
    assert not key or key[0].strength == 0.0
    # an unwind built over 5 sessions counts for a single day, not for a window
    built = {**row, "sigma5.yen": 5.0}
    carry = next(s for s in score_suspects(load_suspects(), built)[0] if s.id == "carry_unwind")
    assert next(e for e in carry.evidence if e.indicator == "yen_jump").strength == 1.0
    carry_w = next(
        s for s in score_suspects(load_suspects(), built, n_days=5)[0] if s.id == "carry_unwind"
    )
    assert not [e for e in carry_w.evidence if e.indicator == "yen_jump" and e.strength > 0]


def test_a_reference_after_the_day_is_said_to_be_unknown_not_compared() -> None:
    import datetime as dt

    from riskoff.diagnosis.engine import compare_references

    row: dict[str, float] = {}
    for cls, sig in (("us_equities", -4.0), ("gold", -2.0), ("usd", 2.0), ("btc", -3.0)):
        row |= {f"move.{cls}": sig / 100, f"sigma.{cls}": sig, f"open.{cls}": 1.0}
    cmp = compare_references(row, {"312": dict(row), "519": None}, dt.date(2020, 6, 1))
    assert "519 (2021-05-19) had not happened yet" in cmp.text
    assert "0.00 to 519" not in cmp.text
    cmp = compare_references(row, {"312": dict(row), "519": None}, dt.date(2024, 6, 1))
    assert "519 not in the store" in cmp.text


def test_a_question_ends_a_sentence_once() -> None:
    from riskoff.formatting import sentence_end as _sentence_end

    assert _sentence_end("why did the S&P 500 fall 9%?") == "why did the S&P 500 fall 9%?"
    assert _sentence_end("gold fell") == "gold fell."


@pytest.mark.parametrize(
    ("code", "name"), [(0.0, "the fed funds target"), (1.0, "IOER"), (2.0, "IORB")]
)
def test_funding_sentences_name_the_benchmark_of_the_day(code: float, name: str) -> None:
    from riskoff.diagnosis.text import render_template

    text = render_template("SOFR {s|bp} over {b|bench}", {"s": 5.0, "b": code})
    assert text == f"SOFR +5 bp over {name}"


# --- round 6: the front end, crypto spill-over, funding that says "easy" ---------------------


def _broad_selloff_easy_funding() -> dict[str, float]:
    """Stocks, gold and bonds fall with the dollar up and 4 groups down 2σ, but SOFR sits
    well under IORB and the stress index is calm: the look of a dash for cash without one."""
    row = dash_for_cash()
    row.update({"funding.sofr_iorb_bp": -12.0, "funding.sofr_iorb_chg5_bp": 0.0})
    row.update({"stress.stlfsi": -0.3, "crypto.btc_sigma": -1.0, "crypto.eth_sigma": -1.0})
    return moves(row, btc=(-0.03, -1.0), eth=(-0.03, -1.0))


def test_broad_selling_is_no_plumbing_strain_when_funding_is_easy() -> None:
    easy = diag(_broad_selloff_easy_funding()).suspect("liquidity")
    unobserved = _broad_selloff_easy_funding()
    unobserved["funding.sofr_iorb_bp"] = math.nan
    unobserved["funding.sofr_iorb_chg5_bp"] = math.nan
    before_sofr = diag(unobserved).suspect("liquidity")
    plumbing = next(e for e in easy.evidence if e.indicator == "plumbing_strain")
    assert plumbing.observed == 0.0
    assert "No sign of a scramble for dollars" in plumbing.text
    # without a funding reading (before SOFR), broad selling still counts
    assert before_sofr.score > 2 * easy.score


def test_a_front_end_repricing_is_a_rates_shock() -> None:
    """A hot CPI print: the 2-year jumps, the 10-year barely moves, stocks fall 3σ."""
    row = calm_row(**{"rates.d2y_bp": 18.0, "rates.d10y_bp": 5.0, "rel.d2y": 3.2})
    moves(row, us_equities=(-0.04, -3.3), nasdaq=(-0.05, -3.0), usd=(0.014, 3.4))
    moves(row, treasuries=(-0.05, -0.7), long_bond=(-0.02, -0.3))
    hot = diag(row).suspect("rates_fiscal")
    calm_front = diag({**row, "rates.d2y_bp": 0.0, "rel.d2y": 0.0}).suspect("rates_fiscal")
    assert hot.score > calm_front.score + 0.1
    assert any("priced a tighter Fed path" in e.text for e in hot.for_)
    cut = diag({**row, "rates.d2y_bp": -18.0, "rel.d2y": -3.2}).suspect("rates_fiscal")
    assert any("priced cuts" in e.text for e in cut.against)


def test_crypto_is_not_the_story_when_three_other_groups_fell() -> None:
    row = crypto_only()
    moves(row, em_equities=(-0.03, -2.5), oil=(-0.06, -2.5), copper=(-0.04, -2.2))
    spill = diag(row).suspect("crypto")
    assert spill.score < 0.5 * diag(crypto_only()).suspect("crypto").score


def test_a_semiconductor_crash_is_a_concentrated_selloff_only_if_the_nasdaq_fell() -> None:
    row = calm_row(**{"rel.smh": -5.2, "rel.ndx": -2.7})
    moves(row, us_equities=(-0.015, -1.7), nasdaq=(-0.03, -2.6), mag7=(-0.03, -1.9))
    crash = diag(row)
    assert crash.selloff.is_selloff
    assert crash.selloff.scope == "concentrated"
    assert crash.verdict.primary == "ai_narrative"
    rotation = diag(moves(dict(row), nasdaq=(0.002, 0.2)))
    assert not rotation.selloff.is_selloff
    assert rotation.selloff.severity < crash.selloff.severity


def test_oil_copper_and_yields_falling_together_argue_against_one_crowded_trade() -> None:
    row = calm_row(**{"vol.dvix": 0.43, "turbulence.pct": 0.95})
    moves(row, oil=(-0.14, -8.5), us_equities=(-0.023, -3.3))
    row["dd52.oil"] = -0.02
    alone = diag(row).suspect("leverage")
    moves(row, copper=(-0.04, -2.2), treasuries=(0.03, 3.6))
    macro = diag(row)
    lev = macro.suspect("leverage")
    assert lev.score < alone.score
    assert any("repriced growth, not one crowded trade" in e.text for e in lev.against)


def test_a_tighter_fed_path_argues_against_a_dash_for_cash() -> None:
    """A scramble for cash sends money into bills: the 2-year falls. A 2-year that jumps
    while everything else is sold is a hawkish repricing, and liquidity hears it."""
    row = dash_for_cash()
    hawkish = diag({**row, "rates.d2y_bp": 15.0, "rel.d2y": 2.5}).suspect("liquidity")
    flat = diag(row).suspect("liquidity")
    against = [e for e in hawkish.against if e.indicator == "rates.d2y_bp"]
    assert against
    assert "tighter Fed path" in against[0].text
    assert hawkish.score < flat.score
    assert not any(e.indicator == "rates.d2y_bp" for e in flat.against)


def test_a_growth_scare_is_about_america_only_if_risk_currencies_beat_the_dollar() -> None:
    """In a global unwind the dollar index falls against the euro and the yen (funding
    currencies) while commodity currencies fall: no argument against a growth scare."""
    row = calm_row(**{"rates.d10y_bp": -12.0})
    moves(row, us_equities=(-0.04, -3.5), oil=(-0.05, -2.5), copper=(-0.03, -2.2))
    moves(row, treasuries=(0.01, 2.0), usd=(-0.012, -3.0), aud=(-0.012, -1.8))
    funding_unwind = diag(row).suspect("growth_scare")
    assert not any("about America" in e.text for e in funding_unwind.against)
    us_made = diag(moves(dict(row), aud=(0.012, 2.5))).suspect("growth_scare")
    assert any("about America" in e.text for e in us_made.against)
    assert us_made.score < funding_unwind.score


# --- the crowded asset's wick (the day's range, leverage) -------------------------------------


def _silver_crash(**wick: float) -> dict[str, float]:
    """Silver crashes alone from near its high (leverage's signature)."""
    row = moves(calm_row(**{"turbulence.pct": 0.95}), silver=(-0.20, -6.0))
    row["dd52.silver"] = -0.19
    row.update(wick)
    return row


def _wick_evidence(d: Diagnosis) -> list[Evidence]:
    lev = next(s for s in d.suspects if s.id == "leverage")
    return [e for e in lev.evidence if e.indicator == "crowded_wick"]


def test_a_crowded_assets_deep_wick_counts_for_leverage() -> None:
    deep = _silver_crash(
        **{"tolow.silver": -0.35, "rebound.silver": 0.15, "wick_sigma.silver": 3.0}
    )
    d = diag(deep)
    (ev,) = _wick_evidence(d)
    half = diag({**deep, "wick_sigma.silver": 2.5})
    assert _wick_evidence(half)[0].strength == pytest.approx(0.5)
    assert ev.supports is True
    assert ev.strength == pytest.approx(1.0)  # 3σ: the top of the 2σ -> 3σ ramp
    assert ev.text == (
        "Silver fell 29.5% to its low and closed 16.2% above it (3.0σ of its daily "
        "volatility): forced selling that found buyers"
    )
    shallow = diag(
        _silver_crash(**{"tolow.silver": -0.21, "rebound.silver": 0.01, "wick_sigma.silver": 0.4})
    )
    # an ordinary wick is no evidence either way: not listed, not missing, no dilution
    assert _wick_evidence(shallow) == []
    assert "crowded_wick" not in shallow.missing
    lev = {s.id: s.score for s in shallow.suspects}["leverage"]
    assert lev < {s.id: s.score for s in d.suspects}["leverage"]


def test_no_range_data_leaves_the_wick_unavailable_not_zero() -> None:
    row = _silver_crash()
    for k in ("rebound.silver", "wick_sigma.silver"):
        row.pop(k)
    d = diag(row)
    (ev,) = _wick_evidence(d)
    assert ev.supports is None
    assert "crowded_wick" in d.missing


def test_notable_counts_only_from_its_threshold() -> None:
    from riskoff.diagnosis.checks import NOT_APPLICABLE, check_functions

    notable = check_functions()["notable"]
    params = {"feature": "dx.crowded_wick", "from": 2.0}
    assert notable({"dx.crowded_wick": 1.9}, params, 1) == NOT_APPLICABLE
    assert notable({"dx.crowded_wick": 2.6}, params, 1) == 2.6
    assert math.isnan(notable({}, params, 1))


@pytest.mark.parametrize(
    ("a", "b", "places"),
    [(0.414, 0.406, 3), (0.52, 0.31, 2), (0.41234, 0.41229, 5), (0.5, 0.5, 2), (0.4, None, 2)],
)
def test_the_312_519_numbers_print_apart_when_the_words_pick_one(
    a: float, b: float | None, places: int
) -> None:
    from riskoff.formatting import places_apart

    assert places_apart(a, b) == places
    if b is not None and a != b:
        assert f"{a:.{places}f}" != f"{b:.{places}f}"


def test_a_near_tie_with_312_and_519_says_which_with_numbers_that_show_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import riskoff.diagnosis.engine as engine

    sims = iter([0.4141, 0.4062])
    monkeypatch.setattr(engine, "reference_similarity", lambda *_: next(sims))
    ref = dash_for_cash()
    v = engine.compare_references(dash_for_cash(), {"312": ref, "519": ref}, DAY)
    assert v.closer == "312"
    assert (
        "More like 312 (the 2020-03-12 dash for cash), similarity 0.414 to 312, 0.406 to 519"
        in v.text
    )
    assert v.to_dict()["similarity"] == {"2020-03-12": 0.4141, "2021-05-19": 0.4062}


def test_a_primary_and_runner_up_tied_at_two_places_print_apart() -> None:
    from riskoff.diagnosis.results import Comparison, Selloff, SuspectScore
    from riskoff.diagnosis.verdict import compose_verdict

    scores = [
        SuspectScore(id="geopolitics", name="Geopolitics", headline="a flight", score=0.3341),
        SuspectScore(id="policy", name="Policy", headline="a policy shock", score=0.3338),
    ]
    versus = Comparison(closer="unavailable", similarity={}, moves={}, text="")
    v = compose_verdict(
        "2030-01-15", dash_for_cash(), Selloff(True, 0.8, "concentrated"), scores, versus, True, []
    )
    # 0.3341 and 0.3338 agree to three places: four it takes
    assert "Most like a flight (score 0.3341, possible)" in v.text
    assert "Runner-up: a policy shock (0.3338)" in v.text
    assert "(0.33)" not in v.text
