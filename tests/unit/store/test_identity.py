"""The store's identity: a random id per store file plus a version bumped by data changes."""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path

import duckdb
import pytest

from riskoff.store import Store, StoreIdentity
from tests.unit.store.samples import INFO, series_frame


def _load(st: Store, days: list[str], values: list[float]) -> None:
    st.load({"t:A": series_frame(days, values)}, {"t:A": INFO}, kind="ingest", source="x")


def test_new_store_has_random_id_and_version_zero(tmp_path: Path) -> None:
    with Store(tmp_path / "a.duckdb") as a, Store(tmp_path / "b.duckdb") as b:
        ia, ib = a.identity, b.identity
    assert isinstance(ia, StoreIdentity)
    assert ia.version == ib.version == 0
    assert ia.store_id != ib.store_id
    assert uuid.UUID(ia.store_id).version == 4
    with pytest.raises(dataclasses.FrozenInstanceError):
        ia.version = 3  # type: ignore[misc]


def test_identity_survives_reopen_and_read_only(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with Store(path) as st:
        _load(st, ["2020-01-01"], [1.0])
        ident = st.identity
    with Store(path, read_only=True) as st:
        assert st.identity == ident
    with Store(path) as st:
        assert st.identity == ident


def test_version_counts_changing_loads_only(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as st:
        v0 = st.identity
        _load(st, ["2020-01-01", "2020-01-02"], [1.0, 2.0])
        v1 = st.identity
        _load(st, ["2020-01-01", "2020-01-02"], [1.0, 2.0])  # identical: no change
        v2 = st.identity
        _load(st, ["2020-01-02"], [2.5])  # one value changed
        v3 = st.identity
        st.log_failure("update", "y", "boom")  # a failed load changes no data
        v4 = st.identity
    assert v0.store_id == v1.store_id == v3.store_id == v4.store_id
    assert (v0.version, v1.version, v2.version, v3.version, v4.version) == (0, 1, 1, 2, 2)


def test_failed_load_does_not_bump(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as st:
        before = st.identity
        with pytest.raises(Exception, match="injected"):
            st.load(
                {
                    "t:A": series_frame(["2020-01-01"], [1.0]),
                    "t:B": series_frame(["2020-01-01"], [1.0]),
                },
                {"t:A": INFO},
                kind="ingest",
                source="x",
                fail_after=1,
            )
        assert st.identity == before


def test_recreated_store_is_another_store(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with Store(path) as st:
        _load(st, ["2020-01-01"], [1.0])
        first = st.identity
    path.unlink()
    with Store(path) as st:
        _load(st, ["2020-01-01"], [1.0])
        second = st.identity
    assert first.version == second.version == 1
    assert first.store_id != second.store_id


def _make_v1_store(path: Path, started: str) -> None:
    """A store as schema version 1 wrote it: meta holds only schema_version."""
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.execute(
        """CREATE TABLE series (symbol VARCHAR PRIMARY KEY, name VARCHAR,
           description VARCHAR, asset_class VARCHAR, role VARCHAR, units VARCHAR,
           frequency VARCHAR, lag VARCHAR, adjusted VARCHAR, source VARCHAR,
           updated_at TIMESTAMP)"""
    )
    con.execute(
        """CREATE TABLE observations (symbol VARCHAR NOT NULL, date DATE NOT NULL,
           value DOUBLE NOT NULL, source VARCHAR, loaded_at TIMESTAMP,
           PRIMARY KEY (symbol, date))"""
    )
    con.execute("CREATE SEQUENCE load_log_id START 1")
    con.execute(
        """CREATE TABLE load_log (id BIGINT PRIMARY KEY DEFAULT nextval('load_log_id'),
           kind VARCHAR, source VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP,
           symbols INTEGER, rows_written BIGINT, status VARCHAR, message VARCHAR)"""
    )
    con.execute("INSERT INTO observations VALUES ('t:A', DATE '2020-01-01', 1.0, 'x', NULL)")
    for _ in range(3):
        con.execute(
            """INSERT INTO load_log (kind, source, started_at, finished_at, symbols,
               rows_written, status, message) VALUES ('ingest', 'x', ?, ?, 1, 1, 'ok', '')""",
            [started, started],
        )
    con.close()


def test_legacy_store_reads_a_stable_derived_identity(tmp_path: Path) -> None:
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    _make_v1_store(a, "2024-01-01 10:00:00")
    _make_v1_store(b, "2024-01-01 10:00:01")
    with Store(a, read_only=True) as st:
        derived = st.identity
        assert st.identity == derived
    with Store(b, read_only=True) as st:
        other = st.identity
    assert derived.version == 3
    assert derived.store_id != other.store_id
    # The next read-write open writes the derived identity, so caches keyed on it hold.
    with Store(a) as st:
        assert st.identity == derived
        _load(st, ["2020-01-02"], [2.0])
        assert st.identity == StoreIdentity(derived.store_id, derived.version + 1)


def test_file_without_tables_reads_as_empty_identity(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    duckdb.connect(str(path)).close()
    with Store(path, read_only=True) as st:
        assert st.identity == StoreIdentity("", 0)
