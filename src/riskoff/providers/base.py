"""The live-provider contract: three small steps, only the middle one does I/O.

``build_query`` (pure)  ->  ``download`` (HTTP, through :class:`HttpSession`)  ->
``to_canonical`` (pure). ``fetch`` runs the three in order.

Every provider returns the same canonical frame: columns ``date`` (datetime64, naive,
midnight of the observation day) and ``value`` (float64), sorted by date, one row per
date, no missing values. When a source repeats a date, the last row wins.
"""

from __future__ import annotations

import datetime as dt
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.catalog import SeriesInfo
    from riskoff.config import Settings
    from riskoff.providers.http import HttpSession, SeriesSession, TokenBucket

__all__ = ["Provider", "Query", "canonical_frame", "empty_frame"]


@dataclass(frozen=True)
class Query:
    """What to fetch for one series.

    Attributes:
        symbol: the prefixed symbol, e.g. ``fred:SOFR``.
        provider_id: the provider's own id, e.g. ``SOFR``.
        start: the first day wanted, or ``None`` for the full history.
        end: the last day wanted (usually today).
        adjusted: read the dividend/split-adjusted price where the source has both.
    """

    symbol: str
    provider_id: str
    start: dt.date | None
    end: dt.date
    adjusted: bool = False


class Provider(ABC):
    """One live source. Subclasses set the class attributes and the three steps.

    A provider is registered under the entry-point group ``riskoff.providers`` (the
    entry's name is its prefix), so a package of its own can add one; see
    ``docs/plugins.md``.

    Attributes:
        name: the source recorded in the store (``fred``, ``yahoo``, ``coinbase``).
        prefix: the symbol prefix it serves (``fred`` serves ``fred:SOFR``).
        groups: the names ``riskoff update --provider`` accepts for it; the first is the
            one listed (``("crypto", "coinbase")`` for the exchange).
        display: the name used in messages.
        description: one line saying what it serves, for listings and docs.
        url_env: the environment variable that moves its base URL (``RISKOFF_FRED_URL``).
        default_url: its public base URL.
        rate_limit: requests per second the source tolerates (``None``: no published
            limit, no client-side throttling). Every request of the process waits on one
            shared token bucket at :attr:`headroom` of it.
        burst: tokens that bucket holds (requests allowed back to back).
        headroom: the fraction of ``rate_limit`` actually used.
        workers: threads that may fetch different series at the same time.
        deadline: seconds one update of this provider may take beyond what its rate
            limiter alone needs (one request per series at ``rate_limit * headroom``);
            after that the series not fetched yet are reported as not reached.
        emulator: ``"module:Class"`` of its emulator routes (see
            :mod:`riskoff.providers.emulation`): what ``riskoff.testing.emulator`` serves for
            it, and what the conformance test runs against.
        example: a symbol the emulator serves, for the conformance test.
    """

    name: ClassVar[str]
    prefix: ClassVar[str]
    groups: ClassVar[tuple[str, ...]]
    display: ClassVar[str]
    description: ClassVar[str]
    url_env: ClassVar[str]
    default_url: ClassVar[str]
    rate_limit: ClassVar[float | None] = None
    burst: ClassVar[int] = 1
    headroom: ClassVar[float] = 0.8
    workers: ClassVar[int] = 4
    deadline: ClassVar[float] = 20.0
    emulator: ClassVar[str]
    example: ClassVar[str]

    _limiters: ClassVar[dict[type[Provider], TokenBucket]] = {}
    _limiters_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, settings: Settings, *, limiter: TokenBucket | None = None) -> None:
        self.settings = settings
        self._limiter = limiter  # replaces the shared one (tests, benchmarks)

    @property
    def base_url(self) -> str:
        """Where requests go: ``$url_env`` when set, else :attr:`default_url`."""
        return self.settings.url(self.url_env, self.default_url)

    @classmethod
    def shared_limiter(cls) -> TokenBucket | None:
        """The one token bucket every request of this provider in the process waits on
        (built from :attr:`rate_limit`, :attr:`headroom` and :attr:`burst`)."""
        if cls.rate_limit is None:
            return None
        from riskoff.providers.http import TokenBucket

        with cls._limiters_lock:
            found = Provider._limiters.get(cls)
            if found is None:
                found = TokenBucket(rate=cls.rate_limit * cls.headroom, capacity=cls.burst)
                Provider._limiters[cls] = found
            return found

    def budget(self, n_series: int) -> float:
        """Seconds one update of ``n_series`` series may take (see :attr:`deadline`)."""
        bucket = self.limiter()  # the rate this instance is held to
        floor = n_series / bucket.rate if bucket is not None else 0.0
        return self.deadline + floor

    # -- the three steps -------------------------------------------------------------
    def build_query(self, info: SeriesInfo, start: dt.date | None, end: dt.date) -> Query:
        """Turn a catalogue entry and a window into a :class:`Query` (pure)."""
        return Query(
            symbol=info.symbol,
            provider_id=info.provider_id,
            start=start,
            end=end,
            adjusted=info.adjusted == "yes",
        )

    @abstractmethod
    def download(self, session: SeriesSession, query: Query) -> list[Any]:
        """Fetch the raw payload(s) for ``query``: one item per HTTP response (page)."""

    @abstractmethod
    def to_canonical(self, payload: Sequence[Any], query: Query) -> pd.DataFrame:
        """Turn the raw payload(s) into the canonical frame (pure)."""

    # -- plumbing --------------------------------------------------------------------
    def secrets(self) -> tuple[str, ...]:
        """Strings that must never appear in output (API keys)."""
        return ()

    def limiter(self) -> TokenBucket | None:
        """The rate limiter this instance waits on (default: :meth:`shared_limiter`)."""
        return self._limiter if self._limiter is not None else self.shared_limiter()

    def fetch(self, session: SeriesSession, query: Query) -> pd.DataFrame:
        """``to_canonical(download(query))``."""
        return self.to_canonical(self.download(session, query), query)

    def open_session(self, **kwargs: Any) -> HttpSession:
        """A session configured for this source (limiter and secrets set)."""
        from riskoff.providers.http import HttpSession

        kwargs.setdefault("limiter", self.limiter())
        kwargs.setdefault("max_connections", self.workers)
        return HttpSession(self.display, secrets=self.secrets(), **kwargs)


