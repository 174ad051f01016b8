"""Malformed data folders: a clear error naming the file, exit code 2, and the store intact."""

from __future__ import annotations

from pathlib import Path

import pytest

from riskoff import usecases
from riskoff.config import Settings
from riskoff.errors import DataFileError, StoreError
from riskoff.providers.folder import read_folder, read_index
from riskoff.store import Store
from tests.helpers import run_cli, write_folder

GOOD_ROW = "test:GOOD,good.csv,date,value,iso,asc,daily,index,2020-01-01,2020-12-31,na,"
GOOD_CSV = "date,value\n2020-01-01,1.0\n2020-01-02,2.0\n2020-01-03,3.0\n"


def _settings(home: Path) -> Settings:
    return Settings.from_env({"RISKOFF_HOME": str(home)})


def _loaded(home: Path, tmp_path: Path) -> tuple[int, int]:
    """A store that already holds test:GOOD; returns its checksum."""
    folder = write_folder(tmp_path / "seed", [GOOD_ROW], {"good.csv": GOOD_CSV})
    usecases.ingest(folder, settings=_settings(home))
    with Store(_settings(home).store_path, read_only=True) as st:
        return st.checksum()


BAD_CASES = {
    "bad header": (
        "test:BAD,bad.csv,date,value,iso,asc,daily,index,2020-01-01,2020-12-31,na,",
        "when,price\n2020-01-01,1\n",
        "no column 'date'",
    ),
    "non-numeric value": (
        "test:BAD,bad.csv,date,value,iso,asc,daily,index,2020-01-01,2020-12-31,na,",
        "date,value\n2020-01-01,1\n2020-01-02,abc\n",
        "line 3: value 'abc'",
    ),
    "duplicate date": (
        "test:BAD,bad.csv,date,value,iso,asc,daily,index,2020-01-01,2020-12-31,na,",
        "date,value\n2020-01-01,1\n2020-01-01,2\n",
        "duplicate date 2020-01-01",
    ),
    "empty file": (
        "test:BAD,bad.csv,date,value,iso,asc,daily,index,2020-01-01,2020-12-31,na,",
        "",
        "file is empty",
    ),
    "unknown date format": (
        "test:BAD,bad.csv,date,value,julian,asc,daily,index,2020-01-01,2020-12-31,na,",
        "date,value\n2020-01-01,1\n",
        "unknown date format 'julian'",
    ),
    "date not matching format": (
        "test:BAD,bad.csv,date,value,iso,asc,daily,index,2020-01-01,2020-12-31,na,",
        "date,value\n2020-01-01,1\n01/02/2020,2\n",
        "line 3: date '01/02/2020'",
    ),
    "missing file": (
        "test:BAD,nowhere.csv,date,value,iso,asc,daily,index,2020-01-01,2020-12-31,na,",
        None,
        "nowhere.csv: file does not exist",
    ),
    # non-finite numbers cost only their symbol, named with file and line
    "level_factor inf": (
        "test:BAD,bad.csv,date,value,iso,asc,daily,index,2020-01-01,2020-12-31,na,level_factor=inf",
        "date,value\n2020-01-01,1\n",
        "level_factor inf is not a finite number",
    ),
    "level_factor 1e999": (
        "test:BAD,bad.csv,date,value,iso,asc,daily,index,2020-01-01,2020-12-31,na,"
        "level_factor=1e999",
        "date,value\n2020-01-01,1\n",
        "INDEX.csv line 3 (test:BAD, bad.csv): level_factor inf is not a finite number",
    ),
    "level_factor nan": (
        "test:BAD,bad.csv,date,value,iso,asc,daily,index,2020-01-01,2020-12-31,na,level_factor=nan",
        "date,value\n2020-01-01,1\n",
        "level_factor nan is not a finite number",
    ),
    "level_factor that overflows a value": (
        "test:BAD,bad.csv,date,value,iso,asc,daily,index,2020-01-01,2020-12-31,na,"
        "level_factor=1e300",
        "date,value\n2020-01-01,1\n2020-01-02,1e10\n",
        "bad.csv line 3: value in column 'value' is not a finite number after level_factor",
    ),
    "inf value": (
        "test:BAD,bad.csv,date,value,iso,asc,daily,index,2020-01-01,2020-12-31,na,",
        "date,value\n2020-01-01,1\n2020-01-02,inf\n",
        "bad.csv line 3: value in column 'value' is not a finite number",
    ),
    "-Infinity value": (
        "test:BAD,bad.csv,date,value,iso,asc,daily,index,2020-01-01,2020-12-31,na,",
        "date,value\n2020-01-01,-Infinity\n",
        "bad.csv line 2: value in column 'value' is not a finite number",
    ),
    "1e999 value": (
        "test:BAD,bad.csv,date,value,iso,asc,daily,index,2020-01-01,2020-12-31,na,",
        "date,value\n2020-01-01,1e999\n",
        "bad.csv line 2: value in column 'value' is not a finite number",
    ),
    # INDEX oddities that cost only their symbol
    "date_format %Q": (
        "test:BAD,bad.csv,date,value,%Q,asc,daily,index,2020-01-01,2020-12-31,na,",
        "date,value\n2020-01-01,1\n",
        "date_format '%Q' is not a usable strftime pattern",
    ),
    "NUL byte in the file name": (
        "test:BAD,bad.csv\x00,date,value,iso,asc,daily,index,2020-01-01,2020-12-31,na,",
        None,
        "INDEX.csv line 3 (test:BAD): file name 'bad.csv\\x00' cannot be used",
    ),
    "unsorted rows": (
        "test:BAD,bad.csv,date,value,iso,asc,daily,index,2020-01-01,2020-12-31,na,",
        "date,value\n2020-01-02,1\n2020-01-01,2\n",
        "not in ascending date order",
    ),
}


