"""The bad-input matrix across every command: exit code 2, one line naming the problem,
no traceback, and nothing stored is changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from riskoff.config import Settings
from riskoff.diagnosis import load_suspects
from riskoff.store import Store
from tests.helpers import run_cli

pytestmark = pytest.mark.integration

CASES: dict[str, tuple[list[str], str]] = {
    # dates: malformed, impossible, after the data, before any data, reversed windows
    "diagnose malformed date": (["diagnose", "2020-13-01"], "2020-13-01"),
    "diagnose impossible date": (["diagnose", "2020-02-30"], "2020-02-30"),
    "diagnose words for a date": (["diagnose", "tomorrow"], "tomorrow"),
    "diagnose future date": (["diagnose", "2099-01-01"], "2099-01-01"),
    "diagnose before any data": (["diagnose", "1900-01-02"], "1900-01-02"),
    "diagnose reversed window": (
        ["diagnose", "2020-03-19", "--window", "2020-03-19:2020-03-09"],
        "reversed",
    ),
    "diagnose malformed window": (["diagnose", "2020-03-19", "--window", "last week"], "window"),
    "diagnose unknown moment": (["diagnose", "2020-03-12", "--as-of", "noon"], "--as-of"),
    "scan unknown moment": (["scan", "2020-03-09", "2020-03-13", "--as-of", "noon"], "--as-of"),
    "scan reversed range": (["scan", "2020-03-19", "2020-03-09"], "2020-03"),
    "scan malformed start": (["scan", "2020-3-1", "2020-03-09"], "2020-3-1"),
    "analogs malformed date": (["analogs", "12/03/2020"], "12/03/2020"),
    "analogs future date": (["analogs", "2099-01-01"], "2099-01-01"),
    "analogs zero top": (["analogs", "2020-03-12", "--top", "0"], "top"),
    "stress-index malformed start": (["stress-index", "--start", "2020-02-30"], "2020-02-30"),
    "stress-index reversed": (
        ["stress-index", "--start", "2020-03-19", "--end", "2020-03-09"],
        "2020-03",
    ),
    "report malformed date": (["report", "2020-02-30", "-o", "{tmp}/r.html"], "2020-02-30"),
    "report unwritable output": (
        ["report", "2020-03-12", "-o", "{tmp}/file.txt/r.html"],
        "r.html",
    ),
    "stress missing portfolio": (["stress", "{tmp}/none.csv"], "none.csv"),
    "update unknown symbol": (["update", "--symbols", "nope:NOTHING"], "nope:NOTHING"),
    "series unknown option": (["series", "--colour"], "--colour"),
    # destructive or impossible loads: refused, saying why, nothing changed
    "ingest until before the folder's first day": (
        ["ingest", "{data}", "--until", "1900-01-01"],
        "before the first observation",
    ),
    "ingest until that would remove observations": (
        ["ingest", "{data}", "--until", "2012-12-31"],
        "add --force",
    ),
    "series revisions without a symbol": (["series", "--revisions"], "needs a SYMBOL"),
    "series revisions of an unknown symbol": (
        ["series", "nope:NOTHING", "--revisions"],
        "nope:NOTHING",
    ),
    "series of an unknown symbol": (["series", "nope:NOTHING"], "nope:NOTHING"),
    # click usage errors: one line too (no usage box)
    "unknown command": (["frobnicate"], "frobnicate"),
    "analogs missing date": (["analogs"], "date"),
    "analogs top not a number": (["analogs", "2020-03-12", "--top", "x"], "--top"),
    "diagnose unknown option": (["diagnose", "2020-03-12", "--top", "3"], "--top"),
    # ISO week and ordinal dates are not YYYY-MM-DD days
    "diagnose ISO week date": (["diagnose", "2020-W11-4"], "2020-W11-4"),
    "analogs ISO week date": (["analogs", "2020-W11-4"], "2020-W11-4"),
    "scan ISO week start": (["scan", "2020-W11-1", "2020-03-20"], "2020-W11-1"),
    "diagnose compact date": (["diagnose", "20200312"], "20200312"),
    "report ISO week date": (["report", "2020-W11-4", "-o", "{tmp}/r.html"], "2020-W11-4"),
    "report date outside its window": (
        ["report", "2020-03-20", "--window", "2020-03-09:2020-03-19", "-o", "{tmp}/r.html"],
        "outside the window",
    ),
    # evaluate: labels files and sets
    "evaluate missing labels file": (["evaluate", "{tmp}/none.csv"], "none.csv"),
    "evaluate labels without suspects column": (["evaluate", "{tmp}/nocol.csv"], "suspects"),
    "evaluate unknown suspect id": (["evaluate", "{tmp}/alien.csv"], "aliens"),
    "evaluate bad date": (["evaluate", "{tmp}/baddate.csv"], "2020-02-30"),
    "evaluate reversed window": (["evaluate", "{tmp}/reversed.csv"], "reversed"),
    "evaluate not utf-8": (["evaluate", "{tmp}/latin1.csv"], "UTF-8"),
    "evaluate unknown set": (["evaluate", "--set", "tweets"], "tweets"),
    "evaluate file and set": (["evaluate", "{tmp}/alien.csv", "--set", "probes"], "--set"),
    "evaluate neither file nor set": (["evaluate"], "--set"),
    "evaluate missing data folder": (
        ["evaluate", "--set", "newspapers", "--data", "{tmp}/nowhere"],
        "nowhere",
    ),
}

LABEL_FILES = {
    "nocol.csv": b"date,cause\n2020-03-16,liquidity\n",
    "alien.csv": b"date,suspects\n2020-03-16,liquidity|aliens\n",
    "baddate.csv": b"date,suspects\n2020-02-30,liquidity\n",
    "reversed.csv": b"date,suspects\n2020-03-19:2020-03-09,liquidity\n",
    "latin1.csv": "date,suspects,why\n2020-03-16,liquidity,caf\u00e9\n".encode("latin-1"),
}


@pytest.mark.parametrize("name", list(CASES), ids=list(CASES))
def test_bad_input_exit_2_one_line_store_unchanged(
    name: str,
    loaded_settings: Settings,
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    args, needle = CASES[name]
    (tmp_path / "file.txt").write_text("a file where a folder is expected")
    for fname, body in LABEL_FILES.items():
        (tmp_path / fname).write_bytes(body)
    args = [a.replace("{tmp}", str(tmp_path)).replace("{data}", str(data_dir)) for a in args]
    monkeypatch.setenv("RISKOFF_HOME", str(loaded_settings.home))
    with Store(loaded_settings.store_path, read_only=True) as st:
        before = st.checksum(), st.identity
    code, _out, err = run_cli(args, capsys)
    assert code == 2, err
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert needle in err
    with Store(loaded_settings.store_path, read_only=True) as st:
        assert (st.checksum(), st.identity) == before


@pytest.mark.parametrize(
    ("what", "needle"),
    [("file", "is a file, not a folder")],
)
def test_riskoff_home_that_is_not_a_folder(
    what: str,
    needle: str,
    loaded_settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = tmp_path / "home"
    target.write_text("not a folder")
    monkeypatch.setenv("RISKOFF_HOME", str(target))
    for args in (["series"], ["diagnose", "2020-03-12"], ["ingest", str(tmp_path)]):
        code, _out, err = run_cli(args, capsys)
        assert code == 2, err
        assert "Traceback" not in err
        assert len(err.strip().splitlines()) == 1, err
        assert needle in err
    assert target.read_text() == "not a folder"


def test_an_unexpected_error_is_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("first line of a bug\nsecond line\nthird line")

    monkeypatch.setenv("RISKOFF_HOME", str(tmp_path))
    monkeypatch.setattr("riskoff.usecases.series_data.coverage", boom)
    monkeypatch.delenv("RISKOFF_DEBUG", raising=False)
    code, _out, err = run_cli(["series"], capsys)
    assert code == 1
    assert err.strip().splitlines() == [
        "riskoff: unexpected error: RuntimeError: first line of a bug "
        "(set RISKOFF_DEBUG=1 for a traceback)"
    ]
    monkeypatch.setenv("RISKOFF_DEBUG", "1")
    with pytest.raises(RuntimeError, match="first line"):
        run_cli(["series"], capsys)


def test_weekend_day_is_diagnosed_with_closed_markets_said(
    loaded_settings: Settings,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import json

    monkeypatch.setenv("RISKOFF_HOME", str(loaded_settings.home))
    code, out, err = run_cli(["diagnose", "2021-05-22", "--json"], capsys)  # a Saturday
    assert code == 0, err
    doc = json.loads(out)
    assert doc["date"] == "2021-05-22"
    assert {s["id"] for s in doc["suspects"]} == {s.id for s in load_suspects()}
    text = json.dumps(doc).lower()
    assert "closed" in text or "carry" in text or "weekend" in text


_ENTRY = (
    '[[series]]\nsymbol = "fred:MYSERIES"\nname = "my_series"\nasset_class = "rates"\n'
    'role = "reference"\nunits = "percent"\nfrequency = "business-daily"\n'
)

BAD_CATALOGS: dict[str, tuple[bytes, str]] = {
    # a user's $RISKOFF_HOME/catalog.toml: encodings, types, non-finite numbers, typos
    "catalog in Latin-1": (
        _ENTRY.replace("my_series", "caf\u00e9").encode("latin-1"),
        "not UTF-8 text (byte 0xe9 on line 3)",
    ),
    "catalog series is a number": (b"series = 5\n", "'series' must be [[series]] tables"),
    "catalog series is text": (b'series = "x"\n', "'series' must be [[series]] tables"),
    "catalog entry is not a table": (b"series = [1, 2]\n", "entry 1: a [[series]] entry"),
    "catalog number for text": (
        _ENTRY.replace('units = "percent"', "units = 5").encode(),
        "entry 1 (fred:MYSERIES): units must be text in quotes, not the number 5",
    ),
    "catalog infinite number": (
        _ENTRY.replace('units = "percent"', "units = inf").encode(),
        "units must be text in quotes, not the number inf",
    ),
    "catalog nan": (
        (_ENTRY + "lag = nan\n").encode(),
        "lag must be text in quotes, not the number nan",
    ),
    "catalog list for text": (
        _ENTRY.replace('role = "reference"', 'role = ["a", "b"]').encode(),
        "role must be text in quotes, not the list",
    ),
    "catalog unknown key": (
        (_ENTRY + 'frequncy = "daily"\n').encode(),
        "entry 1 (fred:MYSERIES): unknown key 'frequncy'",
    ),
    "catalog unknown table": (
        _ENTRY.replace("[[series]]", "[[serie]]").encode(),
        "unknown table or key 'serie'",
    ),
    "catalog not TOML": (b"[[series]\nsymbol = \n", "not valid TOML"),
}


@pytest.mark.parametrize("name", list(BAD_CATALOGS), ids=list(BAD_CATALOGS))
def test_bad_user_catalog_exit_2_one_line_store_unchanged(
    name: str,
    loaded_settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    content, needle = BAD_CATALOGS[name]
    home = tmp_path / "home"
    home.mkdir()
    # the loaded store, read through a link: this home's own catalogue is the bad one
    (home / "riskoff.duckdb").symlink_to(loaded_settings.store_path)
    (home / "catalog.toml").write_bytes(content)
    monkeypatch.setenv("RISKOFF_HOME", str(home))
    with Store(loaded_settings.store_path, read_only=True) as st:
        before = st.checksum()
    code, _out, err = run_cli(["diagnose", "2020-03-12"], capsys)
    assert code == 2, err
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert str(home / "catalog.toml") in err
    assert needle in err
    with Store(loaded_settings.store_path, read_only=True) as st:
        assert st.checksum() == before
