"""The verdict's track record as rows, for the report and the dashboard: read from the
verdict's JSON (``verdict.track_record``, :mod:`riskoff.diagnosis.confidence`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["TrackRow", "track_record_rows"]


@dataclass(frozen=True)
class TrackRow:
    """One line of the verdict's track record: what was counted, how many right of how
    many, the rate and its 95% Wilson interval (as text)."""

    what: str
    right: int
    n: int
    rate: str
    ci95: str


def track_record_rows(
    verdict: Mapping[str, Any], label: Callable[[str], str] = str
) -> list[TrackRow]:
    """The track record beside a verdict (``diagnose --json``'s ``verdict``): the
    held-out cases as confident as it, and the primary suspect's precision when named
    first; ``label`` names a suspect. Empty when the verdict carries no track record or
    names no suspect."""
    from riskoff.evaluation.stats import wilson

    tr = verdict.get("track_record")
    if not isinstance(tr, Mapping) or not verdict.get("primary"):
        return []  # no record, or no suspect named (under the floor, or no sell-off)
    rows: list[TrackRow] = []

    def row(what: str, right: int, n: int) -> TrackRow:
        lo, hi = wilson(right, n)
        return TrackRow(what, right, n, f"{right / n:.0%}", f"{lo:.0%}-{hi:.0%}")

    rng, n, right = tr.get("confidence_bin"), tr.get("n"), tr.get("right")
    if rng and n:
        what = f"labelled days as confident ({rng[0]:.1f} to {rng[1]:.1f}, held out)"
        rows.append(row(what, int(right or 0), int(n)))
    p = tr.get("primary")
    if isinstance(p, Mapping) and p.get("named"):
        what = f"{label(str(p['suspect']))} named first"
        rows.append(row(what, int(p["right"]), int(p["named"])))
    return rows
