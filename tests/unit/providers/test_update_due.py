"""``riskoff update`` asks only for series that can have news: the due rule
(``riskoff.providers.schedule``) unit by unit, then wired into ``usecases.update``
against the local emulator."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from riskoff import usecases
from riskoff.catalog import SeriesInfo
from riskoff.config import Settings
from riskoff.providers.base import Provider
from riskoff.providers.fred import FredProvider
from riskoff.providers.http import RetryPolicy, TokenBucket
from riskoff.providers.registry import is_live
from riskoff.providers.schedule import (
    RECHECK_DAYS,
    add_business_days,
    due_date,
    is_due,
    next_observation,
    release_day,
)
from riskoff.store import Store
from riskoff.testing.emulator import Emulator
from tests.helpers import run_cli

D = dt.date
FRI, SAT, SUN, MON = D(2026, 8, 21), D(2026, 8, 22), D(2026, 8, 23), D(2026, 8, 24)


def _info(frequency: str, lag: str = "0D", symbol: str = "fred:TEST") -> SeriesInfo:
    return SeriesInfo(
        symbol=symbol,
        name=symbol.lower().replace(":", "_"),
        asset_class="macro",
        role="reference",
        units="percent",
        frequency=frequency,
        lag=lag,
    )


# -- next observation, per native frequency -----------------------------------------------


@pytest.mark.parametrize(
    ("frequency", "last", "expected"),
    [
        ("business-daily", D(2026, 8, 20), FRI),  # Thu -> Fri
        ("business-daily", FRI, MON),  # Fri -> Mon, over the weekend
        ("business-daily", SAT, MON),  # an odd weekend date still lands on a weekday
        ("business-daily", D(2026, 12, 31), D(2027, 1, 1)),  # year end (a Friday)
        ("daily", FRI, SAT),  # daily series (crypto, DFF) have weekend observations
        ("daily", D(2026, 12, 31), D(2027, 1, 1)),
        ("weekly-wed", D(2026, 8, 19), D(2026, 8, 26)),
        ("weekly-sat", D(2026, 12, 26), D(2027, 1, 2)),
        ("weekly-fri", D(2026, 2, 27), D(2026, 3, 6)),  # over a short February
        ("monthly", D(2026, 7, 1), D(2026, 8, 1)),  # FRED's anchor: the 1st stays the 1st
        ("monthly", D(2026, 12, 1), D(2027, 1, 1)),
        ("monthly", D(2026, 1, 31), D(2026, 2, 28)),  # clipped to the month, never later
        ("monthly", D(2028, 1, 31), D(2028, 2, 29)),  # leap year
        ("monthly", D(2026, 3, 15), D(2026, 4, 15)),
        ("quarterly", D(2026, 10, 1), D(2027, 1, 1)),
        ("quarterly", D(2026, 11, 30), D(2027, 2, 28)),
        ("annual", D(2028, 1, 1), D(2029, 1, 1)),
        ("annual", D(2024, 2, 29), D(2025, 2, 28)),
        ("irregular", FRI, SAT),  # unknown: ask again tomorrow
    ],
)
def test_next_observation(frequency: str, last: dt.date, expected: dt.date) -> None:
    assert next_observation(last, frequency) == expected


# -- publication lag: calendar and business days ------------------------------------------


@pytest.mark.parametrize(
    ("observation", "lag", "expected"),
    [
        (FRI, "0D", FRI),
        (SAT, "0B", SAT),  # no lag: no rolling either (as the panel does)
        (FRI, "1D", SAT),
        (D(2026, 8, 1), "45D", D(2026, 9, 15)),
        (D(2026, 1, 31), "30D", D(2026, 3, 2)),  # over a month end
        (D(2026, 8, 20), "1B", FRI),  # Thu -> Fri
        (FRI, "1B", MON),  # Fri -> Mon
        (SAT, "1B", MON),  # a weekend date first rolls back to Friday
        (SUN, "1B", MON),
        (D(2026, 8, 20), "2B", MON),  # Thu + 2 business days
        (FRI, "5B", D(2026, 8, 28)),
        (D(2026, 12, 31), "1B", D(2027, 1, 1)),
    ],
)
def test_release_day(observation: dt.date, lag: str, expected: dt.date) -> None:
    assert release_day(observation, lag) == expected


def test_business_days_match_the_panel_convention() -> None:
    """The panel dates a ``B`` release with ``np.busday_offset(d, n, roll="backward")``."""
    start = D(2026, 1, 1)
    for k in range(400):
        day = start + dt.timedelta(days=k)
        for n in range(4):
            want = np.busday_offset(np.datetime64(day, "D"), n, roll="backward")
            assert add_business_days(day, n) == want.astype(dt.date), (day, n)
    with pytest.raises(ValueError, match="n must be"):
        add_business_days(FRI, -1)


# -- the rule: next observation + lag <= today, or a re-check is due ----------------------

LONG_AGO = D(2026, 8, 20)  # a fetch whose re-check falls on 2026-08-27


@pytest.mark.parametrize(
    ("info", "last", "due_on"),
    [
        # SOFR: business-daily, published the next business day. Thursday's value is
        # stored; Friday's is published Monday.
        (_info("business-daily", "1B"), D(2026, 8, 20), MON),
        # a close (0D) stored for Friday: the next is Monday's
        (_info("business-daily"), FRI, MON),
        # a close stored for Thursday: Friday's close can be there on Friday
        (_info("business-daily"), D(2026, 8, 20), FRI),
        # DTWEXBGS: business-daily with a 7-day lag
        (_info("business-daily", "7D"), D(2026, 8, 14), D(2026, 8, 24)),
        # crypto: daily, weekends included
        (_info("daily"), FRI, SAT),
        # DFF: daily, published the next business day; Saturday's value comes on Monday
        (_info("daily", "1B"), FRI, MON),
        # WALCL: weekly (Wednesday), published Thursday
        (_info("weekly-wed", "1D"), D(2026, 8, 12), D(2026, 8, 20)),
        # ICSA: weekly (Saturday), published the next Thursday
        (_info("weekly-sat", "5D"), D(2026, 8, 8), D(2026, 8, 20)),
        # NFCI: dated Friday, published the next Wednesday
        (_info("weekly-fri", "5D"), D(2026, 8, 7), D(2026, 8, 19)),
        # monthly with a 1-day lag over a month end
        (_info("monthly", "1D"), D(2026, 6, 1), D(2026, 7, 2)),
    ],
)
def test_due_date_without_recheck(info: SeriesInfo, last: dt.date, due_on: dt.date) -> None:
    # fetched recently: only news can make the series due before the re-check
    fetched = due_on - dt.timedelta(days=1)
    assert due_date(info, last, fetched=fetched, recheck_days=30) == due_on
    assert not is_due(info, last, due_on - dt.timedelta(days=1), fetched=fetched, recheck_days=30)
    assert is_due(info, last, due_on, fetched=fetched, recheck_days=30)
    assert is_due(info, last, due_on + dt.timedelta(days=3), fetched=fetched, recheck_days=30)


def test_weekend_skips_business_daily_but_not_crypto() -> None:
    stock, sofr, btc = _info("business-daily"), _info("business-daily", "1B"), _info("daily")
    for today in (SAT, SUN):
        assert not is_due(stock, FRI, today, fetched=FRI)
        assert not is_due(sofr, D(2026, 8, 20), today, fetched=FRI)
        assert is_due(btc, FRI, today, fetched=FRI)
    assert is_due(stock, FRI, MON, fetched=FRI)
    assert is_due(sofr, D(2026, 8, 20), MON, fetched=FRI)


def test_monthly_series_waits_for_its_release_then_the_recheck_caps_the_wait() -> None:
    cpi = _info("monthly", "45D")
    last = D(2026, 7, 1)  # July's CPI; August's (dated 08-01) comes out 09-15
    assert due_date(cpi, last, fetched=D(2026, 9, 10)) == D(2026, 9, 15)
    # fetched on 08-21: a re-check is due a week later, long before the next release
    assert due_date(cpi, last, fetched=FRI) == FRI + dt.timedelta(days=RECHECK_DAYS)
    assert not is_due(cpi, last, D(2026, 8, 27), fetched=FRI)
    assert is_due(cpi, last, D(2026, 8, 28), fetched=FRI)
    # a month-end observation on the 31st: the next is clipped to Feb 28 (early, not late)
    assert due_date(_info("monthly"), D(2026, 1, 31), fetched=D(2026, 2, 27)) == D(2026, 2, 28)


def test_quarterly_and_annual() -> None:
    gdp = _info("quarterly", "30D")
    assert due_date(gdp, D(2026, 4, 1), fetched=D(2026, 7, 30)) == D(2026, 7, 31)
    assert due_date(gdp, D(2026, 10, 1), fetched=D(2027, 1, 30)) == D(2027, 1, 31)
    # FEDTARMD: annual and dated in the future (projections): only the re-check asks
    sep = _info("annual")
    assert due_date(sep, D(2028, 1, 1), fetched=FRI) == D(2026, 8, 28)
    assert not is_due(sep, D(2028, 1, 1), D(2026, 8, 27), fetched=FRI)


def test_never_stored_or_never_fetched_live_is_always_due() -> None:
    cpi = _info("monthly", "45D")
    assert due_date(cpi, None, fetched=None) is None
    assert due_date(cpi, None, fetched=FRI) is None
    assert is_due(cpi, None, D(1990, 1, 1), fetched=None)
    # stored (ingested from a folder) but never fetched from its live source: re-check now
    assert due_date(cpi, D(2026, 7, 1), fetched=None) is None
    assert is_due(cpi, D(2026, 7, 1), FRI, fetched=None)


def test_recheck_days() -> None:
    annual = _info("annual")
    assert due_date(annual, D(2028, 1, 1), fetched=FRI, recheck_days=1) == SAT
    assert due_date(annual, D(2028, 1, 1), fetched=FRI, recheck_days=0) == FRI


# -- wired into usecases.update, against the emulator -------------------------------------

TODAY = FRI  # the data folder's FRED cache was fetched on 2026-08-21
FAST = RetryPolicy(attempts=4, base=0.01, cap=0.05)


@pytest.fixture(scope="module")
def fred_live() -> list[str]:
    catalog = usecases.load_catalog(Settings(home=Path("/nonexistent")))
    return [s for s in catalog if is_live(s) and s.startswith("fred:")]


@pytest.fixture(scope="module")
def fred_emu(data_dir: Path, fred_live: list[str]) -> Iterator[Emulator]:
    with Emulator(data_dir, fred_limit=None, preload=fred_live) as e:
        yield e


@pytest.fixture(scope="module")
def updated_home(
    fred_emu: Emulator, fred_live: list[str], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A home whose store holds every FRED series, fetched by a full update on TODAY."""
    home = tmp_path_factory.mktemp("due") / "home"
    fred_emu.reset_counts()
    first = _update(fred_emu.settings(home))
    assert not first.failed, [r.message for r in first.failed]
    assert not first.skipped  # an empty store: everything is due
    assert {r.symbol for r in first.results} == set(fred_live)
    return home


