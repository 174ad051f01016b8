"""Analog search on the real data: acceptance cases, point in time, the command line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskoff import usecases
from riskoff.analogs import AnalogEngine, AnalogReport
from riskoff.config import Settings
from tests.helpers import run_cli

pytestmark = pytest.mark.integration

FEB_MAR_2020 = (dt.date(2020, 2, 1), dt.date(2020, 3, 31))


@pytest.fixture(scope="module")
def full_engine(loaded_settings: Settings) -> AnalogEngine:
    """One engine over the whole store (what the benchmark times)."""
    engine = usecases.analog_engine(loaded_settings)
    assert isinstance(engine, AnalogEngine)
    return engine


def _overlaps(start: dt.date, end: dt.date, span: tuple[dt.date, dt.date]) -> bool:
    return start <= span[1] and end >= span[0]


def test_dash_for_cash_is_not_explained_by_itself(full_engine: AnalogEngine) -> None:
    rep = full_engine.search(dt.date(2020, 3, 12), top=5)
    assert len(rep.analogs) >= 5
    for a in rep.analogs:
        assert not _overlaps(a.start, a.end, FEB_MAR_2020), a.episode
        assert not _overlaps(a.day, a.day, FEB_MAR_2020), a.episode
    assert len(rep.nearest_days) == 5
    for a in rep.nearest_days:
        assert not _overlaps(a.day, a.day, FEB_MAR_2020), a.episode
    # 312 is the query itself and 519 had not happened: neither is compared
    assert rep.versus.closer is None
    assert all(0 < a.similarity <= 1 for a in rep.analogs)


def test_crypto_crackdown_finds_a_crypto_only_episode(full_engine: AnalogEngine) -> None:
    rep = full_engine.search(dt.date(2021, 5, 19), top=5)
    top3 = rep.analogs[:3]
    assert any(a.suspect == "crypto" or a.category == "crypto_crash" for a in top3), [
        a.episode for a in top3
    ]
    assert all(
        not _overlaps(a.start, a.end, (dt.date(2021, 5, 9), dt.date(2021, 5, 29)))
        for a in rep.analogs
    )


def test_base_rate_and_forward_shape(full_engine: AnalogEngine) -> None:
    rep = full_engine.search(dt.date(2024, 8, 5), top=5)
    br = rep.base_rate
    assert int(br["sp500"]["1m"]["n"] or 0) > 8000  # every day since 1990
    assert int(br["btc"]["1m"]["n"] or 0) > 2000  # Bitcoin from 2014
    for a in rep.analogs:
        assert set(a.forward) == {"sp500", "nasdaq100", "gold", "btc", "us10y", "usd"}
        assert a.complete  # every analog is far enough in the past
    assert "base rate" in rep.summary
    # the versus side-by-side is computed from the same table
    assert rep.versus.closer in ("312", "519")


def _same(a: AnalogReport, b: AnalogReport) -> None:
    da: dict[str, Any] = a.to_dict()
    db: dict[str, Any] = b.to_dict()
    assert da == db


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    day=st.dates(min_value=dt.date(1996, 1, 1), max_value=dt.date(2026, 6, 30)).filter(
        lambda d: d.weekday() < 5
    )
)
def test_point_in_time_store_read_up_to_the_day(
    full_engine: AnalogEngine, loaded_settings: Settings, day: dt.date
) -> None:
    """Analogs and forward moves from the store read up to D equal those from everything."""
    cut = usecases.analog_engine(loaded_settings, as_of=day).search(day, top=5)
    _same(full_engine.search(day, top=5), cut)


@pytest.mark.slow
def test_point_in_time_store_cut_by_ingest_until(
    full_engine: AnalogEngine, data_dir: Path, tmp_path: Path
) -> None:
    """A store loaded with ``ingest --until D`` answers exactly like the full store."""
    day = dt.date(2019, 6, 14)
    cut_settings = Settings.from_env({"RISKOFF_HOME": str(tmp_path / "cut")})
    usecases.ingest(data_dir, until=day, settings=cut_settings)
    rep = usecases.analogs(day, top=5, settings=cut_settings)
    _same(full_engine.search(day, top=5), rep)
    # analogs within three months of D: their forward moves stop at D and say so
    recent = [a for a in (*rep.analogs, *rep.nearest_days) if (day - a.day).days < 95]
    for a in recent:
        assert not a.complete
        assert a.known_through == day


def test_analogs_for_diagnose_block(full_engine: AnalogEngine, loaded_settings: Settings) -> None:
    brief = usecases.analogs_for("2020-03-12", top=3, settings=loaded_settings)
    assert len(brief) == 3
    assert all(set(b) == {"episode", "name", "similarity"} for b in brief)
    assert brief == full_engine.search(dt.date(2020, 3, 12), top=3).brief()


def test_cli_json_and_errors(
    loaded_settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RISKOFF_HOME", str(loaded_settings.home))
    code, out, _ = run_cli(["analogs", "2021-05-19", "--top", "3", "--json"], capsys)
    assert code == 0
    d = json.loads(out)
    assert d["date"] == "2021-05-19"
    assert len(d["analogs"]) == 3
    assert {"episode", "name", "window", "similarity", "kind", "why", "forward", "complete"} <= set(
        d["analogs"][0]
    )
    assert set(d["base_rate"]["sp500"]["3m"]) == {"median", "p25", "p75", "n"}
    assert "versus_312_519" in d
    code, _, err = run_cli(["analogs", "2021-13-40"], capsys)
    assert code == 2
    assert "not a valid" in err
    code, _, err = run_cli(["analogs", "1970-01-02"], capsys)
    assert code == 2
    assert err.startswith("riskoff: error:")
