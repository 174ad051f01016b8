"""FRED (Federal Reserve Bank of St. Louis): ``fred:SERIES``.

With ``FRED_API_KEY`` set, riskoff calls the official API::

    GET {fred_url}/fred/series/observations?series_id=SOFR&api_key=..&file_type=json
        &observation_start=2026-01-01&sort_order=asc&limit=100000&offset=0

and pages with ``offset`` when a series has more observations than ``limit``. Without a
key it downloads the keyless graph CSV::

    GET {fred_csv_url}/graph/fredgraph.csv?id=SOFR&cosd=2026-01-01

FRED marks a missing observation with ``.`` (the CSV may also leave the cell empty);
such rows are dropped. The keyless download sometimes answers with an HTML page (a
maintenance or "too many requests" page) instead of the CSV: that answer is retried like
a dropped connection, and only a page that stays HTML is an error. FRED allows about two
requests per second, so every FRED request in the process waits on one shared
:data:`FRED_LIMITER`. The key is never shown: it is redacted from every URL and message,
and a rejected key is reported with FRED's own error text only.

:class:`FredEmulator` is its stand-in for :mod:`riskoff.testing.emulator`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from riskoff.errors import ProviderError, UnauthorizedError
from riskoff.providers.base import Provider, Query, canonical_frame, empty_frame
from riskoff.providers.emulation import (
    Answer,
    EmulatedSeries,
    Emulator,
    Routes,
    day_number,
    json_answer,
)

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.providers.http import Response, SeriesSession, TokenBucket

__all__ = ["FRED_LIMITER", "FRED_MAX_RATE", "FredEmulator", "FredProvider"]

FRED_MAX_RATE = 2.0
"""Requests per second FRED tolerates (its documented limit is 120 per minute)."""

DEFAULT_CSV_URL = "https://fred.stlouisfed.org"
"""Where the keyless graph CSV lives (``$RISKOFF_FRED_URL`` moves both it and the API)."""

PAGE_LIMIT = 100_000


class FredProvider(Provider):
    """FRED observations through the API (with a key) or the graph CSV (without).

    Args:
        settings: base URLs and the optional API key.
        limiter: the token bucket to wait on; defaults to the process-wide
            :data:`FRED_LIMITER`.
    """

    name: ClassVar[str] = "fred"
    prefix: ClassVar[str] = "fred"
    groups: ClassVar[tuple[str, ...]] = ("fred",)
    display: ClassVar[str] = "FRED"
    description: ClassVar[str] = (
        "Federal Reserve Economic Data (St. Louis Fed): rates, spreads, stress indices; "
        "the official API with FRED_API_KEY, the keyless graph CSV without"
    )
    url_env: ClassVar[str] = "RISKOFF_FRED_URL"
    default_url: ClassVar[str] = "https://api.stlouisfed.org"
    rate_limit: ClassVar[float | None] = FRED_MAX_RATE
    workers: ClassVar[int] = 4
    emulator: ClassVar[str] = "riskoff.providers.fred:FredEmulator"
    example: ClassVar[str] = "fred:DGS10"

    @property
    def csv_url(self) -> str:
        """Base URL of the keyless graph CSV (``$RISKOFF_FRED_URL`` when set)."""
        return self.settings.url(self.url_env, DEFAULT_CSV_URL)

    @property
    def uses_api(self) -> bool:
        """True when an API key is configured."""
        return bool(self.settings.fred_api_key)

    def secrets(self) -> tuple[str, ...]:
        key = self.settings.fred_api_key
        return (key,) if key else ()

    # -- step 2: download ------------------------------------------------------------
    def download(self, session: SeriesSession, query: Query) -> list[Any]:
        if self.uses_api:
            return self._download_api(session, query)
        params = {"id": query.provider_id}
        if query.start is not None:
            params["cosd"] = query.start.isoformat()
        resp = session.get(f"{self.csv_url}/graph/fredgraph.csv", params, expect=_csv_body)
        if resp.status != 200:
            raise self._error(resp, query)
        return [resp.text]

    def _download_api(self, session: SeriesSession, query: Query) -> list[Any]:
        pages: list[Any] = []
        offset = 0
        while True:
            params = {
                "series_id": query.provider_id,
                "api_key": self.settings.fred_api_key or "",
                "file_type": "json",
                "sort_order": "asc",
                "limit": str(PAGE_LIMIT),
                "offset": str(offset),
            }
            if query.start is not None:
                params["observation_start"] = query.start.isoformat()
            resp = session.get(
                f"{self.base_url}/fred/series/observations", params, expect_json=True
            )
            if resp.status != 200:
                raise self._error(resp, query)
            page = resp.json()
            if not isinstance(page, dict) or not isinstance(page.get("observations"), list):
                raise ProviderError(
                    f"FRED {query.symbol}: unexpected JSON (no 'observations' list)"
                )
            pages.append(page)
            got = len(page["observations"])
            offset += got
            total = page.get("count")
            if got == 0 or not isinstance(total, int) or offset >= total:
                return pages

    def _error(self, resp: Response, query: Query) -> ProviderError:
        """A clear error from a non-200 FRED answer (never containing the key)."""
        text = ""
        try:
            body = resp.json()
            if isinstance(body, dict):
                text = str(body.get("error_message") or body.get("message") or "")
        except ProviderError:
            text = resp.text.strip().splitlines()[0][:200] if resp.text.strip() else ""
        text = " ".join(text.split())
        if text.startswith("<"):
            text = ""
        detail = f"HTTP {resp.status}" + (f": {text}" if text else "")
        lowered = text.lower()
        if not self.uses_api and resp.status in (401, 403):
            return ProviderError(f"FRED refused the keyless CSV download ({detail})")
        if resp.status in (401, 403) or "api_key" in lowered or "api key" in lowered:
            return UnauthorizedError(
                _mask(f"FRED rejected the API key ({detail}); check FRED_API_KEY", self)
            )
        if resp.status == 404 or "does not exist" in lowered:
            return ProviderError(
                _mask(f"FRED has no series {query.provider_id!r} ({detail})", self)
            )
        return ProviderError(_mask(f"FRED {query.symbol}: {detail}", self))

    # -- step 3: to_canonical --------------------------------------------------------
    def to_canonical(self, payload: Sequence[Any], query: Query) -> pd.DataFrame:
        dates: list[str] = []
        values: list[str] = []
        for page in payload:
            if isinstance(page, str):
                d, v = _parse_csv(page, query)
            else:
                d, v = _parse_json(page, query)
            dates.extend(d)
            values.extend(v)
        if not dates:
            return empty_frame()
        return canonical_frame(dates, values, date_format="%Y-%m-%d")


def _csv_body(content: bytes) -> str | None:
    """Why a 200 body of the keyless download is not a CSV (an HTML page), or None."""
    if content.lstrip()[:1] == b"<":
        return "the CSV download answered with HTML"
    return None


def _mask(text: str, provider: Provider) -> str:
    """``text`` with the provider's secrets masked."""
    for s in provider.secrets():
        text = text.replace(s, "***")
    return text


