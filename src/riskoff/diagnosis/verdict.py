"""The verdict: one paragraph with numbers, composed from the scores, the sell-off and the
comparison with the reference days. Used by the one-day engine and by the window path
alike (both import these public helpers; neither reaches into the other's internals).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet

from riskoff.diagnosis.classes import CLASS_NAMES, CLASS_SOURCES, CLASSES, GROUPS
from riskoff.diagnosis.confidence import assess_confidence, track_record_text
from riskoff.diagnosis.derived import get, is_open, sigma_of
from riskoff.diagnosis.results import (
    FIT_FLOOR,
    QUIET_FLOOR,
    Comparison,
    Evidence,
    Selloff,
    SuspectScore,
    Verdict,
    fits,
)
from riskoff.diagnosis.text import fmt_value
from riskoff.formatting import fmt_log_pct, fmt_sigma, places_apart, sentence_end
from riskoff.knowledge.calibration import TrackRecord

__all__ = [
    "compose_verdict",
    "confidence_sentence",
    "dedupe",
    "missing_sources",
    "papers_sentence",
]


_YIELDS = {"treasuries": ("10-year", "rates.d10y_bp"), "long_bond": ("30-year", "rates.d30y_bp")}
_GROUP_WORDS = {"us_equities": "US equities"}
_BROAD_RALLY = 3
"""Classes up 1σ or more, with the S&P 500 among them, from which a day is a broad rally."""


def _price_listing(row: Mapping[str, float], classes: Iterable[str], k: int) -> str:
    items = [
        f"{CLASS_NAMES[c]} {fmt_log_pct(get(row, f'move.{c}'))} ({fmt_sigma(sigma_of(row, c))})"
        for c in list(classes)[:k]
    ]
    return ", ".join(items)


def _yields_clause(row: Mapping[str, float], sell: Selloff) -> str:
    """Yields spoken of as yields: "yields rose: 10-year +12 bp (+2.1σ)", the sigma in
    yield terms (a rise is positive), only for a bond that moved 1σ or more."""
    up: list[str] = []
    down: list[str] = []
    for cls, (name, key) in _YIELDS.items():
        if cls not in sell.falling and cls not in sell.rising:
            continue
        ysig = -sigma_of(row, cls)
        item = f"{name} {fmt_value(get(row, key), 'bp')} ({fmt_sigma(ysig)})"
        (up if ysig > 0 else down).append(item)
    parts = []
    if up:
        parts.append(f"yields rose: {', '.join(up)}")
    if down:
        parts.append(f"yields fell: {', '.join(down)}")
    return "; ".join(parts)


def _prices(classes: Sequence[str]) -> list[str]:
    return [c for c in classes if c not in _YIELDS]


def _calm_sentence(day_text: str, row: Mapping[str, float], sell: Selloff) -> str:
    """What happened on a day that was not a sell-off: a broad rally, a fall concentrated
    in one market group, scattered moves, or a quiet day."""
    falling, rising = _prices(sell.falling), _prices(sell.rising)
    head = f"{day_text} was not a sell-off (severity {sell.severity:.2f})"
    spx_up = "us_equities" in rising
    if spx_up and len(rising) >= _BROAD_RALLY and len(rising) > len(falling):
        listed = _price_listing(row, rising, 4)
        out = f"{head}: a broad rally, {len(rising)} markets rose 1σ or more ({listed})"
        if falling:
            out += f"; falling: {_price_listing(row, falling, 3)}"
    elif falling:
        groups = {g for g, members in GROUPS.items() for c in falling if c in members}
        in_groups = all(any(c in m for m in GROUPS.values()) for c in falling)
        if len(falling) == 1:
            where = f"a fall in {CLASS_NAMES[falling[0]]} alone"
        elif len(groups) == 1 and in_groups:
            (g,) = groups
            where = f"a fall concentrated in {_GROUP_WORDS.get(g, g.replace('_', ' '))}"
        else:
            where = "falls in several markets, none of them a sell-off"
        out = f"{head}: {where} ({_price_listing(row, falling, 3)})"
        if rising:
            out += f"; rising: {_price_listing(row, rising, 3)}"
    elif rising:
        out = f"{head}: rising: {_price_listing(row, rising, 3)}"
    else:
        out = f"{head}: a quiet day, no market moved 1σ or more"
    yields = _yields_clause(row, sell)
    if yields:
        out += f"; {yields}"
    return out + "."


def _selloff_sentence(day_text: str, row: Mapping[str, float], sell: Selloff, us_open: bool) -> str:
    if sell.is_selloff:
        kind = {"cross_asset": "a cross-asset", "concentrated": "a concentrated"}.get(
            sell.scope, "a"
        )
        out = f"{day_text} was {kind} sell-off (severity {sell.severity:.2f})"
        falling, rising = _prices(sell.falling), _prices(sell.rising)
        if falling:
            out += f": falling: {_price_listing(row, falling, 4)}"
        if rising:
            out += f"; rising: {_price_listing(row, rising, 3)}"
        yields = _yields_clause(row, sell)
        if yields:
            out += f"; {yields}"
        out += "."
    else:
        out = _calm_sentence(day_text, row, sell)
    if not us_open:
        if _crypto_traded(row):
            out += (
                " Stock, bond and commodity markets were closed (weekend or holiday); "
                "only crypto traded, other markets carry their last close."
            )
        else:  # a weekend before riskoff's crypto history (2014), or a day with no candle
            out += (
                " No market riskoff follows traded (weekend or holiday): every price "
                "carries its last close."
            )
    return out


def _crypto_traded(row: Mapping[str, float]) -> bool:
    """A crypto class traded that day (its ``open.<class>`` is 1 with a move)."""
    return any(
        get(row, f"open.{c}") == 1.0 and not math.isnan(get(row, f"move.{c}"))
        for c in GROUPS.get("crypto", ())
    )


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


def papers_sentence(scores: Sequence[SuspectScore], primary: SuspectScore | None, said: str) -> str:
    """What the loudest newspaper wrote and which suspect it points to, when the verdict
    has not said it yet: the papers are a witness apart from the prices (docs/suspects.md,
    "Two kinds of evidence"), so a tariff day the prices read as bank stress still says
    what filled the papers. ``primary``: the named primary, if any; ``said``: the verdict
    so far. Empty when no newspaper reading supports any suspect."""
    best: tuple[SuspectScore, Evidence] | None = None
    for sc in scores:
        for e in sc.for_:
            if (
                e.family == "newspapers"
                and e.text
                and (best is None or e.strength > best[1].strength)
            ):
                best = (sc, e)
    if best is None or best[1].text in said:
        return ""
    sc, e = best
    name = sc.phrase or sc.headline
    if sc is primary:
        return f"{e.text}; that too points to {name}."
    return f"{e.text}; that points to {name} (score {sc.score:.2f})."


def confidence_sentence(confidence: float, scores: Sequence[SuspectScore], places: int = 2) -> str:
    """How the raw confidence relates to the score, said once beside both (keep it in step
    with :func:`riskoff.diagnosis.confidence.raw_confidence`: a change of one is a change of
    the other). The calibrated confidence and its track record follow it
    (:func:`~riskoff.diagnosis.confidence.track_record_text`)."""
    p = scores[0]
    r = scores[1] if len(scores) > 1 else None
    why = []
    if r is not None and min(1.0, 0.4 + 2.0 * (p.score - r.score)) < 1.0:
        why.append(f"a runner-up close behind ({r.score:.{places}f})")
    if p.coverage < 1.0:
        why.append(f"{(1.0 - p.coverage) * 100:.0f}% of its evidence missing")
    if not why:
        return f"Raw confidence {confidence:.2f}: the score, nothing to discount."
    return (
        f"Raw confidence {confidence:.2f}: the score {p.score:.{places}f} discounted for "
        f"{' and '.join(why)}."
    )


def compose_verdict(
    day_text: str,
    row: Mapping[str, float],
    sell: Selloff,
    scores: Sequence[SuspectScore],
    versus: Comparison,
    us_open: bool,
    missing: Sequence[str],
    record: TrackRecord | None = None,
) -> Verdict:
    """The verdict paragraph; ``record``: the track record the confidence is read from
    (the packaged one unless given). A day that names no suspect carries no confidence
    (None), and says so."""
    p, r = scores[0], scores[1] if len(scores) > 1 else scores[0]
    parts = [_selloff_sentence(day_text, row, sell, us_open)]
    named = fits(p.score, sell.is_selloff, stocks_rose=stocks_rose(row))
    conf = assess_confidence(scores, record)
    # "most like" ranks the primary above the runner-up: their scores print apart
    sp = places_apart(p.score, r.score) if r is not p else 2
    pro = [e.text for e in p.for_[:2] if e.text]
    if named:
        if sell.is_selloff:
            lead = f"Most like {p.headline} (score {p.score:.{sp}f}, {p.label})"
        else:
            lead = (
                f"Not a sell-off, but the day fits {p.headline} (score {p.score:.{sp}f}, "
                f"at least the {QUIET_FLOOR:.2f} a suspect needs without a sell-off)"
            )
        parts.append(lead + (f": {'; '.join(pro)}." if pro else "."))
        con = [e.text for e in p.against[:1] if e.text]
        if con:
            parts.append(f"Against it: {sentence_end(con[0])}")
        parts.append(confidence_sentence(conf.raw, scores, sp))
        quoted = track_record_text(conf)
        if quoted:
            parts.append(quoted)
        if r is not p:
            rcon = [e.text for e in r.against[:1] if e.text]
            parts.append(
                f"Runner-up: {r.headline} ({r.score:.{sp}f})"
                + (f"; against it: {sentence_end(rcon[0])}" if rcon else ".")
            )
    elif sell.is_selloff:
        parts.append(
            f"No suspect fits: the best, {p.headline}, scores {p.score:.2f}, under the "
            f"{FIT_FLOOR:.2f} floor below which its signature is absent or its evidence "
            "argues against it; with no suspect named there is no confidence to give."
        )
    elif stocks_rose(row):
        parts.append(
            "Stocks rose: with no sell-off there is nothing to explain, so no suspect is "
            f"named and no confidence given (the closest fingerprint, {p.headline}, scores "
            f"{p.score:.2f})."
        )
    else:
        parts.append(
            "With no sell-off, a suspect is named only from a score of "
            f"{QUIET_FLOOR:.2f}; the closest fingerprint, {p.headline}, scores "
            f"{p.score:.2f}, so none is named and no confidence given."
        )
    papers = papers_sentence(scores, p if named else None, " ".join(parts))
    if papers:
        parts.append(papers)
    parts.append(versus.text)
    backdrop = _backdrop(row, sell)
    if backdrop:
        parts.append(backdrop)
    if missing:
        more = f" and {len(missing) - 4} more" if len(missing) > 4 else ""
        from riskoff.diagnosis.names import plain_name  # no internal name reaches a person

        shown = ", ".join(plain_name(m) for m in missing[:4]) + more
        parts.append(f"Scored without {shown} (no data for this day).")
    return Verdict(
        primary=p.id if named else "",
        runner_up=r.id if named and r is not p else "",
        confidence=conf.probability if named else None,
        calibration=conf,
        text=" ".join(parts),
        versus=versus,
        backdrop=backdrop,
    )


def stocks_rose(row: Mapping[str, float]) -> bool:
    """US stocks traded and closed higher (the day's or the window's move)."""
    move = get(row, "move.us_equities")
    return is_open(row, "us_equities") and not math.isnan(move) and move > 0.0


def missing_sources(row: Mapping[str, float], absent: AbstractSet[str] | None = None) -> list[str]:
    """Each traded class without a move in sigmas: its source when it had no data (or
    when ``absent``, the sources known to lack data, is not given), else its sigma feature
    (the source had data, too little of it for a volatility yet)."""
    out = []
    for c in CLASSES:
        if is_open(row, c) and math.isnan(get(row, f"sigma.{c}")):
            src = CLASS_SOURCES[c]
            out.append(src if absent is None or src in absent else f"sigma.{c}")
    return out


def dedupe(items: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for i in items:
        seen.setdefault(i, None)
    return tuple(seen)
