"""Yahoo Finance daily history: ``yahoo:SYMBOL``, read from the chart endpoint::

    GET {yahoo_url}/v8/finance/chart/{SYMBOL}?period1=..&period2=..&interval=1d
        &events=div,split&includeAdjustedClose=true

riskoff calls the endpoint with httpx rather than through yfinance: yfinance refuses
custom sessions and base URLs, so it could not be pointed at the local emulator, and it
would bring a large dependency tree for one JSON call.

The value stored is ``adjclose`` (split- and dividend-adjusted) for series whose
catalogue entry says ``adjusted = "yes"`` (ETFs and stocks), ``close`` otherwise. A bar's
timestamp is the session's start; it is dated by the exchange's local calendar day, using
``meta.exchangeTimezoneName`` (or ``meta.gmtoffset`` when the zone is missing), so a
Tokyo or London bar keeps its own date whatever UTC says.

:class:`YahooEmulator` is its stand-in for :mod:`riskoff.testing.emulator`.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from riskoff.errors import ProviderError
from riskoff.providers.base import Provider, Query, canonical_frame, empty_frame
from riskoff.providers.emulation import Answer, EmulatedSeries, Emulator, Routes, json_answer

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.providers.http import Response, SeriesSession

__all__ = ["FULL_HISTORY_START", "YahooEmulator", "YahooProvider"]

FULL_HISTORY_START = dt.date(1900, 1, 1)
"""``period1`` of a full-history request (before any series Yahoo has)."""

_EPOCH = dt.date(1970, 1, 1)


def _epoch(day: dt.date) -> int:
    return (day - _EPOCH).days * 86_400


class YahooProvider(Provider):
    """Daily bars from Yahoo's chart API."""

    name: ClassVar[str] = "yahoo"
    prefix: ClassVar[str] = "yahoo"
    groups: ClassVar[tuple[str, ...]] = ("yahoo",)
    display: ClassVar[str] = "Yahoo"
    description: ClassVar[str] = (
        "Yahoo Finance daily bars: equity indices, ETFs, futures, currencies "
        "(adjusted close for ETFs and stocks)"
    )
    url_env: ClassVar[str] = "RISKOFF_YAHOO_URL"
    default_url: ClassVar[str] = "https://query2.finance.yahoo.com"
    workers: ClassVar[int] = 8
    emulator: ClassVar[str] = "riskoff.providers.yahoo:YahooEmulator"
    example: ClassVar[str] = "yahoo:SPY"

    # -- step 2: download ------------------------------------------------------------
    def download(self, session: SeriesSession, query: Query) -> list[Any]:
        # a day early: a bar that opens before midnight UTC still belongs to `start`
        first = (query.start - dt.timedelta(days=1)) if query.start else FULL_HISTORY_START
        params = {
            "period1": str(_epoch(first)),
            "period2": str(_epoch(query.end + dt.timedelta(days=1))),
            "interval": "1d",
            "events": "div,split",
            "includeAdjustedClose": "true",
        }
        url = f"{self.base_url}/v8/finance/chart/{quote(query.provider_id, safe='')}"
        resp = session.get(url, params, expect_json=True)
        if resp.status != 200:
            raise self._error(resp, query)
        return [resp.json()]

    def _error(self, resp: Response, query: Query) -> ProviderError:
        text = ""
        try:
            err = (resp.json().get("chart") or {}).get("error") or {}
            text = str(err.get("description") or err.get("code") or "")
        except (ProviderError, AttributeError):
            pass
        detail = f"HTTP {resp.status}" + (f": {text}" if text else "")
        if resp.status == 404:
            return ProviderError(f"Yahoo has no symbol {query.provider_id!r} ({detail})")
        return ProviderError(f"Yahoo {query.symbol}: {detail}")

    # -- step 3: to_canonical --------------------------------------------------------
    def to_canonical(self, payload: Sequence[Any], query: Query) -> pd.DataFrame:
        import numpy as np
        import pandas as pd

        dates: list[Any] = []
        values: list[Any] = []
        for doc in payload:  # one document per request; each is turned into arrays
            result = _result(doc, query)
            if result is None:
                continue
            stamps = result.get("timestamp") or []
            if not stamps:
                continue
            meta = result.get("meta") or {}
            column = _column(result, query)
            if len(column) != len(stamps):
                raise ProviderError(
                    f"Yahoo {query.symbol}: {len(stamps)} timestamps but {len(column)} prices"
                )
            utc = pd.to_datetime(pd.Series(stamps, dtype="int64"), unit="s", utc=True)
            local = _to_exchange_time(utc, meta, query)
            dates.append(local.dt.tz_localize(None).dt.normalize())
            try:
                values.append(np.asarray(column, dtype="float64"))  # None -> NaN
            except (TypeError, ValueError):
                raise ProviderError(f"Yahoo {query.symbol}: a price is not a number") from None
        if not dates:
            return empty_frame()
        return canonical_frame(pd.concat(dates, ignore_index=True), np.concatenate(values))


