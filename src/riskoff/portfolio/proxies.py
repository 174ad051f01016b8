"""Stand-ins for holdings without history: which series replays a holding in an episode.

A holding is replayed on its own prices when it has a close at most
:data:`~riskoff.portfolio.replay.STALE_DAYS` calendar days before the episode's first day.
Otherwise the first series of its proxy list that has one is used, and the replay says so.
The lists are data, stated here and in ``docs/portfolio.md``; they never reach past the
episode (only closes before its first day decide).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd

from riskoff.portfolio.replay import STALE_DAYS

__all__ = [
    "CLASS_PROXIES",
    "LAST_RESORT_PROXIES",
    "NO_HISTORY_POLICIES",
    "SYMBOL_PROXIES",
    "NoHistory",
    "choose_series",
    "has_base_price",
    "last_resort_chain",
    "proxy_chain",
]

NoHistory: TypeAlias = Literal["cash", "proxy", "skip"]
NO_HISTORY_POLICIES: tuple[NoHistory, ...] = ("cash", "proxy", "skip")
"""What a holding with neither its own history nor a proxy's does in an episode: replayed
as ``cash`` (its exposure sits in the cash balance; the default), through a ``proxy`` of
last resort (:data:`LAST_RESORT_PROXIES`, else as cash), or ``skip`` the episode."""

CLASS_PROXIES: dict[str, tuple[str, ...]] = {
    "equity": ("yahoo:^GSPC", "fred:SP500"),
    "precious_metal": ("yahoo:GC=F", "spot:XAUUSD"),
    "crypto": ("yahoo:BTC-USD", "coinbase:BTC-USD", "fred:CBBTCUSD"),
    "rates": ("yahoo:IEF", "yahoo:ZN=F"),
    "credit": ("yahoo:LQD", "yahoo:HYG"),
    "commodity": ("yahoo:DBC", "yahoo:CL=F", "fred:DCOILWTICO"),
}
"""Asset class -> proxies in order of preference. ``fx`` and ``other`` have none: a
currency or an unknown series has no honest stand-in."""

SYMBOL_PROXIES: dict[str, tuple[str, ...]] = {
    "yahoo:QQQ": ("yahoo:^NDX", "fred:NASDAQCOM"),
    "yahoo:NQ=F": ("yahoo:^NDX", "fred:NASDAQCOM"),
    "yahoo:SMH": ("yahoo:^NDX", "fred:NASDAQCOM"),
    "yahoo:XLK": ("yahoo:^NDX", "fred:NASDAQCOM"),
    "yahoo:IGV": ("yahoo:^NDX", "fred:NASDAQCOM"),
    "yahoo:DIA": ("yahoo:^DJI", "fred:DJIA"),
    "yahoo:SLV": ("yahoo:SI=F", "spot:XAGUSD"),
    "yahoo:SI=F": ("spot:XAGUSD",),
    "yahoo:GLD": ("yahoo:GC=F", "spot:XAUUSD"),
    "yahoo:ETH-USD": ("coinbase:ETH-USD", "fred:CBETHUSD", "yahoo:BTC-USD"),
    "yahoo:TLT": ("yahoo:ZB=F", "yahoo:IEF", "yahoo:ZN=F"),
    "yahoo:SHY": ("yahoo:IEF", "yahoo:ZN=F"),
    "yahoo:HYG": ("yahoo:LQD",),
    "yahoo:USO": ("yahoo:CL=F", "fred:DCOILWTICO"),
    "yahoo:CPER": ("yahoo:HG=F",),
    "yahoo:COPX": ("yahoo:HG=F",),
    "yahoo:GDX": ("yahoo:GC=F", "spot:XAUUSD"),
    "yahoo:EEM": ("yahoo:ACWI", "yahoo:^GSPC"),
}
"""Holdings with a closer stand-in than their class's (a more specific index first)."""


LAST_RESORT_PROXIES: dict[str, tuple[str, ...]] = {
    "crypto": ("yahoo:^NDX", "fred:NASDAQCOM"),
}
"""Asset class -> stand-ins used only with ``--no-history proxy``, once the holding's own
proxies have nothing: a crypto holding before crypto traded is replayed as the Nasdaq-100,
the nearest high-beta risk asset with a long history. An assumption, and a mild one: it
moves far less than bitcoin did in any of its own sell-offs."""


def last_resort_chain(asset_class: str) -> tuple[str, ...]:
    """The stand-ins of last resort of an asset class (empty for most)."""
    return LAST_RESORT_PROXIES.get(asset_class, ())


def proxy_chain(symbol: str, asset_class: str) -> tuple[str, ...]:
    """The proxies of a holding, most specific first, without the holding itself."""
    chain = SYMBOL_PROXIES.get(symbol, ()) + CLASS_PROXIES.get(asset_class, ())
    seen: list[str] = []
    for s in chain:
        if s != symbol and s not in seen:
            seen.append(s)
    return tuple(seen)


def has_base_price(series: pd.Series, start: dt.date, stale_days: int = STALE_DAYS) -> bool:
    """True when ``series`` has a value within ``stale_days`` days before ``start``."""
    lo = pd.Timestamp(start) - pd.Timedelta(days=stale_days + 7)
    idx = series.index
    mask = (idx < pd.Timestamp(start)) & (idx >= lo) & series.notna().to_numpy()
    if not mask.any():
        return False
    last = pd.Timestamp(idx[np.flatnonzero(mask)[-1]])
    return (pd.Timestamp(start) - last).days <= stale_days + 1


def choose_series(
    symbol: str,
    asset_class: str,
    prices: Mapping[str, pd.Series],
    start: dt.date,
    stale_days: int = STALE_DAYS,
) -> str | None:
    """The series that replays ``symbol`` from ``start``: itself, a proxy, or ``None``."""
    for candidate in (symbol, *proxy_chain(symbol, asset_class)):
        s = prices.get(candidate)
        if s is not None and has_base_price(s, start, stale_days):
            return candidate
    return None
