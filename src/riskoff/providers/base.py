"""The live-provider contract: three small steps, only the middle one does I/O.

``build_query`` (pure)  ->  ``download`` (HTTP, through :class:`HttpSession`)  ->
``to_canonical`` (pure). ``fetch`` runs the three in order.

Every provider returns the same canonical frame: columns ``date`` (datetime64, naive,
midnight of the observation day) and ``value`` (float64), sorted by date, one row per
date, no missing values. When a source repeats a date, the last row wins.
"""

from __future__ import annotations

import datetime as dt
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

    Attributes:
        name: the source recorded in the store (``fred``, ``yahoo``, ``coinbase``).
        prefix: the symbol prefix it serves.
        group: the name used by ``riskoff update --provider`` (``crypto`` for exchanges).
        display: the name used in messages.
        workers: threads that may fetch different series at the same time.
    """

    name: ClassVar[str]
    prefix: ClassVar[str]
    group: ClassVar[str]
    display: ClassVar[str]
    workers: ClassVar[int] = 4

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

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
        """The shared rate limiter for this source, if it has one."""
        return None

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
