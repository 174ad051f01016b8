"""Golden tests of the report's prose: hand-built feature rows and diagnosis dicts in,
exact sentences out. A change of wording must change these tests on purpose."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from riskoff.render import chartdata as cd
from riskoff.render import narrative as nv

NAN = float("nan")

ROW: dict[str, float] = {
    "move.us_equities": -0.1,
    "sigma.us_equities": -5.06,
    "open.us_equities": 1,
    "move.gold": -0.0325,
    "sigma.gold": -3.12,
    "open.gold": 1,
    "move.treasuries": -0.06,
    "sigma.treasuries": -0.95,
    "open.treasuries": 1,
    "move.yen": 0.0045,
    "sigma.yen": 0.72,
    "open.yen": 1,
    "move.usd": 0.0099,
    "sigma.usd": 2.54,
    "open.usd": 1,
    "move.btc": -0.4647,
    "sigma.btc": -16.6,
    "open.btc": 1,
    "move.japan_equities": -0.02,
    "sigma.japan_equities": -1.5,
    "open.japan_equities": 0,
    "ret10.us_equities": -0.183,
    "sigma10.us_equities": -5.54,
    "ret10.yen": 0.0541,
    "sigma10.yen": 4.84,
    "breadth.down2": 13,
    "breadth.up2": 1,
    "breadth.n": 19,
    "funding.sofr_iorb_bp": 5.0,
    "funding.sofr_iorb_chg5_bp": -8.0,
    "reserves.level_bn": 1744.5,
    "reserves.chg4w_bn": 69.0,
    "reserves.pct5y": 0.2615,
    "netliq.level_bn": 3910.3,
    "netliq.chg4w_bn": -139.3,
    "stress.index": 0.474,
    "stress.stlfsi": 1.3499,
    "stress.ofr_fsi": 3.816,
    "vol.vix": 75.47,
    "vol.vix_pct": 0.9997,
    "turbulence.pct": 1.0,
    "absorption.ratio": 0.9433,
    "absorption.shift": 1.91,
    "corr.avg60_pct": 0.995,
}
DAY = dt.date(2020, 3, 12)


def test_number_formats() -> None:
    assert nv.fmt_pct(-3.24) == "−3.2%"
    assert nv.fmt_pct(0.04) == "0.0%"
    assert nv.fmt_sigma(2.04) == "+2.0σ"
    assert nv.fmt_bp(-0.4) == "0 bp"
    assert nv.fmt_bn(-12.4) == "−$12bn"
    assert nv.fmt_bn(1744.0) == "$1,744bn"
    assert [nv.ordinal(n) for n in (1, 2, 3, 11, 12, 13, 22, 100)] == [
        "1st",
        "2nd",
        "3rd",
        "11th",
        "12th",
        "13th",
        "22nd",
        "100th",
    ]
    # a yield in yield sigmas (a rise is positive), the bond named with it
    assert nv.fmt_move("treasuries", 6.0, -0.95) == (
        "10-year Treasuries (the 10-year Treasury yield +6 bp, +0.9σ)"
    )


def test_moves_sentences() -> None:
    hm = cd.heatmap_data(ROW, day=DAY)
    assert nv.moves_sentences(hm) == [
        "Biggest falls on the day, in sigmas of each asset's own volatility: "
        "Bitcoin −37.2% (−16.6σ), the S&P 500 −9.5% (−5.1σ) and gold −3.2% (−3.1σ).",
        "Biggest gains: the dollar +1.0% (+2.5σ).",
        "4 of the 6 asset classes that traded on the day moved down.",
        "No new close on the day (market shut or not yet in the data), so no move: Nikkei 225.",
        "Over 10 days the worst was the S&P 500 −16.7% (−5.5σ) and the best the yen +5.6% (+4.8σ).",
    ]


def test_moves_on_a_calm_day_say_so() -> None:
    row = {"move.us_equities": 0.001, "sigma.us_equities": 0.1, "open.us_equities": 1}
    out = nv.moves_sentences(cd.heatmap_data(row, day=DAY))
    assert out[:3] == [
        "Nothing fell by 1σ or more on the day.",
        "Nothing rose by 1σ or more.",
        "0 of the 1 asset classes that traded on the day moved down.",
    ]


def test_a_class_that_traded_without_a_sigma_is_counted() -> None:
    """Bitcoin's first weeks: a close and a move, no 60-day volatility yet. It traded and
    fell, so the count says so (it used to count only the classes with a sigma)."""
    row = {
        "move.us_equities": 0.001,
        "sigma.us_equities": 0.1,
        "open.us_equities": 1,
        "move.btc": -0.03,
        "open.btc": 1,
        "move.treasuries": -0.05,  # the 10-year yield rose 5 bp: the bond fell
        "sigma.treasuries": -0.6,
        "open.treasuries": 1,
    }
    out = nv.moves_sentences(cd.heatmap_data(row, day=DAY))
    assert "2 of the 3 asset classes that traded on the day moved down." in out


def test_window_sentences_name_the_window() -> None:
    hm = cd.heatmap_data(ROW, day=DAY, window_days=4)
    assert hm.horizons[0] == "window (4 days)"
    assert nv.moves_sentences(hm)[0].startswith("Biggest falls over the window,")


def test_havens_sentence() -> None:
    hm = cd.heatmap_data(ROW, day=DAY)
    assert nv.havens_sentence(hm) == (
        "Safe havens while the S&P 500 −9.5% (−5.1σ): gold −3.2% (−3.1σ), 10-year Treasuries "
        "(the 10-year Treasury yield +6 bp, +0.9σ) and the yen +0.5% (+0.7σ). 1 of 3 fell by "
        "1σ or more with stocks."
    )
    both = {**ROW, "sigma.treasuries": -1.2, "sigma.yen": -1.0, "move.yen": -0.01}
    text = nv.havens_sentence(cd.heatmap_data(both, day=DAY))
    assert text is not None
    assert text.endswith(
        "3 of 3 fell by 1σ or more with stocks (sold for cash, not bought for safety)."
    )
    held = {**ROW, "sigma.gold": 0.4, "move.gold": 0.004}
    text = nv.havens_sentence(cd.heatmap_data(held, day=DAY))
    assert text is not None
    assert text.endswith("0 of 3 fell by 1σ or more with stocks: the havens held.")
    assert nv.havens_sentence(cd.heatmap_data({}, day=DAY)) is None


def test_scope_sentence() -> None:
    sell = {"is_selloff": True, "severity": 0.97, "scope": "cross_asset"}
    assert nv.scope_sentence(sell, ROW) == (
        "A cross-asset sell-off: severity 0.97 on a 0-to-1 scale; 13 of 19 asset classes "
        "fell by 2σ or more and 1 rose by 2σ or more."
    )
    calm = {"is_selloff": False, "severity": 0.12, "scope": "none"}
    assert nv.scope_sentence(calm, {}) == (
        "Not a sell-off by riskoff's measure: severity 0.12 on a 0-to-1 scale."
    )


def test_liquidity_sentences() -> None:
    assert nv.liquidity_sentences(ROW, benchmark="IOER") == [
        "SOFR printed 5 bp above IOER, 8 bp lower than a week earlier.",
        "Bank reserves at the Fed were $1,744bn, up $69bn over four weeks, at the 26th "
        "percentile of the last five years.",
        "Net liquidity (Fed assets minus the Treasury's cash and ON RRP) was $3,910bn, "
        "down $139bn over four weeks.",
    ]


def test_liquidity_before_sofr_says_what_is_missing() -> None:
    out = nv.liquidity_sentences({"funding.effr_iorb_bp": -1.0, "reserves.level_bn": NAN})
    assert out == [
        "SOFR was not published for this day (it starts in April 2018); the effective fed "
        "funds rate stood −1 bp against IORB.",
        "Reserve balances are not available for this day.",
        "Net liquidity is not available for this day.",
    ]


def test_stress_sentences() -> None:
    assert nv.stress_sentences(ROW, index_pct=0.953) == [
        "riskoff's stress index read 0.47 on a 0-to-1 scale, the 95th percentile of its "
        "history to date.",
        "As last published, the St. Louis Fed index 1.35 and the OFR index 3.82 "
        "(0 is normal stress).",
        "The VIX closed at 75.5, the 100th percentile of its history to date.",
        "Turbulence was at its 100th percentile, the absorption ratio at 0.94 (shift +1.9σ) "
        "and the average 60-day correlation across assets at its 100th percentile.",
    ]
    assert nv.stress_sentences({}) == ["No stress gauge is available for this day."]


@pytest.mark.parametrize(
    ("peak", "breadth", "expected"),
    [
        pytest.param(
            (6, 0.91, 0.971),
            1,
            [
                "Its most stressed segment was metals, at 0.91, the 97th percentile of that "
                "segment's history to date.",
                "It was the only segment at or above the 90th percentile of its own history: "
                "stress in one market, not across markets, which the index counts far less.",
            ],
            id="one market",
        ),
        pytest.param(
            (4, 1.0, 0.994),
            7,
            [
                "Its most stressed segment was credit, at 1.00, the 99th percentile of that "
                "segment's history to date.",
                "7 segments stood at or above the 90th percentile of their own history.",
            ],
            id="across markets",
        ),
        pytest.param(
            (5, 0.86, 0.884),
            0,
            [
                "Its most stressed segment was implied volatility, at 0.86, the 88th "
                "percentile of that segment's history to date.",
                "No segment stood at or above the 90th percentile of its own history.",
            ],
            id="none",
        ),
        pytest.param(
            (3, 0.7, 0.6),
            1,
            [
                "Its most stressed segment was currencies, at 0.70, the 60th percentile of "
                "that segment's history to date.",
                "1 segment stood at or above the 90th percentile of its own history.",
            ],
            id="another segment is the one in stress",
        ),
    ],
)
def test_stress_sentences_say_where_the_stress_was(
    peak: tuple[int, float, float], breadth: int, expected: list[str]
) -> None:
    seg, value, pct = peak
    row = {
        "stress.index": 0.1025,
        "stress.peak_segment": float(seg),
        "stress.peak": value,
        "stress.peak_pct": pct,
        "stress.breadth": float(breadth),
    }
    got = nv.stress_sentences(row)
    assert got[0] == "riskoff's stress index read 0.10 on a 0-to-1 scale."
    assert got[1:] == expected


WEIGHS = (
    " (the score weighs each fact by its weight and strength, and shrinks when the suspect's "
    "signature is absent)."
)


@pytest.mark.parametrize(
    ("suspect", "expected"),
    [
        pytest.param(
            {
                "id": "liquidity",
                "score": 0.86,
                "label": "likely",
                "evidence": [
                    {"supports": True},
                    {"supports": True},
                    {"supports": False},
                    {"supports": None},
                ],
            },
            "Dollar liquidity scores 0.86 (likely): 2 facts for, 1 against and 1 not computable"
            + WEIGHS,
            id="mixed",
        ),
        pytest.param(
            {"id": "crypto", "score": 0.1, "label": "unlikely", "evidence": [{"supports": True}]},
            "Crypto scores 0.10 (unlikely): 1 fact for and 0 against" + WEIGHS,
            id="one-fact",
        ),
    ],
)
def test_suspect_summary(suspect: dict[str, Any], expected: str) -> None:
    assert nv.suspect_summary(suspect) == expected


def test_rotation_sentences() -> None:
    rot = cd.RotationData(
        start="2019-12-12",
        end="2020-03-12",
        window_start="2020-03-12",
        window_end="2020-03-12",
        lines=[],
        keys=[],
        total={"xlp": 7.39, "xle": -35.58, "mag7": 24.77, "smh": None},
        window={"xlp": 0.13, "xle": -3.27, "mag7": -0.32, "smh": None},
    )
    assert nv.rotation_sentences(rot, ROW) == [
        "Against the S&P 500 on the day: Staples (XLP) +0.1 pts, the Magnificent 7 −0.3 pts "
        "and Energy (XLE) −3.3 pts.",
        "Since 2019-12-12, the Magnificent 7 led (+24.8 pts against the index) and Energy "
        "(XLE) lagged (−35.6 pts).",
    ]


def _path(day: str, values: list[float]) -> cd.Path:
    return cd.Path(
        day=day, offsets=list(range(-2, 3)), values=np.array(values, dtype=np.float32), symbol="x"
    )


def test_versus_sentences() -> None:
    data = cd.PathsData(
        query="2022-06-13",
        assets=[("us_equities", "S&P 500"), ("btc", "Bitcoin")],
        before=2,
        after=2,
        paths={
            "us_equities": {
                "query": _path("2022-06-13", [101, 100, 96.1, NAN, NAN]),
                "312": _path("2020-03-12", [105, 100, 90.5, 99, 95]),
                "519": _path("2021-05-19", [100.5, 100, 99.7, 100.8, 101]),
            },
            "btc": {
                "query": _path("2022-06-13", [103, 100, 84.6, NAN, NAN]),
                "312": _path("2020-03-12", [101, 100, 62.8, 63, 66]),
                "519": None,
            },
        },
    )
    assert nv.versus_sentences(data, horizon=2) == [
        "On day 0: S&P 500 −3.9% (−9.5% on 312, −0.3% on 519); Bitcoin −15.4% (−37.2% on 312).",
        "2 sessions after day 0, against the close before it: S&P 500 −5.0% after 312 and "
        "+1.0% after 519; Bitcoin −34.0% after 312.",
    ]


def test_versus_on_a_reference_day_draws_it_once() -> None:
    data = cd.PathsData(
        query="2020-03-12",
        assets=[("us_equities", "S&P 500")],
        before=2,
        after=2,
        paths={
            "us_equities": {
                "query": _path("2020-03-12", [105, 100, 90.5, NAN, NAN]),
                "312": _path("2020-03-12", [105, 100, 90.5, NAN, NAN]),
                "519": None,
            }
        },
    )
    assert nv.versus_sentences(data, horizon=2) == [
        "The query is 312 itself: it is drawn once, as the query.",
        "On day 0: S&P 500 −9.5%.",
    ]


def test_coverage_sentence() -> None:
    assert nv.coverage_sentence(150, ["fred:X", "fred:Y"], ["fred:IORB", "small_caps"]) == (
        "150 series had data on or before the report day; 2 were stale (older than their "
        "usual publication delay). Missing or not computable: fred:IORB and small_caps."
    )
    assert nv.coverage_sentence(3, [], []) == "3 series had data on or before the report day."


def _diag(scope: str, is_selloff: bool, scores: dict[str, tuple[float, str]]) -> dict[str, Any]:
    return {
        "selloff": {"is_selloff": is_selloff, "severity": 0.9, "scope": scope},
        "suspects": [{"id": k, "score": v[0], "label": v[1]} for k, v in scores.items()],
    }


def test_headline_sentence() -> None:
    d = _diag(
        "cross_asset",
        True,
        {"crypto": (0.22, "unlikely"), "liquidity": (0.54, "likely"), "policy": (0.0, "unlikely")},
    )
    assert nv.headline_sentence(d) == (
        "A cross-asset sell-off that looks most like a dash for dollar liquidity "
        "(score 0.54, likely), ahead of a crypto crash (0.22)."
    )
    weak = _diag("concentrated", True, {"leverage": (0.18, "unlikely")})
    assert nv.headline_sentence(weak) == (
        "A concentrated sell-off that no suspect explains well: the best fit, a deleveraging "
        "of a crowded trade, scores only 0.18."
    )
    faint = _diag("concentrated", True, {"leverage": (0.07, "unlikely")})
    assert nv.headline_sentence(faint) == (
        "A concentrated sell-off that no suspect fits: the best, a deleveraging of a crowded "
        "trade, scores only 0.07, under the 0.10 floor below which none is named."
    )
    # without a sell-off a suspect is named from the quiet floor (0.25) only
    shock = _diag("none", False, {"growth_scare": (0.3, "no sell-off")})
    assert nv.headline_sentence(shock) == (
        "Not a sell-off, but the day fits a growth scare (score 0.30, at least the 0.25 a "
        "suspect needs without a sell-off)."
    )
    calm = _diag("none", False, {"growth_scare": (0.2, "no sell-off")})
    assert nv.headline_sentence(calm) == (
        "Not a sell-off, and no fingerprint reaches the 0.25 a suspect needs without one: "
        "the closest, a growth scare, scores 0.20."
    )


def test_an_analogs_suspect_is_named_as_its_own_era_named_it(tmp_path: Path) -> None:
    """A 2000 analog in a 2025 report is a tech-leadership fall, not 'AI narrative'."""
    from riskoff.knowledge.suspects import suspect_names
    from riskoff.render.html import analog_tables

    an = {
        "analogs": [
            {
                "kind": "episode",
                "name": "Dot-com",
                "window": {"start": "2000-03-10", "end": "2000-04-14"},
                "suspect": "ai_narrative",
                "similarity": 0.5,
            },
            {
                "kind": "day",
                "day": "2024-08-05",
                "name": "Aug 2024",
                "suspect": "ai_narrative",
                "similarity": 0.4,
            },
        ]
    }
    names = suspect_names(tmp_path, on=dt.date(2025, 4, 4))
    rows, _ = analog_tables(an, names, tmp_path)
    assert [r["suspect"] for r in rows] == ["Tech leadership", "AI narrative"]
