"""The on-disk cache of workspaces: same answers, rebuilt on any load, any code change."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from riskoff import usecases
from riskoff.config import Settings
from riskoff.indicators.features import daily_features
from riskoff.providers.folder import read_folder
from riskoff.store import Store
from riskoff.usecases.cache import load_workspace

SYMBOLS = ["yahoo:^GSPC", "yahoo:GC=F", "yahoo:DX-Y.NYB", "fred:DGS10"]


def _home(tmp_path: Path, data_dir: Path, until: str) -> Settings:
    settings = Settings.from_env({"RISKOFF_HOME": str(tmp_path / "home")})
    data = read_folder(data_dir, symbols=SYMBOLS, until=pd.Timestamp(until).date())
    with Store(settings.store_path) as st:
        st.load(data.frames, {}, kind="ingest", source="test")
    return settings


def _files(settings: Settings) -> list[Path]:
    return sorted((settings.home / "cache").glob("workspace-*.pkl"))


def test_cache_matches_a_fresh_build_and_follows_loads(tmp_path: Path, data_dir: Path) -> None:
    settings = _home(tmp_path, data_dir, "2019-12-31")
    ws = load_workspace(settings)
    files = _files(settings)
    assert len(files) == 1
    fresh = daily_features(usecases.load_panel(settings))
    pd.testing.assert_frame_equal(ws.table, fresh)
    again = load_workspace(settings)  # from the file
    pd.testing.assert_frame_equal(again.table, ws.table)
    pd.testing.assert_frame_equal(again.params, ws.params)

    # a new load changes the store version: the cache is rebuilt and the old file removed
    data = read_folder(data_dir, symbols=SYMBOLS, until=pd.Timestamp("2020-06-30").date())
    with Store(settings.store_path) as st:
        st.load(data.frames, {}, kind="update", source="test")
    newer = load_workspace(settings)
    assert newer.table.index[-1] > ws.table.index[-1]
    assert newer.store_key != ws.store_key
    assert [p.name for p in _files(settings)] != [files[0].name]
    assert len(_files(settings)) == 1


def test_corrupt_cache_is_rebuilt(tmp_path: Path, data_dir: Path) -> None:
    settings = _home(tmp_path, data_dir, "2019-12-31")
    ws = load_workspace(settings)
    (target,) = _files(settings)
    target.write_bytes(b"not a pickle")
    rebuilt = load_workspace(settings)
    pd.testing.assert_frame_equal(rebuilt.table, ws.table)


class _NoStore:
    """Stands in for the store class: any attempt to open the database fails the test."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("the database was opened on a warm start")


def test_warm_start_reads_the_cache_without_opening_the_database(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _home(tmp_path, data_dir, "2019-12-31")
    ws = load_workspace(settings)
    with monkeypatch.context() as m:
        m.setattr("riskoff.store.Store", _NoStore)
        again = load_workspace(settings)
    pd.testing.assert_frame_equal(again.table, ws.table)
    # what a diagnosis derives from the table came with it
    pd.testing.assert_frame_equal(again.params, ws.params)
    assert list(again.engine.dates) == list(ws.engine.dates)

    # any write moves the store's files: the stamp no longer matches, the database is
    # read again and the new data is served (never the stale cache)
    data = read_folder(data_dir, symbols=SYMBOLS, until=pd.Timestamp("2020-03-31").date())
    with Store(settings.store_path) as st:
        st.load(data.frames, {}, kind="update", source="test")
    with monkeypatch.context() as m:
        m.setattr("riskoff.store.Store", _NoStore)
        with pytest.raises(AssertionError, match="database was opened"):
            load_workspace(settings)
    newer = load_workspace(settings)
    assert newer.table.index[-1] > ws.table.index[-1]


def test_a_lying_stamp_falls_back_to_the_database(tmp_path: Path, data_dir: Path) -> None:
    settings = _home(tmp_path, data_dir, "2019-12-31")
    ws = load_workspace(settings)
    stamp = settings.home / "cache" / "store.stamp"
    first_line = stamp.read_text("utf-8").split("\n")[0]
    stamp.write_text(f"{first_line}\nnot-a-store.999\n", encoding="utf-8")  # no such cache file
    again = load_workspace(settings)
    pd.testing.assert_frame_equal(again.table, ws.table)
    assert stamp.read_text("utf-8").split("\n")[1] != "not-a-store.999"


def test_the_cached_analog_engine_follows_the_episode_catalogue(
    tmp_path: Path, data_dir: Path
) -> None:
    settings = _home(tmp_path, data_dir, "2019-12-31")
    before = load_workspace(settings)
    assert "my-crash-2019" not in {e.id for e in before.engine.episodes}
    (settings.home / "episodes.toml").write_text(
        '[[episode]]\nid = "my-crash-2019"\nname = "Mine"\nstart = 2019-05-06\n'
        'end = 2019-05-13\ncategory = "equity_crash"\nsuspect = "policy"\n'
        'description = "one.\\ntwo."\nsource = { author = "A", title = "T", year = 2019 }\n',
        encoding="utf-8",
    )
    after = load_workspace(settings)
    assert "my-crash-2019" in {e.id for e in after.engine.episodes}


def test_a_code_change_anywhere_in_the_import_graph_rebuilds(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from riskoff.usecases import cache

    settings = _home(tmp_path, data_dir, "2019-12-31")
    load_workspace(settings)
    (first,) = _files(settings)
    monkeypatch.setattr(cache, "code_fingerprint", lambda s: "0123456789abcdef")
    load_workspace(settings)
    (second,) = _files(settings)
    assert second.name != first.name
    assert second.name.endswith("-0123456789abcdef.pkl")
