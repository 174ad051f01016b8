"""Suspect fingerprints as the diagnosis uses them.

The data types and the TOML parser live in :mod:`riskoff.knowledge.suspects` (a layer
below every engine, so the report and the episodes read the same file); this module
adds the one thing only the diagnosis knows: which check functions exist (built-ins
and ``riskoff.checks`` plugins), so an unknown ``fn`` in a user's file is an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from riskoff.diagnosis.checks import check_functions
from riskoff.knowledge.suspects import Check, Ramp, Suspect
from riskoff.knowledge.suspects import load_suspects as _load
from riskoff.knowledge.suspects import parse_suspects as _parse

__all__ = ["Check", "Ramp", "Suspect", "load_suspects", "parse_suspects"]


def parse_suspects(
    text: str, *, where: str = "suspects.toml", base: Sequence[Suspect] = ()
) -> list[Suspect]:
    """Parse suspects TOML, adding to / overriding ``base``; every ``fn`` must name a
    known check function."""
    return _parse(text, where=where, base=base, checks=check_functions())


def load_suspects(home: Path | None = None) -> list[Suspect]:
    """The packaged fingerprints plus the user's ``$RISKOFF_HOME/suspects.toml``."""
    return _load(home, checks=check_functions())