def _parse_json(page: Any, query: Query) -> tuple[list[str], list[str]]:
    dates: list[str] = []
    values: list[str] = []
    for obs in page.get("observations", []):
        if not isinstance(obs, dict) or "date" not in obs or "value" not in obs:
            raise ProviderError(f"FRED {query.symbol}: an observation lacks date or value")
        dates.append(str(obs["date"]))
        values.append(str(obs["value"]))
    return dates, values


def _parse_csv(text: str, query: Query) -> tuple[list[str], list[str]]:
    """FRED's graph CSV: a ``date,SERIES`` header, then one ``date,value`` row per line."""
    if text.lstrip().startswith("<"):
        raise ProviderError(f"FRED {query.symbol}: the CSV download answered with HTML")
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return [], []
    header = [h.strip().strip('"') for h in lines[0].split(",")]
    if len(header) != 2 or header[1].upper() != query.provider_id.upper():
        raise ProviderError(f"FRED {query.symbol}: unexpected CSV header {lines[0][:80]!r}")
    dates: list[str] = []
    values: list[str] = []
    for i, line in enumerate(lines[1:], start=2):
        if line.count(",") != 1:
            raise ProviderError(f"FRED {query.symbol}: CSV line {i} is not 'date,value'")
        d, _, v = line.partition(",")
        dates.append(d.strip())
        values.append(v.strip())
    return dates, values


def _shared_limiter() -> TokenBucket:
    bucket = FredProvider.shared_limiter()
    assert bucket is not None
    return bucket


FRED_LIMITER = _shared_limiter()
"""The one limiter every FRED request in this process waits on (20 % headroom)."""


# -- the emulator ------------------------------------------------------------------------

_API = "/fred/series/observations"
_CSV = "/graph/fredgraph.csv"
_BAD_KEY = (
    "Bad Request.  The value for variable api_key is not registered.  Read "
    "https://fred.stlouisfed.org/docs/api/api_key.html for more information."
)
_NO_SERIES = "Bad Request.  The series does not exist."


