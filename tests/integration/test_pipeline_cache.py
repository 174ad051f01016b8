"""The on-disk cache of the panel and feature table: same answers, rebuilt on any load."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from riskoff import pipeline
from riskoff.config import Settings
from riskoff.indicators.features import daily_features
from riskoff.providers.folder import read_folder
from riskoff.store import Store

SYMBOLS = ["yahoo:^GSPC", "yahoo:GC=F", "yahoo:DX-Y.NYB", "fred:DGS10"]


def _home(tmp_path: Path, data_dir: Path, until: str) -> Settings:
    settings = Settings.from_env({"RISKOFF_HOME": str(tmp_path / "home")})
    data = read_folder(data_dir, symbols=SYMBOLS, until=pd.Timestamp(until).date())
    with Store(settings.store_path) as st:
        st.load(data.frames, {}, kind="ingest", source="test")
    return settings


def test_cache_matches_a_fresh_build_and_follows_loads(tmp_path: Path, data_dir: Path) -> None:
    settings = _home(tmp_path, data_dir, "2019-12-31")
    _, table = pipeline.panel_and_features(settings)
    files = list((settings.home / "cache").glob("features-*.pkl"))
    assert len(files) == 1
    fresh = daily_features(pipeline.load_panel(settings))
    pd.testing.assert_frame_equal(table, fresh)
    _, again = pipeline.panel_and_features(settings)  # from the file
    pd.testing.assert_frame_equal(again, table)

    # a new load changes the store version: the cache is rebuilt and the old file removed
    data = read_folder(data_dir, symbols=SYMBOLS, until=pd.Timestamp("2020-06-30").date())
    with Store(settings.store_path) as st:
        st.load(data.frames, {}, kind="update", source="test")
    _, newer = pipeline.panel_and_features(settings)
    assert newer.index[-1] > table.index[-1]
    assert [p.name for p in (settings.home / "cache").glob("features-*.pkl")] != [files[0].name]
    assert len(list((settings.home / "cache").glob("features-*.pkl"))) == 1


def test_corrupt_cache_is_rebuilt(tmp_path: Path, data_dir: Path) -> None:
    settings = _home(tmp_path, data_dir, "2019-12-31")
    _, table = pipeline.panel_and_features(settings)
    (target,) = (settings.home / "cache").glob("features-*.pkl")
    target.write_bytes(b"not a pickle")
    _, rebuilt = pipeline.panel_and_features(settings)
    pd.testing.assert_frame_equal(rebuilt, table)


class _NoStore:
    """Stands in for the store class: any attempt to open the database fails the test."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("the database was opened on a warm start")


def test_warm_start_reads_the_cache_without_opening_the_database(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _home(tmp_path, data_dir, "2019-12-31")
    _, table = pipeline.panel_and_features(settings)
    with monkeypatch.context() as m:
        m.setattr("riskoff.store.Store", _NoStore)
        pnl, again = pipeline.panel_and_features(settings)
    pd.testing.assert_frame_equal(again, table)
    # what a diagnosis derives from the table came with it
    assert "relative_params" in pnl.cache
    assert any(k.startswith("analog_engine-") for k in pnl.cache)
    assert pipeline.relative_params_of(pnl, again) is pnl.cache["relative_params"]

    # any write moves the store's files: the stamp no longer matches, the database is
    # read again and the new data is served (never the stale cache)
    data = read_folder(data_dir, symbols=SYMBOLS, until=pd.Timestamp("2020-03-31").date())
    with Store(settings.store_path) as st:
        st.load(data.frames, {}, kind="update", source="test")
    with monkeypatch.context() as m:
        m.setattr("riskoff.store.Store", _NoStore)
        with pytest.raises(AssertionError, match="database was opened"):
            pipeline.panel_and_features(settings)
    _, newer = pipeline.panel_and_features(settings)
    assert newer.index[-1] > table.index[-1]


def test_a_lying_stamp_falls_back_to_the_database(tmp_path: Path, data_dir: Path) -> None:
    settings = _home(tmp_path, data_dir, "2019-12-31")
    _, table = pipeline.panel_and_features(settings)
    stamp = settings.home / "cache" / "store.stamp"
    first_line = stamp.read_text("utf-8").split("\n")[0]
    stamp.write_text(f"{first_line}\n999\n", encoding="utf-8")  # no such cache file
    _, again = pipeline.panel_and_features(settings)
    pd.testing.assert_frame_equal(again, table)
    assert stamp.read_text("utf-8").split("\n")[1] != "999"


def test_the_cached_analog_engine_follows_the_episode_catalogue(
    tmp_path: Path, data_dir: Path
) -> None:
    settings = _home(tmp_path, data_dir, "2019-12-31")
    pnl, table = pipeline.panel_and_features(settings)
    before = pipeline.analog_engine_from(pnl, table, settings=settings)
    assert pipeline.analog_engine_from(pnl, table, settings=settings) is before
    (settings.home / "episodes.toml").write_text(
        '[[episode]]\nid = "my-crash-2019"\nname = "Mine"\nstart = 2019-05-06\n'
        'end = 2019-05-13\ncategory = "equity_crash"\nsuspect = "policy"\n'
        'description = "one.\\ntwo."\nsource = { author = "A", title = "T", year = 2019 }\n',
        encoding="utf-8",
    )
    after = pipeline.analog_engine_from(pnl, table, settings=settings)
    assert after is not before
    assert "my-crash-2019" in {e.id for e in after.episodes}
    # a table that is not the panel's own is never served from the panel's cache
    other = table.copy()
    assert pipeline.analog_engine_from(pnl, other, settings=settings) is not after
