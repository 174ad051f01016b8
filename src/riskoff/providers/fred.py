"""FRED (Federal Reserve Bank of St. Louis): ``fred:SERIES``.

With ``FRED_API_KEY`` set, riskoff calls the official API::

    GET {fred_url}/fred/series/observations?series_id=SOFR&api_key=..&file_type=json
        &observation_start=2026-01-01&sort_order=asc&limit=100000&offset=0

and pages with ``offset`` when a series has more observations than ``limit``. Without a
key it downloads the keyless graph CSV::

    GET {fred_csv_url}/graph/fredgraph.csv?id=SOFR&cosd=2026-01-01

FRED marks a missing observation with ``.`` (the CSV may also leave the cell empty);
such rows are dropped. FRED allows about two requests per second, so every FRED request
in the process waits on one shared :data:`FRED_LIMITER`. The key is never shown: it is
redacted from every URL and message, and a rejected key is reported with FRED's own
error text only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from riskoff.errors import ProviderError, UnauthorizedError
from riskoff.providers.base import Provider, Query, canonical_frame, empty_frame
from riskoff.providers.http import TokenBucket

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.config import Settings
    from riskoff.providers.http import Response, SeriesSession

__all__ = ["FRED_LIMITER", "FRED_MAX_RATE", "FredProvider"]

FRED_MAX_RATE = 2.0
"""Requests per second FRED tolerates (its documented limit is 120 per minute)."""

FRED_LIMITER = TokenBucket(rate=FRED_MAX_RATE * 0.8, capacity=1)
"""The one limiter every FRED request in this process waits on (20 % headroom)."""

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
    group: ClassVar[str] = "fred"
    display: ClassVar[str] = "FRED"
    workers: ClassVar[int] = 4

    def __init__(self, settings: Settings, *, limiter: TokenBucket | None = None) -> None:
        super().__init__(settings)
        self._limiter = limiter or FRED_LIMITER

    @property
    def uses_api(self) -> bool:
        """True when an API key is configured."""
        return bool(self.settings.fred_api_key)

    def secrets(self) -> tuple[str, ...]:
        key = self.settings.fred_api_key
        return (key,) if key else ()

    def limiter(self) -> TokenBucket:
        return self._limiter

    # -- step 2: download ------------------------------------------------------------
    def download(self, session: SeriesSession, query: Query) -> list[Any]:
        if self.uses_api:
            return self._download_api(session, query)
        params = {"id": query.provider_id}
        if query.start is not None:
            params["cosd"] = query.start.isoformat()
        resp = session.get(f"{self.settings.fred_csv_url}/graph/fredgraph.csv", params)
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
                f"{self.settings.fred_url}/fred/series/observations", params, expect_json=True
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