def _result(doc: Any, query: Query) -> dict[str, Any] | None:
    chart = doc.get("chart") if isinstance(doc, dict) else None
    if not isinstance(chart, dict):
        raise ProviderError(f"Yahoo {query.symbol}: unexpected JSON (no 'chart')")
    if chart.get("error"):
        err = chart["error"]
        text = err.get("description") if isinstance(err, dict) else err
        raise ProviderError(f"Yahoo {query.symbol}: {text}")
    results = chart.get("result")
    if not results:
        return None
    first = results[0]
    if not isinstance(first, dict):
        raise ProviderError(f"Yahoo {query.symbol}: unexpected JSON ('result' is not a list)")
    return first


def _column(result: dict[str, Any], query: Query) -> list[Any]:
    """``adjclose`` for adjusted series, ``close`` for the others."""
    ind = result.get("indicators") or {}
    try:
        col = ind["adjclose"][0]["adjclose"] if query.adjusted else ind["quote"][0]["close"]
    except (KeyError, IndexError, TypeError):
        field = "adjclose" if query.adjusted else "close"
        raise ProviderError(f"Yahoo {query.symbol}: the chart has no {field!r} prices") from None
    if not isinstance(col, list):
        raise ProviderError(f"Yahoo {query.symbol}: prices are not a list")
    return col


def _to_exchange_time(utc: pd.Series, meta: dict[str, Any], query: Query) -> pd.Series:
    zone = meta.get("exchangeTimezoneName")
    if isinstance(zone, str) and zone:
        try:
            converted: pd.Series = utc.dt.tz_convert(zone)
            return converted
        except Exception:  # unknown zone name: fall back to the offset
            pass
    offset = meta.get("gmtoffset")
    if isinstance(offset, int | float):
        shifted: pd.Series = utc.dt.tz_convert(dt.timezone(dt.timedelta(seconds=int(offset))))
        return shifted
    raise ProviderError(f"Yahoo {query.symbol}: the chart has no exchange time zone")


# -- the emulator ------------------------------------------------------------------------

_CHART = "/v8/finance/chart/"


def _session(symbol: str) -> tuple[str, int, int]:
    """(time zone, open hour, open minute) of a Yahoo symbol's exchange."""
    if symbol.endswith("=X"):
        return "Europe/London", 0, 0
    if symbol.endswith("-USD"):
        return "UTC", 0, 0
    if symbol in ("^N225",) or symbol.endswith(".T"):
        return "Asia/Tokyo", 9, 0
    if symbol in ("^HSI",) or symbol.endswith(".HK"):
        return "Asia/Hong_Kong", 9, 30
    if symbol.endswith((".SS", ".SZ")):
        return "Asia/Shanghai", 9, 30
    if symbol.endswith("=F"):
        return "America/New_York", 0, 0
    return "America/New_York", 9, 30


def _error_answer(status: int, code: str, description: str) -> Answer:
    return json_answer(
        status, {"chart": {"result": None, "error": {"code": code, "description": description}}}
    )


