"""Portfolio stress replays on the real data, through the pipeline and the command line."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from riskoff import usecases
from riskoff.config import Settings
from riskoff.store import Store
from tests.helpers import run_cli

pytestmark = pytest.mark.integration

COVID_START, COVID_END = dt.date(2020, 2, 20), dt.date(2020, 3, 23)


def _write(tmp_path: Path, text: str, name: str = "p.csv") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def _spy(store: Store, start: dt.date, end: dt.date) -> pd.Series:
    """SPY closes from the last close before ``start`` to ``end``, straight from the store."""
    wide = store.read_wide(["yahoo:SPY"], start - dt.timedelta(days=10), end)
    s = wide["yahoo:SPY"].dropna()
    base = s.loc[s.index < pd.Timestamp(start)].index[-1]
    return pd.Series(s.loc[s.index >= base])


def test_spy_over_covid_has_spys_own_drawdown(
    loaded_settings: Settings, loaded_store: Store, tmp_path: Path
) -> None:
    """yahoo:SPY (not ^GSPC): it is what one holds, dividends included in its adjusted close."""
    pf = _write(tmp_path, "symbol,weight\nyahoo:SPY,1\n")
    report = usecases.stress_portfolio(pf, episodes=["covid-2020"], settings=loaded_settings)
    (ep,) = report.episodes
    assert ep.proxies == {}
    spy = _spy(loaded_store, COVID_START, COVID_END).to_numpy()
    reference = float(np.max(1 - spy / np.maximum.accumulate(spy)))
    assert 0.30 < reference < 0.40
    assert ep.stats.max_drawdown == pytest.approx(reference, abs=1e-12)
    covid = _spy(loaded_store, COVID_START, COVID_END)
    trough = covid.index[int(np.argmin(covid.to_numpy()))].date()
    assert ep.stats.trough_date == trough
    # recovery: SPY market days from the trough to the first close at or above the peak
    after = _spy(loaded_store, COVID_START, ep.until)
    peak = float(spy.max())
    post = after.loc[after.index > pd.Timestamp(trough)]
    hit = post.loc[post >= peak]
    assert not hit.empty
    assert ep.stats.recovery_date == hit.index[0].date()
    assert ep.stats.recovery_days == int((post.index <= hit.index[0]).sum())
    assert ep.stats.margin_call is None


@pytest.mark.parametrize("mode", ["loan", "daily"])
def test_two_times_leverage_on_spy(
    loaded_settings: Settings, loaded_store: Store, tmp_path: Path, mode: str
) -> None:
    """Without interest (``interest=False``, riskoff 0.1's numbers) the closed forms hold."""
    pf = _write(tmp_path, "symbol,weight\nspy,1\nleverage,2\nmaintenance_margin,0.25\n")
    report = usecases.stress_portfolio(
        pf,
        episodes=["covid-2020"],
        mode=mode,
        settings=loaded_settings,
        interest=False,
        on_call="reserve",
    )
    (ep,) = report.episodes
    spy = _spy(loaded_store, COVID_START, ep.until).to_numpy()
    r = spy[1:] / spy[:-1] - 1
    if mode == "daily":  # each day's return doubled, then compounded
        expected = np.concatenate([[1.0], np.cumprod(1 + 2 * r)])
    else:  # a fixed loan of one equity: equity = 2 × holding − loan
        expected = 2 * spy / spy[0] - 1
    np.testing.assert_allclose(ep.path.equity, expected, rtol=1e-12)
    if mode == "loan":
        # equity / gross < 0.25 exactly when SPY is down more than 1/3 from the base
        below = (2 * spy / spy[0] - 1) / (2 * spy / spy[0]) < 0.25
        n_ep = ep.path.end_pos + 1
        first = int(np.flatnonzero(below[:n_ep])[0]) if below[:n_ep].any() else None
        got = ep.stats.margin_call
        assert (got is None) == (first is None)
        if first is not None:
            assert got == ep.path.dates[first].date()
            # by default the unmet call forces a sale there, and the account does not
            # recover on borrowed money: it ends below the account that met its calls
            (sold,) = usecases.stress_portfolio(
                pf, episodes=["covid-2020"], settings=loaded_settings, interest=False
            ).episodes
            assert sold.stats.forced_sales[0].date == got
            assert sold.stats.final_equity < ep.stats.final_equity
            assert sold.stats.cash_needed == ep.stats.cash_needed


def _known_rate(store: Store, symbol: str, days: pd.DatetimeIndex) -> np.ndarray:
    """The rate (decimal a year) known at each day's close, computed here independently:
    each observation is public one business day after its date."""
    obs = store.read([symbol], days[0].date() - dt.timedelta(days=40), days[-1].date())
    dates = obs["date"].to_numpy().astype("datetime64[D]")
    public = np.busday_offset(dates, 1, roll="backward")
    pos = np.searchsorted(public, days.to_numpy().astype("datetime64[D]"), side="right") - 1
    assert (pos >= 0).all()
    return np.asarray(obs["value"].to_numpy()[pos] / 100.0)


def test_a_two_times_loan_pays_fed_funds_plus_the_spread_over_2008(
    loaded_settings: Settings, loaded_store: Store, tmp_path: Path
) -> None:
    """Lehman, 2× SPY on a fixed loan: with interest the loan grows at the effective fed
    funds rate known at each close plus 1%, actual/360, so equity is lower at every close
    after the base than without interest, and exactly 2 × P/P₀ − ∏(1 + step) (calls met
    from a reserve, so the loan stays fixed)."""
    pf = _write(tmp_path, "symbol,weight\nspy,1\nleverage,2\n")
    kw = {"episodes": ["lehman-2008"], "settings": loaded_settings, "on_call": "reserve"}
    (ep,) = usecases.stress_portfolio(pf, **kw).episodes  # type: ignore[arg-type]
    (plain,) = usecases.stress_portfolio(pf, interest=False, **kw).episodes  # type: ignore[arg-type]
    assert list(ep.path.dates) == list(plain.path.dates)
    assert (ep.path.equity[1:] < plain.path.equity[1:]).all()
    assert ep.stats.final_equity < plain.stats.final_equity
    assert ep.stats.max_drawdown > plain.stats.max_drawdown

    days = ep.path.dates
    spy = _spy(loaded_store, dt.date(2008, 9, 15), ep.until).to_numpy()
    rate = _known_rate(loaded_store, "fred:EFFR", days)
    gaps = np.diff(days.to_numpy()).astype("timedelta64[D]").astype(int)
    loan = np.concatenate([[1.0], np.cumprod(1 + (rate[:-1] + 0.01) * gaps / 360)])
    np.testing.assert_allclose(ep.path.equity, 2 * spy / spy[0] - loan, rtol=1e-12)
    doc = ep.to_dict()["interest"]
    assert doc["modelled"] is True
    assert doc["sources"] == ["fred:EFFR"]
    assert doc["within_replay"] == pytest.approx(1 - loan[-1], abs=1e-6)
    # fed funds fell from 2% to near zero after Lehman: about 0.8% of equity in six months
    assert -0.012 < doc["within_replay"] < -0.005


def test_before_2000_the_rate_is_dff(loaded_settings: Settings, tmp_path: Path) -> None:
    """The Gulf War of 1990: EFFR starts in 2000-07, DFF stands in; fed funds was 6-8%, so
    a 2× loan costs some 6% of equity over the replay, and it deepens the drawdown."""
    pf = _write(tmp_path, "symbol,weight\nspy,1\nleverage,2\n")
    kw = {"episodes": ["gulf-war-1990"], "settings": loaded_settings}
    (ep,) = usecases.stress_portfolio(pf, **kw).episodes  # type: ignore[arg-type]
    (plain,) = usecases.stress_portfolio(pf, interest=False, **kw).episodes  # type: ignore[arg-type]
    acc = ep.path.accrual
    assert acc.modelled
    assert acc.sources == ("fred:DFF",)
    assert acc.mean_policy is not None
    assert 0.06 < acc.mean_policy < 0.085
    assert -0.08 < ep.stats.interest_replay < -0.04
    assert ep.stats.max_drawdown > plain.stats.max_drawdown + 0.01


def test_the_policy_rate_is_read_point_in_time(loaded_store: Store) -> None:
    """The rate known on D is the one published by D (a business day late), and reading
    further never changes what was known on an earlier day."""
    from riskoff.catalog import Catalog
    from riskoff.usecases.portfolio import policy_rate_reader as _policy_rate_reader

    read = _policy_rate_reader(loaded_store, Catalog.default())
    short = read(dt.date(2008, 1, 2), dt.date(2008, 1, 25))
    longer = read(dt.date(2008, 1, 2), dt.date(2008, 3, 31))
    pd.testing.assert_frame_equal(short, longer.loc[short.index])
    effr = loaded_store.read(["fred:EFFR"], dt.date(2008, 1, 17), dt.date(2008, 1, 23))
    by_day = dict(zip(effr["date"].dt.date, effr["value"], strict=True))
    # the emergency cut of Tuesday 2008-01-22 is public on the 23rd; Monday the 21st was a
    # holiday, so on the 22nd the latest published rate is Friday the 18th's
    assert short.loc["2008-01-22", "fred:EFFR"] == by_day[dt.date(2008, 1, 18)]
    assert short.loc["2008-01-23", "fred:EFFR"] == by_day[dt.date(2008, 1, 22)]
    assert by_day[dt.date(2008, 1, 22)] < by_day[dt.date(2008, 1, 18)] - 0.4


def test_sixty_forty_contributions_and_output(loaded_settings: Settings, tmp_path: Path) -> None:
    pf = _write(tmp_path, "symbol,weight\nspy,0.6\nief,0.4\n")
    report = usecases.stress_portfolio(pf, settings=loaded_settings)
    ids = [e.id for e in report.episodes]
    assert "covid-2020" in ids
    # no Treasury ETF nor future in 1998: IEF is replayed as cash (the default)
    assert not report.skipped
    ltcm = next(e for e in report.episodes if e.id == "ltcm-russia-1998")
    assert ltcm.as_cash == ("yahoo:IEF",)
    assert "yahoo:IEF" not in ltcm.stats.contributions
    for ep in report.episodes:  # (in 1998 the cash earns interest: its share counts)
        total = sum(ep.stats.contributions.values()) + ep.stats.interest_share
        assert total == pytest.approx(ep.stats.max_drawdown)
    covid = next(e for e in report.episodes if e.id == "covid-2020")
    assert covid.stats.contributions["yahoo:IEF"] < 0  # Treasuries cushioned the fall
    doc = report.to_dict()
    json.dumps(doc)
    ep0 = doc["episodes"][0]
    for key in (
        "name",
        "id",
        "window",
        "max_drawdown",
        "max_drawdown_date",
        "recovery_days",
        "worst_day",
        "contributions",
        "margin_call",
        "cash_needed",
        "dry_powder",
        "proxies",
    ):
        assert key in ep0
    buf = io.StringIO()
    Console(file=buf, width=140).print(report)
    assert "covid-2020" in buf.getvalue()
    html = report.to_html()
    assert html.startswith('<section class="stress">')
    assert "<html" not in html
    assert "covid-2020" in html
    assert "<svg" in html


def test_a_holding_without_history_uses_its_proxy(
    loaded_settings: Settings, tmp_path: Path
) -> None:
    pf = _write(tmp_path, "symbol,weight\nbtc,0.5\nspy,0.5\n")
    report = usecases.stress_portfolio(
        pf, episodes=["lehman-2008", "covid-2020"], settings=loaded_settings, no_history="skip"
    )
    assert [s.id for s in report.skipped] == ["lehman-2008"]
    assert "yahoo:BTC-USD" in report.skipped[0].reason
    # by default bitcoin is cash in 2008, and the episode is replayed on SPY alone
    lehman, _ = usecases.stress_portfolio(
        pf, episodes=["lehman-2008", "covid-2020"], settings=loaded_settings
    ).episodes
    assert lehman.as_cash == ("yahoo:BTC-USD",)
    assert lehman.path.labels == ("yahoo:SPY",)
    (covid,) = report.episodes
    assert covid.proxies == {}
    # crypto trades at weekends: the calendar is the union, SPY is carried
    weekend = [d for d in covid.path.dates if d.day_of_week >= 5]
    assert weekend
    pos = covid.path.dates.get_loc(weekend[0])
    assert np.isnan(covid.path.returns[pos, covid.path.labels.index("yahoo:SPY")])

    gld = _write(tmp_path, "symbol,weight\ngld,1\n", "gld.csv")
    rep = usecases.stress_portfolio(gld, episodes=["ltcm-russia-1998"], settings=loaded_settings)
    assert rep.episodes[0].proxies["yahoo:GLD"] in ("yahoo:GC=F", "spot:XAUUSD")


def test_quantities_report_currency_amounts(loaded_settings: Settings, tmp_path: Path) -> None:
    pf = _write(tmp_path, "symbol,quantity\nspy,100\ncash,5000\nleverage,2\n")
    report = usecases.stress_portfolio(pf, episodes=["covid-2020"], settings=loaded_settings)
    doc = report.to_dict()
    assert doc["portfolio"]["equity"] > 5000
    h = doc["portfolio"]["holdings"][0]
    assert h["quantity"] == 100
    assert h["price"] > 0
    ep = doc["episodes"][0]
    assert ep["cash_needed_amount"] == pytest.approx(
        ep["cash_needed"] * doc["portfolio"]["equity"], abs=0.01
    )


def test_quantities_are_valued_at_the_price_of_the_day_asked(
    loaded_settings: Settings, tmp_path: Path
) -> None:
    """A report on a past day values holdings at that day's close, not at a later one."""
    pf = _write(tmp_path, "symbol,quantity\nspy,100\ncash,5000\n")
    then = usecases.stress_portfolio(
        pf, episodes=["covid-2020"], as_of=dt.date(2022, 6, 13), settings=loaded_settings
    ).to_dict()
    now = usecases.stress_portfolio(pf, episodes=["covid-2020"], settings=loaded_settings)
    with Store(loaded_settings.store_path, read_only=True) as st:
        spy = st.read(["yahoo:SPY"], end=dt.date(2022, 6, 13))
    price = float(spy["value"].iloc[-1])
    assert spy["date"].iloc[-1].date() == dt.date(2022, 6, 13)
    assert then["portfolio"]["holdings"][0]["price"] == pytest.approx(price)
    assert then["portfolio"]["equity"] == pytest.approx(100 * price + 5000)
    assert now.to_dict()["portfolio"]["holdings"][0]["price"] != pytest.approx(price)


# -- command line -------------------------------------------------------------------------


def test_cli_stress_json(
    loaded_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("RISKOFF_HOME", str(loaded_settings.home))
    pf = _write(tmp_path, "symbol,weight\nspy,1\n")
    code, out, err = run_cli(["stress", str(pf), "--episodes", "covid-2020", "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["episodes"][0]["id"] == "covid-2020"
    code, out, _ = run_cli(["stress", str(pf), "--episodes", "svb-2023"], capsys)
    assert code == 0
    assert "svb-2023" in out


def test_cli_no_interest_gives_the_numbers_without_interest(
    loaded_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """SVB 2023 at 5%: a 2× loan's interest is in the JSON and the table; --no-interest and
    an ``interest,0`` row both give the replay without it."""
    monkeypatch.setenv("RISKOFF_HOME", str(loaded_settings.home))
    pf = _write(tmp_path, "symbol,weight\nspy,1\nleverage,2\n")
    args = ["stress", str(pf), "--episodes", "svb-2023", "--json"]
    docs = []
    for extra in ([], ["--no-interest"]):
        code, out, err = run_cli([*args, *extra], capsys)
        assert code == 0, err
        docs.append(json.loads(out))
    on, off = docs
    assert on["portfolio"]["interest"]["on"] is True
    assert off["portfolio"]["interest"]["disabled_by"] == "--no-interest"
    e_on, e_off = on["episodes"][0], off["episodes"][0]
    assert e_off["interest"]["modelled"] is False
    assert "turned off" in e_off["interest"]["reason"]
    assert e_off["interest"]["within_replay"] == 0.0
    # fed funds was about 4.6-5.3%: over some 136 weekdays the loan costs about 3%
    assert -0.04 < e_on["interest"]["within_replay"] < -0.025
    assert e_on["final_equity"] == pytest.approx(
        e_off["final_equity"] + e_on["interest"]["within_replay"], abs=1e-6
    )
    row = _write(tmp_path, "symbol,weight\nspy,1\nleverage,2\ninterest,0\n", "off.csv")
    code, out, _ = run_cli(["stress", str(row), "--episodes", "svb-2023", "--json"], capsys)
    assert code == 0
    assert json.loads(out)["episodes"][0]["path"] == e_off["path"]
    code, out, _ = run_cli(["stress", str(pf), "--episodes", "svb-2023"], capsys)
    assert code == 0
    assert "Interest: the cash balance accrues at the effective fed funds rate" in out


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        pytest.param("symbol,weight\nnope:XYZ,1\n", "unknown symbol", id="unknown-symbol"),
        pytest.param("symbol,quantity\nspy,-3\n", "negative", id="negative-quantity"),
        pytest.param("", "empty", id="empty-file"),
        pytest.param("symbol,weight\nspy,1.o\n", "not a number", id="bad-number"),
        pytest.param("symbol\nspy\n", "missing column", id="missing-columns"),
        pytest.param("symbol,weight\nspy,0.7\n", "sum to 0.7", id="weights-not-one"),
    ],
)
def test_cli_malformed_portfolio_exits_2(
    loaded_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    text: str,
    needle: str,
) -> None:
    monkeypatch.setenv("RISKOFF_HOME", str(loaded_settings.home))
    pf = _write(tmp_path, text)
    code, out, err = run_cli(["stress", str(pf)], capsys)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("riskoff: error: p.csv")
    assert needle in lines[0]
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        pytest.param(["--episodes", "no-such-episode"], "unknown episode", id="episode"),
        pytest.param(["--leverage-mode", "weekly"], "leverage mode", id="mode"),
        pytest.param(["--like", "2020-13-01"], "--like", id="like-date"),
        pytest.param(["--episodes", "covid-2020", "--like", "2020-03-12"], "not both", id="both"),
        pytest.param(["--on-call", "pray"], "--on-call 'pray'", id="on-call"),
        pytest.param(["--no-history", "guess"], "--no-history 'guess'", id="no-history"),
    ],
)
def test_cli_bad_options_exit_2(
    loaded_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    needle: str,
) -> None:
    monkeypatch.setenv("RISKOFF_HOME", str(loaded_settings.home))
    pf = _write(tmp_path, "symbol,weight\nspy,1\n")
    code, _, err = run_cli(["stress", str(pf), *args], capsys)
    assert code == 2, err
    assert needle in err
    assert len(err.strip().splitlines()) == 1


def test_cli_missing_file_exits_2(
    loaded_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("RISKOFF_HOME", str(loaded_settings.home))
    code, _, err = run_cli(["stress", str(tmp_path / "nope.csv")], capsys)
    assert code == 2
    assert "no such file" in err


def test_like_replays_the_nearest_analog_episodes(
    loaded_settings: Settings, tmp_path: Path
) -> None:
    pf = _write(tmp_path, "symbol,weight\nspy,1\n")
    report = usecases.stress_portfolio(pf, like="2024-08-05", top=2, settings=loaded_settings)
    assert report.like == dt.date(2024, 8, 5)
    ids = [e.id for e in report.episodes] + [s.id for s in report.skipped]
    assert 1 <= len(ids) <= 2
    # the analog search never returns the query's own episode
    assert "yen-carry-2024" not in ids
