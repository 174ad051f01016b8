"""Analog search on small synthetic tables: signature scaling, exclusion rules, forward
moves, base rates, point in time and rendering."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from riskoff.analogs import AnalogEngine, Episode, Source
from riskoff.analogs.forward import FORWARD_ASSETS, HORIZONS, ForwardTable, quantile_summary
from riskoff.analogs.search import EXCLUDE_DAYS, query_weights, similarity
from riskoff.analogs.signature import (
    COLUMNS,
    LONGRUN_MIN,
    SIGMA_CLIP,
    SIGNATURE,
    WEIGHTS,
    bound,
    longrun_sigma,
    robust_scale,
    severity,
    signature_matrix,
    standardise,
)

START = dt.date(2015, 1, 1)
END = dt.date(2018, 12, 31)
CRASH_A = dt.date(2016, 3, 15)  # an everything-falls day, catalogued as an episode
CRASH_B = dt.date(2018, 6, 12)  # the same pattern later: the query
CRYPTO_A = dt.date(2017, 2, 14)  # a crypto-only crash, catalogued
CRYPTO_B = dt.date(2018, 10, 9)  # another: the query
REF_DASH = dt.date(2017, 6, 13)  # reference days for the side-by-side
REF_CRYPTO = dt.date(2017, 9, 19)

DASH = {
    "sigma.us_equities": -6.0,
    "sigma.nasdaq": -5.5,
    "sigma.banks": -6.5,
    "sigma.japan_equities": -4.0,
    "sigma.gold": -3.0,
    "sigma.oil": -4.0,
    "sigma.silver": -3.5,
    "sigma.usd": 3.0,
    "sigma.btc": -5.0,
    "sigma.credit": -5.0,
    "breadth.down2": 9.0,
    "haven.failure": 0.6,
    "turbulence.pct": 1.0,
}
CRYPTO = {"sigma.btc": -6.0, "sigma.eth": -7.0, "crypto.idio_sigma": -6.0}


def _days() -> pd.DatetimeIndex:
    return pd.bdate_range(START, END)


def _table(seed: int = 7, *, btc_from: dt.date | None = None) -> pd.DataFrame:
    """A feature table of ordinary noise with four planted events."""
    rng = np.random.default_rng(seed)
    days = _days()
    data: dict[str, Any] = {}
    for spec in SIGNATURE:
        if spec.column.startswith(("sigma.", "crypto.")):
            data[spec.column] = rng.standard_normal(len(days))
        elif spec.column.startswith("breadth."):
            data[spec.column] = rng.poisson(0.4, len(days)).astype(float)
        elif spec.column == "haven.failure":
            data[spec.column] = np.where(rng.random(len(days)) < 0.7, 0.0, rng.random(len(days)))
        elif spec.column == "turbulence.pct":
            data[spec.column] = rng.random(len(days))
        else:
            data[spec.column] = rng.normal(0.0, 5.0, len(days))
    table = pd.DataFrame(data, index=days)
    for day, pattern, scale in (
        (CRASH_A, DASH, 1.0),
        (CRASH_B, DASH, 0.9),
        (REF_DASH, DASH, 1.1),
        (CRYPTO_A, CRYPTO, 1.0),
        (CRYPTO_B, CRYPTO, 0.8),
        (REF_CRYPTO, CRYPTO, 1.2),
    ):
        for col, v in pattern.items():
            table.loc[pd.Timestamp(day), col] = v * scale if col.startswith("sigma") else v
    if btc_from is not None:
        early = table.index < pd.Timestamp(btc_from)
        table.loc[early, ["sigma.btc", "sigma.eth", "crypto.idio_sigma"]] = np.nan
    return table


def _levels() -> pd.DataFrame:
    """Closes: S&P up 0.1% per trading day, gold flat, 10y yield +1 bp a day, BTC daily."""
    days = _days()
    n = np.arange(len(days), dtype=float)
    out = pd.DataFrame(
        {
            "yahoo:^GSPC": 100.0 * 1.001**n,
            "yahoo:^NDX": 200.0 * 1.002**n,
            "yahoo:GC=F": np.full(len(days), 1500.0),
            "fred:DGS10": 2.0 + 0.01 * n,
            "yahoo:DX-Y.NYB": 90.0 + 0.0 * n,
        },
        index=days,
    )
    cal = pd.date_range(START, END)
    btc = pd.Series(1000.0 * 1.01 ** np.arange(len(cal)), index=cal, name="yahoo:BTC-USD")
    return out.join(btc, how="outer")


def _episode(eid: str, start: dt.date, end: dt.date, suspect: str, category: str) -> Episode:
    return Episode(
        id=eid,
        name=eid.replace("-", " "),
        start=start,
        end=end,
        category=category,
        suspect=suspect,
        description="One. Two.",
        source=Source("A. Author", "A title", 2020),
    )


EPISODES = [
    _episode(
        "dash",
        CRASH_A - dt.timedelta(days=3),
        CRASH_A + dt.timedelta(days=4),
        "liquidity",
        "dash_for_cash",
    ),
    _episode(
        "coins",
        CRYPTO_A - dt.timedelta(days=2),
        CRYPTO_A + dt.timedelta(days=2),
        "crypto",
        "crypto_crash",
    ),
    _episode("dull", dt.date(2015, 6, 1), dt.date(2015, 6, 5), "growth_scare", "growth_scare"),
    _episode("later", dt.date(2018, 11, 1), dt.date(2018, 11, 9), "policy", "policy_shock"),
    _episode(
        "query-own",
        CRASH_B - dt.timedelta(days=5),
        CRASH_B + dt.timedelta(days=1),
        "leverage",
        "equity_crash",
    ),
]
REFS = (("dash", REF_DASH), ("coins", REF_CRYPTO))


@pytest.fixture(scope="module")
def engine() -> AnalogEngine:
    return AnalogEngine(_table(), _levels(), EPISODES, references=REFS)


# -- signature -------------------------------------------------------------------------
def test_weights_sum_to_one_per_family() -> None:
    fams: dict[str, float] = {}
    for f in SIGNATURE:
        fams[f.family] = fams.get(f.family, 0.0) + f.weight
    assert all(abs(v - 1.0) < 1e-12 for v in fams.values()), fams
    assert len(set(COLUMNS)) == len(COLUMNS)


def test_robust_scale_ignores_extremes_and_handles_zero_inflation() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5000, 3))
    x[:10, 0] = 1e6  # a few absurd outliers do not move the scale
    x[:, 1] = np.where(rng.random(5000) < 0.8, 0.0, 1.0)  # mostly zero: IQR would be 0
    x[:, 2] = np.nan
    med, scale = robust_scale(x)
    assert abs(scale[0] - 1.0) < 0.1
    assert abs(med[0]) < 0.1
    assert scale[1] > 0
    assert np.isnan(med[2])
    assert scale[2] == 1.0
    z = standardise(x, med, scale)
    assert np.isnan(z[:, 2]).all()
    assert np.nanmax(np.abs(z[:, 0])) < 20  # asinh compression


def test_signature_matrix_tolerates_missing_columns() -> None:
    t = pd.DataFrame({"sigma.gold": [1.0, np.inf]}, index=pd.bdate_range("2020-01-01", periods=2))
    m = signature_matrix(t)
    assert m.shape == (2, len(SIGNATURE))
    assert m[0, COLUMNS.index("sigma.gold")] == 1.0
    assert np.isnan(m[1]).all()


def test_longrun_sigma_is_causal_and_regime_robust() -> None:
    rng = np.random.default_rng(3)
    n = 900
    days = pd.bdate_range("2000-01-03", periods=n)
    mv = rng.normal(0.0, 0.01, n)
    mv[700:760] *= 4.0  # a volatile regime ...
    mv[760] = -0.09  # ... then a -9% day inside it
    mv[400] = -0.09  # and the same -9% day from calm
    opn = np.ones(n)
    mv[[300, 301]] = 0.0  # a closed market carries its close: not a session
    opn[[300, 301]] = 0.0
    t = pd.DataFrame({"move.us_equities": mv, "open.us_equities": opn}, index=days)
    lr = longrun_sigma(t, "us_equities")
    assert np.isnan(lr[: LONGRUN_MIN - 1]).all()  # not enough history yet
    assert lr[300] == 0.0
    # the same move counts about the same in either regime (within the 2-year window)
    assert lr[400] < -6
    assert lr[760] < -4
    assert abs(lr[760] / lr[400]) > 0.5
    # causal: a table cut at a day gives the same values up to it
    cut = longrun_sigma(t.iloc[:761], "us_equities")
    np.testing.assert_allclose(cut, lr[:761], equal_nan=True)
    assert np.isnan(longrun_sigma(t, "gold")).all()  # no such class in the table


def test_bound_clips_sigmas_only() -> None:
    raw = np.zeros((1, len(SIGNATURE)))
    raw[0, COLUMNS.index("sigma.btc")] = -16.0
    raw[0, COLUMNS.index("crypto.idio_sigma")] = -16.0
    raw[0, COLUMNS.index("breadth.down2")] = 13.0  # a count, not a sigma
    raw[0, COLUMNS.index("sigma.gold")] = np.nan
    b = bound(raw)
    assert b[0, COLUMNS.index("sigma.btc")] == -SIGMA_CLIP
    assert b[0, COLUMNS.index("crypto.idio_sigma")] == -SIGMA_CLIP
    assert b[0, COLUMNS.index("breadth.down2")] == 13.0
    assert np.isnan(b[0, COLUMNS.index("sigma.gold")])
    assert raw[0, COLUMNS.index("sigma.btc")] == -16.0  # the input is not modified


def test_query_weights_follow_what_the_query_shows() -> None:
    calm = np.zeros(len(SIGNATURE))
    np.testing.assert_allclose(query_weights(calm), WEIGHTS)
    q = calm.copy()
    for col in ("sigma.btc", "longrun.btc", "crypto.idio_sigma"):
        q[COLUMNS.index(col)] = -2.5
    w = query_weights(q)
    crypto = [f.family == "crypto" for f in SIGNATURE]
    assert w[crypto].sum() > 3 * WEIGHTS[crypto].sum()  # the crypto family counts more
    np.testing.assert_allclose(w[~np.array(crypto)], WEIGHTS[~np.array(crypto)])
    q[COLUMNS.index("sigma.gold")] = np.nan
    assert query_weights(q)[COLUMNS.index("sigma.gold")] == 0.0


def test_severity_counts_only_stress_direction() -> None:
    z = np.zeros((2, len(SIGNATURE)))
    z[0, COLUMNS.index("sigma.us_equities")] = -3.0
    z[1, COLUMNS.index("sigma.us_equities")] = +3.0
    s = severity(z)
    assert s[0] > 0
    assert s[1] == 0


def test_similarity_is_one_for_itself_and_coverage_penalises_missing_signal() -> None:
    q = np.zeros(len(SIGNATURE))
    q[COLUMNS.index("sigma.btc")] = -3.0
    q[COLUMNS.index("crypto.idio_sigma")] = -3.0
    same = q.copy()
    calm_without_btc = np.zeros(len(SIGNATURE))
    calm_without_btc[[COLUMNS.index("sigma.btc"), COLUMNS.index("sigma.eth")]] = np.nan
    calm_without_btc[COLUMNS.index("crypto.idio_sigma")] = np.nan
    calm_with_btc = np.zeros(len(SIGNATURE))
    s = similarity(np.vstack([same, calm_without_btc, calm_with_btc]), q)
    assert s[0] == pytest.approx(1.0)
    assert 0 <= s[1] < 0.1  # cannot resemble a crypto-only crash without crypto data
    assert 0 < s[2] < 1
    assert np.all((s >= 0) & (s <= 1))
    assert WEIGHTS.sum() == pytest.approx(13.0)


# -- search --------------------------------------------------------------------------------
def test_nearest_episode_and_self_exclusion(engine: AnalogEngine) -> None:
    rep = engine.search(CRASH_B, top=3)
    ids = [a.episode for a in rep.analogs]
    assert ids[0] == "dash"
    assert "query-own" not in ids  # overlaps the query: never its own analog
    assert "later" not in ids  # in the future of the query
    assert all(0 <= a.similarity <= 1 for a in rep.analogs)
    assert [a.similarity for a in rep.analogs] == sorted(
        (a.similarity for a in rep.analogs), reverse=True
    )
    top = rep.analogs[0]
    assert top.day == CRASH_A  # compared through its worst day
    assert top.why
    assert {c.feature for c in top.why} <= set(COLUMNS)


def test_crypto_query_finds_crypto_episode(engine: AnalogEngine) -> None:
    rep = engine.search(CRYPTO_B, top=3)
    assert rep.analogs[0].episode == "coins"
    assert rep.analogs[0].suspect == "crypto"


def test_nearest_days_exclude_the_query_and_each_other(engine: AnalogEngine) -> None:
    rep = engine.search(CRASH_B, top=6)
    days = [a.day for a in rep.nearest_days]
    assert len(days) == 6
    assert all(d < CRASH_B - dt.timedelta(days=EXCLUDE_DAYS) for d in days)
    for i, a in enumerate(days):
        for b in days[i + 1 :]:
            assert abs((a - b).days) > EXCLUDE_DAYS
    assert rep.nearest_days[0].day in (CRASH_A, REF_DASH)
    assert all(a.kind == "day" and a.episode == a.day.isoformat() for a in rep.nearest_days)


def test_episodes_with_the_same_signature_day_are_listed_once() -> None:
    twin = _episode(
        "dash-twin",
        CRASH_A - dt.timedelta(days=20),
        CRASH_A + dt.timedelta(days=20),
        "leverage",
        "equity_crash",
    )
    eng = AnalogEngine(_table(), _levels(), [*EPISODES, twin], references=REFS)
    ids = [a.episode for a in eng.search(CRASH_B, top=5).analogs]
    assert ids.count("dash") + ids.count("dash-twin") == 1
    assert "dash" in ids  # on a tie the more specific (shorter) episode is kept


def test_query_before_any_data_and_on_a_missing_day() -> None:
    from riskoff.errors import InsufficientDataError

    eng = AnalogEngine(_table(), _levels(), EPISODES, references=REFS)
    with pytest.raises(InsufficientDataError):
        eng.search(dt.date(2010, 1, 1))
    with pytest.raises(InsufficientDataError, match="250 days"):
        eng.search(dt.date(2015, 3, 2))  # two months of history cannot scale a signature
    rep = eng.search(dt.date(2018, 6, 16))  # a Saturday: the Friday row stands in
    assert any("2018-06-15" in n for n in rep.notes)
    with pytest.raises(ValueError):
        eng.search(CRASH_B, top=0)


def test_versus_references(engine: AnalogEngine) -> None:
    rep = engine.search(CRASH_B)
    v = rep.versus
    assert v.closer == "dash"
    assert v.references["dash"]["available"]
    assert "closer to dash" in v.text
    rows = {r["feature"]: r for r in v.rows}
    assert rows["sigma.us_equities"]["closer"] == "dash"
    crypto = engine.search(CRYPTO_B).versus
    assert crypto.closer == "coins"
    early = engine.search(dt.date(2017, 6, 20)).versus  # within 10 days of the dash reference
    assert early.closer is None
    # the 312/519 similarity is the one ``diagnose`` prints: a day near a reference is
    # compared with it (only the analog ranking skips the query's own window)
    assert early.references["dash"]["available"]
    assert 0.0 <= early.references["dash"]["similarity"] <= 1.0
    assert not early.references["coins"]["available"]
    assert "had not happened" in early.references["coins"]["reason"]


def test_missing_bitcoin_history_cannot_fake_a_crypto_analog() -> None:
    # no Bitcoin data before 2017: the 2016 dash day cannot look like a crypto crash
    eng = AnalogEngine(_table(btc_from=dt.date(2017, 1, 1)), _levels(), EPISODES, references=REFS)
    rep = eng.search(CRYPTO_B, top=10)
    assert rep.analogs[0].episode == "coins"
    early = [a for a in rep.nearest_days if a.day < dt.date(2017, 1, 1)]
    assert all(a.similarity < rep.nearest_days[0].similarity for a in early)


# -- forward moves and base rate -------------------------------------------------------------
def test_forward_moves_exact_and_truncated() -> None:
    ft = ForwardTable(_levels(), start=START)
    anchor = dt.date(2016, 1, 4)  # a Monday
    (fm,) = ft.forward([anchor], dt.date(2018, 12, 31))
    assert fm.complete
    assert fm.values["sp500"]["1w"] == pytest.approx((1.001**5 - 1) * 100, abs=1e-3)
    assert fm.values["sp500"]["3m"] == pytest.approx((1.001**63 - 1) * 100, abs=1e-3)
    assert fm.values["us10y"]["1m"] == pytest.approx(21.0, abs=1e-6)  # bp
    assert fm.values["gold"]["1m"] == pytest.approx(0.0)
    # Bitcoin: 5 trading days from a Monday is the next Monday: 7 calendar days
    assert fm.values["btc"]["1w"] == pytest.approx((1.01**7 - 1) * 100, abs=1e-3)
    # known only to 10 trading days later: 1w complete, 1m and 3m cut there
    as_of = dt.date(2016, 1, 15)
    (cut,) = ft.forward([anchor], as_of)
    assert not cut.complete
    assert cut.known_through == as_of
    assert cut.horizons_complete == {"1w": True, "1m": False, "3m": False}
    assert cut.values["sp500"]["1w"] == fm.values["sp500"]["1w"]
    assert cut.values["sp500"]["1m"] == pytest.approx((1.001**9 - 1) * 100, abs=1e-3)
    assert cut.values["sp500"]["3m"] == cut.values["sp500"]["1m"]


def test_forward_never_crosses_a_gap_or_a_seam() -> None:
    lv = _levels()
    lv.loc[pd.Timestamp("2016-01-05") : pd.Timestamp("2016-03-31"), "yahoo:GC=F"] = np.nan
    lv["spot:XAUUSD"] = 10.0  # a fallback at another level: never spliced with GC=F
    ft = ForwardTable(lv)
    (fm,) = ft.forward([dt.date(2016, 1, 4)], END)
    assert fm.values["gold"]["1m"] == pytest.approx(0.0)  # from the fallback alone
    assert fm.values["usd"]["1w"] == pytest.approx(0.0)
    assert fm.values["sp500"]["1w"] is not None


def test_base_rate_uses_only_complete_horizons_up_to_the_day() -> None:
    ft = ForwardTable(_levels(), start=START)
    as_of = dt.date(2016, 12, 30)
    br = ft.base_rate(as_of)
    n_days = len(pd.bdate_range(START, as_of))
    for hname, h in HORIZONS:
        assert br["sp500"][hname]["n"] == n_days - h
        assert br["sp500"][hname]["median"] == pytest.approx((1.001**h - 1) * 100, abs=1e-6)
    assert set(br) == {a.key for a in FORWARD_ASSETS}
    # the same question asked of a table cut at the day gives the same answer
    cut = ForwardTable(_levels().loc[: pd.Timestamp(as_of)], start=START)
    assert cut.base_rate(as_of) == br


def test_quantile_summary() -> None:
    assert quantile_summary(np.array([np.nan])) == {
        "median": None,
        "p25": None,
        "p75": None,
        "n": 0,
    }
    s = quantile_summary(np.array([1.0, 2.0, 3.0, np.nan]))
    assert s == {"median": 2.0, "p25": 1.5, "p75": 2.5, "n": 3}


def test_analogs_forward_stats_and_honest_summary(engine: AnalogEngine) -> None:
    rep = engine.search(CRASH_B, top=4)
    sp = rep.analog_forward["sp500"]["1m"]
    assert sp["n"] is not None
    assert int(sp["n"]) >= 3
    # the synthetic market rises the same every day: analogs equal the base rate
    assert sp["median"] == pytest.approx(rep.base_rate["sp500"]["1m"]["median"], abs=1e-3)
    assert "base rate" in rep.summary
    assert "inside the base" in rep.summary


# -- point in time ---------------------------------------------------------------------------
@pytest.mark.parametrize("day", [CRASH_B, CRYPTO_B, dt.date(2016, 3, 24), dt.date(2017, 6, 30)])
def test_cut_table_gives_the_same_answer(day: dt.date) -> None:
    full = AnalogEngine(_table(), _levels(), EPISODES, references=REFS).search(day, top=4)
    ts = pd.Timestamp(day)
    cut = AnalogEngine(_table().loc[:ts], _levels().loc[:ts], EPISODES, references=REFS).search(
        day, top=4
    )
    assert full.to_dict() == cut.to_dict()


def test_incomplete_forward_is_flagged(engine: AnalogEngine) -> None:
    # an analog 3 weeks before the query: its 1m and 3m were not known yet
    rep = engine.search(dt.date(2016, 4, 6), top=3)
    dash = next(a for a in rep.analogs if a.episode == "dash")
    assert not dash.complete
    d = dash.to_dict()
    assert d["complete"] is False
    assert d["known_through"] == "2016-04-06"
    assert "not known yet" in d["note"]


# -- results ---------------------------------------------------------------------------------
def test_json_rich_and_html(engine: AnalogEngine) -> None:
    rep = engine.search(CRASH_B, top=3)
    d = json.loads(json.dumps(rep.to_dict()))
    assert set(d) >= {"date", "analogs", "nearest_days", "versus_312_519", "base_rate", "summary"}
    a = d["analogs"][0]
    assert set(a) >= {
        "episode",
        "name",
        "window",
        "similarity",
        "kind",
        "why",
        "forward",
        "complete",
    }
    assert set(a["forward"]) == {x.key for x in FORWARD_ASSETS}
    assert set(a["forward"]["sp500"]) == {"1w", "1m", "3m"}
    assert set(d["base_rate"]["sp500"]["1m"]) == {"median", "p25", "p75", "n"}
    assert rep.brief()[0] == {
        "episode": "dash",
        "name": "dash",
        "similarity": round(rep.analogs[0].similarity, 4),
    }
    buf = io.StringIO()
    Console(file=buf, width=120, color_system=None).print(rep)
    text = buf.getvalue()
    assert "Nearest episodes" in text
    assert "A new dash or a new coins?" in text
    assert "base rate" in text
    html = rep.to_html()
    assert html.startswith('<section class="analogs">')
    assert html.count("<table") == 4
    assert "<script" not in html
