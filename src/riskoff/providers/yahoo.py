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
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from riskoff.errors import ProviderError
from riskoff.providers.base import Provider, Query, canonical_frame, empty_frame

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.providers.http import Response, SeriesSession

__all__ = ["FULL_HISTORY_START", "YahooProvider"]

FULL_HISTORY_START = dt.date(1900, 1, 1)
"""``period1`` of a full-history request (before any series Yahoo has)."""

_EPOCH = dt.date(1970, 1, 1)


def _epoch(day: dt.date) -> int:
    return (day - _EPOCH).days * 86_400


class YahooProvider(Provider):
    """Daily bars from Yahoo's chart API."""

    name: ClassVar[str] = "yahoo"
    prefix: ClassVar[str] = "yahoo"
    group: ClassVar[str] = "yahoo"
    display: ClassVar[str] = "Yahoo"
    workers: ClassVar[int] = 8

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
        url = f"{self.settings.yahoo_url}/v8/finance/chart/{quote(query.provider_id, safe='')}"
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
