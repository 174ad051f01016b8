"""Type aliases shared across riskoff."""

from __future__ import annotations

import datetime as dt
from typing import Literal, TypeAlias

SeriesId: TypeAlias = str
"""A provider-prefixed symbol, e.g. ``fred:SOFR`` or ``yahoo:^GSPC``."""

DateLike: TypeAlias = "str | dt.date"

Frequency: TypeAlias = Literal[
    "daily",
    "business-daily",
    "weekly-mon",
    "weekly-tue",
    "weekly-wed",
    "weekly-thu",
    "weekly-fri",
    "weekly-sat",
    "monthly",
    "quarterly",
    "annual",
]

AssetClass: TypeAlias = Literal[
    "equity",
    "rates",
    "fx",
    "commodity",
    "precious_metal",
    "crypto",
    "credit",
    "volatility",
    "funding",
    "liquidity",
    "stress_index",
    "macro",
    "positioning",
    "other",
]

Role: TypeAlias = Literal[
    "risk_asset",
    "safe_haven",
    "funding_gauge",
    "liquidity_gauge",
    "stress_index",
    "rates_gauge",
    "volatility_gauge",
    "macro_gauge",
    "positioning",
    "reference",
]

Scope: TypeAlias = Literal["cross_asset", "concentrated", "none"]
