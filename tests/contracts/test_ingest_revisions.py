"""``riskoff ingest`` never loses a stored value: cuts need --force, changed values are
kept as revisions, rows a folder dropped are kept and reported, and an identical
re-ingest changes nothing; ``riskoff series SYMBOL --revisions`` shows it all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from riskoff.config import Settings
from riskoff.store import Store
from tests.helpers import run_cli, write_folder

ROW = "test:A,a.csv,date,value,iso,asc,daily,index,2020-01-01,2020-12-31,na,"
V1 = "date,value\n2020-01-01,1\n2020-01-02,2\n2020-01-03,3\n2020-01-06,4\n"
V2 = "date,value\n2020-01-01,1\n2020-01-02,2.5\n2020-01-06,4\n2020-01-07,5\n"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    h = tmp_path / "home"
    monkeypatch.setenv("RISKOFF_HOME", str(h))
    return h


def _store(home: Path) -> Store:
    return Store(Settings.from_env({"RISKOFF_HOME": str(home)}).store_path, read_only=True)


def test_reingest_keeps_revisions_and_vanished_rows(
    tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_folder(tmp_path / "f", [ROW], {"a.csv": V1})
    assert run_cli(["ingest", str(folder)], capsys)[0] == 0
    with _store(home) as st:
        ident = st.identity
    code, out, _ = run_cli(["ingest", str(folder)], capsys)  # identical: nothing changes
    assert code == 0
    assert "0 new or changed" in out
    with _store(home) as st:
        assert st.identity == ident
    (folder / "a.csv").write_text(V2)
    code, out, _ = run_cli(["ingest", str(folder)], capsys)
    assert code == 0
    assert "2 new or changed" in out
    assert "1 revised (old values kept)" in out
    assert "1 stored rows no longer in the source, kept (test:A)" in out
    with _store(home) as st:
        assert st.identity.version == ident.version + 1
        assert st.read(["test:A"])["value"].tolist() == [1.0, 2.5, 3.0, 4.0, 5.0]
    code, out, _ = run_cli(["series", "test:A", "--revisions", "--json"], capsys)
    assert code == 0
    body = json.loads(out)
    assert body["symbol"] == "test:A"
    got = sorted((r["date"], r["value"], r["reason"]) for r in body["revisions"])
    assert got == [("2020-01-02", 2.0, "changed"), ("2020-01-03", 3.0, "vanished")]
    code, out, _ = run_cli(["series", "test:A", "--revisions"], capsys)
    assert code == 0
    assert "2 revisions" in out
    assert "vanished" in out


def test_cut_needs_force_and_keeps_what_it_removes(
    tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_folder(tmp_path / "f", [ROW], {"a.csv": V1})
    assert run_cli(["ingest", str(folder)], capsys)[0] == 0
    with _store(home) as st:
        before = st.checksum(), st.identity
    code, _out, err = run_cli(["ingest", str(folder), "--until", "2020-01-02"], capsys)
    assert code == 2
    assert err.strip().splitlines() == [
        "riskoff: error: this would remove 2 stored observations dated after 2020-01-02 "
        "(1 series); nothing was changed: add --force to remove them (their values are "
        "kept as revisions)"
    ]
    with _store(home) as st:
        assert (st.checksum(), st.identity) == before
    code, out, _ = run_cli(["ingest", str(folder), "--until", "2020-01-02", "--force"], capsys)
    assert code == 0
    assert "2 removed after 2020-01-02 (kept as revisions)" in out
    with _store(home) as st:
        assert st.count("test:A") == 2
        assert len(st.revisions("test:A")) == 2


def test_cut_folder_into_an_empty_store_needs_nothing(
    tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_folder(tmp_path / "f", [ROW], {"a.csv": V1})
    code, out, err = run_cli(["ingest", str(folder), "--until", "2020-01-02"], capsys)
    assert code == 0, err
    assert "0 removed after 2020-01-02" in out
    assert "kept as revisions" not in out


def test_until_before_the_folder_is_a_bad_input(
    tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_folder(tmp_path / "f", [ROW], {"a.csv": V1})
    code, _out, err = run_cli(["ingest", str(folder), "--until", "2019-12-31"], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "before the first observation" in err
    assert "(2020-01-01)" in err
    assert not (home / "riskoff.duckdb").exists()