@pytest.mark.parametrize("case", list(BAD_CASES), ids=list(BAD_CASES))
def test_bad_file_is_named_and_store_keeps_what_it_had(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    row, body, expected = BAD_CASES[case]
    home = tmp_path / "home"
    before = _loaded(home, tmp_path)
    files: dict[str, str | bytes] = {"good.csv": GOOD_CSV}
    if body is not None:
        files["bad.csv"] = body
    folder = write_folder(tmp_path / "bad", [GOOD_ROW, row], files)
    monkeypatch.setenv("RISKOFF_HOME", str(home))
    code, _out, err = run_cli(["ingest", str(folder)], capsys)
    assert code == 2
    assert expected in err
    assert "bad.csv" in err or "nowhere.csv" in err or "julian" in err
    assert "Traceback" not in err
    with Store(_settings(home).store_path, read_only=True) as st:
        assert st.checksum() == before  # GOOD re-loaded unchanged, BAD never written
        assert "test:BAD" not in st.symbols()


def test_good_symbols_still_load_beside_a_bad_one(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "f",
        [GOOD_ROW, "test:BAD,bad.csv,date,value,iso,asc,daily,index,2020-01-01,2020-12-31,na,"],
        {"good.csv": GOOD_CSV, "bad.csv": "date,value\n2020-01-01,x\n"},
    )
    result = usecases.ingest(folder, settings=_settings(tmp_path / "home"))
    assert list(result.report.rows_in) == ["test:GOOD"]
    assert len(result.errors) == 1
    assert result.errors[0].startswith("test:BAD: bad.csv line 2")


def test_exception_mid_load_leaves_store_exactly_as_before(tmp_path: Path) -> None:
    home = tmp_path / "home"
    rows = [
        GOOD_ROW,
        "test:TWO,two.csv,date,value,iso,asc,daily,index,2020-01-01,2020-12-31,na,",
    ]
    first = write_folder(
        tmp_path / "a", rows, {"good.csv": GOOD_CSV, "two.csv": "date,value\n2020-01-01,5\n"}
    )
    usecases.ingest(first, settings=_settings(home))
    with Store(_settings(home).store_path, read_only=True) as st:
        before = st.read()
        log_before = len(st.load_log())
    changed = write_folder(
        tmp_path / "b",
        rows,
        {
            "good.csv": "date,value\n2020-01-01,10\n2020-01-02,20\n2020-01-05,30\n",
            "two.csv": "date,value\n2020-01-01,50\n2020-01-02,60\n",
        },
    )
    with pytest.raises(StoreError, match="injected failure"):
        usecases.ingest(changed, settings=_settings(home), fail_after=1)
    with Store(_settings(home).store_path, read_only=True) as st:
        after = st.read()
        assert len(st.load_log()) == log_before
    assert before.equals(after)


def test_bom_crlf_desc_filter_exclude_and_level_factor(tmp_path: Path) -> None:
    body = (
        "\ufeffDate,Kind,Close\r\n"
        "2020-01-06,a,6\r\n2020-01-06,b,60\r\n2020-01-03,a,3\r\n"
        "2020-01-02,a,2\r\n2020-01-01,a,\r\n"
    )
    folder = write_folder(
        tmp_path / "f",
        [
            "test:X,x.csv,Date,Close,iso,desc,daily,index,2020-01-01,2020-01-05,na,"
            '"filter=Kind==a; exclude=2020-01-02; level_factor=2; free text"',
            "test:X,x.csv,Date,Close,iso,desc,daily,index,2020-01-06,2020-01-31,na,filter=Kind==a",
        ],
        {"x.csv": body.encode("utf-8")},
    )
    data = read_folder(folder)
    assert not data.errors
    frame = data.frames["test:X"]
    assert frame["date"].dt.strftime("%Y-%m-%d").tolist() == ["2020-01-03", "2020-01-06"]
    assert frame["value"].tolist() == [6.0, 6.0]  # 3 x level_factor 2, then 6 unscaled


def test_json_and_strftime_formats(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "f",
        [
            'test:J,c.json,0,1,iso,asc,daily,percent,2020-01-01,2020-12-31,na,"json_path=series.A"',
            "test:S,s.csv,DATE,CLOSE,%Y%m%d,asc,daily,percent,2020-01-01,2020-12-31,na,",
        ],
        {
            "c.json": '{"series": {"A": [["2020-01-01", 1.5], ["2020-01-02", null]]}}',
            "s.csv": "DATE,CLOSE\n20200101,2.5\n20200102,2.75\n",
        },
    )
    data = read_folder(folder)
    assert not data.errors
    assert data.frames["test:J"]["value"].tolist() == [1.5]
    assert data.frames["test:S"]["value"].tolist() == [2.5, 2.75]


@pytest.mark.parametrize(
    ("index_text", "expected"),
    [
        ("symbol,file\nx:A,a.csv\n", "missing column(s)"),
        (
            "symbol,file,date_column,value_column,date_format,row_order,frequency,units,"
            "use_from,use_to,adjusted,notes\n"
            "x:A,a.csv,d,v,iso,asc,daily,index,2020-01-01,2020-06-30,na,\n"
            "x:A,b.csv,d,v,iso,asc,daily,index,2020-06-01,2020-12-31,na,\n",
            "overlap",
        ),
        (
            "symbol,file,date_column,value_column,date_format,row_order,frequency,units,"
            "use_from,use_to,adjusted,notes\n"
            "x:A,a.csv,d,v,iso,sideways,daily,index,2020-01-01,2020-06-30,na,\n",
            "row_order 'sideways'",
        ),
        (
            "symbol,file,date_column,value_column,date_format,row_order,frequency,units,"
            "use_from,use_to,adjusted,notes\n"
            "x:A,a.csv,d,v\n",
            "line 2: has 4 fields, the header has 12",
        ),
        (
            "symbol,file,date_column,value_column,date_format,row_order,frequency,units,"
            "use_from,use_to,adjusted,notes\n"
            "x:A,a.csv,d,v,iso,asc,daily,index,2020-01-01,2020-06-30,na,,extra\n",
            "line 2: has 13 fields, the header has 12",
        ),
        (
            "symbol,file,date_column,value_column,date_format,row_order,frequency,units,"
            "use_from,use_to,adjusted,notes\n"
            "x:A,a.csv,d,v,iso,asc,daily,index,2020-02-30,2020-06-30,na,\n",
            "use_from '2020-02-30'",
        ),
    ],
)
def test_bad_index(tmp_path: Path, index_text: str, expected: str) -> None:
    tmp_path.joinpath("INDEX.csv").write_text(index_text)
    with pytest.raises(DataFileError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        read_index(tmp_path)


def test_not_a_folder_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    code, _, err = run_cli(["ingest", str(tmp_path / "missing")], capsys)
    assert code == 2
    assert err.count("\n") == 1
    assert "not a folder" in err


def test_bad_until_date_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    folder = write_folder(tmp_path / "f", [GOOD_ROW], {"good.csv": GOOD_CSV})
    code, _, err = run_cli(["ingest", str(folder), "--until", "2020-02-30"], capsys)
    assert code == 2
    assert "--until '2020-02-30' is not a valid YYYY-MM-DD date" in err
    assert not (home / "riskoff.duckdb").exists()
