"""The Caldara-Iacoviello daily Geopolitical Risk index: ``gpr:GPRD``, ``gpr:GPRD_ACT``,
``gpr:GPRD_THREAT`` and ``gpr:N10D`` (the day's article count), columns of the
publisher's one workbook::

    GET {gpr_url}/gpr_files/data_gpr_daily_recent.xls

The workbook (Excel 97, one sheet, ``DAY`` as text ``YYYYMMDD``) holds the whole history
from 1985 and is read by :func:`riskoff.providers.formats.read_workbook`, the reader of
``riskoff ingest`` for the same file. One update downloads it once for its four series
(the payload is kept for the session). The source takes no date range: an incremental
update keeps the rows from its start on.

**Vintages.** The publisher rewrites recent history in every release. The frame records
the file's edition in ``frame.attrs["vintage"]``: its ``Last-Modified`` time (naive UTC,
never later than the download), or the download time when the server sends none.
``riskoff update`` stores that as the values' ``known_at``, as ``riskoff ingest`` stores
a folder file's ``vintage=`` or modification time, so a point-in-time read takes the
edition that existed then, and a changed value keeps its old edition in ``revisions``.

:class:`GprEmulator` is its stand-in for :mod:`riskoff.testing.emulator`: the real
workbook of the data folder when it serves the whole file, a generated ``.xlsx`` of the
same columns when a test cuts the data at a day or asks for an empty answer.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from riskoff.errors import DataFileError, ProviderError
from riskoff.providers.base import Provider, Query, canonical_frame, empty_frame
from riskoff.providers.emulation import Answer, Emulator, Routes

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.providers.http import Response, SeriesSession

__all__ = ["COLUMNS", "FILE", "GprEmulator", "GprProvider", "parse_workbook", "xlsx_bytes"]

FILE = "/gpr_files/data_gpr_daily_recent.xls"
"""The workbook's path on the publisher's site."""

COLUMNS = ("GPRD", "GPRD_ACT", "GPRD_THREAT", "N10D")
"""The workbook columns served as series (``gpr:<column>``)."""

_DAY = "DAY"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"
_ZIP_MAGIC = b"PK\x03\x04"


class GprProvider(Provider):
    """The daily GPR workbook from the publisher's site."""

    name: ClassVar[str] = "gpr"
    prefix: ClassVar[str] = "gpr"
    groups: ClassVar[tuple[str, ...]] = ("news", "gpr")
    display: ClassVar[str] = "GPR"
    description: ClassVar[str] = (
        "Caldara-Iacoviello daily Geopolitical Risk index, acts, threats and article "
        "count (the publisher's workbook; each release's edition is kept)"
    )
    url_env: ClassVar[str] = "RISKOFF_GPR_URL"
    default_url: ClassVar[str] = "https://www.matteoiacoviello.com"
    rate_limit: ClassVar[float | None] = 1.0
    workers: ClassVar[int] = 1
    deadline: ClassVar[float] = 90.0  # a 3 MB workbook from an academic host
    emulator: ClassVar[str] = "riskoff.providers.gpr:GprEmulator"
    example: ClassVar[str] = "gpr:GPRD"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock = threading.Lock()
        self._kept: tuple[object, Response] | None = None  # (session, the workbook answer)

    def download(self, session: SeriesSession, query: Query) -> list[Any]:
        if query.provider_id.upper() not in COLUMNS:
            known = ", ".join(COLUMNS)
            raise ProviderError(f"{self.display} has no series {query.provider_id!r} ({known})")
        with self._lock:  # one download per session for the workbook's four series
            kept = self._kept
            if kept is not None and kept[0] is session.session:
                return [kept[1]]

            def check(content: bytes) -> str | None:
                try:
                    parse_workbook(content, query.symbol)
                except ProviderError as exc:
                    return str(exc)
                return None

            resp = session.get(f"{self.base_url}{FILE}", expect=check)
            if resp.status == 404:
                raise ProviderError(
                    f"{self.display} has no workbook at {FILE} for {query.symbol} (HTTP 404)"
                )
            if resp.status != 200:
                raise ProviderError(f"{self.display} {query.symbol}: HTTP {resp.status}")
            self._kept = (session.session, resp)
            return [resp]

    def to_canonical(self, payload: Sequence[Any], query: Query) -> pd.DataFrame:
        import pandas as pd

        column = query.provider_id.upper()
        frames = []
        vintage: dt.datetime | None = None
        for resp in payload:
            sheet = parse_workbook(resp.content, query.symbol)
            frames.append(canonical_frame(sheet[_DAY], sheet[column], date_format="%Y%m%d"))
            vintage = edition(resp.headers.get("last-modified"))
        out = pd.concat(frames, ignore_index=True) if frames else empty_frame()
        if out.empty:
            return empty_frame()
        keep = out["date"] <= pd.Timestamp(query.end)
        if query.start is not None:
            keep &= out["date"] >= pd.Timestamp(query.start)
        out = out[keep].reset_index(drop=True)
        if vintage is not None:
            out.attrs["vintage"] = vintage
        return out


def edition(last_modified: str | None, *, now: dt.datetime | None = None) -> dt.datetime:
    """The edition of a download: its ``Last-Modified`` (naive UTC), never later than
    ``now``; ``now`` (default: the clock, UTC) when the header is missing or unreadable."""
    clock = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if not last_modified:
        return clock
    try:
        stamp = email.utils.parsedate_to_datetime(last_modified)
    except (TypeError, ValueError):
        return clock
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(dt.UTC).replace(tzinfo=None)
    return min(stamp, clock)