@pytest.fixture
def emulator(fred_emu: Emulator, updated_home: Path) -> Emulator:
    fred_emu.clear_faults()
    fred_emu.reset_counts()
    return fred_emu


def _update(settings: Settings, **kw: object) -> usecases.UpdateResult:
    return usecases.update(
        providers="fred",
        settings=settings,
        today=TODAY,
        fred_limiter=TokenBucket(1000),
        retry=FAST,
        **kw,  # type: ignore[arg-type]
    )


def _expected_due(home: Path, fred_live: list[str]) -> set[str]:
    """The due series by the pure rule, from what the store holds."""
    catalog = usecases.load_catalog(Settings(home=home))
    with Store(home / "riskoff.duckdb", read_only=True) as st:
        last = st.last_dates()
        fetched = st.fetched_at(["fred"])
    return {
        s
        for s in fred_live
        if is_due(
            catalog[s], last.get(s), TODAY, fetched=fetched[s].date() if s in fetched else None
        )
    }


def test_second_update_the_same_day_asks_only_for_due_series(
    updated_home: Path, emulator: Emulator, fred_live: list[str]
) -> None:
    settings = emulator.settings(updated_home)
    due = _expected_due(updated_home, fred_live)
    second = _update(settings)
    assert not second.failed
    asked = {r.symbol for r in second.results}
    assert asked == due
    assert set(second.skipped) == set(fred_live) - due
    assert asked.isdisjoint(second.skipped)
    # the monthly and weekly series cannot have news on 2026-08-21
    for sym in ("fred:WALCL", "fred:ICSA", "fred:NFCI", "fred:CPIAUCSL", "fred:UNRATE"):
        assert sym in second.skipped, sym
        assert second.skipped[sym] > TODAY
    # July's CPI is stored; August's is published 2026-09-15 (the fetch was just now, so
    # the weekly re-check comes later than that)
    assert second.skipped["fred:CPIAUCSL"] == dt.date(2026, 9, 15)
    assert "fred:SOFR" in second.skipped  # Friday's SOFR is published Monday
    # one request per due series, none for the others
    counts = emulator.counts_by_symbol()
    assert set(counts) == due
    assert all(n == 1 for n in counts.values())
    assert second.requests == len(due) < len(fred_live)
    assert second.report is None or second.report.total_changed == 0


