"""Baker-Bloom-Davis daily newspaper indices: ``policyuncertainty:EPU_DAILY`` and
``policyuncertainty:TPU_DAILY``, the publisher's own CSV files::

    GET {policyuncertainty_url}/media/All_Daily_Policy_Data.csv     (EPU_DAILY)
    GET {policyuncertainty_url}/media/tpu_daily.csv                 (TPU_DAILY)

Each file is the whole history (from 1985), one row per newspaper day, the date split
over integer columns ``day,month,year`` and the index in ``daily_policy_index`` or
``daily_tpu_index``. The source takes no date range, so an incremental update downloads
the file again and keeps the rows from its start on. The dates are read by
:func:`riskoff.providers.formats.join_date_parts`, the reader of ``riskoff ingest`` for
the same files (``date_format`` ``parts``), so a live row and an ingested row are the
same day.

The site answers an HTML page (a maintenance or bot-check page) with status 200 now and
then: such a body, and any row that is not ``day,month,year,value``, is retried like a
dropped connection and reported in one line naming the series when it lasts. No key is
needed and no rate is published; riskoff asks for one file a second.

:class:`PolicyUncertaintyEmulator` is its stand-in for :mod:`riskoff.testing.emulator`.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from riskoff.errors import DataFileError, ProviderError
from riskoff.providers.base import Provider, Query, canonical_frame, empty_frame
from riskoff.providers.emulation import Answer, Emulator, Routes

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.providers.http import SeriesSession

__all__ = ["FILES", "PolicyUncertaintyEmulator", "PolicyUncertaintyProvider", "parse_csv"]

FILES: dict[str, tuple[str, str]] = {
    "EPU_DAILY": ("All_Daily_Policy_Data.csv", "daily_policy_index"),
    "TPU_DAILY": ("tpu_daily.csv", "daily_tpu_index"),
}
"""Provider id -> (the publisher's file under ``/media/``, its value column)."""

_MEDIA = "/media/"
_PARTS = ("year", "month", "day")


class PolicyUncertaintyProvider(Provider):
    """The daily EPU and TPU CSV files from policyuncertainty.com."""

    name: ClassVar[str] = "policyuncertainty"
    prefix: ClassVar[str] = "policyuncertainty"
    groups: ClassVar[tuple[str, ...]] = ("news", "policyuncertainty")
    display: ClassVar[str] = "Policy Uncertainty"
    description: ClassVar[str] = (
        "Baker-Bloom-Davis daily newspaper indices of economic and trade policy "
        "uncertainty (the publisher's CSV files)"
    )
    url_env: ClassVar[str] = "RISKOFF_POLICYUNCERTAINTY_URL"
    default_url: ClassVar[str] = "https://www.policyuncertainty.com"
    rate_limit: ClassVar[float | None] = 1.0
    workers: ClassVar[int] = 1
    deadline: ClassVar[float] = 60.0  # two files of ~250 kB on a slow academic host
    emulator: ClassVar[str] = "riskoff.providers.policyuncertainty:PolicyUncertaintyEmulator"
    example: ClassVar[str] = "policyuncertainty:EPU_DAILY"

    def download(self, session: SeriesSession, query: Query) -> list[Any]:
        found = FILES.get(query.provider_id.upper())
        if found is None:
            known = ", ".join(sorted(FILES))
            raise ProviderError(
                f"{self.display} has no series {query.provider_id!r} (it serves {known})"
            )
        file, column = found

        def check(content: bytes) -> str | None:
            try:
                parse_csv(content.decode("utf-8", errors="replace"), column, query.symbol)
            except ProviderError as exc:
                return str(exc)
            return None

        resp = session.get(f"{self.base_url}{_MEDIA}{file}", expect=check)
        if resp.status == 404:
            raise ProviderError(f"{self.display} has no file {file} for {query.symbol} (HTTP 404)")
        if resp.status != 200:
            raise ProviderError(f"{self.display} {query.symbol}: HTTP {resp.status}")
        return [resp.text]

    def to_canonical(self, payload: Sequence[Any], query: Query) -> pd.DataFrame:
        import pandas as pd

        column = FILES[query.provider_id.upper()][1]
        frames = [parse_csv(str(text), column, query.symbol) for text in payload]
        frame = pd.concat(frames, ignore_index=True) if frames else empty_frame()
        if frame.empty:
            return empty_frame()
        out = canonical_frame(frame["date"], frame["value"], date_format="%Y-%m-%d")
        keep = out["date"] <= pd.Timestamp(query.end)
        if query.start is not None:
            keep &= out["date"] >= pd.Timestamp(query.start)
        return out[keep].reset_index(drop=True)


def parse_csv(text: str, column: str, symbol: str) -> pd.DataFrame:
    """The publisher's CSV as text dates and numbers (columns ``date``, ``value``).

    Raises:
        ProviderError: an HTML page, a missing column, a row whose date parts or value
            do not parse (one line naming ``symbol`` and the CSV line).
    """
    import numpy as np
    import pandas as pd

    if text.lstrip()[:1] == "<":
        raise ProviderError(f"{symbol}: the CSV download answered with HTML")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError) as exc:
        first = (str(exc).strip().splitlines() or ["unreadable"])[0]
        raise ProviderError(f"{symbol}: the CSV does not parse ({first})") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in (*_PARTS, column) if c not in frame.columns]
    if missing:
        raise ProviderError(f"{symbol}: the CSV has no column {', '.join(missing)}")
    lines = np.arange(2, len(frame) + 2)
    try:
        dates = pd.Series(join_date_parts(frame, lines, symbol))
    except DataFileError as exc:
        raise ProviderError(str(exc)) from None
    raw = frame[column].astype(str).str.strip()
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & (raw != "") & (raw != ".")
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise ProviderError(f"{symbol} CSV line {lines[i]}: value {raw.iloc[i][:20]!r}")
    return pd.DataFrame({"date": dates.to_numpy(), "value": values.to_numpy(dtype="float64")})


