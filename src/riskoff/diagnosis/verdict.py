"""The verdict: one paragraph with numbers, composed from the scores, the sell-off and the
comparison with the reference days. Used by the one-day engine and by the window path
alike (both import these public helpers; neither reaches into the other's internals).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from riskoff.diagnosis.classes import CLASS_NAMES, CLASS_SOURCES, CLASSES
from riskoff.diagnosis.derived import get, is_open, sigma_of
from riskoff.diagnosis.results import Comparison, Selloff, SuspectScore, Verdict
from riskoff.diagnosis.text import fmt_value
from riskoff.formatting import fmt_log_pct, fmt_sigma, sentence_end

__all__ = ["compose_verdict", "dedupe", "missing_sources"]


def _selloff_sentence(day_text: str, row: Mapping[str, float], sell: Selloff, us_open: bool) -> str:
    def mv(c: str) -> str:
        if c == "treasuries":
            return f"10y yield {fmt_value(get(row, 'rates.d10y_bp'), 'bp')}"
        if c == "long_bond":
            return f"30y yield {fmt_value(get(row, 'rates.d30y_bp'), 'bp')}"
        return f"{CLASS_NAMES[c]} {fmt_log_pct(get(row, f'move.{c}'))}"

    def listing(classes: Iterable[str], k: int) -> str:
        items = [f"{mv(c)} ({fmt_sigma(sigma_of(row, c))})" for c in list(classes)[:k]]
        return ", ".join(items)

    if sell.is_selloff:
        kind = {"cross_asset": "a cross-asset", "concentrated": "a concentrated"}.get(
            sell.scope, "a"
        )
        out = f"{day_text} was {kind} sell-off (severity {sell.severity:.2f})"
        if sell.falling:
            out += f": {listing(sell.falling, 4)}"
        if sell.rising:
            out += f"; rising: {listing(sell.rising, 3)}"
        out += "."
    else:
        out = f"{day_text} was not a sell-off (severity {sell.severity:.2f})"
        if sell.falling:
            out += f"; the largest falls: {listing(sell.falling, 3)}"
        out += "."
    if not us_open:
        out += (
            " Stock, bond and commodity markets were closed (weekend or holiday); "
            "only crypto traded, other markets carry their last close."
        )
    return out


def _backdrop(row: Mapping[str, float], sell: Selloff) -> str:
    claims = get(row, "macro.claims_vs_1y")
    rec = get(row, "macro.recession")
    if math.isnan(claims):
        return ""
    rec_txt = (
        "a recession flag is up"
        if rec == 1.0
        else ("no recession flag" if rec == 0.0 else "no recession call yet")
    )
    if claims <= 1.05 and rec != 1.0:
        lead = "markets fell while the economy looked fine" if sell.is_selloff else "calm"
        if not sell.is_selloff:
            return ""
        return (
            f"Backdrop: initial jobless claims at {claims:.2f}× their 1-year average and "
            f"{rec_txt}: {lead}."
        )
    return (
        f"Backdrop: initial jobless claims at {claims:.2f}× their 1-year average and "
        f"{rec_txt}: the economy itself is weakening."
    )


def _confidence(scores: Sequence[SuspectScore]) -> float:
    p = scores[0].score if scores else 0.0
    r = scores[1].score if len(scores) > 1 else 0.0
    margin = min(1.0, 0.4 + 2.0 * (p - r))
    cov = scores[0].coverage if scores else 0.0
    return round(p * margin * (0.5 + 0.5 * cov), 4)


def compose_verdict(
    day_text: str,
    row: Mapping[str, float],
    sell: Selloff,
    scores: Sequence[SuspectScore],
    versus: Comparison,
    us_open: bool,
    missing: Sequence[str],
) -> Verdict:
    p, r = scores[0], scores[1] if len(scores) > 1 else scores[0]
    parts = [_selloff_sentence(day_text, row, sell, us_open)]
    lead = "Most like" if sell.is_selloff else "The strongest fingerprint is"
    pro = [e.text for e in p.for_[:2] if e.text]
    parts.append(
        f"{lead} {p.headline} ({p.score:.2f}, {p.label})" + (f": {'; '.join(pro)}." if pro else ".")
    )
    con = [e.text for e in p.against[:1] if e.text]
    if con:
        parts.append(f"Against it: {sentence_end(con[0])}")
    if r is not p:
        rcon = [e.text for e in r.against[:1] if e.text]
        parts.append(
            f"Runner-up: {r.headline} ({r.score:.2f})"
            + (f"; against it: {sentence_end(rcon[0])}" if rcon else ".")
        )
    parts.append(versus.text)
    backdrop = _backdrop(row, sell)
    if backdrop:
        parts.append(backdrop)
    if missing:
        more = f" and {len(missing) - 4} more" if len(missing) > 4 else ""
        shown = ", ".join(missing[:4]) + more
        parts.append(f"Scored without {shown} (no data for this day).")
    return Verdict(
        primary=p.id,
        runner_up=r.id,
        confidence=_confidence(scores),
        text=" ".join(parts),
        versus=versus,
        backdrop=backdrop,
    )


def missing_sources(row: Mapping[str, float]) -> list[str]:
    out = []
    for c in CLASSES:
        if is_open(row, c) and math.isnan(get(row, f"sigma.{c}")):
            out.append(CLASS_SOURCES[c])
    return out


def dedupe(items: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for i in items:
        seen.setdefault(i, None)
    return tuple(seen)
