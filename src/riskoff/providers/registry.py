"""Which live provider serves which symbol: the symbol's prefix decides.

| prefix      | provider                              | ``--provider`` group |
|-------------|---------------------------------------|----------------------|
| ``fred``    | :class:`~riskoff.providers.fred.FredProvider`       | ``fred``   |
| ``yahoo``   | :class:`~riskoff.providers.yahoo.YahooProvider`     | ``yahoo``  |
| ``coinbase``| :class:`~riskoff.providers.exchange.CoinbaseProvider` | ``crypto`` |

Other prefixes (``ofr:``, ``nyfed:``...) have no live provider; they come from a data
folder through ``riskoff ingest``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from riskoff.errors import InputError

if TYPE_CHECKING:
    from riskoff.providers.base import Provider

__all__ = ["GROUPS", "LIVE_PREFIXES", "is_live", "prefixes_for_groups", "provider_class"]

LIVE_PREFIXES = ("fred", "yahoo", "coinbase")

GROUPS: dict[str, tuple[str, ...]] = {
    "fred": ("fred",),
    "yahoo": ("yahoo",),
    "crypto": ("coinbase",),
    "coinbase": ("coinbase",),
}
"""``riskoff update --provider`` names -> symbol prefixes."""


def is_live(symbol: str) -> bool:
    """True when a live provider serves ``symbol``."""
    return symbol.split(":", 1)[0] in LIVE_PREFIXES


def provider_class(prefix: str) -> type[Provider]:
    """The provider class for a symbol prefix."""
    if prefix == "fred":
        from riskoff.providers.fred import FredProvider

        return FredProvider
    if prefix == "yahoo":
        from riskoff.providers.yahoo import YahooProvider

        return YahooProvider
    if prefix == "coinbase":
        from riskoff.providers.exchange import CoinbaseProvider

        return CoinbaseProvider
    raise InputError(
        f"no live provider for {prefix!r} symbols (live: {', '.join(LIVE_PREFIXES)}); "
        "load them with 'riskoff ingest PATH'"
    )


def prefixes_for_groups(groups: Iterable[str]) -> set[str]:
    """Symbol prefixes for ``--provider`` names such as ``fred,crypto``."""
    out: set[str] = set()
    for raw in groups:
        name = raw.strip().lower()
        if not name:
            continue
        if name not in GROUPS:
            raise InputError(
                f"unknown provider {raw.strip()!r} for --provider (choose from fred, yahoo, crypto)"
            )
        out.update(GROUPS[name])
    return out
