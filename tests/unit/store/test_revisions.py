"""Revisions are kept, removals are explicit, vintages can be read back, and files with
no riskoff data read as an empty store."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import duckdb
import pytest

from riskoff.errors import EmptyStoreError, InputError
from riskoff.store import Store, StoreIdentity
from tests.unit.store.samples import INFO, series_frame

DAYS = ["2020-01-01", "2020-01-02", "2020-01-03"]


def _ingest(st: Store, days: list[str], values: list[float], **kw: object) -> object:
    return st.load(
        {"t:A": series_frame(days, values)},
        {"t:A": INFO},
        kind="ingest",
        source="folder:x",
        snapshot=True,
        **kw,  # type: ignore[arg-type]
    )


def _rows(st: Store) -> list[tuple[object, ...]]:
    return st._con.execute(
        "SELECT symbol, date, value, source, loaded_at, known_at, vanished_at FROM observations"
        " ORDER BY date"
    ).fetchall()


def test_identical_reload_writes_nothing(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as st:
        _ingest(st, DAYS, [1, 2, 3])
        rows, meta = _rows(st), st.fetched_at()
        ident = st.identity
        report = _ingest(st, DAYS, [1, 2, 3])
        assert _rows(st) == rows
        assert st.fetched_at() == meta  # updated_at is not rewritten
        assert st.identity == ident
        assert st.revisions("t:A") == []
        assert report.total_changed == 0  # type: ignore[attr-defined]


def test_changed_value_goes_to_revisions(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as st:
        _ingest(st, DAYS, [1, 2, 3])
        first_loaded = _rows(st)[0][4]
        report = st.load(
            {"t:A": series_frame(["2020-01-02"], [2.5])},
            {"t:A": INFO},
            kind="update",
            source="update:fred",
            sources={"t:A": "fred"},
        )
        assert report.revised == {"t:A": 1}
        [rev] = st.revisions("t:A")
        assert (rev.date, rev.value, rev.source, rev.reason) == (
            dt.date(2020, 1, 2),
            2.0,
            "folder:x",
            "changed",
        )
        assert rev.replaced_by == "fred"
        assert rev.known_at == first_loaded
        assert st.read(["t:A"])["value"].tolist() == [1.0, 2.5, 3.0]
        # untouched rows keep when they were loaded
        assert _rows(st)[0][4] == first_loaded


def test_vanished_rows_are_kept_marked_and_reported(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as st:
        _ingest(st, DAYS, [1, 2, 3])
        v = st.identity.version
        report = _ingest(st, ["2020-01-01", "2020-01-03"], [1, 3])
        assert report.vanished == {"t:A": 1}  # type: ignore[attr-defined]
        assert st.read(["t:A"])["value"].tolist() == [1.0, 2.0, 3.0]
        [(day, value, source, _when)] = st.vanished("t:A")
        assert (day, value, source) == (dt.date(2020, 1, 2), 2.0, "folder:x")
        assert st.identity.version == v + 1
        # the same snapshot again: nothing new vanished, nothing changes
        again = _ingest(st, ["2020-01-01", "2020-01-03"], [1, 3])
        assert again.vanished == {}  # type: ignore[attr-defined]
        assert st.identity.version == v + 1
        # the row comes back: the mark goes
        _ingest(st, DAYS, [1, 2, 3])
        assert st.vanished("t:A") == []


def test_update_compares_only_inside_its_window(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as st:
        st.load({"t:A": series_frame(DAYS, [1, 2, 3])}, {"t:A": INFO}, kind="update", source="fred")
        report = st.load(
            {"t:A": series_frame(["2020-01-03", "2020-01-04"], [3, 4])},
            {"t:A": INFO},
            kind="update",
            source="fred",
        )
        assert report.vanished == {}
        assert st.count("t:A") == 4


def test_removal_needs_force_and_keeps_values(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as st:
        _ingest(st, DAYS, [1, 2, 3])
        before, ident = st.checksum(), st.identity
        with pytest.raises(InputError, match=r"remove 2 stored observations dated after 2020"):
            _ingest(st, DAYS[:1], [1], replace_after=dt.date(2020, 1, 1))
        assert (st.checksum(), st.identity) == (before, ident)
        report = _ingest(st, DAYS[:1], [1], replace_after=dt.date(2020, 1, 1), force=True)
        assert report.removed == {"t:A": 2}  # type: ignore[attr-defined]
        assert st.count("t:A") == 1
        assert sorted((r.date.day, r.value, r.reason) for r in st.revisions("t:A")) == [
            (2, 2.0, "removed"),
            (3, 3.0, "removed"),
        ]


def test_cut_into_an_empty_store_needs_no_force(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as st:
        _ingest(st, DAYS[:2], [1, 2], replace_after=dt.date(2020, 1, 2))
        assert st.count() == 2


@pytest.mark.parametrize("bad", [float("inf"), float("-inf"), float("nan")])
def test_non_finite_values_are_refused(tmp_path: Path, bad: float) -> None:
    with Store(tmp_path / "s.duckdb") as st:
        _ingest(st, DAYS, [1, 2, 3])
        before, ident = st.checksum(), st.identity
        with pytest.raises(InputError, match="not a finite number"):
            _ingest(st, DAYS, [1, bad, 3])
        assert (st.checksum(), st.identity) == (before, ident)


def test_read_as_known_at_gives_each_vintage(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as st:
        t0 = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        time.sleep(0.01)
        _ingest(st, DAYS, [1, 2, 3])
        time.sleep(0.01)
        t1 = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        time.sleep(0.01)
        _ingest(st, [*DAYS, "2020-01-04"], [1, 2.5, 3, 4])
        time.sleep(0.01)
        t2 = dt.datetime.now(dt.UTC)  # aware times work too
        time.sleep(0.01)
        _ingest(st, DAYS[:2], [1, 2.5], replace_after=dt.date(2020, 1, 2), force=True)

        def at(t: dt.datetime) -> list[float]:
            return st.read(["t:A"], as_known_at=t)["value"].tolist()

        assert at(t0) == []
        assert at(t1) == [1.0, 2.0, 3.0]
        assert at(t2) == [1.0, 2.5, 3.0, 4.0]
        assert at(dt.datetime.now(dt.UTC)) == [1.0, 2.5] == st.read(["t:A"])["value"].tolist()


def test_declared_vintage_is_recorded(tmp_path: Path) -> None:
    vintage = dt.datetime(2021, 6, 1)
    with Store(tmp_path / "s.duckdb") as st:
        _ingest(st, DAYS, [1, 2, 3], known_at=vintage)
        assert {r[5] for r in _rows(st)} == {vintage}
        assert st.read(["t:A"], as_known_at=dt.datetime(2021, 5, 31)).empty
        assert len(st.read(["t:A"], as_known_at=vintage)) == 3


def _assert_reads_empty(path: Path) -> None:
    with Store(path, read_only=True) as st:
        assert st.symbols() == []
        assert st.read().empty
        assert st.last_dates() == {}
        assert st.load_log() == []
        assert st.coverage().empty
        assert st.revisions("t:A") == []
        assert st.identity == StoreIdentity("", 0)


def test_duckdb_file_with_no_tables_reads_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    duckdb.connect(str(path)).close()
    _assert_reads_empty(path)
    with Store(path) as st:  # the next write makes it a store
        _ingest(st, DAYS, [1, 2, 3])
    with Store(path, read_only=True) as st:
        assert st.count() == 3


def test_foreign_duckdb_file_reads_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE something_else (x INTEGER)")
    con.close()
    _assert_reads_empty(path)


def test_zero_byte_file_reads_as_empty_and_is_replaced_by_a_write(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    path.write_bytes(b"")
    _assert_reads_empty(path)
    with Store(path) as st:
        _ingest(st, DAYS, [1, 2, 3])
        assert st.count() == 3


def test_file_that_is_not_duckdb_is_refused_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    path.write_text("my notes, not a database\n" * 50)
    for read_only in (True, False):
        with pytest.raises(EmptyStoreError, match="not a riskoff store") as info:
            Store(path, read_only=read_only)
        assert "\n" not in str(info.value)
        assert "riskoff ingest" in str(info.value)
    assert path.read_text().startswith("my notes")


def test_legacy_schema_2_store_reads_and_migrates(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with Store(path) as st:
        _ingest(st, DAYS, [1, 2, 3])
        # make it look like schema 2: no revisions, no known_at/vanished_at
        st._con.execute("DROP TABLE revisions")
        st._con.execute("ALTER TABLE observations DROP COLUMN known_at")
        st._con.execute("ALTER TABLE observations DROP COLUMN vanished_at")
        st._con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    with Store(path, read_only=True) as st:
        assert st.read()["value"].tolist() == [1.0, 2.0, 3.0]
        assert st.revisions("t:A") == []
        assert st.vanished("t:A") == []
        assert len(st.read(as_known_at=dt.datetime.now(dt.UTC))) == 3
    with Store(path) as st:
        _ingest(st, DAYS, [1, 2, 4])
        assert [r.value for r in st.revisions("t:A")] == [3.0]
