"""The report's prose: sentences generated from numbers, never canned claims.

Every function here is pure: plain dicts (the ``diagnose --json`` shape, feature rows)
and the chart data of :mod:`riskoff.render.chartdata` in, strings out. A sentence is
only written when its numbers exist; a missing number is said, not guessed. The golden
tests (``tests/unit/render/test_report_narrative.py``) pin the exact wording at fixed inputs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, TypeGuard

from riskoff.diagnosis.results import FIT_FLOOR, QUIET_FLOOR, fits
from riskoff.formatting import (
    MINUS,
    fmt_bn,
    fmt_bp,
    fmt_pct,
    fmt_pts,
    fmt_sigma,
    ordinal,
    pctile_rank,
)
from riskoff.formatting import cap as _cap
from riskoff.formatting import fmt_pctile as _pctile
from riskoff.formatting import join as _join
from riskoff.knowledge.glossary import stress_segment_name
from riskoff.knowledge.suspects import SuspectName, suspect_label, suspect_phrase
from riskoff.knowledge.universe import STRESS_HOT_PCT as HOT_PCT
from riskoff.knowledge.universe import STRESS_SEGMENTS, universe
from riskoff.render.chartdata import (
    CLASS_LABELS,
    REFERENCE_DAYS,
    ROTATION_LEGS,
    HeatmapData,
    PathsData,
    RotationData,
)

__all__ = [
    "MINUS",
    "coverage_sentence",
    "fmt_bn",
    "fmt_bp",
    "fmt_move",
    "fmt_pct",
    "fmt_sigma",
    "havens_sentence",
    "headline_sentence",
    "liquidity_sentences",
    "moves_sentences",
    "ordinal",
    "rotation_sentences",
    "scope_sentence",
    "stress_sentences",
    "suspect_summary",
    "versus_sentences",
]


IN_SENTENCE: dict[str, str] = universe().in_sentence
"""How a class is named inside a sentence."""

YIELD_NAMES = universe().yield_names


# --------------------------------------------------------------------------------------
# number formats
def _ok(x: object) -> TypeGuard[float]:
    try:
        return x is not None and math.isfinite(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def fmt_move(cls: str, move: float | None, sigma: float | None) -> str:
    """A class's move with its sigma: ``gold −3.2% (−3.1σ)``. A yield class is the bond
    with its yield: ``10-year Treasuries (the 10-year Treasury yield +6 bp, +1.0σ)``, the
    sigma in yield terms (a rise is positive; ``sigma`` is the bond-price proxy's), the one
    sign convention of every yield riskoff prints."""
    if cls in YIELD_NAMES:
        body = fmt_bp(move) if move is not None and _ok(move) else "n/a"
        ysig = f", {fmt_sigma(-float(sigma))}" if _ok(sigma) else ""
        return f"{IN_SENTENCE.get(cls, cls)} ({YIELD_NAMES[cls]} {body}{ysig})"
    sig = f" ({fmt_sigma(sigma)})" if _ok(sigma) else ""
    body = fmt_pct(move) if move is not None and _ok(move) else "n/a"
    return f"{IN_SENTENCE.get(cls, cls)} {body}{sig}"


# --------------------------------------------------------------------------------------
# headline
def headline_sentence(
    diagnosis: Mapping[str, Any], names: Mapping[str, SuspectName] | None = None
) -> str:
    """The verdict in one sentence, from the diagnosis's sell-off and suspect scores
    (``names``: the loaded suspects' phrases; default: those of ``$RISKOFF_HOME``)."""
    sell = diagnosis.get("selloff", {}) or {}
    ranked = sorted(
        diagnosis.get("suspects", []) or [], key=lambda s: -float(s.get("score", 0.0) or 0.0)
    )
    if not ranked:
        return "No suspect could be scored for this day."

    def name(s: Mapping[str, Any]) -> str:
        sid = str(s.get("id", ""))
        return suspect_phrase(sid, names=names)

    def score(s: Mapping[str, Any]) -> str:
        return f"{float(s.get('score', 0.0) or 0.0):.2f}"

    top = ranked[0]
    second = ranked[1] if len(ranked) > 1 else None
    label = str(top.get("label", ""))
    scope = str(sell.get("scope", "none"))
    kind = {"cross_asset": "A cross-asset sell-off", "concentrated": "A concentrated sell-off"}
    verdict = diagnosis.get("verdict", {}) or {}
    if not sell.get("is_selloff"):
        quiet_named = verdict["primary"] if "primary" in verdict else fits(float(score(top)), False)
        if quiet_named:
            return (
                f"Not a sell-off, but the day fits {name(top)} (score {score(top)}, at "
                f"least the {QUIET_FLOOR:.2f} a suspect needs without a sell-off)."
            )
        return (
            f"Not a sell-off, and no fingerprint reaches the {QUIET_FLOOR:.2f} a suspect "
            f"needs without one: the closest, {name(top)}, scores {score(top)}."
        )
    head = kind.get(scope, "A sell-off")
    named = verdict["primary"] if "primary" in verdict else fits(float(score(top)), True)
    if not named:
        return (
            f"{head} that no suspect fits: the best, {name(top)}, scores only "
            f"{score(top)}, under the {FIT_FLOOR:.2f} floor below which none is named."
        )
    if label == "unlikely":
        return (
            f"{head} that no suspect explains well: the best fit, {name(top)}, "
            f"scores only {score(top)}."
        )
    text = f"{head} that looks most like {name(top)} (score {score(top)}, {label})"
    if second is not None:
        text += f", ahead of {name(second)} ({score(second)})"
    return text + "."


def scope_sentence(selloff: Mapping[str, Any], row: Mapping[str, float]) -> str:
    """Severity, scope and breadth in one sentence."""
    sev = float(selloff.get("severity", 0.0) or 0.0)
    scope = str(selloff.get("scope", "none"))
    down, up, n = row.get("breadth.down2"), row.get("breadth.up2"), row.get("breadth.n")
    breadth = ""
    if _ok(down) and _ok(n) and float(n) > 0:
        breadth = f"; {int(float(down))} of {int(float(n))} asset classes fell by 2σ or more"
        if _ok(up):
            breadth += f" and {int(float(up))} rose by 2σ or more"
    if selloff.get("is_selloff"):
        kind = {"cross_asset": "A cross-asset sell-off", "concentrated": "A concentrated sell-off"}
        head = kind.get(scope, "A sell-off")
    else:
        head = "Not a sell-off by riskoff's measure"
    return f"{head}: severity {sev:.2f} on a 0-to-1 scale{breadth}."


# --------------------------------------------------------------------------------------
# what fell and what rose
def _cells(hm: HeatmapData, col: int) -> list[tuple[str, float, float | None]]:
    out = []
    for i, cls in enumerate(hm.classes):
        s = hm.sigma[i][col]
        if s is None or (col == 0 and not hm.open[i]):
            continue
        out.append((cls, s, hm.move[i][col]))
    return out


def moves_sentences(hm: HeatmapData, *, threshold: float = 1.0, top: int = 3) -> list[str]:
    """The biggest falls and gains of the first column (the day or the window), the
    classes that were closed, and the extremes over 10 days."""
    span = "on the day" if hm.horizons[0] == "1 day" else "over the window"
    cells = _cells(hm, 0)
    out: list[str] = []
    if not cells:
        return ["No asset class has a move for this day."]
    falls = sorted((c for c in cells if round(c[1], 1) <= -threshold), key=lambda c: c[1])[:top]
    gains = sorted((c for c in cells if round(c[1], 1) >= threshold), key=lambda c: -c[1])[:top]
    if falls:
        out.append(
            f"Biggest falls {span}, in sigmas of each asset's own volatility: "
            f"{_join([fmt_move(c, m, s) for c, s, m in falls])}."
        )
    else:
        out.append(f"Nothing fell by {threshold:.0f}σ or more {span}.")
    if gains:
        out.append(f"Biggest gains: {_join([fmt_move(c, m, s) for c, s, m in gains])}.")
    else:
        out.append(f"Nothing rose by {threshold:.0f}σ or more.")
    # every class with a new close counts, with or without the history its sigma needs
    traded = [
        (hm.move[i][0], hm.unit[i])
        for i in range(len(hm.classes))
        if hm.open[i] and hm.move[i][0] is not None
    ]
    n_down = sum(1 for m, unit in traded if m is not None and (m > 0 if unit == "bp" else m < 0))
    out.append(f"{n_down} of the {len(traded)} asset classes that traded {span} moved down.")
    closed = [CLASS_LABELS[c] for i, c in enumerate(hm.classes) if not hm.open[i]]
    if closed:
        out.append(
            f"No new close {span} (market shut or not yet in the data), so no move: "
            f"{_join(closed)}."
        )
    if len(hm.horizons) >= 3:
        ten = _cells(hm, 2)
        if ten:
            lo = min(ten, key=lambda c: c[1])
            hi = max(ten, key=lambda c: c[1])
            out.append(
                f"Over 10 days the worst was {fmt_move(lo[0], lo[2], lo[1])}"
                f" and the best {fmt_move(hi[0], hi[2], hi[1])}."
            )
    return out


HAVENS = universe().havens


def havens_sentence(hm: HeatmapData) -> str | None:
    """What the safe havens (gold, Treasuries, the yen) did while equities moved."""
    cells = {c: (s, m) for c, s, m in _cells(hm, 0)}
    if "us_equities" not in cells:
        return None
    eq_s, eq_m = cells["us_equities"]
    parts: list[str] = []
    fell = 0
    have = 0
    for h in HAVENS:
        if h not in cells:
            continue
        s, m = cells[h]
        have += 1
        if round(s, 1) <= -1.0:
            fell += 1
        parts.append(fmt_move(h, m, s))
    if not have:
        return None
    stocks = fmt_move("us_equities", eq_m, eq_s)
    text = f"Safe havens while {stocks}: {_join(parts)}."
    if round(eq_s, 1) <= -1.0:
        text += f" {fell} of {have} fell by 1σ or more with stocks"
        if fell >= 2:
            text += " (sold for cash, not bought for safety)."
        elif fell == 0:
            text += ": the havens held."
        else:
            text += "."
    return text


# --------------------------------------------------------------------------------------
# suspects
def suspect_summary(
    suspect: Mapping[str, Any], names: Mapping[str, SuspectName] | None = None
) -> str:
    """``Dollar liquidity scores 0.86 (likely): 4 facts for, 1 against, 1 not computable.``"""
    sid = str(suspect.get("id", ""))
    name = suspect_label(sid, names=names)
    score = float(suspect.get("score", 0.0) or 0.0)
    label = str(suspect.get("label", ""))
    ev = list(suspect.get("evidence", []))
    n_for = sum(1 for e in ev if e.get("supports") is True)
    n_against = sum(1 for e in ev if e.get("supports") is False)
    n_na = sum(1 for e in ev if e.get("supports") is None)
    counts = [f"{n_for} {'fact' if n_for == 1 else 'facts'} for", f"{n_against} against"]
    if n_na:
        counts.append(f"{n_na} not computable")
    return (
        f"{name} scores {score:.2f} ({label}): {_join(counts)} (the score weighs each fact "
        "by its weight and strength, and shrinks when the suspect's signature is absent)."
    )


# --------------------------------------------------------------------------------------
# dollar liquidity
def liquidity_sentences(row: Mapping[str, float], *, benchmark: str = "IORB") -> list[str]:
    """Funding spread, reserves and net liquidity on the day, with their changes."""
    out: list[str] = []
    sp, chg = row.get("funding.sofr_iorb_bp"), row.get("funding.sofr_iorb_chg5_bp")
    if _ok(sp):
        s = float(sp)
        where = "above" if s > 0.5 else "below" if s < -0.5 else "level with"
        amount = f"{abs(s):.0f} bp " if where != "level with" else ""
        text = f"SOFR printed {amount}{where} {benchmark}"
        if _ok(chg):
            c = float(chg)
            text += (
                f", {abs(c):.0f} bp {'higher' if c > 0 else 'lower'} than a week earlier"
                if round(abs(c)) >= 1
                else ", unchanged on the week"
            )
        out.append(text + ".")
    else:
        effr = row.get("funding.effr_iorb_bp")
        text = "SOFR was not published for this day (it starts in April 2018)"
        if _ok(effr):
            text += (
                f"; the effective fed funds rate stood {fmt_bp(float(effr))} against {benchmark}"
            )
        out.append(text + ".")
    lvl, ch4, pct = (
        row.get("reserves.level_bn"),
        row.get("reserves.chg4w_bn"),
        row.get("reserves.pct5y"),
    )
    if _ok(lvl):
        text = f"Bank reserves at the Fed were {fmt_bn(float(lvl))}"
        if _ok(ch4):
            c = float(ch4)
            text += f", {'up' if c > 0 else 'down'} {fmt_bn(abs(c))} over four weeks"
        if _ok(pct):
            text += f", at the {_pctile(float(pct))} of the last five years"
        out.append(text + ".")
    else:
        out.append("Reserve balances are not available for this day.")
    nl, nl4 = row.get("netliq.level_bn"), row.get("netliq.chg4w_bn")
    if _ok(nl):
        text = (
            "Net liquidity (Fed assets minus the Treasury's cash and ON RRP) was "
            f"{fmt_bn(float(nl))}"
        )
        if _ok(nl4):
            c = float(nl4)
            text += f", {'up' if c > 0 else 'down'} {fmt_bn(abs(c))} over four weeks"
        out.append(text + ".")
    else:
        out.append("Net liquidity is not available for this day.")
    return out


# --------------------------------------------------------------------------------------
# stress
def _stress_segments(row: Mapping[str, float]) -> list[str]:
    """Which segment of the stress index was most stressed, and whether it was alone: the
    index weighs eight markets and how they move together, so one market at its extreme
    moves it little (docs/stress_index.md, "One market in stress")."""
    peak, seg, pct, breadth = (
        row.get(f"stress.{k}") for k in ("peak", "peak_segment", "peak_pct", "breadth")
    )
    if not (_ok(peak) and _ok(seg)) or not 0 <= int(seg) < len(STRESS_SEGMENTS):
        return []
    segment = STRESS_SEGMENTS[int(seg)]
    text = f"Its most stressed segment was {stress_segment_name(segment)}, at {float(peak):.2f}"
    if _ok(pct):
        text += f", the {_pctile(float(pct))} of that segment's history to date"
    out = [text + "."]
    if _ok(breadth):
        n = int(breadth)
        hot = _ok(pct) and pctile_rank(float(pct)) >= pctile_rank(HOT_PCT)
        if n == 0:
            out.append(f"No segment stood at or above the {_pctile(HOT_PCT)} of its own history.")
        elif n == 1 and hot:
            out.append(
                f"It was the only segment at or above the {_pctile(HOT_PCT)} of its own "
                "history: stress in one market, not across markets, which the index counts "
                "far less."
            )
        else:
            out.append(
                f"{n} segment{'s' if n != 1 else ''} stood at or above the {_pctile(HOT_PCT)} "
                f"of {'their' if n != 1 else 'its'} own history."
            )
    return out


def stress_sentences(row: Mapping[str, float], *, index_pct: float | None = None) -> list[str]:
    """riskoff's stress index, the published indices, VIX, turbulence and absorption."""
    out: list[str] = []
    si = row.get("stress.index")
    if _ok(si):
        text = f"riskoff's stress index read {float(si):.2f} on a 0-to-1 scale"
        if index_pct is not None and _ok(index_pct):
            text += f", the {_pctile(index_pct)} of its history to date"
        out.append(text + ".")
        out.extend(_stress_segments(row))
    pub: list[str] = []
    if _ok(row.get("stress.stlfsi")):
        pub.append(f"the St. Louis Fed index {float(row['stress.stlfsi']):.2f}")
    if _ok(row.get("stress.ofr_fsi")):
        pub.append(f"the OFR index {float(row['stress.ofr_fsi']):.2f}")
    if pub:
        out.append(f"As last published, {_join(pub)} (0 is normal stress).")
    if _ok(row.get("vol.vix")):
        text = f"The VIX closed at {float(row['vol.vix']):.1f}"
        if _ok(row.get("vol.vix_pct")):
            text += f", the {_pctile(float(row['vol.vix_pct']))} of its history to date"
        out.append(text + ".")
    parts: list[str] = []
    if _ok(row.get("turbulence.pct")):
        parts.append(f"turbulence was at its {_pctile(float(row['turbulence.pct']))}")
    if _ok(row.get("absorption.ratio")):
        ab = f"the absorption ratio at {float(row['absorption.ratio']):.2f}"
        if _ok(row.get("absorption.shift")):
            ab += f" (shift {fmt_sigma(float(row['absorption.shift']))})"
        parts.append(ab)
    if _ok(row.get("corr.avg60_pct")):
        parts.append(
            f"the average 60-day correlation across assets at its "
            f"{_pctile(float(row['corr.avg60_pct']))}"
        )
    if parts:
        out.append(_cap(_join(parts)) + ".")
    if not out:
        out.append("No stress gauge is available for this day.")
    return out


# --------------------------------------------------------------------------------------
# a new 312 or a new 519?
def versus_sentences(paths: PathsData, *, horizon: int = 20) -> list[str]:
    """Day-0 moves of the query beside the reference days, and where the references
    stood ``horizon`` sessions later."""
    out: list[str] = []
    day0: list[str] = []
    later: list[str] = []
    for key, label in paths.assets:
        row = paths.paths.get(key, {})
        q = row.get("query")
        qv = q.at(0) if q is not None else None
        refs: list[str] = []
        after: list[str] = []
        for name, ref_day in REFERENCE_DAYS.items():
            p = row.get(name)
            v = p.at(0) if p is not None else None
            if v is not None and ref_day.isoformat() != paths.query:
                refs.append(f"{fmt_pct(v - 100.0)} on {name}")
            if p is not None and ref_day.isoformat() != paths.query:
                known = [o for o in p.offsets if o > 0 and p.at(o) is not None]
                if known:
                    end = horizon if horizon in known else max(known)
                    lv = p.at(end)
                    if lv is not None:
                        when = name if end == horizon else f"{name} (after {end} sessions)"
                        after.append(f"{fmt_pct(lv - 100.0)} after {when}")
        if qv is not None:
            day0.append(
                f"{label} {fmt_pct(qv - 100.0)}" + (f" ({', '.join(refs)})" if refs else "")
            )
        if after:
            later.append(f"{label} {_join(after)}")
    itself = [n for n, d in REFERENCE_DAYS.items() if d.isoformat() == paths.query]
    if itself:
        out.append(f"The query is {itself[0]} itself: it is drawn once, as the query.")
    if day0:
        out.append(f"On day 0: {'; '.join(day0)}.")
    else:
        out.append("None of the three assets traded on day 0.")
    if later:
        out.append(
            f"{horizon} sessions after day 0, against the close before it: {'; '.join(later)}."
        )
    return out


# --------------------------------------------------------------------------------------
# rotation
def rotation_sentences(rot: RotationData, row: Mapping[str, float]) -> list[str]:
    """Relative performance against the S&P 500 over the window and the chart period."""
    labels = {k: lab for k, lab, _ in ROTATION_LEGS}
    labels["mag7"] = "the Magnificent 7"
    out: list[str] = []
    span = "on the day" if rot.window_start == rot.window_end else "over the window"
    w = [(k, v) for k, v in rot.window.items() if v is not None]
    if w:
        w.sort(key=lambda kv: -kv[1])
        out.append(
            f"Against the S&P 500 {span}: {_join([f'{labels[k]} {fmt_pts(v)}' for k, v in w])}."
        )
    t = [(k, v) for k, v in rot.total.items() if v is not None]
    if t:
        t.sort(key=lambda kv: -kv[1])
        lead, lag = t[0], t[-1]
        out.append(
            f"Since {rot.start}, {labels[lead[0]]} led ({fmt_pts(lead[1])} against the index)"
            f" and {labels[lag[0]]} lagged ({fmt_pts(lag[1])})."
        )
    if not out:
        out.append("No sector or factor series is available for this period.")
    return out


# --------------------------------------------------------------------------------------
# coverage
def coverage_sentence(n_used: int, stale: Sequence[str], missing: Sequence[str]) -> str:
    """How many series fed the report, which were stale, what was missing."""
    text = f"{n_used} series had data on or before the report day"
    if stale:
        verb = "was" if len(stale) == 1 else "were"
        text += f"; {len(stale)} {verb} stale (older than their usual publication delay)"
    text += "."
    if missing:
        text += f" Missing or not computable: {_join(list(missing))}."
    return text
