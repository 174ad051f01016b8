"""The on-disk cache of the panel and feature table: same answers, rebuilt on any load."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

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
