"""The day's range on real data: Bitcoin's 312 and 519 close-to-close against to-low
figures (``../shared/data/README.md``: "Bitcoin's 2020-03-12 close was −37% but its low
on 03-13 was −48% against the 03-11 close"; ``DESIGN.md``: 519 "−14% close, −28%
intraday"), and the next day's low said only once that day has closed."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest

from riskoff import usecases
from riskoff.config import Settings

pytestmark = pytest.mark.integration


def _pct(x: float) -> float:
    return math.expm1(x) * 100.0


def _at(table: pd.DataFrame, day: pd.Timestamp, col: str) -> float:
    return float(table[col].to_numpy(dtype=float)[table.index.get_loc(day)])


def test_bitcoin_312_close_to_close_and_to_its_lows(table: pd.DataFrame) -> None:
    d, nxt = pd.Timestamp("2020-03-12"), pd.Timestamp("2020-03-13")
    assert _pct(_at(table, d, "move.btc")) == pytest.approx(-37.2, abs=0.1)  # −37%
    assert _pct(_at(table, d, "tolow.btc")) == pytest.approx(-38.6, abs=0.1)  # its own low
    # the 03-13 low against the 03-11 close: −48%, on the 03-13 row (known from then)
    assert _pct(_at(table, nxt, "tolow2.btc")) == pytest.approx(-48.1, abs=0.2)
    assert _at(table, d, "wick_sigma.btc") > 0


def test_bitcoin_519_fell_twice_as_far_to_its_low(table: pd.DataFrame) -> None:
    d = pd.Timestamp("2021-05-19")
    assert _pct(_at(table, d, "move.btc")) == pytest.approx(-13.8, abs=0.2)  # −14% close
    assert _pct(_at(table, d, "tolow.btc")) == pytest.approx(-28.5, abs=0.5)  # −28% intraday
    assert _at(table, d, "wick_sigma.btc") > 3  # a low deep below the close that recovered


def test_the_next_days_low_waits_for_that_day(workspace: Any, loaded_settings: Settings) -> None:
    kw: dict[str, Any] = {"settings": loaded_settings, "workspace": workspace}
    same = usecases.diagnose("2020-03-12", with_analogs=False, **kw)
    assert "next day's low" not in same.verdict.text  # 03-13 had not closed
    assert "Bitcoin −37.2% (312: −37.2%), −38.6% at its low (312: −38.6% at its low)" in (
        same.verdict.text
    )
    later = usecases.diagnose("2021-05-19", with_analogs=False, **kw)
    assert "Bitcoin −13.8% (312: −37.2%, 519: −13.8%), −28.5% at its low" in later.verdict.text
    assert "(312: −48.1% to the next day's low, 519: −28.5% at its low)" in later.verdict.text
    claims = {c.series: c.value for c in later.verdict.versus.claims}
    assert _pct(claims["312:tolow_next.btc"]) == pytest.approx(-48.1, abs=0.2)
    as_json = {
        c["series"]: c["value"] for c in later.to_dict()["verdict"]["versus_312_519"]["claims"]
    }
    assert as_json["312:tolow_next.btc"] == pytest.approx(claims["312:tolow_next.btc"], abs=1e-4)
    crypto = next(s for s in later.suspects if s.id == "crypto")
    btc = next(e for e in crypto.evidence if e.indicator == "crypto.btc_sigma")
    assert "down 28.5% at its low" in btc.text
    eth = next(e for e in crypto.evidence if e.indicator == "crypto.eth_sigma")
    assert "Ether fell 27.2% (−6.0σ), down 42.2% at its low" in eth.text
    # a window spanning 03-13 reads the deepest low from the close before it
    win = usecases.diagnose(window="2020-03-12:2020-03-13", with_analogs=False, **kw)
    crypto = next(s for s in win.suspects if s.id == "crypto")
    assert any("down 48.1% at its low" in e.text for e in crypto.evidence)


def test_a_one_day_window_reads_its_days_range_row_on_every_class(workspace: Any) -> None:
    """window_ranges reads only the rows a window needs (the window, the session before,
    the volatility window before it); on real data, with its gaps and non-trading days
    (oil's negative close among them), a one-day window still equals the full-history row."""
    import random

    from riskoff.indicators.ranges import range_features, window_ranges

    pnl = workspace.panel
    full = range_features(pnl)
    rng = random.Random(7)
    rows = rng.sample(range(len(pnl.days)), 120)
    # and days whose volatility window holds a traded session without a move (a close the
    # log cannot take), where counting sessions matters
    from riskoff.indicators.ranges import RANGE_CLASSES

    for sym in {s for syms in RANGE_CLASSES.values() for s in syms}:
        if sym in pnl.moves.columns:
            holes = (pnl.traded[sym].astype(bool) & pnl.moves[sym].isna()).to_numpy().nonzero()[0]
            rows += [int(h) + 30 for h in holes[:3] if h + 30 < len(pnl.days)]
    rows = sorted(set(rows))
    ranged = 0
    for a in rows:
        one = window_ranges(pnl, a, a)
        for col, got in one.items():
            want = float(full[col].iloc[a])
            assert (math.isnan(got) and math.isnan(want)) or got == pytest.approx(want), (
                pnl.days[a],
                col,
            )
            ranged += not math.isnan(got)
    assert ranged > 100  # the sample reads real ranges, not only NaN