def _fmt(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


class FredEmulator(Routes):
    """FRED's API (JSON, ``.`` = missing, ``offset`` pages) and keyless graph CSV.

    The rows of a business-daily series include the weekdays without a value, as ``.``
    (API) or an empty cell (CSV), the way FRED prints them. More than two requests
    within a second are answered 429, as FRED does.
    """

    prefix: ClassVar[str] = "fred"
    limit: ClassVar[int | None] = 2

    def route(self, path: str, query: Mapping[str, str]) -> tuple[str, str] | None:
        if path == _API:
            return "api", f"fred:{query.get('series_id', '')}"
        if path == _CSV:
            return "csv", f"fred:{query.get('id', '')}"
        return None

    def too_many(self, endpoint: str, headers: dict[str, str]) -> Answer:
        body = {"error_code": 429, "error_message": "Too Many Requests.  Exceeded Rate Limit"}
        return json_answer(429, body, **headers)

    def unknown(self, endpoint: str) -> Answer:
        if endpoint == "csv":
            return Answer(404, b"Series not found", content_type="text/plain")
        return json_answer(400, {"error_code": 400, "error_message": _NO_SERIES})

    def unauthorized(self, endpoint: str) -> Answer:
        if endpoint == "csv":
            return Answer(403, b"Forbidden", content_type="text/plain")
        return json_answer(400, {"error_code": 400, "error_message": _BAD_KEY})

    def malformed(
        self, emu: Emulator, endpoint: str, symbol: str, query: Mapping[str, str]
    ) -> Answer:
        if endpoint == "csv":  # what the keyless download sends when it is unwell
            return Answer(200, b"<!DOCTYPE html><html><body>Oops</body></html>", "text/html")
        return super().malformed(emu, endpoint, symbol, query)

    def serve(
        self, emu: Emulator, endpoint: str, symbol: str, query: Mapping[str, str], *, empty: bool
    ) -> Answer:
        if endpoint == "csv":
            return self._csv(emu, symbol, query, empty)
        return self._api(emu, symbol, query, empty)

    def _rows(self, series: EmulatedSeries) -> tuple[Any, list[str], list[str]]:
        """Every FRED row of a series, built once: (days, dates, values as FRED prints
        them), with ``.`` on the weekdays of a business-daily series that have no value."""
        import numpy as np

        if "rows" not in series.memo:
            days = series.days
            texts = [_fmt(v) for v in series.values.tolist()]
            if series.business_daily and len(days) > 1:
                every = np.arange(days[0], days[-1] + 1, dtype=np.int64)
                weekdays = every[((every + 3) % 7) < 5]  # 1970-01-01 was a Thursday
                missing = np.setdiff1d(weekdays, days, assume_unique=True)
                merged = np.concatenate([days, missing])
                order = np.argsort(merged, kind="stable")
                padded = texts + ["."] * len(missing)
                texts = [padded[i] for i in order.tolist()]
                days = merged[order]
            dates = np.datetime_as_string(days.astype("datetime64[D]")).tolist()
            series.memo["rows"] = (days, dates, texts)
        rows: tuple[Any, list[str], list[str]] = series.memo["rows"]
        return rows

    def _slice(
        self, series: EmulatedSeries, lo: int | None, hi: int | None
    ) -> tuple[list[str], list[str]]:
        import numpy as np

        days, dates, values = self._rows(series)
        a = 0 if lo is None else int(np.searchsorted(days, lo, side="left"))
        b = len(days) if hi is None else int(np.searchsorted(days, hi, side="right"))
        return dates[a:b], values[a:b]

    def _api(self, emu: Emulator, symbol: str, query: Mapping[str, str], empty: bool) -> Answer:
        key = query.get("api_key", "")
        if not key:
            return json_answer(
                400,
                {"error_code": 400, "error_message": "Bad Request.  Variable api_key is not set."},
            )
        if key in emu.reject_keys:
            return json_answer(400, {"error_code": 400, "error_message": _BAD_KEY})
        if query.get("file_type", "xml") != "json":
            return Answer(200, b"<?xml version='1.0'?><observations/>", "text/xml")
        series = self.series(emu, symbol)
        if series is None:
            return self.unknown("api")
        lo = day_number(query.get("observation_start"))
        hi = day_number(query.get("observation_end"))
        dates, values = ([], []) if empty else self._slice(series, lo, hi)
        try:
            limit = int(query.get("limit", "100000"))
            offset = int(query.get("offset", "0"))
        except ValueError:
            bad = {"error_code": 400, "error_message": "Bad Request.  Bad limit."}
            return json_answer(400, bad)
        count = len(dates)
        if query.get("sort_order") == "desc":
            dates, values = dates[::-1], values[::-1]
        dates, values = dates[offset : offset + limit], values[offset : offset + limit]
        today = dt.date.today().isoformat()
        head = json.dumps(
            {
                "realtime_start": today,
                "realtime_end": today,
                "observation_start": query.get("observation_start", "1600-01-01"),
                "observation_end": query.get("observation_end", "9999-12-31"),
                "units": "lin",
                "output_type": 1,
                "file_type": "json",
                "order_by": "observation_date",
                "sort_order": query.get("sort_order", "asc"),
                "count": count,
                "offset": offset,
                "limit": limit,
            },
            separators=(",", ":"),
        )
        stamp = f'{{"realtime_start":"{today}","realtime_end":"{today}","date":"'
        observations = ",".join(
            f'{stamp}{d}","value":"{v}"}}' for d, v in zip(dates, values, strict=True)
        )
        body = f'{head[:-1]},"observations":[{observations}]}}'
        return Answer(200, body.encode())

    def _csv(self, emu: Emulator, symbol: str, query: Mapping[str, str], empty: bool) -> Answer:
        series = self.series(emu, symbol)
        if series is None:
            return self.unknown("csv")
        sid = symbol.split(":", 1)[1]
        lo, hi = day_number(query.get("cosd")), day_number(query.get("coed"))
        dates, values = ([], []) if empty else self._slice(series, lo, hi)
        lines = [f"observation_date,{sid}"]
        lines.extend(f"{d},{'' if v == '.' else v}" for d, v in zip(dates, values, strict=True))
        return Answer(200, ("\n".join(lines) + "\n").encode(), content_type="text/csv")