def empty_frame() -> pd.DataFrame:
    """A canonical frame with no rows."""
    import pandas as pd

    return pd.DataFrame(
        {"date": pd.Series([], dtype="datetime64[us]"), "value": pd.Series([], dtype="float64")}
    )


def canonical_frame(dates: Any, values: Any, *, date_format: str | None = None) -> pd.DataFrame:
    """Build the canonical frame from parallel date and value sequences.

    Dates may be strings, datetimes or datetime64 (time of day is dropped; a time zone,
    if any, is dropped after the caller converted to the right local day). Values that
    are not numbers (``"."``, ``""``, ``None``, NaN, infinities) are dropped. A repeated
    date keeps its last value. ``date_format`` (e.g. ``"%Y-%m-%d"``) speeds up parsing
    text dates; a text date that does not match it is dropped.
    """
    import numpy as np
    import pandas as pd

    d = pd.to_datetime(pd.Series(dates), errors="coerce", format=date_format)
    if getattr(d.dt, "tz", None) is not None:
        d = d.dt.tz_localize(None)
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        v = pd.Series(values.astype("float64", copy=False))
    else:
        v = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").astype("float64")
    frame = pd.DataFrame(
        {"date": d.dt.normalize().astype("datetime64[us]").to_numpy(), "value": v.to_numpy()}
    )
    ok = frame["date"].notna() & np.isfinite(frame["value"].to_numpy())
    frame = frame[ok]
    frame = frame.drop_duplicates("date", keep="last").sort_values("date", kind="stable")
    out: pd.DataFrame = frame.reset_index(drop=True)
    return out
