"""What a person reads for a name the diagnosis holds: a feature or derived value by its
glossary name (``sigma.usd`` -> "Dollar (DXY): move in sigmas"), a source symbol by its
catalogue name (``yahoo:HG=F`` -> "COMEX copper futures"). The JSON keeps the ids."""

from __future__ import annotations

from riskoff.catalog import series_name
from riskoff.knowledge.glossary import glossary

__all__ = ["plain_name"]


def plain_name(term: str) -> str:
    """The human name of a feature, derived value or catalogue symbol (the term itself when
    neither the glossary nor the catalogue knows it)."""
    t = glossary().get(term)
    if t is not None:
        return t.name
    return series_name(term) or term
