"""The DuckDB store: schema versions, upserts, read-only use, one writer at a time."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from riskoff.errors import StoreBusyError, StoreError
from riskoff.store import Store
from riskoff.store.duckdb_store import SCHEMA_VERSION
from tests.unit.store.samples import INFO, series_frame


def test_new_store_has_current_schema(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as st:
        assert st.schema_version == SCHEMA_VERSION
        assert st.symbols() == []


def test_upsert_replaces_changed_values_only(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as st:
        r1 = st.load(
            {"t:A": series_frame(["2020-01-01", "2020-01-02"], [1, 2])},
            {"t:A": INFO},
            kind="ingest",
            source="x",
        )
        r2 = st.load(
            {"t:A": series_frame(["2020-01-02", "2020-01-03"], [2.5, 3])},
            {"t:A": INFO},
            kind="update",
            source="y",
        )
        assert (r1.total_changed, r2.total_changed) == (2, 2)
        frame = st.read(["t:A"])
        assert frame["value"].tolist() == [1.0, 2.5, 3.0]
        assert st.series_meta()["t:A"]["units"] == "index"
        assert [e["kind"] for e in st.load_log()] == ["update", "ingest"]


def test_read_filters_and_wide(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as st:
        st.load(
            {
                "t:A": series_frame(["2020-01-01", "2020-01-02"], [1, 2]),
                "t:B": series_frame(["2020-01-02", "2020-01-03"], [5, 6]),
            },
            {},
            kind="ingest",
            source="x",
        )
        wide = st.read_wide(["t:B", "t:A"], start=dt.date(2020, 1, 2))
        assert list(wide.columns) == ["t:B", "t:A"]
        assert pd.DatetimeIndex(wide.index).strftime("%Y-%m-%d").tolist() == [
            "2020-01-02",
            "2020-01-03",
        ]
        assert st.read([]).empty


def test_read_only_store_must_exist(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no store at"):
        Store(tmp_path / "none.duckdb", read_only=True)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    Store(path).close()
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(StoreError, match="newer than this riskoff"):
        Store(path)


def test_migrates_an_empty_legacy_file(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    duckdb.connect(str(path)).close()  # a DuckDB file with no riskoff tables (version 0)
    with Store(path) as st:
        assert st.schema_version == SCHEMA_VERSION


def test_second_writer_fails_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with Store(path) as st:
        st.load({"t:A": series_frame(["2020-01-01"], [1])}, {}, kind="ingest", source="x")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, time
                from riskoff.store import Store
                s = Store({str(path)!r})
                print("locked", flush=True)
                time.sleep(30)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        t0 = time.monotonic()
        with pytest.raises(StoreBusyError, match="in use by another riskoff process"):
            Store(path, wait=0.5)
        assert time.monotonic() - t0 < 10
    finally:
        holder.kill()
        holder.wait()
    with Store(path, read_only=True) as st:  # intact after the contention
        assert st.count("t:A") == 1
