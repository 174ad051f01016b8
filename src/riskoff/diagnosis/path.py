"""A window read along its path: every session scored by the day engine, then aggregated.

Scoring a window only as one end-to-end move loses the story when the window ends in a
rescue rally (banks that fell 9% on Monday and Wednesday and rallied 10% on Friday are
"up" over the week). A strategist reads a window by its path: which days were the
sell-off, and what each of them looked like. So a window's suspect score is::

    path_k   = sum_d severity_d * score_{d,k} / sum_d severity_d     (every day of the window)
    score_k  = PATH_WEIGHT * path_k + (1 - PATH_WEIGHT) * window_k   (window_k: end to end)

Days weigh by their own severity (0..1, :mod:`riskoff.diagnosis.selloff`): a calm day
counts nothing, the crash days count most. Half the weight stays with the end-to-end
reading: slow state signals (a funding spread that builds over a week, a trend in yields)
show in the net move and not on any single close. The evidence is the end-to-end
window's plus the worst day's (dated), and the verdict names the worst day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from riskoff.diagnosis.derived import derive, is_open
from riskoff.diagnosis.engine import score_suspects
from riskoff.diagnosis.fingerprints import Suspect
from riskoff.diagnosis.results import Diagnosis, Evidence
from riskoff.diagnosis.selloff import SELLOFF_THRESHOLD, assess_selloff
from riskoff.diagnosis.verdict import compose_verdict
from riskoff.knowledge.calibration import TrackRecord

__all__ = ["PATH_WEIGHT", "DayScores", "aggregate_path", "diagnose_path", "score_days"]

PATH_WEIGHT = 0.5
"""Share of a window's score that comes from its severity-weighted daily scores."""


@dataclass(frozen=True)
class DayScores:
    """One session of a window: its severity and every suspect's day score."""

    date: dt.date
    severity: float
    scores: Mapping[str, float]


def score_days(
    rows: Sequence[tuple[dt.date, Mapping[str, float]]], *, suspects: Sequence[Suspect]
) -> list[DayScores]:
    """Score each day's feature row (with its ``rel.*`` values) with the day engine."""
    out: list[DayScores] = []
    for day, row in rows:
        dx = derive(row, 1)
        sev = assess_selloff(row, dx).severity
        scores, _ = score_suspects(suspects, row, with_text=False, derived=dx)
        out.append(DayScores(day, sev, {s.id: s.score for s in scores}))
    return out


def aggregate_path(
    window: Mapping[str, float], days: Sequence[DayScores], *, weight: float = PATH_WEIGHT
) -> dict[str, float]:
    """Each suspect's window score: ``weight`` x the severity-weighted mean of its day
    scores plus the rest x its end-to-end ``window`` score. With no sell-off pressure on
    any day (all severities 0) the end-to-end score stands alone."""
    total = sum(max(0.0, d.severity) for d in days)
    if total <= 0.0:
        return dict(window)
    out: dict[str, float] = {}
    for sid, w_score in window.items():
        path = sum(max(0.0, d.severity) * d.scores.get(sid, 0.0) for d in days) / total
        out[sid] = weight * path + (1.0 - weight) * w_score
    return out


def _dated(ev: Evidence, day: dt.date) -> Evidence:
    text = f"On {day.isoformat()}, the worst day: {ev.text}" if ev.text else ev.text
    return replace(ev, text=text)


def diagnose_path(
    whole: Diagnosis,
    row: Mapping[str, float],
    scored: Sequence[DayScores],
    *,
    suspects: Sequence[Suspect],
    worst: Diagnosis | None = None,
    n_days: int,
    record: TrackRecord | None = None,
) -> Diagnosis:
    """Re-score the end-to-end window diagnosis ``whole`` (of feature ``row``, with its
    ``rel.*`` values) along its path: ``scored`` are the window's days (:func:`score_days`);
    ``record``: the track record the confidence reads (the packaged one unless given).

    ``worst`` is the day engine's full diagnosis of the worst day (the most severe of
    the days); its evidence is added, dated, to each suspect's. References, missing data
    and analogs stay those of the end-to-end window, and so does the sell-off reading
    unless the worst day was a worse sell-off than the window end to end (a crash that
    rebounded inside the window): then the severity is the worst day's, while scope and
    the falling and rising classes are still read from the window's own moves.
    """
    if not scored:
        return whole
    combined = aggregate_path({s.id: s.score for s in whole.suspects}, scored)
    worst_day = max(scored, key=lambda d: d.severity)
    worst_ev: dict[str, tuple[Evidence, ...]] = {}
    if worst is not None:
        worst_ev = {
            s.id: tuple(_dated(e, worst.date) for e in s.evidence if e.available)
            for s in worst.suspects
        }
    order = {s.id: i for i, s in enumerate(suspects)}
    scores = [
        replace(
            s,
            score=round(combined.get(s.id, s.score), 4),
            evidence=(*s.evidence, *worst_ev.get(s.id, ())),
        )
        for s in whole.suspects
    ]
    scores.sort(key=lambda x: (-x.score, order.get(x.id, len(order))))
    dx = derive(row, n_days)
    full = {**row, **dx.values}
    sell = assess_selloff(row, dx)
    versus = whole.verdict.versus
    if worst is not None and worst.verdict.versus.closer != "unavailable":
        # a window is compared with 312 and 519 on its worst day (its anchor), not on its
        # end-to-end move, which a rebound can flatten; the sentence says which day
        wv = worst.verdict.versus
        versus = replace(
            wv,
            text=wv.text.replace(
                "A new 312 or a new 519? ",
                f"A new 312 or a new 519? On the window's worst day, {worst.date.isoformat()}: ",
                1,
            ),
        )
    day_text = f"The window {whole.start.isoformat()} to {whole.date.isoformat()}"
    if worst_day.severity >= SELLOFF_THRESHOLD and worst_day.severity > sell.severity:
        # a crash that rebounded inside the window (the FTX week, 519's twelve days) is
        # still a sell-off of the window: its worst session says how bad
        day_text += (
            f" (end to end severity {sell.severity:.2f}; its worst day, "
            f"{worst_day.date.isoformat()})"
        )
        sell = assess_selloff(row, dx, floor=worst_day.severity)
    scores = [replace(s, selloff=sell.is_selloff) for s in scores]
    # the window's own row, read by the whole-window diagnosis with what lacked data
    missing = list(whole.missing)
    verdict = compose_verdict(
        day_text, full, sell, scores, versus, is_open(row, "us_equities"), missing, record
    )
    heads = {s.id: s.headline for s in scores}
    path_text = _path_sentence(worst_day, scored, heads)
    verdict = replace(verdict, text=f"{verdict.text} {path_text}")
    return replace(whole, selloff=sell, suspects=tuple(scores), verdict=verdict)


def _path_sentence(
    worst: DayScores, days: Sequence[DayScores], headlines: Mapping[str, str]
) -> str:
    top = max(worst.scores, key=lambda k: worst.scores[k])
    n_sell = sum(1 for d in days if d.severity >= SELLOFF_THRESHOLD)
    return (
        f"Read along its path ({len(days)} sessions, {n_sell} of them sell-offs; scores are "
        f"half the end-to-end move, half the severity-weighted daily readings): the worst "
        f"day, {worst.date.isoformat()} (severity {worst.severity:.2f}), reads most like "
        f"{headlines.get(top, top)} ({worst.scores[top]:.2f})."
    )
