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
from riskoff.config import Settings
from riskoff.errors import ProviderError
from riskoff.providers.folder import read_folder
from riskoff.providers.http import RetryPolicy, SeriesSession, TokenBucket
from riskoff.providers.policyuncertainty import PolicyUncertaintyProvider, parse_csv
from riskoff.providers.registry import prefixes_for_groups, provider_class
from riskoff.store import Store
from riskoff.testing.emulator import Emulator, Fault

FAST = RetryPolicy(attempts=2, base=0.01, cap=0.02)
PU = ["policyuncertainty:EPU_DAILY", "policyuncertainty:TPU_DAILY"]
FNG = "alternativeme:FNG"
GPR = ["gpr:GPRD", "gpr:GPRD_ACT", "gpr:GPRD_THREAT", "gpr:N10D"]
FAR = dt.date(2030, 1, 1)


@pytest.fixture(scope="module")
def emu(data_dir: Path) -> Iterator[Emulator]:
    with Emulator(data_dir, preload=[*PU, FNG, *GPR]) as e:
        yield e


@pytest.fixture
def emulator(emu: Emulator) -> Emulator:
    emu.clear_faults()
    emu.reset_counts()
    emu.until = None
    return emu


@pytest.fixture(scope="module")
def ingested(data_dir: Path) -> dict[str, pd.DataFrame]:
    return dict(read_folder(data_dir / "news", symbols=[*PU, FNG, *GPR]).frames)


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


# -- alternative.me Fear & Greed --------------------------------------------------------


def test_fear_greed_live_equals_the_file_and_update_files_it_like_ingest(
    tmp_path: Path, emulator: Emulator, ingested: dict[str, pd.DataFrame], data_dir: Path
) -> None:
    live = _fetch(emulator, FNG)
    _same(live, ingested[FNG][["date", "value"]])  # as the source dates them
    (rec,) = emulator.records
    assert rec.path == "/fng/"
    settings = emulator.settings(tmp_path)
    result = usecases.update(symbols=[FNG], settings=settings, retry=FAST)
    assert not result.failed, [r.message for r in result.failed]
    filed = read_folder(data_dir / "news", symbols=[FNG], catalog=Catalog.default()).frames[FNG]
    with Store(settings.store_path, read_only=True) as st:
        stored = st.read([FNG])[["date", "value"]]
    _same(stored, filed[["date", "value"]])  # the row dated D filed under D-1, as ingest does
    first = ingested[FNG]["date"].iloc[0]
    assert stored["date"].iloc[0] == first - pd.Timedelta(days=1)


def test_fear_greed_incremental_asks_for_the_days_since_its_start(emulator: Emulator) -> None:
    end = dt.date(2026, 2, 24)  # the last row of the file
    tail = _fetch(emulator, FNG, dt.date(2026, 2, 1), end)
    assert tail["date"].min() == pd.Timestamp("2026-02-01")
    assert tail["date"].max() == pd.Timestamp(end)
    assert len(tail) == 24
    (rec,) = emulator.records
    assert rec.path == "/fng/"
    full = _fetch(emulator, FNG)
    assert len(full) > 2000


def test_fear_greed_source_error_is_one_line(emulator: Emulator) -> None:
    emulator.add_fault(Fault("unknown", symbol=FNG, times=None))
    with pytest.raises(ProviderError, match=r"alternativeme:FNG: HTTP 404"):
        _fetch(emulator, FNG)


def test_fear_greed_metadata_error_is_reported(tmp_path: Path) -> None:
    from riskoff.providers.alternativeme import FearGreedProvider
    from riskoff.providers.base import Query

    class _Resp:
        status = 200

        def json(self) -> object:
            return {"name": "x", "data": [], "metadata": {"error": "Invalid\n limit"}}

    class _Session:
        def get(self, *a: object, **k: object) -> _Resp:
            return _Resp()

    provider = FearGreedProvider(emulator_settings(tmp_path))
    query = Query(FNG, "FNG", None, dt.date(2026, 1, 1))
    with pytest.raises(ProviderError, match=r"^alternative.me alternativeme:FNG: Invalid limit$"):
        provider.download(_Session(), query)  # type: ignore[arg-type]


def emulator_settings(home: Path) -> Settings:
    return Settings(home=home)


def test_fear_greed_asks_for_the_whole_history_or_the_days_since_start(tmp_path: Path) -> None:
    from riskoff.providers.alternativeme import FearGreedProvider
    from riskoff.providers.base import Query

    asked: list[dict[str, str]] = []

    class _Resp:
        status = 200

        def json(self) -> object:
            return {"name": "x", "data": [], "metadata": {"error": None}}

    class _Session:
        def get(self, url: str, params: dict[str, str], **k: object) -> _Resp:
            asked.append(params)
            return _Resp()

    provider = FearGreedProvider(emulator_settings(tmp_path))
    end = dt.date(2026, 2, 24)
    for start in (None, dt.date(2026, 2, 1), end):
        provider.download(_Session(), Query(FNG, "FNG", start, end))  # type: ignore[arg-type]
    assert [a["limit"] for a in asked] == ["0", "25", "2"]
    assert {a["format"] for a in asked} == {"json"}


