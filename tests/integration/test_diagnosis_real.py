"""The diagnosis on the real data: development events, calm days, point in time, CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from riskoff import usecases
from riskoff.config import Settings
from riskoff.dates import parse_window
from riskoff.diagnosis import load_suspects
from riskoff.errors import BadDateError
from tests.helpers import run_cli

pytestmark = pytest.mark.integration


def _diag(day: str, settings: Settings, workspace: Any, window: str | None = None) -> Any:
    return usecases.diagnose(
        day, window=window, settings=settings, workspace=workspace, with_analogs=False
    )


@pytest.mark.parametrize(
    ("day", "window", "expected"),
    [
        pytest.param("2020-03-12", None, {"liquidity"}, id="312-dash-for-cash"),
        pytest.param("2020-03-19", "2020-03-09:2020-03-19", {"liquidity"}, id="covid-window"),
        pytest.param("2021-05-19", None, {"crypto"}, id="519-china-crypto"),
        pytest.param("2024-08-05", None, {"carry_unwind"}, id="yen-carry-2024"),
        pytest.param("2023-03-13", None, {"bank_stress"}, id="svb"),
        pytest.param("2025-04-03", None, {"policy"}, id="liberation-day"),
        pytest.param("2025-04-10", "2025-04-02:2025-04-10", {"policy"}, id="tariff-window"),
        pytest.param("2008-10-10", None, {"liquidity", "bank_stress"}, id="oct-2008"),
    ],
)
def test_development_events(
    day: str, window: str | None, expected: set[str], loaded_settings: Settings, workspace: Any
) -> None:
    d = _diag(day, loaded_settings, workspace, window)
    assert d.selloff.is_selloff, d.verdict.text
    assert d.verdict.primary in expected, d.verdict.text
    assert d.primary.label in ("likely", "possible")
    if window:
        w = parse_window(window)
        assert d.to_dict()["window"] == {"start": str(w.start), "end": str(w.end)}


def test_312_is_cross_asset_and_519_concentrated(loaded_settings: Settings, workspace: Any) -> None:
    d312 = _diag("2020-03-12", loaded_settings, workspace)
    assert d312.selloff.scope == "cross_asset"
    assert d312.selloff.severity > 0.8
    assert {"us_equities", "gold", "btc"} <= set(d312.selloff.falling)
    assert "usd" in d312.selloff.rising
    assert d312.verdict.versus.closer == "312"
    d519 = _diag("2021-05-19", loaded_settings, workspace)
    assert d519.selloff.scope == "concentrated"
    assert d519.verdict.versus.closer == "519"
    crypto = d519.suspect("crypto")
    assert any("Bitcoin fell 13.8%" in e.text for e in crypto.for_)


def test_a_crypto_crash_week_that_stocks_shrugged_off_is_a_selloff(
    loaded_settings: Settings, workspace: Any
) -> None:
    """FTX, 2022-11-07 to 11-14: Bitcoin fell 21% while the S&P 500 rallied on a
    soft CPI print. End to end the window is mild; its worst session was a sell-off."""
    d = _diag("2022-11-14", loaded_settings, workspace, "2022-11-07:2022-11-14")
    assert d.selloff.is_selloff, d.verdict.text
    assert d.selloff.scope == "concentrated"
    assert "btc" in d.selloff.falling
    assert "us_equities" not in d.selloff.falling
    assert d.verdict.primary == "crypto"
    assert "end to end severity" in d.verdict.text


@pytest.mark.parametrize("day", ["2019-07-03", "2021-08-20"])
def test_calm_days_are_not_selloffs(day: str, loaded_settings: Settings, workspace: Any) -> None:
    d = _diag(day, loaded_settings, workspace)
    assert not d.selloff.is_selloff
    assert d.selloff.scope == "none"
    assert d.verdict.primary == ""
    assert {s.id for s in d.suspects} == {s.id for s in load_suspects()}


def test_missing_data_before_sofr_and_bitcoin(loaded_settings: Settings, workspace: Any) -> None:
    d = _diag("2008-10-10", loaded_settings, workspace)
    assert "yahoo:BTC-USD" in d.missing
    crypto = d.suspect("crypto")
    assert crypto.score == 0.0
    btc = [e for e in crypto.evidence if e.indicator == "crypto.btc_sigma"]
    assert btc
    assert btc[0].supports is None
    assert "unavailable" in btc[0].text


def test_weekend_is_valid_and_says_markets_were_closed(
    loaded_settings: Settings, workspace: Any
) -> None:
    d = _diag("2021-05-22", loaded_settings, workspace)  # a Saturday
    assert "markets were closed" in d.verdict.text
    assert set(d.selloff.falling) <= {"btc", "eth"}


def test_dates_outside_the_data_are_bad_dates(loaded_settings: Settings, workspace: Any) -> None:
    with pytest.raises(BadDateError, match="after the last data"):
        _diag("2099-01-01", loaded_settings, workspace)
    with pytest.raises(BadDateError, match="before the first data"):
        _diag("1950-01-03", loaded_settings, workspace)
    with pytest.raises(BadDateError, match="outside the window"):
        _diag("2020-01-01", loaded_settings, workspace, "2020-03-09:2020-03-19")


def _scores(d: Any) -> dict[str, Any]:
    out = d.to_dict()
    return {
        "selloff": out["selloff"],
        "suspects": [(s["id"], s["score"], s["label"]) for s in out["suspects"]],
        "primary": out["verdict"]["primary"],
        "missing": out["data"]["missing"],
    }


@pytest.mark.slow
@pytest.mark.parametrize(
    ("day", "moment", "paper_days"),
    [
        ("2020-03-12", "next-morning", 1),
        ("2024-08-05", "next-morning", 1),
        ("2022-02-24", "close", 0),
    ],
)
def test_point_in_time_store_cut_at_the_moment_gives_the_same_scores(
    day: str,
    moment: str,
    paper_days: int,
    data_dir: Path,
    tmp_path: Path,
    loaded_settings: Settings,
    workspace: Any,
) -> None:
    """A store cut at the moment of the diagnosis (prices to the close of D, newspapers
    to D + 1 the morning after, to D at the close) gives the full store's diagnosis."""
    d = dt.date.fromisoformat(day)
    cut = Settings.from_env({"RISKOFF_HOME": str(tmp_path / "home")})
    usecases.ingest([data_dir, data_dir / "banks"], until=d, settings=cut)
    usecases.ingest(data_dir / "news", until=d + dt.timedelta(days=paper_days), settings=cut)
    full = usecases.diagnose(
        day, settings=loaded_settings, workspace=workspace, with_analogs=False, as_of=moment
    )
    at_d = usecases.diagnose(day, settings=cut, with_analogs=False, as_of=moment)
    assert _scores(at_d) == _scores(full)
    assert at_d.to_dict()["data"]["as_of_moment"]["moment"] == moment
    if paper_days == 0:
        # live, the morning after: tonight's papers are not in, and the output says so
        live = usecases.diagnose(day, settings=cut, with_analogs=False)
        assert any("not yet published" in n for n in live.notes), live.notes
        assert not any("not yet published" in n for n in full.notes)


