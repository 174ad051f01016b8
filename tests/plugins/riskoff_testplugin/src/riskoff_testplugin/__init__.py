"""A toy riskoff plugin: the ``demo:`` live provider, its emulator, and a check function.

Everything a provider plugin needs is in this one module:

- :class:`DemoProvider`, registered under ``riskoff.providers`` as ``demo``: it reads
  ``GET {base}/v1/series/{ID}?from=YYYY-MM-DD`` answering
  ``{"series": ID, "points": [["2024-01-02", 101.5], ...]}``;
- :class:`DemoEmulator`, its stand-in for ``riskoff.testing.emulator``, which serves a
  synthetic business-daily series for any ``demo:`` symbol;
- :func:`demo_gap`, registered under ``riskoff.checks``, with the signature of the
  built-in check functions (``riskoff.diagnosis.checks``).
"""

from __future__ import annotations

import datetime as dt
import math
import zlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from riskoff.errors import ProviderError
from riskoff.providers.base import Provider, Query, canonical_frame, empty_frame
from riskoff.providers.emulation import Answer, EmulatedSeries, Emulator, Routes, json_answer

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.providers.http import SeriesSession

__all__ = ["DemoEmulator", "DemoProvider", "demo_gap"]


class DemoProvider(Provider):
    """Daily values from the (imaginary) Demo Data API."""

    name: ClassVar[str] = "demo"
    prefix: ClassVar[str] = "demo"
    groups: ClassVar[tuple[str, ...]] = ("demo",)
    display: ClassVar[str] = "Demo"
    description: ClassVar[str] = "a toy provider from the riskoff test plugin"
    url_env: ClassVar[str] = "RISKOFF_DEMO_URL"
    default_url: ClassVar[str] = "https://demo.invalid"
    rate_limit: ClassVar[float | None] = 20.0
    workers: ClassVar[int] = 2
    emulator: ClassVar[str] = "riskoff_testplugin:DemoEmulator"
    example: ClassVar[str] = "demo:ALPHA"

    def download(self, session: SeriesSession, query: Query) -> list[Any]:
        params = {"from": (query.start or dt.date(1990, 1, 1)).isoformat()}
        url = f"{self.base_url}/v1/series/{quote(query.provider_id, safe='')}"
        resp = session.get(url, params, expect_json=True)
        if resp.status == 404:
            raise ProviderError(f"Demo has no series {query.provider_id!r} (HTTP 404)")
        if resp.status != 200:
            raise ProviderError(f"Demo {query.symbol}: HTTP {resp.status}")
        body = resp.json()
        if not isinstance(body, dict) or not isinstance(body.get("points"), list):
            raise ProviderError(f"Demo {query.symbol}: unexpected JSON (no 'points' list)")
        return [body]

    def to_canonical(self, payload: Sequence[Any], query: Query) -> pd.DataFrame:
        dates: list[Any] = []
        values: list[Any] = []
        for doc in payload:
            for point in doc["points"]:
                if not isinstance(point, list) or len(point) != 2:
                    raise ProviderError(f"Demo {query.symbol}: a point is not [date, value]")
                dates.append(point[0])
                values.append(point[1])
        if not dates:
            return empty_frame()
        return canonical_frame(dates, values, date_format="%Y-%m-%d")


class DemoEmulator(Routes):
    """Serves a synthetic business-daily series (2019 to mid-2026) for any ``demo:`` id."""

    prefix: ClassVar[str] = "demo"
    _PATH = "/v1/series/"

    def __init__(self) -> None:
        self._made: dict[str, EmulatedSeries] = {}

    def route(self, path: str, query: Mapping[str, str]) -> tuple[str, str] | None:
        if path.startswith(self._PATH):
            return "series", f"demo:{path[len(self._PATH) :]}"
        return None

    def series(self, emu: Emulator, symbol: str) -> EmulatedSeries | None:
        import numpy as np

        ident = symbol.split(":", 1)[1]
        if not ident.isalnum():
            return None
        if symbol not in self._made:
            first = (dt.date(2019, 1, 1) - dt.date(1970, 1, 1)).days
            last = (dt.date(2026, 6, 30) - dt.date(1970, 1, 1)).days
            every = np.arange(first, last + 1, dtype=np.int64)
            days = every[((every + 3) % 7) < 5]  # weekdays (1970-01-01 was a Thursday)
            phase = zlib.crc32(ident.encode()) % 100
            values = 100.0 + 10.0 * np.sin((np.arange(len(days)) + phase) / 25.0)
            self._made[symbol] = EmulatedSeries(symbol, days, np.round(values, 4))
        return self._made[symbol]

    def serve(
        self, emu: Emulator, endpoint: str, symbol: str, query: Mapping[str, str], *, empty: bool
    ) -> Answer:
        import numpy as np

        series = self.series(emu, symbol)
        if series is None:
            return self.unknown(endpoint)
        try:
            since = dt.date.fromisoformat(query.get("from", "1990-01-01"))
        except ValueError:
            return json_answer(400, {"message": "bad 'from'"})
        first = (since - dt.date(1970, 1, 1)).days
        a = int(np.searchsorted(series.days, first, side="left"))
        days = [] if empty else series.days[a:].astype("datetime64[D]").astype(str).tolist()
        values = [] if empty else series.values[a:].tolist()
        points = [[d, v] for d, v in zip(days, values, strict=True)]
        return json_answer(200, {"series": symbol.split(":", 1)[1], "points": points})


def demo_gap(row: Mapping[str, float], params: Mapping[str, Any], n_days: int) -> float:
    """``a - b`` of two features (``params``: ``a``, ``b``); NaN when either is missing."""
    a = row.get(str(params["a"]), math.nan)
    b = row.get(str(params["b"]), math.nan)
    return float(a - b)