def parse_workbook(content: bytes, symbol: str) -> pd.DataFrame:
    """The workbook's ``DAY`` and index columns as text (the ingest reader's frame).

    Raises:
        ProviderError: not a workbook (an HTML page, a cut download) or a missing column,
            in one line naming ``symbol``.
    """
    from riskoff.providers.formats import read_workbook

    head = content[:4]
    if head == _XLS_MAGIC:
        suffix = ".xls"
    elif head == _ZIP_MAGIC:
        suffix = ".xlsx"
    elif content.lstrip()[:1] == b"<":
        raise ProviderError(f"{symbol}: the workbook download answered with HTML")
    else:
        raise ProviderError(f"{symbol}: the download is not an Excel workbook")
    with tempfile.TemporaryDirectory(prefix="riskoff-gpr-") as tmp:
        path = Path(tmp) / f"gpr{suffix}"
        path.write_bytes(content)
        try:
            sheet = read_workbook(path, f"{symbol} workbook")
        except DataFileError as exc:
            raise ProviderError(str(exc)) from None
    missing = [c for c in (_DAY, *COLUMNS) if c not in sheet.columns]
    if missing:
        raise ProviderError(f"{symbol}: the workbook has no column {', '.join(missing)}")
    return sheet


# -- the emulator ------------------------------------------------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _col(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _num(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def xlsx_bytes(header: Sequence[str], rows: Sequence[Sequence[str | float | None]]) -> bytes:
    """A one-sheet ``.xlsx`` (stdlib only): text cells inline, numbers as numbers,
    ``None`` left empty."""
    import io
    import zipfile
    from xml.sax.saxutils import escape

    def cell(ref: str, v: str | float | None) -> str:
        if v is None:
            return ""
        if isinstance(v, str):
            return f'<c r="{ref}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
        return f'<c r="{ref}"><v>{_num(v)}</v></c>'

    lines: list[str] = []
    table: list[list[str | float | None]] = [list(header), *[list(r) for r in rows]]
    for n, row in enumerate(table, start=1):
        cells = "".join(cell(f"{_col(i)}{n}", v) for i, v in enumerate(row))
        lines.append(f'<row r="{n}">{cells}</row>')
    sheet = f'<worksheet xmlns="{_MAIN}"><sheetData>{"".join(lines)}</sheetData></worksheet>'
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{_CT}.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{_RELS}"><Relationship Id="rId1" '
            f'Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{_RELS}"><Relationship Id="rId1" '
            f'Type="{_DOC}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": sheet,
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + text)
    return buf.getvalue()


def _http_date(stamp: dt.datetime) -> str:
    return email.utils.format_datetime(stamp.replace(tzinfo=dt.UTC), usegmt=True)


class GprEmulator(Routes):
    """The publisher's workbook: the data folder's own file, or one generated from it."""

    prefix: ClassVar[str] = "gpr"

    def route(self, path: str, query: Mapping[str, str]) -> tuple[str, str] | None:
        if path == FILE:
            return "xls", f"{self.prefix}:{COLUMNS[0]}"
        if path.startswith("/gpr_files/"):
            return "xls", f"{self.prefix}:{path.rsplit('/', 1)[-1]}"
        return None

    def unknown(self, endpoint: str) -> Answer:
        page = b"<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>"
        return Answer(404, page, content_type="text/html")

    def malformed(
        self, emu: Emulator, endpoint: str, symbol: str, query: Mapping[str, str]
    ) -> Answer:
        page = b"<!DOCTYPE html><html><body>Account suspended</body></html>"
        return Answer(200, page, content_type="text/html")

    def serve(
        self, emu: Emulator, endpoint: str, symbol: str, query: Mapping[str, str], *, empty: bool
    ) -> Answer:
        import numpy as np

        if symbol != f"{self.prefix}:{COLUMNS[0]}":
            return self.unknown(endpoint)
        kind = "application/vnd.ms-excel"
        file = emu.folder_file(symbol) if emu.until is None and not empty else None
        if file is not None:
            mtime = dt.datetime.fromtimestamp(file.stat().st_mtime, dt.UTC).replace(tzinfo=None)
            return Answer(
                200, file.read_bytes(), kind, headers={"Last-Modified": _http_date(mtime)}
            )
        series = {c: self.series(emu, f"{self.prefix}:{c}") for c in COLUMNS}
        main = series[COLUMNS[0]]
        if main is None:
            return self.unknown(endpoint)
        days = [] if empty else main.days.tolist()
        columns: dict[str, dict[int, float]] = {}
        for c, s in series.items():
            columns[c] = (
                {} if s is None else dict(zip(s.days.tolist(), s.values.tolist(), strict=True))
            )
        text = np.datetime_as_string(np.asarray(days, dtype="datetime64[D]")).tolist()
        rows = [
            [t.replace("-", ""), *(columns[c].get(d) for c in COLUMNS)]
            for d, t in zip(days, text, strict=True)
        ]
        last = dt.date(1970, 1, 1) + dt.timedelta(days=int(days[-1]) + 1) if days else None
        headers = (
            {"Last-Modified": _http_date(dt.datetime.combine(last, dt.time(0)))} if last else {}
        )
        body = xlsx_bytes([_DAY, *COLUMNS], rows)
        return Answer(200, body, f"{_CT}.sheet", headers=headers)
