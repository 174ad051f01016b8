"""The diagnosis: is it a sell-off, which suspects fit, and the verdict.

Pure functions over rows of the feature table (``docs/features.md``); no I/O except
reading the fingerprint TOML files. ``riskoff.usecases`` wires it to the store.
"""

from __future__ import annotations

from riskoff.diagnosis.engine import (
    REFERENCE_DAYS,
    ScanRow,
    compare_references,
    diagnose_row,
    scan_rows,
    scan_table,
    score_suspects,
)
from riskoff.diagnosis.fingerprints import Check, Ramp, Suspect, load_suspects, parse_suspects
from riskoff.diagnosis.results import (
    Comparison,
    Diagnosis,
    Evidence,
    Selloff,
    SuspectScore,
    Verdict,
)

__all__ = [
    "REFERENCE_DAYS",
    "Check",
    "Comparison",
    "Diagnosis",
    "Evidence",
    "Ramp",
    "ScanRow",
    "Selloff",
    "Suspect",
    "SuspectScore",
    "Verdict",
    "compare_references",
    "diagnose_row",
    "load_suspects",
    "parse_suspects",
    "scan_rows",
    "scan_table",
    "score_suspects",
]
