"""Crypto exchange: Coinbase Exchange public daily candles, ``coinbase:BTC-USD``::

    GET {exchange_url}/products/BTC-USD/candles?granularity=86400&start=..&end=..

Each answer holds at most 300 candles, newest first, as rows
``[time, low, high, open, close, volume]`` where ``time`` is the candle's UTC start.
Long histories are read in 300-day pages, oldest first. The stored value is the close of
the UTC calendar day. :meth:`CoinbaseProvider.hourly` reads hourly candles
(``granularity=3600``, 300 hours a page) for ``riskoff watch``, which follows crypto
around the clock; they are not stored (the store holds daily closes). No key is
needed; the exchange allows about 10 public requests per second, so its requests share
one limiter.

:class:`CoinbaseEmulator` is its stand-in for :mod:`riskoff.testing.emulator`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from riskoff.errors import ProviderError
from riskoff.providers.base import Provider, Query, canonical_frame, empty_frame
from riskoff.providers.emulation import (
    Answer,
    Emulator,
    Routes,
    day_number,
    hour_number,
    json_answer,
)

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.providers.http import Response, SeriesSession, TokenBucket

__all__ = [
    "EXCHANGE_LIMITER",
    "EXCHANGE_START",
    "HOUR",
    "MAX_CANDLES",
    "CoinbaseEmulator",
    "CoinbaseProvider",
    "pages",
]

MAX_CANDLES = 300
EXCHANGE_START = dt.date(2015, 1, 1)
"""First day of a full-history request (Coinbase Exchange opened in January 2015)."""


HOUR = 3600
"""Seconds of an hourly candle (the ``granularity`` asked for)."""


def hour_pages(start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """Hour windows of at most :data:`MAX_CANDLES` candles covering ``start..end``."""
    out: list[tuple[dt.datetime, dt.datetime]] = []
    lo = start
    while lo <= end:
        hi = min(end, lo + dt.timedelta(hours=MAX_CANDLES - 1))
        out.append((lo, hi))
        lo = hi + dt.timedelta(hours=1)
    return out


def pages(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Inclusive day windows of at most :data:`MAX_CANDLES` days covering ``start..end``."""
    out: list[tuple[dt.date, dt.date]] = []
    lo = start
    while lo <= end:
        hi = min(end, lo + dt.timedelta(days=MAX_CANDLES - 1))
        out.append((lo, hi))
        lo = hi + dt.timedelta(days=1)
    return out


