"""The live providers of the newspaper indices, against the local emulator serving the
real files of ``../shared/data/news``: a live fetch gives the same days and values as
``riskoff ingest`` of the same file, bad bodies are clear one-line errors, and
``riskoff update`` fetches each series when its publication lag says it can be new."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from riskoff import usecases
from riskoff.catalog import Catalog
from riskoff.errors import ProviderError
from riskoff.providers.folder import read_folder
from riskoff.providers.http import RetryPolicy, SeriesSession, TokenBucket
from riskoff.providers.policyuncertainty import PolicyUncertaintyProvider, parse_csv
from riskoff.providers.registry import prefixes_for_groups, provider_class
from riskoff.store import Store
from riskoff.testing.emulator import Emulator, Fault

FAST = RetryPolicy(attempts=2, base=0.01, cap=0.02)
PU = ["policyuncertainty:EPU_DAILY", "policyuncertainty:TPU_DAILY"]
FAR = dt.date(2030, 1, 1)


@pytest.fixture(scope="module")
def emu(data_dir: Path) -> Iterator[Emulator]:
    with Emulator(data_dir, preload=PU) as e:
        yield e


@pytest.fixture
def emulator(emu: Emulator) -> Emulator:
    emu.clear_faults()
    emu.reset_counts()
    emu.until = None
    return emu


@pytest.fixture(scope="module")
def ingested(data_dir: Path) -> dict[str, pd.DataFrame]:
    return dict(read_folder(data_dir / "news", symbols=PU).frames)


def _fetch(
    emu: Emulator, symbol: str, start: dt.date | None = None, end: dt.date = FAR
) -> pd.DataFrame:
    cls = provider_class(symbol.split(":", 1)[0])
    provider = cls(emu.settings(Path("/nonexistent")), limiter=TokenBucket(1000.0))
    info = Catalog.default()[symbol]
    with provider.open_session(retry=FAST) as session:
        return provider.fetch(
            SeriesSession(session, symbol), provider.build_query(info, start, end)
        )


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    a, b = a.reset_index(drop=True), b.reset_index(drop=True)
    assert len(a) == len(b)
    assert (a["date"].to_numpy() == b["date"].to_numpy()).all()
    assert (a["value"].to_numpy() == b["value"].to_numpy()).all()


@pytest.mark.parametrize("symbol", PU)
def test_policy_uncertainty_live_equals_ingest(
    emulator: Emulator, ingested: dict[str, pd.DataFrame], symbol: str
) -> None:
    live = _fetch(emulator, symbol)
    _same(live, ingested[symbol][["date", "value"]])
    assert live["date"].iloc[0] == pd.Timestamp("1985-01-01")
    path = emulator.records[-1].path
    assert path.startswith("/media/")
    assert path.endswith(".csv")


def test_policy_uncertainty_start_and_end_cut_the_file(emulator: Emulator) -> None:
    part = _fetch(emulator, PU[0], dt.date(2020, 1, 1), dt.date(2020, 12, 31))
    assert part["date"].min() == pd.Timestamp("2020-01-01")
    assert part["date"].max() == pd.Timestamp("2020-12-31")
    assert len(part) == 366


def test_policy_uncertainty_html_page_is_retried_then_one_line(emulator: Emulator) -> None:
    emulator.add_fault(Fault("malformed", symbol=PU[1], times=None))
    with pytest.raises(ProviderError, match=r"TPU_DAILY: the CSV download answered with HTML"):
        _fetch(emulator, PU[1])
    assert emulator.count(symbol=PU[1]) == FAST.attempts


def test_policy_uncertainty_unknown_file_is_a_clear_error(emulator: Emulator) -> None:
    emulator.add_fault(Fault("unknown", symbol=PU[0]))
    with pytest.raises(ProviderError, match=r"has no file All_Daily_Policy_Data.csv .*404"):
        _fetch(emulator, PU[0])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("day,month,year,daily_policy_index\n1,1,1985,1.5\n31,2,1985,2\n", "line 3"),
        ("day,month,year,daily_policy_index\n1,1,1985,1.5\n2,1,1985,2}{\n", "line 3: value"),
        ("day,month,year,other\n1,1,1985,1.5\n", "no column daily_policy_index"),
        ("day,month,year,daily_policy_index\n1,1,1985,1.5\n2,1,19}{,]\n", "line 3: year"),
    ],
)
def test_policy_uncertainty_bad_rows_name_the_line(text: str, message: str) -> None:
    with pytest.raises(ProviderError, match=message):
        parse_csv(text, "daily_policy_index", "policyuncertainty:EPU_DAILY")


def test_news_providers_answer_to_the_news_group() -> None:
    assert "policyuncertainty" in prefixes_for_groups(["news"])
    assert provider_class("policyuncertainty") is PolicyUncertaintyProvider


def test_update_fetches_policy_uncertainty_when_its_lag_says_it_is_new(
    tmp_path: Path, emulator: Emulator, ingested: dict[str, pd.DataFrame]
) -> None:
    settings = emulator.settings(tmp_path)
    first = usecases.update(providers="policyuncertainty", settings=settings, retry=FAST)
    assert not first.failed, [r.message for r in first.failed]
    with Store(settings.store_path, read_only=True) as st:
        for sym in PU:
            _same(st.read([sym])[["date", "value"]], ingested[sym][["date", "value"]])
    # EPU_DAILY ends 2025-11-11 and is published 2 days after its day: the next day
    # (11-12) can be out on 11-14, not before
    last = ingested[PU[0]]["date"].max().date()
    lag = Catalog.default()[PU[0]].lag
    assert lag == "2D"
    emulator.reset_counts()
    early = usecases.update(
        providers="policyuncertainty",
        settings=settings,
        retry=FAST,
        today=last + dt.timedelta(days=2),
    )
    assert early.results == []
    assert early.skipped[PU[0]] == last + dt.timedelta(days=3)
    assert emulator.count() == 0
    due = usecases.update(
        providers="policyuncertainty",
        settings=settings,
        retry=FAST,
        today=last + dt.timedelta(days=3),
    )
    assert [r.symbol for r in due.results] == [PU[0]]
    assert emulator.count(symbol=PU[0]) == 1