def test_all_asks_for_every_series(
    updated_home: Path, emulator: Emulator, fred_live: list[str]
) -> None:
    result = _update(emulator.settings(updated_home), fetch_all=True)
    assert not result.failed
    assert not result.skipped
    assert {r.symbol for r in result.results} == set(fred_live)
    assert set(emulator.counts_by_symbol()) == set(fred_live)
    assert emulator.count() == len(fred_live)


def test_explicit_symbols_are_fetched_even_when_not_due(
    updated_home: Path, emulator: Emulator
) -> None:
    settings = emulator.settings(updated_home)
    probe = _update(settings)
    assert "fred:CPIAUCSL" in probe.skipped
    assert "fred:WALCL" in probe.skipped
    emulator.reset_counts()
    result = _update(settings, symbols=["fred:CPIAUCSL", "fed_assets"])
    assert not result.failed
    assert not result.skipped
    assert {r.symbol for r in result.results} == {"fred:CPIAUCSL", "fred:WALCL"}
    assert emulator.counts_by_symbol() == {"fred:CPIAUCSL": 1, "fred:WALCL": 1}


def test_a_weekly_series_becomes_due_on_its_release_day(
    updated_home: Path, emulator: Emulator
) -> None:
    settings = emulator.settings(updated_home)
    plans: list[list[str]] = []
    weekly = ["fred:WALCL", "fred:WRESBAL"]  # week ending Wednesday 08-19, out Thursday
    monday = _update(settings, on_plan=plans.append)
    assert plans == [[r.symbol for r in monday.results]]  # the plan lists the due only
    assert all(monday.skipped[s] == dt.date(2026, 8, 27) for s in weekly)
    emulator.reset_counts()
    thursday = usecases.update(
        providers="fred",
        settings=settings,
        today=dt.date(2026, 8, 27),
        fred_limiter=TokenBucket(1000),
        retry=FAST,
    )
    assert not thursday.failed
    assert all(s not in thursday.skipped for s in weekly)
    assert all(emulator.count(symbol=s) == 1 for s in weekly)


