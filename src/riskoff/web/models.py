"""Response schemas of the JSON API, for ``/openapi.json``.

The API returns the use-cases' own ``to_dict()`` output untouched (the JSON of the command
line's ``--json``); these models document that shape. They allow extra keys, so a field
added to a result later is served before it is documented here.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AnalogsOut",
    "DiagnosisOut",
    "ErrorOut",
    "SeriesDataOut",
    "SeriesRow",
    "StressRow",
]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorOut(BaseModel):
    """Every error: one line saying what was wrong."""

    error: str = Field(examples=["date '2020-13-01' is not a valid YYYY-MM-DD date"])


class WindowOut(_Open):
    start: str = Field(description="First day, YYYY-MM-DD")
    end: str = Field(description="Last day, YYYY-MM-DD")


class SelloffOut(_Open):
    is_selloff: bool
    severity: float | None
    scope: str = Field(description="cross_asset, concentrated or none")
    falling: list[str]
    rising: list[str]


class EvidenceOut(_Open):
    indicator: str
    observed: float | None
    baseline: str
    supports: bool | None = Field(description="true: for, false: against, null: unavailable")
    text: str


class SuspectOut(_Open):
    id: str
    score: float
    label: str = Field(description="likely, possible or unlikely")
    evidence: list[EvidenceOut]


class VerdictOut(_Open):
    primary: str
    text: str


class DataOut(_Open):
    as_of: str
    missing: list[str]


class DiagnosisOut(_Open):
    """``riskoff diagnose DATE --json`` (DESIGN.md)."""

    date: str
    window: WindowOut
    selloff: SelloffOut
    suspects: list[SuspectOut]
    verdict: VerdictOut
    analogs: list[dict[str, Any]]
    data: DataOut


class AnalogsOut(_Open):
    """``riskoff analogs DATE --json``."""

    date: str
    analogs: list[dict[str, Any]]


class StressRow(_Open):
    """One day of ``riskoff stress-index --csv``: the index and its segments (4 decimals)."""

    date: str
    stress_index: float | None


class SeriesRow(_Open):
    """One row of ``riskoff series --json``."""

    symbol: str
    name: str
    asset_class: str
    role: str
    units: str
    frequency: str
    first: str
    last: str
    count: int
    source: str
    stale_days: int


class ObservationOut(BaseModel):
    date: str
    value: float


class SeriesDataOut(_Open):
    """One stored series between two days."""

    symbol: str
    name: str
    units: str
    frequency: str
    start: str | None
    end: str | None
    count: int
    observations: list[ObservationOut]
