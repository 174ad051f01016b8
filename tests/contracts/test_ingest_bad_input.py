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
XLS = (Path(__file__).resolve().parents[1] / "fixtures" / "small.xls").read_bytes()
PARTS_ROW = "test:BAD,bad.csv,year|month|day,v,parts,asc,daily,index,2020-01-01,2020-12-31,na,"


def _settings(home: Path) -> Settings:
    return Settings.from_env({"RISKOFF_HOME": str(home)})


def _loaded(home: Path, tmp_path: Path) -> tuple[int, int]:
    """A store that already holds test:GOOD; returns its checksum."""
    folder = write_folder(tmp_path / "seed", [GOOD_ROW], {"good.csv": GOOD_CSV})
    usecases.ingest(folder, settings=_settings(home))
    with Store(_settings(home).store_path, read_only=True) as st:
        return st.checksum()


BAD_CASES: dict[str, tuple[str, str | bytes | None, str]] = {
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
    # the formats of news/: an Excel 97 workbook and dates split over integer columns
    "workbook sheet missing": (
        "test:BAD,bad.xls,DAY,GPRD,%Y%m%d,asc,daily,index,2020-01-01,2020-12-31,na,sheet=monthly",
        XLS,
        "bad.xls: no sheet 'monthly'",
    ),
    "workbook that is not one": (
        "test:BAD,bad.xls,DAY,GPRD,%Y%m%d,asc,daily,index,2020-01-01,2020-12-31,na,",
        b"DAY,GPRD\n20200101,1\n",
        "bad.xls: not a readable Excel workbook",
    ),
    "workbook non-numeric value": (
        "test:BAD,bad.xls,DAY,V,%Y%m%d,asc,daily,index,2020-01-01,2020-12-31,na,sheet=broken",
        XLS,
        "bad.xls line 3: value 'abc' in column 'V'",
    ),
    "workbook bad date": (
        "test:BAD,bad.xls,DAY2,W,%Y%m%d,asc,daily,index,2020-01-01,2020-12-31,na,sheet=broken",
        XLS,
        "bad.xls line 4: date '2020013x'",
    ),
    "date part not an integer": (
        PARTS_ROW,
        "day,month,year,v\n1,1,2020,1\n2,Jan,2020,2\n",
        "bad.csv line 3: month is 'Jan', not an integer",
    ),
    "date part missing": (
        PARTS_ROW,
        "day,month,year,v\n1,1,2020,1\n2,,2020,2\n",
        "bad.csv line 3: month is empty",
    ),
    "impossible date from parts": (
        PARTS_ROW,
        "day,month,year,v\n1,2,2020,1\n30,2,2020,2\n",
        "bad.csv line 3: year 2020, month 2, day 30 is not a calendar day",
    ),
    "day's range not a number": (
        "test:BAD,bad.csv,date,value,iso,asc,daily,index,2020-01-01,2020-12-31,na,low=low",
        "date,value,low\n2020-01-01,1,0.5\n2020-01-02,2,n/a\n",
        "bad.csv line 3: value 'n/a' in column 'low'",
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
        files[row.split(",")[1]] = body
    folder = write_folder(tmp_path / "bad", [GOOD_ROW, row], files)
    monkeypatch.setenv("RISKOFF_HOME", str(home))
    code, _out, err = run_cli(["ingest", str(folder)], capsys)
    assert code == 2
    assert expected in err
    assert any(name in err for name in ("bad.csv", "bad.xls", "nowhere.csv", "julian"))
    assert "Traceback" not in err
    assert len([ln for ln in err.splitlines() if ln.strip()]) == 1, err
    with Store(_settings(home).store_path, read_only=True) as st:
        assert st.checksum() == before  # GOOD re-loaded unchanged, BAD never written
        assert not any(s.startswith("test:BAD") for s in st.symbols())


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


@pytest.mark.parametrize(
    ("second_index", "expected"),
    [
        (["test:OTHER,o.csv,date,value,parts,asc,daily,index,2020-01-01,2020-12-31,na,"], "parts"),
        (["test:NEW,good.csv,date,value,iso,asc,daily,index,2020-01-01,2020-12-31,na,"], "in both"),
    ],
    ids=["bad index in the second folder", "a symbol in two folders"],
)
def test_several_folders_are_all_or_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    second_index: list[str],
    expected: str,
) -> None:
    home = tmp_path / "home"
    before = _loaded(home, tmp_path)
    first = write_folder(
        tmp_path / "one",
        ["test:NEW,new.csv,date,value,iso,asc,daily,index,2020-01-01,2020-12-31,na,"],
        {"new.csv": GOOD_CSV},
    )
    second = write_folder(tmp_path / "two", second_index, {"good.csv": GOOD_CSV, "o.csv": GOOD_CSV})
    monkeypatch.setenv("RISKOFF_HOME", str(home))
    code, _out, err = run_cli(["ingest", str(first), str(second)], capsys)
    assert code == 2
    assert expected in err
    assert err.count("\n") == 1
    with Store(_settings(home).store_path, read_only=True) as st:
        assert st.checksum() == before
        assert "test:NEW" not in st.symbols()  # the good first folder is not half-loaded


def test_several_folders_load_in_one_command(tmp_path: Path) -> None:
    one = write_folder(tmp_path / "one", [GOOD_ROW], {"good.csv": GOOD_CSV})
    two = write_folder(
        tmp_path / "two",
        ["test:TWO,two.csv,date,value,iso,asc,daily,index,2020-01-01,2020-12-31,na,high=high"],
        {"two.csv": "date,value,high\n2020-01-01,5,6\n"},
    )
    home = tmp_path / "home"
    usecases.ingest([one, two], settings=_settings(home))
    with Store(_settings(home).store_path, read_only=True) as st:
        assert st.symbols() == ["test:GOOD", "test:TWO", "test:TWO@high"]
        assert st.series_meta()["test:TWO"]["source"] == f"folder:{two.resolve()}"
        assert st.series_meta()["test:GOOD"]["source"] == f"folder:{one.resolve()}"
        assert st.read()["symbol"].astype(str).unique().tolist() == ["test:GOOD", "test:TWO"]
        assert st.read(["test:TWO@high"])["value"].tolist() == [6.0]
        assert len(st.load_log()) == 1
