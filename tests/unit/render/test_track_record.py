"""The track record beside the verdict (report and dashboard): rows read from the
verdict's JSON, with Wilson intervals, nothing when the verdict has no record."""

from __future__ import annotations

from typing import Any

from riskoff.evaluation.stats import wilson
from riskoff.render.track_record import track_record_rows


def _verdict(**over: Any) -> dict[str, Any]:
    tr: dict[str, Any] = {
        "method": "platt-log",
        "cases": 109,
        "confidence_bin": [0.6, 0.8],
        "n": 31,
        "right": 23,
        "primary": {"suspect": "liquidity", "named": 10, "right": 4},
    }
    tr.update(over)
    return {"primary": "liquidity", "confidence": 0.69, "track_record": tr}


def test_rows_quote_the_bin_and_the_suspects_precision() -> None:
    rows = track_record_rows(_verdict(), lambda s: s.upper())
    assert [(r.right, r.n) for r in rows] == [(23, 31), (4, 10)]
    assert rows[0].what == "labelled days as confident (0.6 to 0.8, held out)"
    assert rows[1].what == "LIQUIDITY named first"
    lo, hi = wilson(4, 10)
    assert (rows[1].rate, rows[1].ci95) == ("40%", f"{lo:.0%}-{hi:.0%}")


def test_empty_bins_and_never_named_suspects_are_left_out() -> None:
    rows = track_record_rows(_verdict(n=0, right=0, primary={"suspect": "x", "named": 0}))
    assert rows == []
    assert track_record_rows({"primary": "x", "confidence": 0.5}) == []


def test_no_record_when_the_verdict_names_no_suspect() -> None:
    v = _verdict()
    v["primary"] = ""  # under the floor, or not a sell-off: nothing was named
    assert track_record_rows(v) == []
