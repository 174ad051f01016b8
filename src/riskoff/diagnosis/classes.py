"""The asset classes of the feature table, as the diagnosis sees them.

Groups matter more than classes: the feature table splits US equities five ways (S&P 500,
Nasdaq-100, Mag 7, small caps, financials), so counting classes would call any US equity
sell-off "broad". Breadth and scope count *groups* instead.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "CLASSES",
    "CLASS_NAMES",
    "CLASS_SOURCES",
    "GROUPS",
    "HAVENS",
    "PRICE_CLASSES",
    "RISK_GROUPS",
]

CLASS_NAMES: Final[dict[str, str]] = {
    "us_equities": "S&P 500",
    "nasdaq": "Nasdaq-100",
    "mag7": "Mag 7",
    "small_caps": "small caps",
    "banks": "financials",
    "japan_equities": "Nikkei 225",
    "china_equities": "Hang Seng",
    "em_equities": "EM equities",
    "gold": "gold",
    "silver": "silver",
    "copper": "copper",
    "oil": "oil",
    "treasuries": "10y Treasuries",
    "long_bond": "30y Treasuries",
    "usd": "dollar",
    "yen": "yen",
    "btc": "Bitcoin",
    "eth": "Ether",
    "credit": "HY credit (HYG)",
}

CLASSES: Final[tuple[str, ...]] = tuple(CLASS_NAMES)

CLASS_SOURCES: Final[dict[str, str]] = {
    "us_equities": "yahoo:^GSPC",
    "nasdaq": "yahoo:^NDX",
    "mag7": "yahoo:MSFT",
    "small_caps": "yahoo:IWM",
    "banks": "yahoo:XLF",
    "japan_equities": "yahoo:^N225",
    "china_equities": "yahoo:^HSI",
    "em_equities": "yahoo:EEM",
    "gold": "yahoo:GC=F",
    "silver": "yahoo:SI=F",
    "copper": "yahoo:HG=F",
    "oil": "yahoo:CL=F",
    "treasuries": "fred:DGS10",
    "long_bond": "fred:DGS30",
    "usd": "yahoo:DX-Y.NYB",
    "yen": "yahoo:JPY=X",
    "btc": "yahoo:BTC-USD",
    "eth": "yahoo:ETH-USD",
    "credit": "yahoo:HYG",
}

# Groups of classes that move as one market. FX is directional, not "risk", and stays out.
GROUPS: Final[dict[str, tuple[str, ...]]] = {
    "us_equities": ("us_equities", "nasdaq", "mag7", "small_caps", "banks"),
    "world_equities": ("japan_equities", "china_equities", "em_equities"),
    "precious_metals": ("gold", "silver"),
    "commodities": ("copper", "oil"),
    "bonds": ("treasuries", "long_bond"),
    "credit": ("credit",),
    "crypto": ("btc", "eth"),
}

RISK_GROUPS: Final[tuple[str, ...]] = (
    "us_equities",
    "world_equities",
    "commodities",
    "credit",
    "crypto",
)

HAVENS: Final[tuple[str, ...]] = ("gold", "treasuries", "yen")

PRICE_CLASSES: Final[tuple[str, ...]] = (
    "us_equities",
    "nasdaq",
    "mag7",
    "small_caps",
    "banks",
    "japan_equities",
    "china_equities",
    "em_equities",
    "gold",
    "silver",
    "copper",
    "oil",
    "btc",
    "eth",
)