# -- the GPR workbook -------------------------------------------------------------------


@pytest.mark.parametrize("symbol", GPR)
def test_gpr_live_equals_ingest_of_the_same_workbook(
    emulator: Emulator, ingested: dict[str, pd.DataFrame], symbol: str
) -> None:
    live = _fetch(emulator, symbol)
    _same(live, ingested[symbol][["date", "value"]])
    (rec,) = emulator.records
    assert rec.path == "/gpr_files/data_gpr_daily_recent.xls"
    file = emulator.folder_file(symbol)
    assert file is not None
    mtime = dt.datetime.fromtimestamp(int(file.stat().st_mtime), dt.UTC).replace(tzinfo=None)
    assert live.attrs["vintage"] == mtime  # the file's Last-Modified: its edition


def test_gpr_update_downloads_the_workbook_once_and_keeps_each_edition(
    tmp_path: Path, emulator: Emulator, ingested: dict[str, pd.DataFrame]
) -> None:
    settings = emulator.settings(tmp_path)
    cut = dt.date(2025, 6, 30)
    emulator.until = cut  # an older release: the workbook as it ended on that day
    first = usecases.update(providers="gpr", settings=settings, retry=FAST)
    assert not first.failed, [r.message for r in first.failed]
    assert emulator.count(path="/gpr_files/") == 1  # one download for the four series
    older = dt.datetime.combine(cut + dt.timedelta(days=1), dt.time(0))
    assert {r.vintage for r in first.results} == {older}
    emulator.until = None  # the next release (the real file)
    second = usecases.update(providers="gpr", settings=settings, retry=FAST, fetch_all=True)
    assert not second.failed, [r.message for r in second.failed]
    (newer,) = {r.vintage for r in second.results}
    assert newer is not None
    assert newer > older
    with Store(settings.store_path, read_only=True) as st:
        for sym in GPR:
            _same(st.read([sym])[["date", "value"]], ingested[sym][["date", "value"]])
            assert st.editions([sym])[sym] == (older, newer)
            then = st.read([sym], as_known_at=older + dt.timedelta(hours=1))
            assert then["date"].max() == pd.Timestamp(cut)


def test_gpr_older_edition_after_a_newer_one_fails_alone_and_keeps_the_stored_edition(
    tmp_path: Path, emulator: Emulator
) -> None:
    settings = emulator.settings(tmp_path)
    first = usecases.update(providers="gpr", settings=settings, retry=FAST)
    assert not first.failed, [r.message for r in first.failed]
    (newer,) = {r.vintage for r in first.results}
    assert newer is not None
    emulator.until = dt.date(2025, 6, 30)  # a stale mirror serves an older release
    second = usecases.update(providers="news", settings=settings, retry=FAST, fetch_all=True)
    refused = {r.symbol: r.message for r in second.failed}
    assert set(refused) == set(GPR)
    for message in refused.values():
        assert "served an older edition" in message
        assert "the stored edition is kept" in message
    assert set(PU) <= {r.symbol for r in second.results if r.ok}  # the others still load
    with Store(settings.store_path, read_only=True) as st:
        for sym in GPR:
            assert st.editions([sym])[sym] == (newer,)
        assert set(PU) <= set(st.last_dates())


def test_gpr_html_page_and_missing_column_are_one_line(emulator: Emulator) -> None:
    from riskoff.providers.gpr import parse_workbook, xlsx_bytes

    emulator.add_fault(Fault("malformed", symbol=GPR[0], times=None))
    with pytest.raises(ProviderError, match=r"gpr:GPRD_ACT: the workbook download answered"):
        _fetch(emulator, GPR[1])
    book = xlsx_bytes(["DAY", "GPRD"], [["20200101", 1.5]])
    with pytest.raises(ProviderError, match=r"no column GPRD_ACT, GPRD_THREAT, N10D$"):
        parse_workbook(book, "gpr:GPRD")
    with pytest.raises(ProviderError, match=r"not an Excel workbook"):
        parse_workbook(b"DAY,GPRD\n", "gpr:GPRD")


def test_gpr_edition_is_last_modified_never_later_than_now() -> None:
    from riskoff.providers.gpr import edition

    now = dt.datetime(2026, 5, 27, 12, 0)
    assert edition("Tue, 26 May 2026 08:30:00 GMT", now=now) == dt.datetime(2026, 5, 26, 8, 30)
    assert edition("Tue, 26 May 2026 10:30:00 +0200", now=now) == dt.datetime(2026, 5, 26, 8, 30)
    assert edition("Thu, 28 May 2026 08:30:00 GMT", now=now) == now  # a clock ahead
    assert edition(None, now=now) == now
    assert edition("yesterday", now=now) == now
