"""The diagnosis engine: feature row in, :class:`Diagnosis` out.

The engine knows no dates and no data store: it reads one row of the feature table
(``docs/features.md``) for a day or a window, the fingerprints, and optionally the rows of
the two reference days named in the product spec (2020-03-12, "312", and 2021-05-19,
"519"), which are only compared against, never used to score or tune.

Scoring a suspect (see ``docs/suspects.md``)::

    strength_i  in -1..1     each available check (ramps in the feature's own units)
    net         = sum(w_i * strength_i) / sum(w_i)       over *available* checks only
    gate        = max(0, strongest key check)            the signature must be present
                  * min(required checks)                 and its preconditions hold
    score       = clip(net, 0, 1) * (0.25 + 0.75 * gate)

Contradicting evidence subtracts exactly as much as supporting evidence adds.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from riskoff.diagnosis.checks import NOT_APPLICABLE, check_functions
from riskoff.diagnosis.classes import CLASS_NAMES
from riskoff.diagnosis.derived import Derived, derive, get, is_open
from riskoff.diagnosis.fingerprints import Check, Suspect
from riskoff.diagnosis.results import (
    MIN_COVERAGE,
    Claim,
    Comparison,
    Diagnosis,
    Evidence,
    SuspectScore,
    fits,
)
from riskoff.diagnosis.selloff import assess_selloff
from riskoff.diagnosis.text import fmt_value, render_claims, render_template
from riskoff.diagnosis.verdict import compose_verdict, dedupe, missing_sources, stocks_rose
from riskoff.diagnosis.versus import bitcoin_segment
from riskoff.formatting import fmt_log_pct, places_apart
from riskoff.indicators.reference import reference_similarity, sigma_vector
from riskoff.knowledge.universe import universe

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.knowledge.calibration import TrackRecord

__all__ = [
    "REFERENCE_DAYS",
    "ScanRow",
    "compare_references",
    "diagnose_row",
    "scan_rows",
    "scan_table",
    "score_suspects",
    "table_rows",
]

NAN = float("nan")
REFERENCE_DAYS: dict[str, dt.date] = dict(universe().reference_days)
"""The two reference days of ``riskoff/data/universe.toml`` ("312" and "519")."""
_KEY_FLOOR = 0.25
_MIN_STRENGTH = 0.05
# Features that describe markets which trade on weekdays only: on a day when US markets
# are closed they carry stale closes and are skipped, not counted.
_MARKET_PREFIXES = (
    "ai.",
    "carry.",
    "rotation.",
    "rates.",
    "haven.",
    "vol.",
    "turbulence.",
    "corr.",
    "absorption.",
    "breadth.",
    "usd.",
    "dx.",
    "news.",  # the papers explain a market move: not on a day the markets were closed
)
_CRYPTO_OK = ("dx.crypto_sigma",)
# evidence from sources a store may not hold at all (the newspapers, regional banks): a
# check is not applicable when the row has no such key; the use-case adds the key (NaN
# on a day without data) whenever the store holds the source
_OPTIONAL = ("news.", "rel.regional_banks")


def _class_of(feature: str) -> str | None:
    kind, _, rest = feature.partition(".")
    if rest in CLASS_NAMES and kind in (
        "move",
        "sigma",
        "open",
        "ret5",
        "ret10",
        "sigma5",
        "sigma10",
        "dd52",
    ):
        return rest
    return None


def _closed(check: Check, row: Mapping[str, float], us_open: bool) -> bool:
    """True when the check reads a market that did not trade on this day."""
    feats = [check.feature or check.indicator] if not check.fn else []
    if check.fn:
        feats += [str(v) for v in check.params.values() if isinstance(v, str)]
        feats += [str(f) for v in check.params.values() if isinstance(v, list) for f in v]
        if not us_open and not any("btc" in f or "eth" in f or "crypto" in f for f in feats):
            return True
    for f in feats:
        cls = _class_of(f)
        if cls is not None and not is_open(row, cls):
            return True
        if cls is None and not us_open and f.startswith(_MARKET_PREFIXES) and f not in _CRYPTO_OK:
            return True
    return False


def _lacking(check: Check, absent: AbstractSet[str] | None) -> tuple[str, ...]:
    """The check's sources without data on the day (all of them when ``absent``, the
    sources the caller knows to lack data, is not given)."""
    if absent is None:
        return check.sources
    return tuple(s for s in check.sources if s in absent)


def _unavailable_text(check: Check, absent: AbstractSet[str] | None) -> str:
    """What a person reads of a check without data: plain names, never internal ones. Only
    the sources without data that day are named; when every source had data, the measure
    needs more of their history than there is yet (a regression or a volatility window)."""
    from riskoff.diagnosis.names import plain_name

    name = plain_name(check.indicator)
    if not check.sources:
        return f"{name} is unavailable (no data for this day)"
    lacking = _lacking(check, absent)
    if not lacking:
        return f"{name} is unavailable for this day: its sources have too little history for it yet"
    names = ", ".join(plain_name(s) for s in lacking)
    return f"{name} is unavailable (no data for this day: {names})"


def _main_feature(check: Check) -> str:
    """The feature a check is about: its own, or a compound check's first term's."""
    if check.feature:
        return check.feature
    terms = check.params.get("terms")
    if isinstance(terms, list) and terms and isinstance(terms[0], list):
        return str(terms[0][0])
    return ""


def _value(check: Check, row: Mapping[str, float], n_days: int) -> float:
    if check.fn:
        return float(check_functions()[check.fn](row, check.params, n_days))
    return get(row, check.feature or check.indicator)


def _evidence(
    check: Check,
    row: Mapping[str, float],
    labels: Mapping[str, str],
    n_days: int,
    *,
    window_mode: bool,
    us_open: bool,
    with_text: bool,
    absent: AbstractSet[str] | None = None,
) -> Evidence | None:
    """Grade one check; None when it does not apply (closed market, daily-only in a window)."""
    if window_mode and check.daily_only:
        return None
    main = _main_feature(check)
    if main.startswith(_OPTIONAL) and main not in row:
        return None  # a source the store does not hold at all (present but NaN: not that day)
    if _closed(check, row, us_open):
        return None
    value = _value(check, row, n_days)
    if value == NOT_APPLICABLE:
        return None
    if math.isnan(value):
        return Evidence(
            indicator=check.indicator,
            observed=None,
            baseline=check.baseline,
            supports=None,
            text=_unavailable_text(check, absent) if with_text else "",
            strength=0.0,
            weight=check.weight,
            family=check.family,
        )
    s = check.strength(value, n_days)
    claims: tuple[Claim, ...] = ()
    if abs(s) < _MIN_STRENGTH:
        supports: bool | None = True
        text = ""
        s = 0.0
    else:
        supports = s > 0
        text = ""
        if with_text:
            vals = {**row, "value": value}
            text, claims = render_claims(
                check.text_for if s > 0 else check.text_against, vals, labels
            )
            text = text[:1].upper() + text[1:]  # "{dx.crowded_class|name} fell": "Gold fell"
    return Evidence(
        indicator=check.indicator,
        observed=value,
        baseline=check.baseline,
        supports=supports,
        text=text,
        strength=s,
        weight=check.weight,
        claims=claims,
        family=check.family,
    )


def with_newspapers(market: float, papers: float, reach: float) -> float:
    """The score of the prices' evidence (``market``, 0..1) with the newspapers' (``papers``,
    their checks' weighted mean strength, -1..1): papers that support lift the score toward
    1 by up to ``reach`` of what is left (newspapers alone, at full strength, give
    ``reach``); quiet papers shrink it by up to ``reach`` of itself."""
    p = min(1.0, max(-1.0, papers))
    if p >= 0.0:
        return market + (1.0 - market) * reach * p
    return market * (1.0 + reach * p)


def _score_one(
    suspect: Suspect,
    row: Mapping[str, float],
    labels: Mapping[str, str],
    n_days: int,
    *,
    window_mode: bool,
    us_open: bool,
    with_text: bool,
    absent: AbstractSet[str] | None = None,
) -> tuple[SuspectScore, list[str]]:
    listed: list[Evidence] = []
    missing: list[str] = []
    w_all = 0.0
    # the prices' evidence and the newspapers' are read apart and combined at the end
    w_prices = w_papers = net = 0.0
    papers: list[float] = []
    gate = -1.0
    need = 1.0
    # whether a suspect has a signature is a property of its definition, not of the day:
    # when every key check is closed or missing, the signature is unobserved (score 0)
    has_key = any(c.key for c in suspect.checks)
    key_seen = False
    for check in suspect.checks:
        ev = _evidence(
            check,
            row,
            labels,
            n_days,
            window_mode=window_mode,
            us_open=us_open,
            with_text=with_text,
            absent=absent,
        )
        if ev is None:
            continue
        w_all += check.weight
        if not ev.available:
            missing.extend(_lacking(check, absent) or (check.indicator,))
            listed.append(ev)
            continue
        if check.family == "newspapers":
            papers.append(ev.strength)
            w_papers += check.weight
        else:
            w_prices += check.weight
            net += check.weight * ev.strength
        if check.key:
            gate = max(gate, ev.strength)
            key_seen = True
        if check.requires:
            need = min(need, max(0.0, ev.strength))
        if ev.strength != 0.0:
            listed.append(ev)
    market = net / w_prices if w_prices > 0 else 0.0
    g = (max(0.0, gate) if has_key else 1.0) * need
    score = min(1.0, max(0.0, market)) * (_KEY_FLOOR + (1.0 - _KEY_FLOOR) * g)
    if has_key and not key_seen:
        score = 0.0  # the signature itself is unobservable (e.g. no Bitcoin before 2014)
    if papers:
        # the loudest paper speaks for them all (acts *or* threats of war are news of
        # war); a "quiet papers" check speaks only when none is loud
        read = max(0.0, *papers) + min(0.0, *papers)
        score = with_newspapers(score, read, suspect.newspapers)
    w_used = w_prices + w_papers
    if w_all > 0 and w_used / w_all < MIN_COVERAGE:
        score = 0.0  # too little of its evidence observable to weigh it (docs/suspects.md)
    listed.sort(key=lambda e: (e.available is False, -abs(e.impact)))
    return (
        SuspectScore(
            id=suspect.id,
            name=suspect.label,
            headline=render_template(suspect.headline, row, labels)
            if with_text
            else suspect.headline,
            phrase=render_template(suspect.phrase, row, labels)
            if with_text and suspect.phrase
            else suspect.phrase,
            score=round(score, 4),
            evidence=tuple(listed),
            coverage=round(w_used / w_all, 4) if w_all > 0 else 0.0,
        ),
        missing,
    )


def score_suspects(
    suspects: Sequence[Suspect],
    row: Mapping[str, float],
    *,
    n_days: int = 1,
    window_mode: bool = False,
    with_text: bool = True,
    derived: Derived | None = None,
    absent: AbstractSet[str] | None = None,
) -> tuple[list[SuspectScore], list[str]]:
    """Score every suspect on one row; return them best first, and what was missing.
    ``absent``: the source symbols known to have no data on the day (a check without a
    value then names only those; without it, all of its sources)."""
    dx = derived or derive(row, n_days)
    full = {**row, **dx.values}
    us_open = is_open(row, "us_equities")
    scores: list[SuspectScore] = []
    missing: list[str] = []
    for s in suspects:
        sc, miss = _score_one(
            s,
            full,
            dx.labels,
            n_days,
            window_mode=window_mode,
            us_open=us_open,
            with_text=with_text,
            absent=absent,
        )
        scores.append(sc)
        missing.extend(miss)
    order = {s.id: i for i, s in enumerate(suspects)}
    scores.sort(key=lambda x: (-x.score, order[x.id]))
    return scores, missing


# --- 312 or 519 ---------------------------------------------------------------------------

_VERSUS_CLASSES = ("us_equities", "gold", "usd", "btc", "japan_equities", "oil", "treasuries")


def _simple(logmove: float) -> float:
    return (math.exp(logmove) - 1.0) * 100.0 if not math.isnan(logmove) else NAN


def _move_text(row: Mapping[str, float], cls: str) -> str:
    if cls == "treasuries":
        return fmt_value(get(row, "rates.d10y_bp"), "bp")
    return fmt_log_pct(get(row, f"move.{cls}"))


def compare_references(
    row: Mapping[str, float],
    references: Mapping[str, Mapping[str, float] | None],
    day: dt.date | None = None,
) -> Comparison:
    """How today compares with 312 and 519 across asset classes.

    A reference missing from ``references`` is named as such: one that came after ``day``
    was not known then (it is never compared), one before it is not in the store.
    """
    today = sigma_vector(row)
    sims: dict[str, float | None] = {}
    for name, ref in references.items():
        sims[REFERENCE_DAYS[name].isoformat()] = (
            reference_similarity(today, sigma_vector(ref)) if ref is not None else None
        )
    moves: dict[str, dict[str, float | None]] = {}
    for c in _VERSUS_CLASSES:
        key = "rates.d10y_bp" if c == "treasuries" else f"move.{c}"
        conv = (lambda x: x) if c == "treasuries" else _simple
        m: dict[str, float | None] = {"today": conv(get(row, key)) if is_open(row, c) else None}
        for name, ref in references.items():
            m[REFERENCE_DAYS[name].isoformat()] = conv(get(ref, key)) if ref is not None else None
        moves[c if c != "treasuries" else "treasuries_10y_bp"] = m
    s312 = sims.get(REFERENCE_DAYS["312"].isoformat())
    s519 = sims.get(REFERENCE_DAYS["519"].isoformat())
    closer: Literal["312", "519", "neither", "unavailable"]
    if s312 is None and s519 is None:
        closer = "unavailable"
    else:
        a, b = s312 or 0.0, s519 or 0.0
        closer = "neither" if max(a, b) < 0.25 else ("312" if a >= b else "519")
    parts = []
    claims: tuple[Claim, ...] = ()
    for c in ("us_equities", "gold", "usd", "btc"):
        if not is_open(row, c) or math.isnan(get(row, f"move.{c}")):
            continue
        if c == "btc":  # with its fall to the day's low (diagnosis.versus)
            btc, claims = bitcoin_segment(row, references)
            parts.append(btc)
            continue
        refs = ", ".join(f"{n}: {_move_text(r, c)}" for n, r in references.items() if r is not None)
        parts.append(f"{CLASS_NAMES[c]} {_move_text(row, c)}" + (f" ({refs})" if refs else ""))
    detail = "; ".join(parts) if parts else "no comparable markets traded"
    if closer == "unavailable":
        future = [n for n in ("312", "519") if day is not None and REFERENCE_DAYS[n] > day]
        if len(future) == 2:
            why = f"on {day} neither 312 (2020-03-12) nor 519 (2021-05-19) had happened yet"
        elif future:
            (n,) = future
            other = "519" if n == "312" else "312"
            why = (
                f"{n} ({REFERENCE_DAYS[n].isoformat()}) had not happened yet and the store "
                f"does not hold {other} ({REFERENCE_DAYS[other].isoformat()})"
            )
        elif any(r is not None for r in references.values()):
            why = (
                f"only {len(today)} market{'s' if len(today) != 1 else ''} traded with a "
                "measurable move (a weekend or holiday), too few to compare"
            )
        else:
            why = "the store holds neither 2020-03-12 nor 2021-05-19"
        text = f"A new 312 or a new 519? Cannot say: {why}."
    else:
        # the words say which is closer: print as many places as it takes for the numbers
        # to say it too (0.412 against 0.409, not 0.41 against 0.41)
        places = places_apart(s312, s519) if closer in ("312", "519") else 2
        sims_text = []
        for name in ("312", "519"):
            value = sims.get(REFERENCE_DAYS[name].isoformat())
            if value is not None:
                sims_text.append(f"{value:.{places}f} to {name}")
            elif day is not None and REFERENCE_DAYS[name] > day:
                sims_text.append(
                    f"{name} ({REFERENCE_DAYS[name].isoformat()}) had not happened yet"
                )
            else:
                sims_text.append(f"{name} not in the store")
        sim = "similarity " + ", ".join(sims_text)
        head = {
            "312": "More like 312 (the 2020-03-12 dash for cash)",
            "519": "More like 519 (the 2021-05-19 crypto-only crash)",
            "neither": "Neither 312 nor 519",
        }[closer]
        text = f"A new 312 or a new 519? {head}, {sim}: {detail}."
    return Comparison(
        closer=closer, similarity=sims, moves=moves, text=text, day=day, claims=claims
    )


def diagnose_row(
    row: Mapping[str, float],
    *,
    suspects: Sequence[Suspect],
    date: dt.date,
    start: dt.date | None = None,
    as_of: dt.date | None = None,
    n_days: int = 1,
    references: Mapping[str, Mapping[str, float] | None] | None = None,
    extra: Mapping[str, float] | None = None,
    derived: Derived | None = None,
    record: TrackRecord | None = None,
    absent: AbstractSet[str] | None = None,
) -> Diagnosis:
    """Diagnose one feature row (a day, or a window when ``start < date``).

    ``extra`` adds values to the row (the ``rel.*`` relative moves of
    :mod:`riskoff.indicators.relative`); ``references`` are the feature rows of 312 and 519;
    ``derived``: the row's :func:`~riskoff.diagnosis.derived.derive` values when the
    caller already has them (of the row *with* ``extra``); ``record``: the track record the
    confidence reads (the packaged one unless given: a user's own calibration file);
    ``absent``: the source symbols without data on the day (:func:`score_suspects`).
    """
    if extra:
        row = {**row, **extra}
    start = start or date
    window_mode = start != date
    suspects = [s.named_on(date) for s in suspects]
    dx = derived or derive(row, n_days)
    full = {**row, **dx.values}
    sell = assess_selloff(row, dx)
    scores, missing = score_suspects(
        suspects, row, n_days=n_days, window_mode=window_mode, derived=dx, absent=absent
    )
    if not sell.is_selloff:
        scores = [replace(s, selloff=False) for s in scores]
    us_open = is_open(row, "us_equities")
    missing_all = dedupe([*missing_sources(row, absent), *sorted(set(missing))])
    refs = references or {"312": None, "519": None}
    versus = compare_references(row, refs, date)
    day_text = date.isoformat() if not window_mode else f"{start.isoformat()} to {date.isoformat()}"
    if window_mode:
        day_text = f"The window {day_text}"
    verdict = compose_verdict(
        day_text, full, sell, scores, versus, us_open, list(missing_all), record
    )
    notes: list[str] = []
    if not us_open:
        notes.append("markets other than crypto were closed")
    return Diagnosis(
        date=date,
        start=start,
        selloff=sell,
        suspects=tuple(scores),
        verdict=verdict,
        as_of=as_of or date,
        missing=missing_all,
        notes=tuple(notes),
    )


@dataclass(frozen=True)
class ScanRow:
    """One day of a scan. ``primary`` is empty when no suspect is named: not a sell-off,
    or no suspect reaches :data:`~riskoff.diagnosis.results.FIT_FLOOR` (``score`` is
    then the best score, under the floor)."""

    date: dt.date
    severity: float
    scope: str
    primary: str
    score: float

    def to_dict(self) -> dict[str, object]:
        """CSV/JSON view."""
        return {
            "date": self.date.isoformat(),
            "severity": round(self.severity, 2),
            "scope": self.scope,
            "primary": self.primary,
            "score": round(self.score, 2),
        }


def table_rows(
    table: pd.DataFrame,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    params: pd.DataFrame | None = None,
    extra: pd.DataFrame | None = None,
) -> Iterator[tuple[dt.date, dict[str, float]]]:
    """The rows ``start..end`` of a daily feature table as the day engine reads them: each
    with its relative moves (pass the whole table: they need the history before ``start``;
    ``params``: the table's ``relative_params`` when already computed) and ``extra`` values
    per day (the ``news.*`` readings), joined on the date (NaN = absent)."""
    import pandas as pd

    from riskoff.indicators.relative import relative_params, relative_values

    if params is None:
        params = relative_params(table)
    if start is not None or end is not None:
        lo = pd.Timestamp(start) if start else table.index[0]
        hi = pd.Timestamp(end) if end else table.index[-1]
        sel = (table.index >= lo) & (table.index <= hi)
        table, params = table[sel], params[sel]
    if extra is not None and len(extra.columns):
        table = table.join(extra.reindex(table.index))
    cols = [str(c) for c in table.columns]
    pcols = [str(c) for c in params.columns]
    for ts, vals, pvals in zip(
        table.index, table.to_numpy(dtype=float), params.to_numpy(dtype=float), strict=True
    ):
        row = dict(zip(cols, vals.tolist(), strict=True))
        row.update(relative_values(row, dict(zip(pcols, pvals.tolist(), strict=True))))
        yield ts.date(), row


def scan_table(
    table: pd.DataFrame,
    *,
    suspects: Sequence[Suspect],
    start: dt.date | None = None,
    end: dt.date | None = None,
    params: pd.DataFrame | None = None,
    extra: pd.DataFrame | None = None,
) -> list[ScanRow]:
    """Scan the rows ``start..end`` of a daily feature table (:func:`table_rows`)."""
    rows = table_rows(table, start=start, end=end, params=params, extra=extra)
    return scan_rows(rows, suspects=suspects)


def scan_rows(
    rows: Iterable[tuple[dt.date, Mapping[str, float]]], *, suspects: Sequence[Suspect]
) -> list[ScanRow]:
    """Score many days cheaply: no evidence text, one pass per row."""
    out: list[ScanRow] = []
    for day, row in rows:
        dx = derive(row, 1)
        sell = assess_selloff(row, dx)
        scores, _ = score_suspects(suspects, row, with_text=False, derived=dx)
        top = scores[0]
        named = top.id if fits(top.score, sell.is_selloff, stocks_rose=stocks_rose(row)) else ""
        out.append(ScanRow(day, sell.severity, sell.scope, named, top.score))
    return out
