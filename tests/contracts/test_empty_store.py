"""Store files that hold no riskoff data (a DuckDB file with no tables, one with someone
else's tables, a zero-byte file left by a kill, a file that is not DuckDB at all) read as
an empty store: every command exits 2 with one line and the ingest hint, the API answers
503, and nothing is overwritten."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from riskoff.config import Settings
from tests.helpers import run_cli


def _no_tables(p: Path) -> None:
    duckdb.connect(str(p)).close()


def _foreign_tables(p: Path) -> None:
    con = duckdb.connect(str(p))
    con.execute("CREATE TABLE invoices (id INTEGER, amount DOUBLE)")
    con.execute("INSERT INTO invoices VALUES (1, 9.5)")
    con.close()


def _zero_bytes(p: Path) -> None:
    p.write_bytes(b"")


def _not_duckdb(p: Path) -> None:
    p.write_text("these are my notes, not a database\n" * 40)


FILES: dict[str, Callable[[Path], None]] = {
    "duckdb file with no tables": _no_tables,
    "duckdb file with foreign tables": _foreign_tables,
    "zero-byte file": _zero_bytes,
    "not a duckdb file": _not_duckdb,
}

COMMANDS = [
    ["diagnose", "2020-03-12"],
    ["analogs", "2020-03-12"],
    ["scan", "2020-03-02", "2020-03-10"],
    ["stress-index"],
    ["report", "2020-03-12", "-o", "{tmp}/r.html"],
    ["series", "yahoo:SPY", "--revisions"],
]


def _digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.mark.parametrize("kind", list(FILES), ids=list(FILES))
@pytest.mark.parametrize("args", COMMANDS, ids=[a[0] for a in COMMANDS])
def test_reads_as_an_empty_store_on_the_command_line(
    kind: str,
    args: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    store = home / "riskoff.duckdb"
    FILES[kind](store)
    before = _digest(store)
    monkeypatch.setenv("RISKOFF_HOME", str(home))
    code, _out, err = run_cli([a.replace("{tmp}", str(tmp_path)) for a in args], capsys)
    assert code == 2, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert "riskoff ingest" in err
    assert _digest(store) == before


@pytest.mark.parametrize("kind", list(FILES), ids=list(FILES))
def test_reads_as_an_empty_store_on_the_api(kind: str, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from riskoff.web.app import create_app

    home = tmp_path / "home"
    home.mkdir()
    FILES[kind](home / "riskoff.duckdb")
    settings = Settings.from_env({"RISKOFF_HOME": str(home)})
    with TestClient(
        create_app(settings), raise_server_exceptions=False, base_url="http://127.0.0.1"
    ) as c:
        for path in ("/api/series", "/api/diagnose/2020-03-12", "/api/series/yahoo:SPY"):
            r = c.get(path)
            assert r.status_code == 503, (path, r.status_code, r.text)
            msg = r.json()["error"]
            assert "\n" not in msg
            assert "riskoff ingest" in msg


@pytest.mark.parametrize("kind", ["duckdb file with no tables", "zero-byte file"])
def test_ingest_turns_an_empty_file_into_a_store(
    kind: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tests.helpers import write_folder

    home = tmp_path / "home"
    home.mkdir()
    FILES[kind](home / "riskoff.duckdb")
    folder = write_folder(
        tmp_path / "f",
        ["test:A,a.csv,date,value,iso,asc,daily,index,2020-01-01,2020-12-31,na,"],
        {"a.csv": "date,value\n2020-01-01,1\n2020-01-02,2\n"},
    )
    monkeypatch.setenv("RISKOFF_HOME", str(home))
    code, out, err = run_cli(["ingest", str(folder)], capsys)
    assert code == 0, err
    assert "2 new or changed" in out


def test_ingest_refuses_to_overwrite_a_file_that_is_not_a_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.helpers import write_folder

    home = tmp_path / "home"
    home.mkdir()
    store = home / "riskoff.duckdb"
    _not_duckdb(store)
    before = _digest(store)
    folder = write_folder(
        tmp_path / "f",
        ["test:A,a.csv,date,value,iso,asc,daily,index,2020-01-01,2020-12-31,na,"],
        {"a.csv": "date,value\n2020-01-01,1\n"},
    )
    monkeypatch.setenv("RISKOFF_HOME", str(home))
    code, _out, err = run_cli(["ingest", str(folder)], capsys)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1
    assert "not a riskoff store" in err
    assert _digest(store) == before
