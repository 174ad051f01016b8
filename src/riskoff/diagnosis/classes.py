"""The asset classes of the feature table, as the diagnosis sees them (read from
``riskoff/data/universe.toml``).

Groups matter more than classes: the feature table splits US equities five ways (S&P 500,
Nasdaq-100, Mag 7, small caps, financials), so counting classes would call any US equity
sell-off "broad". Breadth and scope count *groups* instead.
"""

from __future__ import annotations

from typing import Final

from riskoff.knowledge.universe import universe

__all__ = [
    "CLASSES",
    "CLASS_NAMES",
    "CLASS_SOURCES",
    "GROUPS",
    "HAVENS",
    "PRICE_CLASSES",
    "RISK_GROUPS",
]

_U = universe()

CLASS_NAMES: Final[dict[str, str]] = _U.names
"""Terse names of the classes (``name`` in ``universe.toml``), in table order."""

CLASSES: Final[tuple[str, ...]] = _U.ids

CLASS_SOURCES: Final[dict[str, str]] = _U.sources

# Groups of classes that move as one market. FX is directional, not "risk", and stays out.
GROUPS: Final[dict[str, tuple[str, ...]]] = _U.group_members

RISK_GROUPS: Final[tuple[str, ...]] = _U.risk_groups

HAVENS: Final[tuple[str, ...]] = _U.havens

PRICE_CLASSES: Final[tuple[str, ...]] = _U.risk_price_classes
"""Risk assets' prices (``risk_price`` in ``universe.toml``)."""
