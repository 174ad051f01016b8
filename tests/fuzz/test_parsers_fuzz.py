"""Property-based fuzzing of the data-folder parsers: whatever bytes a file or INDEX.csv
holds, reading it either yields clean canonical frames or raises a one-line
DataFileError naming the file. Nothing else escapes."""

from __future__ import annotations

import string
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskoff.errors import DataFileError
from riskoff.providers.folder import read_folder, read_index
from tests.helpers import INDEX_HEADER, write_folder

FUZZ = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

cell = st.one_of(
    st.text(alphabet=string.printable, max_size=12),
    st.sampled_from(["", ".", "nan", "1e309", "-0", "2020-01-01", "2020-02-30", "NaN", "inf"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.dates().map(lambda d: d.isoformat()),
)


def _check_frames(folder: Path) -> None:
    try:
        data = read_folder(folder)
    except DataFileError as exc:
        assert "\n" not in str(exc)  # noqa: PT017 (an error is allowed, a messy one is not)
        return
    for err in data.errors:
        assert "\n" not in err
    for frame in data.frames.values():
        assert list(frame.columns) == ["date", "value"]
        assert frame["date"].is_monotonic_increasing
        assert not frame["date"].duplicated().any()
        assert np.isfinite(frame["value"].to_numpy()).all()


@FUZZ
@given(
    rows=st.lists(st.tuples(cell, cell), max_size=30),
    order=st.sampled_from(["asc", "desc"]),
    fmt=st.sampled_from(["iso", "%Y%m%d", "%d/%m/%Y", "native", "weird"]),
    bom=st.booleans(),
    crlf=st.booleans(),
)
def test_any_csv_body_is_read_or_named(
    rows: list[tuple[str, str]],
    order: str,
    fmt: str,
    bom: bool,
    crlf: bool,
) -> None:
    import tempfile

    nl = "\r\n" if crlf else "\n"
    body = ("\ufeff" if bom else "") + "date,value" + nl
    body += nl.join(f'"{d.replace(chr(34), "")}","{v.replace(chr(34), "")}"' for d, v in rows)
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_folder(
            Path(tmp),
            [f"t:X,x.csv,date,value,{fmt},{order},daily,index,1900-01-01,2100-12-31,na,"],
            {"x.csv": body.encode("utf-8")},
        )
        _check_frames(folder)


@FUZZ
@given(raw=st.binary(max_size=400))
def test_any_bytes_as_a_data_file(raw: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        folder = write_folder(
            Path(tmp),
            ["t:X,x.csv,date,value,iso,asc,daily,index,1900-01-01,2100-12-31,na,"],
            {"x.csv": raw},
        )
        _check_frames(folder)


@FUZZ
@given(raw=st.binary(max_size=400))
def test_any_bytes_as_a_json_cache(raw: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        folder = write_folder(
            Path(tmp),
            ['t:J,c.json,0,1,iso,asc,daily,index,1900-01-01,2100-12-31,na,"json_path=series.A"'],
            {"c.json": raw},
        )
        _check_frames(folder)


index_cell = st.one_of(
    cell,
    st.sampled_from(["asc", "desc", "x:Y", "a.csv", "filter=a==b", "exclude=2020-01-01"]),
)


@FUZZ
@given(rows=st.lists(st.lists(index_cell, min_size=0, max_size=14), max_size=6))
def test_any_index_rows_are_read_or_named(rows: list[list[str]]) -> None:
    import csv
    import io
    import tempfile

    buf = io.StringIO()
    buf.write(INDEX_HEADER)
    writer = csv.writer(buf)
    for r in rows:
        writer.writerow(r)
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "INDEX.csv").write_text(buf.getvalue())
        try:
            parsed = read_index(Path(tmp))
        except DataFileError as exc:
            assert "\n" not in str(exc)  # noqa: PT017
            return
        for seg in parsed:
            assert seg.use_from <= seg.use_to
            assert ":" in seg.symbol
        _check_frames(Path(tmp))
