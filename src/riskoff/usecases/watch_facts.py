"""What the watcher's rules read (:class:`Facts`), and where they read it from: the
diagnosis of the latest day and its feature row (:func:`facts_of`), crypto's last daily
move (:func:`crypto_facts_of`) and the exchange's hourly candles (:func:`exchange_hourly`,
:func:`hourly_facts`)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from riskoff.config import Settings
from riskoff.knowledge.glossary import stress_segment_name
from riskoff.knowledge.universe import STRESS_SEGMENTS

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.diagnosis import Diagnosis
    from riskoff.usecases.workspace import Workspace

__all__ = [
    "CRYPTO_PRODUCTS",
    "Facts",
    "HourlyCandles",
    "HourlyReader",
    "crypto_facts_of",
    "crypto_sigma_hourly",
    "exchange_hourly",
    "facts_of",
    "hourly_facts",
]


@dataclass(frozen=True)
class Facts:
    """What the rules read about one observation (a day's diagnosis, or an hour's candle
    for the crypto rule).

    Attributes:
        at: the moment observed: the day's close (the end of ``day``, UTC) or the
            candle's end; a rule reacts once to each new ``at``.
        day: the market day of the observation.
        markets_open: a market other than crypto traded that day (weekends and holidays
            are not market days: they neither open nor clear a market rule).
        severity, scope, is_selloff, primary, primary_name, primary_score: the diagnosis.
        stress_percentile: riskoff's stress index on the day as a percentile (0..100) of
            its own history up to the day.
        segment_percentile, segment: the stress index's most stressed segment on the day
            and its reading as a percentile (0..100) of that segment's own history.
        funding_bp: SOFR minus IORB in basis points, as published by the day.
        crypto_sigma: the worst fall of Bitcoin and Ether, in sigmas of their own
            trailing volatility (negative: a fall), over the day or the last 24 hours.
        crypto_source: where ``crypto_sigma`` comes from ("daily closes", "hourly candles").
    """

    at: dt.datetime
    day: dt.date
    markets_open: bool = True
    is_selloff: bool = False
    severity: float = 0.0
    scope: str = "none"
    primary: str = ""
    primary_name: str = ""
    primary_score: float = 0.0
    stress_percentile: float | None = None
    segment_percentile: float | None = None
    segment: str = ""
    funding_bp: float | None = None
    crypto_sigma: float | None = None
    crypto_source: str = "daily closes"

    @property
    def weekend(self) -> bool:
        """Saturday or Sunday (UTC day of ``at``): stock markets are shut."""
        return (
            self.at.weekday() >= 5
            if self.crypto_source != "daily closes"
            else (self.day.weekday() >= 5)
        )


HourlyCandles = Mapping[str, Sequence[tuple[dt.datetime, float]]]
"""Hourly closes by symbol: (the candle's start, UTC, its close), oldest first."""


HourlyReader = Callable[[dt.datetime], HourlyCandles]
"""Reads the hourly candles complete at a time (:func:`exchange_hourly`, or a test's)."""


def _finite(x: object) -> float | None:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def facts_of(diag: Diagnosis, ws: Workspace) -> Facts:
    """What the market rules read from the diagnosis of a day and its feature row."""
    import pandas as pd

    day = diag.date
    table = ws.table
    ts = pd.Timestamp(day)
    row = _row(table, ts) if ts in table.index else None
    pct = None
    if "stress.index" in table.columns:
        hist = table["stress.index"].loc[:ts].dropna()
        if len(hist) > 1 and hist.index[-1] == ts:
            pct = float((hist.iloc[:-1] < hist.iloc[-1]).mean() * 100.0)
    seg_pct, seg = None, ""
    if row is not None and "stress.peak_segment" in table.columns:
        at, pk = _finite(row["stress.peak_segment"]), _finite(row["stress.peak_pct"])
        if at is not None and pk is not None and 0 <= int(at) < len(STRESS_SEGMENTS):
            seg_pct, seg = pk * 100.0, stress_segment_name(STRESS_SEGMENTS[int(at)])
    p = diag.primary
    return Facts(
        at=dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC),
        day=day,
        markets_open=row is not None and _markets_open(row, table),
        is_selloff=diag.selloff.is_selloff,
        severity=float(diag.selloff.severity),
        scope=str(diag.selloff.scope),
        primary=p.id,
        primary_name=p.name,
        primary_score=float(p.score),
        stress_percentile=pct,
        segment_percentile=seg_pct,
        segment=seg,
        funding_bp=_finite(row["funding.sofr_iorb_bp"])
        if row is not None and "funding.sofr_iorb_bp" in table.columns
        else None,
    )


_CRYPTO = ("btc", "eth")


def _row(table: pd.DataFrame, ts: pd.Timestamp) -> pd.Series:
    """The feature row of ``ts`` (the last one if the day repeats)."""
    import pandas as pd

    got = table.loc[ts]
    return got.iloc[-1] if isinstance(got, pd.DataFrame) else got