class CoinbaseProvider(Provider):
    """Daily candles from Coinbase Exchange."""

    name: ClassVar[str] = "coinbase"
    prefix: ClassVar[str] = "coinbase"
    groups: ClassVar[tuple[str, ...]] = ("crypto", "coinbase")
    display: ClassVar[str] = "Coinbase"
    description: ClassVar[str] = "Coinbase Exchange public daily candles (crypto, UTC days)"
    url_env: ClassVar[str] = "RISKOFF_EXCHANGE_URL"
    default_url: ClassVar[str] = "https://api.exchange.coinbase.com"
    rate_limit: ClassVar[float | None] = 10.0
    burst: ClassVar[int] = 2
    workers: ClassVar[int] = 2
    emulator: ClassVar[str] = "riskoff.providers.exchange:CoinbaseEmulator"
    example: ClassVar[str] = "coinbase:BTC-USD"

    # -- step 2: download ------------------------------------------------------------
    def download(self, session: SeriesSession, query: Query) -> list[Any]:
        url = f"{self.base_url}/products/{quote(query.provider_id, safe='')}/candles"
        out: list[Any] = []
        for lo, hi in pages(query.start or EXCHANGE_START, query.end):
            params = {
                "granularity": "86400",
                "start": f"{lo.isoformat()}T00:00:00Z",
                "end": f"{hi.isoformat()}T00:00:00Z",
            }
            resp = session.get(url, params, expect_json=True)
            if resp.status != 200:
                raise self._error(resp, query)
            body = resp.json()
            if not isinstance(body, list):
                raise ProviderError(f"Coinbase {query.symbol}: unexpected JSON (not a list)")
            out.append(body)
        return out

    def hourly(
        self, session: SeriesSession, product: str, start: dt.datetime, end: dt.datetime
    ) -> list[tuple[dt.datetime, float]]:
        """Hourly closes of ``product`` (``BTC-USD``) whose candle started in
        ``start..end`` (aware UTC), oldest first: (the candle's start, its close)."""
        url = f"{self.base_url}/products/{quote(product, safe='')}/candles"
        first = start.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
        last = end.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
        seen: dict[int, float] = {}
        query = Query(f"{self.prefix}:{product}", product, first.date(), last.date())
        for lo, hi in hour_pages(first, last):
            params = {
                "granularity": str(HOUR),
                "start": lo.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "end": hi.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            resp = session.get(url, params, expect_json=True)
            if resp.status != 200:
                raise self._error(resp, query)
            body = resp.json()
            if not isinstance(body, list):
                raise ProviderError(f"Coinbase {query.symbol}: unexpected JSON (not a list)")
            for row in body:
                if not isinstance(row, list | tuple) or len(row) < 5:
                    raise ProviderError(
                        f"Coinbase {query.symbol}: a candle is not "
                        "[time, low, high, open, close, volume]"
                    )
                close = float(row[4])
                if close > 0 and close == close:  # finite prices only
                    seen[int(row[0])] = close
        return [(dt.datetime.fromtimestamp(k, dt.UTC), seen[k]) for k in sorted(seen)]

    def _error(self, resp: Response, query: Query) -> ProviderError:
        text = ""
        try:
            body = resp.json()
            if isinstance(body, dict):
                text = str(body.get("message") or "")
        except ProviderError:
            pass
        detail = f"HTTP {resp.status}" + (f": {text}" if text else "")
        if resp.status == 404:
            return ProviderError(f"Coinbase has no product {query.provider_id!r} ({detail})")
        return ProviderError(f"Coinbase {query.symbol}: {detail}")

    # -- step 3: to_canonical --------------------------------------------------------
    def to_canonical(self, payload: Sequence[Any], query: Query) -> pd.DataFrame:
        import pandas as pd

        stamps: list[int] = []
        closes: list[Any] = []
        for page in payload:
            for row in page:
                if not isinstance(row, list | tuple) or len(row) < 5:
                    raise ProviderError(
                        f"Coinbase {query.symbol}: a candle is not "
                        "[time, low, high, open, close, volume]"
                    )
                stamps.append(int(row[0]))
                closes.append(row[4])
        if not stamps:
            return empty_frame()
        days = pd.to_datetime(pd.Series(stamps, dtype="int64"), unit="s")
        return canonical_frame(days, closes)


def _shared_limiter() -> TokenBucket:
    bucket = CoinbaseProvider.shared_limiter()
    assert bucket is not None
    return bucket


EXCHANGE_LIMITER = _shared_limiter()
"""Shared by every exchange request in the process (public limit: about 10 per second)."""


# -- the emulator ------------------------------------------------------------------------

_PRODUCTS = "/products/"


class CoinbaseEmulator(Routes):
    """Coinbase Exchange candles: at most 300 per answer, newest first."""

    prefix: ClassVar[str] = "coinbase"

    def route(self, path: str, query: Mapping[str, str]) -> tuple[str, str] | None:
        if path.startswith(_PRODUCTS) and path.endswith("/candles"):
            return "candles", f"coinbase:{path[len(_PRODUCTS) : -len('/candles')]}"
        return None

    def serve(
        self, emu: Emulator, endpoint: str, symbol: str, query: Mapping[str, str], *, empty: bool
    ) -> Answer:
        import numpy as np

        if query.get("granularity") == str(HOUR):
            return self._hourly(emu, symbol, query, empty=empty)
        if query.get("granularity") not in ("86400", None):
            return json_answer(400, {"message": "Unsupported granularity"})
        series = self.series(emu, symbol)
        if series is None:
            return self.unknown(endpoint)
        lo, hi = day_number(query.get("start")), day_number(query.get("end"))
        if lo == -1 or hi == -1:
            return json_answer(400, {"message": "Invalid start or end"})
        if lo is not None and hi is not None and hi - lo + 1 > MAX_CANDLES:
            return json_answer(
                400,
                {
                    "message": "granularity too small for the requested time range. "
                    "Count of aggregations requested exceeds 300"
                },
            )
        a = 0 if lo is None else int(np.searchsorted(series.days, lo, side="left"))
        b = len(series.days) if hi is None else int(np.searchsorted(series.days, hi, side="right"))
        days, values = series.days[a:b], series.values[a:b]
        if empty:
            days, values = days[:0], values[:0]
        if lo is None and hi is None:  # no range: the latest 300 candles, as Coinbase does
            days, values = days[-MAX_CANDLES:], values[-MAX_CANDLES:]
        rows = [
            [int(d) * 86_400, float(v), float(v), float(v), float(v), 0.0]
            for d, v in zip(days.tolist(), values.tolist(), strict=True)
        ]
        rows.reverse()
        return json_answer(200, rows)

    def _hourly(
        self, emu: Emulator, symbol: str, query: Mapping[str, str], *, empty: bool
    ) -> Answer:
        """Hourly candles: the emulator's own hourly series when a test set one
        (``Emulator.set_hourly``), else each hour of a day at that day's close."""
        import numpy as np

        lo, hi = hour_number(query.get("start")), hour_number(query.get("end"))
        if lo is None or hi is None or lo < 0 or hi < 0:
            return json_answer(400, {"message": "Invalid start or end"})
        if hi - lo + 1 > MAX_CANDLES:
            return json_answer(
                400,
                {
                    "message": "granularity too small for the requested time range. "
                    "Count of aggregations requested exceeds 300"
                },
            )
        series = emu.hourly_series(symbol)
        if series is not None:
            a = int(np.searchsorted(series.days, lo, side="left"))
            b = int(np.searchsorted(series.days, hi, side="right"))
            hours, values = series.days[a:b].tolist(), series.values[a:b].tolist()
        else:
            daily = self.series(emu, symbol)
            if daily is None:
                return self.unknown("candles")
            hours, values = [], []
            for h in range(lo, hi + 1):
                i = int(np.searchsorted(daily.days, h // 24, side="right")) - 1
                if i >= 0 and int(daily.days[i]) == h // 24:
                    hours.append(h)
                    values.append(float(daily.values[i]))
        if empty:
            hours, values = [], []
        rows = [
            [int(h) * HOUR, float(v), float(v), float(v), float(v), 0.0]
            for h, v in zip(hours, values, strict=True)
        ]
        rows.reverse()
        return json_answer(200, rows)
