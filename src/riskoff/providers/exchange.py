"""Crypto exchange: Coinbase Exchange public daily candles, ``coinbase:BTC-USD``::

    GET {exchange_url}/products/BTC-USD/candles?granularity=86400&start=..&end=..

Each answer holds at most 300 candles, newest first, as rows
``[time, low, high, open, close, volume]`` where ``time`` is the candle's UTC start.
Long histories are read in 300-day pages, oldest first. The stored value is the close of
the UTC calendar day. No key is needed; the exchange allows about 10 public requests per
second, so its requests share one limiter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from riskoff.errors import ProviderError
from riskoff.providers.base import Provider, Query, canonical_frame, empty_frame
from riskoff.providers.http import TokenBucket

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.providers.http import Response, SeriesSession

__all__ = ["EXCHANGE_LIMITER", "EXCHANGE_START", "MAX_CANDLES", "CoinbaseProvider", "pages"]

MAX_CANDLES = 300
EXCHANGE_START = dt.date(2015, 1, 1)
"""First day of a full-history request (Coinbase Exchange opened in January 2015)."""

EXCHANGE_LIMITER = TokenBucket(rate=8.0, capacity=2)
"""Shared by every exchange request in the process (public limit: about 10 per second)."""


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
    group: ClassVar[str] = "crypto"
    display: ClassVar[str] = "Coinbase"
    workers: ClassVar[int] = 2

    def limiter(self) -> TokenBucket:
        return EXCHANGE_LIMITER

    # -- step 2: download ------------------------------------------------------------
    def download(self, session: SeriesSession, query: Query) -> list[Any]:
        url = f"{self.settings.exchange_url}/products/{quote(query.provider_id, safe='')}/candles"
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