def join_date_parts(frame: pd.DataFrame, lines: Any, symbol: str) -> pd.Series:
    """The ingest reader's ``parts`` dates (:func:`riskoff.providers.formats.join_date_parts`)."""
    from riskoff.providers.formats import join_date_parts as join

    return join(frame, _PARTS, symbol, lines)


# -- the emulator ------------------------------------------------------------------------


def _fmt(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


class PolicyUncertaintyEmulator(Routes):
    """The two CSV files as the publisher writes them (``day,month,year,value``)."""

    prefix: ClassVar[str] = "policyuncertainty"

    def route(self, path: str, query: Mapping[str, str]) -> tuple[str, str] | None:
        if not path.startswith(_MEDIA):
            return None
        file = path[len(_MEDIA) :]
        for sid, (name, _) in FILES.items():
            if name == file:
                return "csv", f"{self.prefix}:{sid}"
        if file.endswith(".csv"):
            return "csv", f"{self.prefix}:{file}"
        return None

    def unknown(self, endpoint: str) -> Answer:
        page = b"<!DOCTYPE html><html><body><h1>Page not found</h1></body></html>"
        return Answer(404, page, content_type="text/html")

    def malformed(
        self, emu: Emulator, endpoint: str, symbol: str, query: Mapping[str, str]
    ) -> Answer:
        # what the site sends when it is unwell: a page, with status 200
        page = b"<!DOCTYPE html><html><body>Service temporarily unavailable</body></html>"
        return Answer(200, page, content_type="text/html")

    def serve(
        self, emu: Emulator, endpoint: str, symbol: str, query: Mapping[str, str], *, empty: bool
    ) -> Answer:
        import numpy as np

        sid = symbol.split(":", 1)[1]
        series = self.series(emu, symbol) if sid in FILES else None
        if series is None:
            return self.unknown(endpoint)
        lines = [f"day,month,year,{FILES[sid][1]}"]
        if not empty:
            days = series.days.astype("datetime64[D]")
            years = days.astype("datetime64[Y]").astype(np.int64) + 1970
            months = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
            dom = (days - days.astype("datetime64[M]")).astype(np.int64) + 1
            lines.extend(
                f"{d},{m},{y},{_fmt(v)}"
                for d, m, y, v in zip(
                    dom.tolist(),
                    months.tolist(),
                    years.tolist(),
                    series.values.tolist(),
                    strict=True,
                )
            )
        return Answer(200, ("\n".join(lines) + "\n").encode(), content_type="text/csv")
