"""The crypto Fear & Greed Index of alternative.me: ``alternativeme:FNG``::

    GET {alternativeme_url}/fng/?limit=N&format=json

answers ``{"name": ..., "data": [{"value": "40", "value_classification": "Fear",
"timestamp": "1551157200", ...}, ...], "metadata": {"error": null}}``: the latest ``N``
values, newest first (``limit=0``: the whole history, from 2018-02-01), each stamped at
00:00 UTC of its day. There is no start date: an incremental update asks for as many
values as days from its start to today (plus one). The rows come back dated as the
source dates them; ``riskoff update`` then files the row dated D under D-1, the day it
describes (the catalogue's ``row_holds = "previous_day"``), exactly as ``riskoff
ingest`` does for the same series.

A ``metadata.error`` is reported in one line naming the series. No key is needed; the
API allows 60 requests a minute, riskoff asks one a second.

:class:`FearGreedEmulator` is its stand-in for :mod:`riskoff.testing.emulator`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from riskoff.errors import ProviderError
from riskoff.providers.base import Provider, Query, canonical_frame, empty_frame
from riskoff.providers.emulation import Answer, Emulator, Routes, json_answer

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.providers.http import SeriesSession

__all__ = ["FearGreedEmulator", "FearGreedProvider", "classification"]

_PATH = "/fng/"
_NAME = "Fear and Greed Index"


class FearGreedProvider(Provider):
    """The Fear & Greed JSON API of alternative.me."""

    name: ClassVar[str] = "alternativeme"
    prefix: ClassVar[str] = "alternativeme"
    groups: ClassVar[tuple[str, ...]] = ("news", "alternativeme")
    display: ClassVar[str] = "alternative.me"
    description: ClassVar[str] = (
        "the crypto Fear & Greed Index (alternative.me JSON API; the row dated D describes D-1)"
    )
    url_env: ClassVar[str] = "RISKOFF_ALTERNATIVEME_URL"
    default_url: ClassVar[str] = "https://api.alternative.me"
    rate_limit: ClassVar[float | None] = 1.0
    workers: ClassVar[int] = 1
    emulator: ClassVar[str] = "riskoff.providers.alternativeme:FearGreedEmulator"
    example: ClassVar[str] = "alternativeme:FNG"

    def download(self, session: SeriesSession, query: Query) -> list[Any]:
        if query.provider_id.upper() != "FNG":
            raise ProviderError(f"{self.display} has no series {query.provider_id!r} (only FNG)")
        limit = 0 if query.start is None else max(1, (query.end - query.start).days + 2)
        params = {"limit": str(limit), "format": "json"}
        resp = session.get(f"{self.base_url}{_PATH}", params, expect_json=True)
        if resp.status != 200:
            raise ProviderError(f"{self.display} {query.symbol}: HTTP {resp.status}")
        body = resp.json()
        error = body.get("metadata", {}).get("error") if isinstance(body, dict) else None
        if error:
            text = " ".join(str(error).split())[:200]
            raise ProviderError(f"{self.display} {query.symbol}: {text}")
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise ProviderError(f"{self.display} {query.symbol}: unexpected JSON (no 'data' list)")
        return [body]

    def to_canonical(self, payload: Sequence[Any], query: Query) -> pd.DataFrame:
        import pandas as pd

        stamps: list[int] = []
        values: list[Any] = []
        for page in payload:
            for row in page["data"]:
                try:
                    stamps.append(int(row["timestamp"]))
                    values.append(row["value"])
                except (KeyError, TypeError, ValueError):
                    raise ProviderError(
                        f"{self.display} {query.symbol}: a row is not "
                        "{value, timestamp} ({str(row)[:60]})"
                    ) from None
        if not stamps:
            return empty_frame()
        days = pd.to_datetime(pd.Series(stamps, dtype="int64"), unit="s")
        out = canonical_frame(days, values)
        keep = out["date"] <= pd.Timestamp(query.end)
        if query.start is not None:
            keep &= out["date"] >= pd.Timestamp(query.start)
        return out[keep].reset_index(drop=True)


def classification(value: float) -> str:
    """The source's words for a value (for the emulator's rows)."""
    if value < 25:
        return "Extreme Fear"
    if value < 47:
        return "Fear"
    if value < 55:
        return "Neutral"
    if value < 76:
        return "Greed"
    return "Extreme Greed"


# -- the emulator ------------------------------------------------------------------------


class FearGreedEmulator(Routes):
    """``/fng/``: the latest ``limit`` values newest first, stamped at 00:00 UTC."""

    prefix: ClassVar[str] = "alternativeme"

    def route(self, path: str, query: Mapping[str, str]) -> tuple[str, str] | None:
        if path in (_PATH, _PATH.rstrip("/")):
            return "fng", f"{self.prefix}:FNG"
        return None

    def unknown(self, endpoint: str) -> Answer:
        return json_answer(
            404, {"name": _NAME, "data": [], "metadata": {"error": "Endpoint not found"}}
        )

    def serve(
        self, emu: Emulator, endpoint: str, symbol: str, query: Mapping[str, str], *, empty: bool
    ) -> Answer:
        series = self.series(emu, symbol)
        if series is None:
            return self.unknown(endpoint)
        try:
            limit = int(query.get("limit", "1"))
        except ValueError:
            limit = -1
        if limit < 0:
            bad = {"name": _NAME, "data": [], "metadata": {"error": "Invalid limit"}}
            return json_answer(200, bad)
        days, values = series.days.tolist(), series.values.tolist()
        if empty:
            days, values = [], []
        if limit:
            days, values = days[-limit:], values[-limit:]
        rows = [
            {
                "value": str(int(v)) if float(v).is_integer() else repr(float(v)),
                "value_classification": classification(v),
                "timestamp": str(int(d) * 86_400),
            }
            for d, v in zip(reversed(days), reversed(values), strict=True)
        ]
        if rows:
            rows[0]["time_until_update"] = "43200"
        return json_answer(200, {"name": _NAME, "data": rows, "metadata": {"error": None}})