def test_cli_all_and_verbose(
    updated_home: Path,
    emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    for name, value in {**emulator.env(), "RISKOFF_HOME": str(updated_home)}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("FRED_API_KEY", raising=False)
    # the command line waits on FRED's shared limiter (1.6/s, one per provider class in the
    # process); the emulator has no limit. (Replacing the module's FRED_LIMITER name no
    # longer reached it since providers became plugins: three updates waited about 2 min.)
    fred: type[Provider] = FredProvider
    monkeypatch.setitem(Provider._limiters, fred, TokenBucket(1000))
    # the real clock is long after the data folder ends, so nearly everything is due; the
    # annual FOMC projections are dated years ahead and were fetched minutes ago
    code, out, _ = run_cli(["update", "--provider", "fred"], capsys)
    assert code == 0
    assert "skipped as not due yet" in out
    assert "-v lists them" in out
    code, out, _ = run_cli(["update", "--provider", "fred", "-v"], capsys)
    assert code == 0
    assert "Not due yet" in out
    assert "fred:FEDTARMD" in out
    emulator.reset_counts()
    code, out, _ = run_cli(["update", "--provider", "fred", "--all"], capsys)
    assert code == 0
    assert "0 skipped as not due yet" in out
    assert emulator.count(symbol="fred:FEDTARMD") == 1
