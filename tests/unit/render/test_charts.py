"""Chart data (computed by the use-case layer's charting module) and plotly figure specs,
on small synthetic frames."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

from riskoff.render import chartdata as cd
from riskoff.render import charts as ch
from riskoff.usecases import charting

DAY = dt.date(2024, 3, 15)


def _days(n: int = 800, end: dt.date = DAY) -> pd.DatetimeIndex:
    return pd.bdate_range(end=pd.Timestamp(end), periods=n)


def _table(n: int = 800) -> pd.DataFrame:
    idx = _days(n)
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "funding.sofr_iorb_bp": rng.normal(0, 2, n),
            "funding.benchmark_id": 2.0,
            "reserves.level_bn": np.linspace(3000, 3500, n),
            "netliq.level_bn": np.linspace(6000, 5800, n),
            "stress.index": rng.uniform(0, 1, n),
            "stress.stlfsi": rng.normal(0, 1, n),
            "stress.ofr_fsi": rng.normal(0, 1, n),
            "turbulence.value": rng.uniform(5, 50, n),
            "absorption.ratio": rng.uniform(0.7, 0.9, n),
        },
        index=idx,
    )


def _decode(arr: dict[str, str]) -> np.ndarray:
    assert arr["dtype"] == "f4"
    return np.frombuffer(base64.b64decode(arr["bdata"]), dtype="<f4")


def test_typed_array_round_trip_keeps_nan() -> None:
    values = np.array([1.5, np.nan, -2.25], dtype=np.float64)
    out = _decode(ch.typed_array(values))
    assert out[0] == np.float32(1.5)
    assert np.isnan(out[1])
    assert out[2] == np.float32(-2.25)


def test_heatmap_data_and_figure() -> None:
    row = {
        "sigma.us_equities": -7.0,
        "move.us_equities": -0.05,
        "open.us_equities": 1.0,
        "sigma5.us_equities": -2.0,
        "ret5.us_equities": -0.06,
        "sigma.treasuries": -1.0,
        "move.treasuries": -0.10,
        "open.treasuries": 1.0,
        "sigma.japan_equities": 0.0,
        "open.japan_equities": 0.0,
    }
    hm = cd.heatmap_data(row, day=DAY)
    i = hm.classes.index("us_equities")
    assert hm.sigma[i] == [-7.0, -2.0, None]
    assert hm.move[i][0] == pytest.approx((np.exp(-0.05) - 1) * 100)
    t = hm.classes.index("treasuries")
    assert hm.unit[t] == "bp"
    assert hm.move[t][0] == pytest.approx(10.0)  # minus (−0.10 pp) = yield +10 bp
    assert not hm.open[hm.classes.index("japan_equities")]
    fig = ch.fig_heatmap(hm)
    trace = fig["data"][0]
    assert trace["z"][i][0] == -ch.SIGMA_CLIP  # clipped for the colour, text keeps −7.0σ
    assert trace["text"][i][0] == "−7.0σ"
    assert trace["text"][hm.classes.index("japan_equities")][0] == "no close"
    n_groups = len({g for g, _ in cd.HEATMAP_CLASSES})
    assert len(fig["layout"]["shapes"]) == n_groups - 1


def test_suspect_bars_sorted_by_score() -> None:
    diag = {
        "suspects": [
            {"id": "crypto", "score": 0.2, "label": "unlikely"},
            {"id": "liquidity", "score": 0.8, "label": "likely"},
        ]
    }
    bars = cd.suspect_bars(diag)
    assert bars.ids == ["liquidity", "crypto"]
    assert bars.labels == ["Dollar liquidity", "Crypto"]
    fig = ch.fig_suspects(bars)
    assert fig["data"][0]["marker"]["pattern"]["shape"] == ["", "."]


def test_liquidity_data_covers_two_years_to_the_day() -> None:
    liq = cd.liquidity_data(_table(), day=DAY)
    assert liq.sofr_iorb.dates[-1] == DAY.isoformat()
    assert liq.sofr_iorb.dates[0] >= "2022-03-15"
    assert liq.benchmark == "IORB"
    assert liq.reserves.values.dtype == np.float32


def test_stress_data_is_weekly_and_clips_episodes() -> None:
    eps: list[dict[str, Any]] = [
        {"id": "old", "name": "Before the data", "start": "1990-01-01", "end": "1990-02-01"},
        {"id": "in", "name": "Inside", "start": dt.date(2023, 5, 1), "end": dt.date(2023, 5, 9)},
        {"id": "later", "name": "After the day", "start": "2025-01-01", "end": "2025-01-09"},
    ]
    st = charting.stress_data(_table(), day=DAY, episodes=eps)
    assert [e.id for e in st.episodes] == ["in"]
    assert len(st.index.dates) <= 800 // 5 + 2
    assert st.index.dates[-1] == "2024-03-15"  # weeks end on Friday


def _levels() -> tuple[pd.DataFrame, pd.DataFrame]:
    idx = pd.date_range("2020-01-01", "2024-03-20", freq="D")
    spx = pd.Series(100.0, index=idx)
    spx[idx.day_of_week >= 5] = np.nan
    spx = spx.ffill()  # weekend: carried close
    lv = pd.DataFrame({"yahoo:^GSPC": spx, "yahoo:BTC-USD": 50.0}, index=idx)
    lv.loc["2020-03-12", "yahoo:^GSPC"] = 90.0
    lv.loc["2020-03-13":, "yahoo:^GSPC"] = 95.0
    lv.loc["2024-03-15", "yahoo:BTC-USD"] = 40.0
    lv.loc["2024-03-16":, "yahoo:BTC-USD"] = 1000.0  # after the query: must not be used
    traded = pd.DataFrame(
        {"yahoo:^GSPC": idx.day_of_week < 5, "yahoo:BTC-USD": True}, index=idx
    ).astype(float)
    return lv, traded


def test_paths_rebase_at_the_close_before_day0_and_stop_at_the_query() -> None:
    lv, traded = _levels()
    pd_ = charting.paths_data(lv, day=DAY, traded=traded, before=3, after=5)
    q = pd_.paths["btc"]["query"]
    assert q is not None
    assert q.at(-1) == pytest.approx(100.0)
    assert q.at(0) == pytest.approx(80.0)
    assert q.at(1) is None  # nothing after the query day
    spx312 = pd_.paths["us_equities"]["312"]
    assert spx312 is not None
    assert spx312.at(0) == pytest.approx(90.0)
    assert spx312.at(1) == pytest.approx(95.0)  # next session is Friday 13th, not a weekend
    assert pd_.paths["gold"]["query"] is None  # no gold series at all


def test_reference_after_the_query_is_not_drawn() -> None:
    lv, traded = _levels()
    early = charting.paths_data(lv, day=dt.date(2021, 1, 5), traded=traded)
    assert early.paths["us_equities"]["519"] is None
    assert early.paths["us_equities"]["312"] is not None


def test_rotation_relative_performance() -> None:
    idx = pd.bdate_range("2024-01-01", "2024-03-15")
    spx = pd.Series(np.linspace(100, 110, len(idx)), index=idx)
    lv = pd.DataFrame({"yahoo:^GSPC": spx, "yahoo:XLP": spx * 1.0, "yahoo:XLE": spx}, index=idx)
    lv.loc["2024-03-15", "yahoo:XLE"] = float(spx.iloc[-1]) * 0.9
    cm = pd.DataFrame({"mag7": 0.0}, index=idx)
    rot = charting.rotation_data(lv, cm, start=DAY, end=DAY, lookback_days=30)
    assert rot.total["xlp"] == pytest.approx(0.0, abs=1e-9)
    assert rot.window["xle"] == pytest.approx(-10.0)
    assert rot.total["smh"] is None
    assert "mag7" in rot.keys
    assert rot.start >= "2024-02-14"


def _all_figures() -> list[dict[str, Any]]:
    table = _table()
    lv, traded = _levels()
    hm = cd.heatmap_data({"sigma.us_equities": -2.0, "open.us_equities": 1}, day=DAY)
    bars = cd.suspect_bars({"suspects": [{"id": "policy", "score": 0.3, "label": "possible"}]})
    return [
        ch.fig_heatmap(hm),
        ch.fig_suspects(bars),
        ch.fig_liquidity(cd.liquidity_data(table, day=DAY)),
        ch.fig_stress(
            charting.stress_data(
                table,
                day=DAY,
                episodes=[
                    {"id": "e", "name": "<b>x</b>", "start": "2023-05-01", "end": "2023-05-05"}
                ],
            )
        ),
        ch.fig_paths(charting.paths_data(lv, day=DAY, traded=traded)),
        ch.fig_rotation(charting.rotation_data(lv, None, start=DAY, end=DAY)),
    ]


def test_figures_are_valid_plotly_and_safe_to_inline() -> None:
    for fig in _all_figures():
        text = ch.figure_json(fig)
        assert "<" not in text  # no </script> can end the inline script early
        assert "NaN" not in text
        json.loads(text)
        ch.as_figure(fig)  # plotly's own validators accept the spec


def test_stress_chart_opens_on_two_years_and_names_its_episodes() -> None:
    eps: list[dict[str, Any]] = [
        {"id": "old", "name": "An old one: long ago", "start": "2021-06-01", "end": "2021-06-09"},
        {"id": "in", "name": "Inside: the view", "start": "2023-05-01", "end": "2023-05-09"},
    ]
    table = _table()
    table["stress.peak"] = 0.9
    data = charting.stress_data(table, day=DAY, episodes=eps)
    assert data.view_start == "2022-03-15"  # two years to the day
    assert data.peak is not None
    assert data.index.dates[0] < data.view_start  # the whole history is still there
    fig = ch.fig_stress(data)
    x = fig["layout"]["xaxis"]
    assert x["range"] == ["2022-03-15", DAY.isoformat()]
    labels = [b["label"] for b in x["rangeselector"]["buttons"]]
    assert labels[-1] == "all"
    assert "2y" in labels
    named = [t for t in fig["data"] if t.get("mode") == "markers+text"]
    assert len(named) == 1
    assert named[0]["text"] == ["An old one", "Inside"]  # on the chart, not only on hover
    assert "Most stressed segment" in [t.get("name") for t in fig["data"]]


def test_the_gauges_on_hover_are_named_as_the_glossary_names_them() -> None:
    """The stress and liquidity charts' traces (and so their hovers) carry the glossary's
    names of the features they draw, not a second spelling of their own."""
    import re

    from riskoff.knowledge.glossary import glossary

    table = _table()
    table["stress.metals"] = 0.9
    figs = [
        ch.fig_stress(charting.stress_data(table, day=DAY, episodes=[])),
        ch.fig_liquidity(cd.liquidity_data(table, day=DAY)),
    ]
    named = [
        str(t["name"])
        for f in figs
        for t in f["data"]
        if t.get("name") and "hovertemplate" in t and "customdata" not in t
    ]
    assert len(named) >= 8
    for name in named:
        term = glossary().get(re.sub(r" \(21-day average\)$", "", name))
        assert term is not None, name
        assert term.name in name
    for f in figs:
        for t in f["data"]:
            if t.get("name") in named:
                assert t["name"] in t["hovertemplate"]