def _markets_open(row: pd.Series, table: pd.DataFrame) -> bool:
    """A market other than crypto traded on the row's day."""
    crypto = {f"open.{c}" for c in _CRYPTO}
    return any(
        (_finite(row[c]) or 0.0) > 0
        for c in table.columns
        if c.startswith("open.") and c not in crypto and c != "open.aud"
    )


def crypto_facts_of(ws: Workspace) -> Facts | None:
    """The crypto rule's daily facts: the worst daily move of Bitcoin and Ether, in
    sigmas, on the last day crypto traded (weekends included: the diagnosis looks at
    the last complete market day, crypto at its own last day)."""
    import pandas as pd

    table = ws.table
    cols = [c for c in _CRYPTO if f"open.{c}" in table.columns and f"sigma.{c}" in table.columns]
    if not cols:
        return None
    import numpy as np

    traded = np.flatnonzero(table[[f"open.{c}" for c in cols]].fillna(0).to_numpy().any(axis=1))
    if not len(traded):
        return None
    ts = pd.Timestamp(table.index[int(traded[-1])])
    row = _row(table, ts)
    sig = [
        s
        for c in cols
        if (_finite(row[f"open.{c}"]) or 0.0) > 0 and (s := _finite(row[f"sigma.{c}"])) is not None
    ]
    if not sig:
        return None
    day = ts.date()
    return Facts(
        at=dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC),
        day=day,
        markets_open=_markets_open(row, table),
        crypto_sigma=min(sig),
    )


def crypto_sigma_hourly(
    candles: Sequence[tuple[dt.datetime, float]], *, vol_days: int = 60
) -> tuple[dt.datetime, float] | None:
    """(end of the last candle, its 24-hour log move in sigmas of the trailing daily
    volatility) from hourly closes, or None when there is too little history.

    The volatility is the standard deviation of the 24-hour log moves ending at the same
    hour on each of the ``vol_days`` days before the last 24 hours (no overlap, no
    look-ahead)."""
    if len(candles) < 24 * 10 + 1:
        return None
    last_t, last_v = candles[-1]
    by_time = dict(candles)
    prev = by_time.get(last_t - dt.timedelta(hours=24))
    if prev is None or prev <= 0 or last_v <= 0:
        return None
    moves = []
    for k in range(1, vol_days + 1):
        a = by_time.get(last_t - dt.timedelta(hours=24 * (k + 1)))
        b = by_time.get(last_t - dt.timedelta(hours=24 * k))
        if a and b and a > 0 and b > 0:
            moves.append(math.log(b / a))
    if len(moves) < 10:
        return None
    mean = sum(moves) / len(moves)
    sd = math.sqrt(sum((m - mean) ** 2 for m in moves) / (len(moves) - 1))
    if sd <= 0:
        return None
    return last_t + dt.timedelta(hours=1), math.log(last_v / prev) / sd


def hourly_facts(candles: HourlyCandles) -> list[Facts]:
    """The crypto rule's facts from hourly candles: the worst 24-hour move of any symbol
    (:func:`crypto_sigma_hourly`) at the end of its last candle; none without enough
    history."""
    worst: tuple[dt.datetime, float] | None = None
    for series in candles.values():
        got = crypto_sigma_hourly(list(series))
        if got is not None and (worst is None or got[1] < worst[1]):
            worst = got
    if worst is None:
        return []
    at, sigma = worst
    return [
        Facts(
            at=at,
            day=(at - dt.timedelta(hours=1)).date(),
            markets_open=(at - dt.timedelta(hours=1)).weekday() < 5,
            crypto_sigma=sigma,
            crypto_source="hourly candles",
        )
    ]


CRYPTO_PRODUCTS: tuple[str, ...] = ("coinbase:BTC-USD", "coinbase:ETH-USD")
"""The products whose hourly candles the crypto rule follows."""


def exchange_hourly(
    settings: Settings,
    *,
    symbols: Sequence[str] = CRYPTO_PRODUCTS,
    days: int = 62,
    retry_tries: int = 3,
) -> HourlyReader:
    """Reads the last ``days`` of hourly candles of ``symbols`` from the exchange (the
    ``coinbase`` provider, at ``$RISKOFF_EXCHANGE_URL`` when set); only candles complete
    at the time asked for are kept."""

    def read(now: dt.datetime) -> HourlyCandles:
        from riskoff.providers.exchange import CoinbaseProvider
        from riskoff.providers.http import RetryPolicy, SeriesSession

        provider = CoinbaseProvider(settings)
        out: dict[str, list[tuple[dt.datetime, float]]] = {}
        with provider.open_session(retry=RetryPolicy(attempts=retry_tries)) as http:
            for sym in symbols:
                rows = provider.hourly(
                    SeriesSession(http, sym),
                    sym.split(":", 1)[1],
                    now - dt.timedelta(days=days),
                    now,
                )
                out[sym] = [(t, v) for t, v in rows if t + dt.timedelta(hours=1) <= now]
        return out

    return read