class YahooEmulator(Routes):
    """Yahoo's chart API.

    Bars are stamped at the session open in the exchange's own time zone (09:30 New
    York for US listings, 09:00 Tokyo for ``^N225``, 00:00 London for ``=X``
    currencies...). The data folder holds one price per day, so for series the catalogue
    marks ``adjusted = "yes"`` the emulator serves that price as ``adjclose`` and a
    synthetic raw ``close`` 2 % higher: a client that reads the wrong field is caught.
    """

    prefix: ClassVar[str] = "yahoo"

    def route(self, path: str, query: Mapping[str, str]) -> tuple[str, str] | None:
        if path.startswith(_CHART):
            return "chart", f"yahoo:{path[len(_CHART) :]}"
        return None

    def prepare(self, series: EmulatedSeries) -> None:
        import numpy as np
        import pandas as pd

        zone, hour, minute = _session(series.symbol.split(":", 1)[1])
        dates = pd.DatetimeIndex(series.days.astype("datetime64[D]").astype("datetime64[ns]"))
        local = (dates + pd.Timedelta(hours=hour, minutes=minute)).tz_localize(
            zone, ambiguous=True, nonexistent="shift_forward"
        )
        utc = local.tz_convert("UTC").tz_localize(None)
        series.memo["stamps"] = (
            (utc - pd.Timestamp("1970-01-01")) // pd.Timedelta(seconds=1)
        ).to_numpy(dtype=np.int64)
        series.memo["zone"] = zone

    def unknown(self, endpoint: str) -> Answer:
        return _error_answer(404, "Not Found", "No data found, symbol may be delisted")

    def unauthorized(self, endpoint: str) -> Answer:
        return _error_answer(401, "Unauthorized", "Invalid Crumb")

    def _texts(self, series: EmulatedSeries) -> tuple[list[str], list[str], list[str]]:
        """The JSON text of every bar's time, raw close and adjusted close, built once."""
        if "texts" not in series.memo:
            raw = series.values * 1.02 if series.adjusted else series.values
            series.memo["texts"] = (
                [str(x) for x in series.memo["stamps"].tolist()],
                [repr(x) for x in raw.tolist()],
                [repr(x) for x in series.values.tolist()],
            )
        texts: tuple[list[str], list[str], list[str]] = series.memo["texts"]
        return texts

    def serve(
        self, emu: Emulator, endpoint: str, symbol: str, query: Mapping[str, str], *, empty: bool
    ) -> Answer:
        import zoneinfo

        import numpy as np

        if query.get("interval", "1d") != "1d":
            return _error_answer(400, "Bad Request", "Invalid interval")
        series = self.series(emu, symbol)
        if series is None or "stamps" not in series.memo:
            return self.unknown(endpoint)
        stamps = series.memo["stamps"]
        zone_name: str = series.memo["zone"]
        try:
            p1 = int(query.get("period1", "0"))
            p2 = int(query.get("period2", str(int(time.time()))))
        except ValueError:
            return _error_answer(400, "Bad Request", "Invalid period")
        a = int(np.searchsorted(stamps, p1, side="left"))
        b = int(np.searchsorted(stamps, p2, side="left"))
        if empty:
            a = b
        zone = zoneinfo.ZoneInfo(zone_name)
        ref = dt.datetime.fromtimestamp(
            int(stamps[-1]) if len(stamps) else 0, tz=dt.UTC
        ).astimezone(zone)
        offset = ref.utcoffset() or dt.timedelta(0)
        meta = {
            "currency": "USD",
            "symbol": symbol.split(":", 1)[1],
            "exchangeName": "EMU",
            "instrumentType": "ETF" if series.adjusted else "INDEX",
            "firstTradeDate": int(stamps[0]) if len(stamps) else None,
            "gmtoffset": int(offset.total_seconds()),
            "timezone": ref.tzname() or zone_name,
            "exchangeTimezoneName": zone_name,
            "dataGranularity": "1d",
            "range": "",
        }
        head = '{"chart":{"result":[{"meta":' + json.dumps(meta, separators=(",", ":"))
        tail = '}],"error":null}}'
        if a >= b:
            body = head + ',"indicators":{"quote":[{}],"adjclose":[{}]}' + tail
            return Answer(200, body.encode())
        times, closes, adjcloses = self._texts(series)
        close = "[" + ",".join(closes[a:b]) + "]"
        body = "".join(
            [
                head,
                ',"timestamp":[',
                ",".join(times[a:b]),
                '],"events":{},"indicators":{"quote":[{',
                f'"open":{close},"high":{close},"low":{close},"close":{close},',
                '"volume":[',
                ",".join(["0"] * (b - a)),
                ']}],"adjclose":[{"adjclose":[',
                ",".join(adjcloses[a:b]),
                "]}]}",
                tail,
            ]
        )
        return Answer(200, body.encode())