def test_cli_diagnose_json(
    loaded_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RISKOFF_HOME", str(loaded_home))
    code, out, err = run_cli(["diagnose", "2021-05-19", "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["date"] == "2021-05-19"
    assert doc["verdict"]["primary"] == "crypto"
    assert {s["id"] for s in doc["suspects"]} == {s.id for s in load_suspects()}
    assert "versus_312_519" in doc["verdict"]
    assert isinstance(doc["analogs"], list)


def test_cli_bad_date_is_one_line_exit_2(
    loaded_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RISKOFF_HOME", str(loaded_home))
    code, _, err = run_cli(["diagnose", "2099-01-01"], capsys)
    assert code == 2
    assert err.count("\n") == 1
    assert "after the last data" in err


def test_a_weekend_scores_no_suspect_whose_signature_markets_were_closed(
    loaded_settings: Settings, workspace: Any
) -> None:
    # a Sunday: only crypto traded, so no equity-market signature can be observed
    d = usecases.diagnose(
        "2024-08-04", settings=loaded_settings, workspace=workspace, with_analogs=False
    )
    scores = {s["id"]: s["score"] for s in d.to_dict()["suspects"]}
    assert scores["leverage"] == 0.0
    assert scores["bank_stress"] == 0.0
    assert max(scores, key=lambda k: scores[k]) == "crypto"


def test_a_weekend_says_which_markets_traded(loaded_settings: Settings, workspace: Any) -> None:
    """Before riskoff's crypto history no market traded on a weekend: the verdict says so
    instead of "only crypto traded"; once Bitcoin has closes, a weekend is crypto's alone.
    The weekends are drawn at random on both sides of Bitcoin's first close in the store,
    and the audit's own check (no "only crypto traded" without a crypto session) holds."""
    import random

    from riskoff.diagnosis.audit import audit_diagnosis
    from riskoff.usecases.day_inputs import feature_row

    first = workspace.table["open.btc"].eq(1.0).idxmax().date()
    rng = random.Random(20261207)
    sat_before = first - dt.timedelta(days=(first.weekday() - 5) % 7)
    sat_after = first + dt.timedelta(days=(5 - first.weekday()) % 7)
    # Saturdays and Sundays before and after it
    early = [sat_before - dt.timedelta(days=7 * k - k % 2) for k in range(1, 900)]
    late = [sat_after + dt.timedelta(days=7 * k + k % 2) for k in range(1, 300)]
    for day, traded in [(d, False) for d in rng.sample(early, 3)] + [
        (d, True) for d in rng.sample(late, 3)
    ]:
        assert day.weekday() >= 5, day
        d = usecases.diagnose(
            day, settings=loaded_settings, workspace=workspace, with_analogs=False
        )
        text = d.verdict.text
        assert ("only crypto traded" in text) is traded, (day, text)
        assert ("No market riskoff follows traded" in text) is not traded, (day, text)
        assert not audit_diagnosis(d, feature_row(workspace.table, day)).contradictions, day


def test_war_in_the_papers_counts_when_the_prices_say_scramble(
    loaded_settings: Settings, workspace: Any
) -> None:
    # 2001-09-17, markets reopen after the attacks: havens sold with stocks, oil down; the
    # geopolitical-acts papers at their highest reading since 1985. Prices alone scored
    # geopolitics 0.18 and left it third; the papers, read apart, name it first or second
    d = _diag("2001-09-17", loaded_settings, workspace)
    assert "geopolitics" in (d.verdict.primary, d.verdict.runner_up)
    assert d.suspect("geopolitics").score >= 0.5


@pytest.mark.parametrize("day", ["2020-03-24", "2025-04-09"])
def test_a_rally_names_no_suspect(day: str, loaded_settings: Settings, workspace: Any) -> None:
    d = _diag(day, loaded_settings, workspace)
    assert not d.selloff.is_selloff
    assert d.verdict.primary == ""
    assert "Stocks rose: with no sell-off there is nothing to explain" in d.verdict.text


def test_a_window_reads_the_papers_of_its_worst_session(
    loaded_settings: Settings, workspace: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from riskoff.usecases import diagnosing, newspapers

    read: list[tuple[object, object]] = []
    real = newspapers.news_at

    def spy(ws: Any, start: Any, end: Any, *args: Any) -> Any:
        read.append((start, end))
        return real(ws, start, end, *args)

    monkeypatch.setattr(diagnosing, "news_at", spy)
    d = _diag("2020-03-19", loaded_settings, workspace, "2020-03-09:2020-03-19")
    worst = d.verdict.versus.day
    assert worst is not None
    assert read == [(worst, worst)]
    assert worst != d.date


def test_a_source_is_said_to_have_no_data_only_on_a_day_it_had_none(
    loaded_settings: Settings, workspace: Any
) -> None:
    """The verdict's "Scored without X (no data for this day)" and a check's "unavailable
    (no data for this day: X)" name X only when X had no level that day (none carried
    within its staleness), no class move from any of its class's sources and no paper
    dated that day: a check without a value whose sources all had data lacked history,
    and says so."""
    import math
    import random

    from riskoff.diagnosis.classes import CLASS_SOURCES
    from riskoff.diagnosis.names import plain_name

    pnl = workspace.panel
    class_of = {sym: cls for cls, sym in CLASS_SOURCES.items()}

    def had_data(sym: str, ts: Any) -> bool:
        if sym in pnl.papers.columns:
            return ts in pnl.papers.index and not math.isnan(pnl.papers[sym].loc[ts])
        frame = pnl.levels
        if sym in frame.columns and ts in frame.index and not math.isnan(frame[sym].loc[ts]):
            return True
        cls = class_of.get(sym)
        return (
            cls is not None and ts in pnl.class_source.index and pnl.class_source[cls].loc[ts] >= 0
        )

    rng = random.Random(19)
    days = [d for d in pnl.days if d.weekday() < 5 and d.year >= 1986]
    # and the first weekday after each newspaper index's last paper, read from the data
    ends = [pnl.papers[c].last_valid_index() for c in pnl.papers.columns]
    after = [min(d for d in days if d > e + dt.timedelta(days=1)) for e in ends if e < days[-1]]
    checks = {c.indicator: c for s in load_suspects() for c in s.checks}
    histories = 0
    assert after  # the store holds papers that end before the prices
    for ts in sorted({*rng.sample(days, 40), *after}):
        d = usecases.diagnose(
            ts.date(), workspace=workspace, settings=loaded_settings, with_analogs=False
        )
        for sym in (m for m in d.missing if ":" in m):
            assert not had_data(sym, ts), (ts, sym)
        for e in (e for s in d.suspects for e in s.evidence if e.supports is None):
            sources = checks[e.indicator].sources
            said = e.text.partition("no data for this day: ")[2]
            for sym in sources:
                if had_data(sym, ts):
                    assert plain_name(sym) not in said, (ts, e.text)
            if sources and not said:
                histories += 1
                assert "too little history" in e.text, (ts, e.text)
                assert all(had_data(sym, ts) for sym in sources), (ts, e.text)
    assert histories > 0  # the sample holds checks that lacked history, not data
