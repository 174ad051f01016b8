"""The tiny template language of evidence sentences (numbers are formatted by
:mod:`riskoff.formatting`).

Templates name values in braces with a format: ``{move.gold|pct}``, ``{sigma.gold|sigma}``,
``{value|bp}``, ``{dx.crowded_class|name}``. Missing values print as ``n/a``.

| format  | input                      | prints        |
|---------|----------------------------|---------------|
| pct     | a log move                 | ``−3.2%``     |
| pctabs  | a log move                 | ``3.2%``      |
| sigma   | sigmas                     | ``−2.1σ``     |
| sigmaabs| sigmas, no sign            | ``2.1σ``      |
| bp      | basis points               | ``+25 bp``    |
| bpabs   | basis points               | ``25 bp``     |
| num     | a number                   | ``0.83``      |
| x       | a ratio                    | ``1.12×``     |
| pctile  | a fraction 0..1            | ``97th pct``  |
| int     | a count                    | ``4``         |
| name    | a class id (a label)       | ``Nikkei 225``|
| bench   | ``funding.benchmark_id``   | ``IOER``      |

Direction words are tokens too, never free text: ``{move.gold|rose}`` prints "rose" when
gold rose, "fell" when it fell and "was unchanged" when the move rounds to zero, so a
sentence cannot say "fell" of a number that went up. The word pairs (:data:`VERBS`):

| token     | up       | down      | flat / small          |
|-----------|----------|-----------|-----------------------|
| rose/fell | rose     | fell      | was unchanged         |
| rise/fall | rise     | fall      | stay unchanged        |
| risen     | risen    | fallen    | stayed unchanged      |
| rising    | rising   | falling   | flat                  |
| beat      | beat     | lagged    | matched               |
| widened   | widened  | narrowed  | was unchanged         |
| moved     | rose     | fell      | barely moved (< 1σ)   |
| up        | up       | down      | unchanged             |

``moved`` reads a value in sigmas: a move under 1σ "barely moved".

A **guarded segment** ``[name>1.5: text]`` is kept only when the guard holds (``>``,
``>=``, ``<``, ``<=``; a missing value fails it); consecutive segments are one list,
joined by ", ". The one space after the colon is dropped, any further space is kept
(``[move.us_equities<0:  as stocks fell]`` attaches to the word before it).
"Yields rose: [ysig.treasuries>0: 10-year ...][ysig.long_bond>0: 30-year ...]" lists
only the yields that rose.

:func:`render_claims` returns the sentence and the :class:`~riskoff.diagnosis.results.Claim`
of every number and word it printed; :func:`render_template` only the sentence.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from riskoff.diagnosis.classes import CLASS_NAMES
from riskoff.diagnosis.results import Claim, Direction
from riskoff.formatting import fmt_bp, fmt_log_pct, fmt_num, fmt_pctile, fmt_sigma

__all__ = [
    "DOWN_WORDS",
    "FLAT_WORDS",
    "UP_WORDS",
    "VERBS",
    "direction_of",
    "fmt_value",
    "natural_unit",
    "render_claims",
    "render_template",
    "verb",
]

VERBS: dict[str, tuple[str, str, str]] = {
    "rose": ("rose", "fell", "was unchanged"),
    "fell": ("rose", "fell", "was unchanged"),
    "rise": ("rise", "fall", "stay unchanged"),
    "fall": ("rise", "fall", "stay unchanged"),
    "risen": ("risen", "fallen", "stayed unchanged"),
    "rising": ("rising", "falling", "flat"),
    "beat": ("beat", "lagged", "matched"),
    "lagged": ("beat", "lagged", "matched"),
    "widened": ("widened", "narrowed", "was unchanged"),
    "moved": ("rose", "fell", "barely moved"),
    "up": ("up", "down", "unchanged"),
}
"""Direction-word tokens: (word when up, word when down, word when flat)."""
UP_WORDS = frozenset(v[0] for v in VERBS.values())
DOWN_WORDS = frozenset(v[1] for v in VERBS.values())
FLAT_WORDS = frozenset(v[2] for v in VERBS.values())
_MOVED_SIGMA = 1.0
_GUARD = re.compile(r"\[([A-Za-z0-9_.]+)\s*(>=|<=|>|<)\s*(-?[0-9.]+): ?([^\[\]]*)\]")
_PCT_PREFIXES = (
    "move.",
    "ret5.",
    "ret10.",
    "ai.",
    "rotation.",
    "carry.nikkei",
    "vol.dvix",
    "tolow",  # the day's range (indicators.ranges): tolow., tolow2., tolow_next.
    "rebound.",
    "dx.crowded_tolow",
    "dx.crowded_rebound",
)


def natural_unit(series: str) -> str:
    """How a series' number is read: ``bp``, ``pct`` (a log move), ``sigma`` or ``num``."""
    if series.endswith("_bp") or "_bp_" in series:
        return "bp"
    if series.startswith(_PCT_PREFIXES) or series == "dx.crowded_move":
        return "pct"
    if "sigma" in series or series.startswith(("lsig", "big.", "ysig", "rel.", "rlong.")):
        return "sigma"
    return "num"


def direction_of(series: str, value: float, *, small: float | None = None) -> Direction:
    """``up``, ``down`` or ``flat`` (the value rounds to zero in its natural unit, or is
    under ``small`` in size)."""
    unit = natural_unit(series)
    if unit == "pct":
        size = abs(math.expm1(value) * 100.0) if abs(value) < 50 else math.inf
        tol = 0.05
    else:
        size = abs(value)
        tol = {"bp": 0.5, "sigma": 0.05}.get(unit, 0.005)
    if small is not None:
        tol = max(tol, small)
    if size < tol:
        return "flat"
    return "up" if value > 0 else "down"


def verb(token: str, series: str, value: float) -> tuple[str, Direction]:
    """The word a direction token prints for ``value`` (see :data:`VERBS`)."""
    up, down, flat = VERBS[token]
    d = direction_of(series, value, small=_MOVED_SIGMA if token == "moved" else None)
    return {"up": up, "down": down, "flat": flat}[d], d


# the policy-rate benchmark SOFR is measured against (``funding.benchmark_id``)
BENCHMARKS = {0: "the fed funds target", 1: "IOER", 2: "IORB"}
_TOKEN = re.compile(r"\{([A-Za-z0-9_.:^=-]+)(?:\|([a-z]+))?\}")


def fmt_value(x: float, how: str) -> str:
    """Format ``x`` the way a template asked."""
    if math.isnan(x):
        return "the policy rate" if how == "bench" else "n/a"
    if how == "pct":
        return fmt_log_pct(x)
    if how == "pctabs":
        return fmt_log_pct(x, signed=False)
    if how == "sigma":
        return fmt_sigma(x)
    if how == "sigmaabs":
        return f"{abs(x):.1f}σ"
    if how == "bp":
        return fmt_bp(x)
    if how == "bpabs":
        return fmt_bp(x, signed=False)
    if how == "x":
        return f"{fmt_num(x)}×"
    if how == "pctile":
        return fmt_pctile(x)
    if how == "int":
        return f"{x:.0f}"
    if how == "bench":
        return BENCHMARKS.get(round(x), "the policy rate")
    return fmt_num(x)


def _number(values: Mapping[str, float], name: str) -> float:
    v = values.get(name, math.nan)
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _guard(values: Mapping[str, float], name: str, op: str, limit: float) -> bool:
    x = _number(values, name)
    if math.isnan(x):
        return False
    return {">": x > limit, ">=": x >= limit, "<": x < limit, "<=": x <= limit}[op]


def _join(items: list[str]) -> str:
    """Join a run's kept segments by ", "; one that starts with a space attaches as is."""
    out = ""
    for i, item in enumerate(items):
        out += item if i == 0 or item.startswith(" ") else ", " + item
    return out


def _segments(template: str, values: Mapping[str, float]) -> str:
    """Resolve guarded segments: keep those whose guard holds, join each run by ", "."""
    out: list[str] = []
    pos = 0
    run: list[str] = []
    in_run = False
    for m in _GUARD.finditer(template):
        between = template[pos : m.start()]
        if in_run and between.strip() == "":
            pass  # the run goes on
        else:
            if in_run:
                out.append(_join(run))
                run = []
            out.append(between)
        in_run = True
        if _guard(values, m.group(1), m.group(2), float(m.group(3))):
            run.append(m.group(4).rstrip())
        pos = m.end()
    if in_run:
        out.append(_join(run))
    out.append(template[pos:])
    return "".join(out)


def render_claims(
    template: str, values: Mapping[str, float], labels: Mapping[str, str] | None = None
) -> tuple[str, tuple[Claim, ...]]:
    """Render a template; return the sentence and the claims it states, in order.

    Every number token gives a claim (series, value, unit); every direction token a claim
    with the word it printed and the direction of the value that chose it."""
    labels = labels or {}
    claims: list[Claim] = []

    def sub(m: re.Match[str]) -> str:
        name, how = m.group(1), m.group(2) or "num"
        if how == "name":
            key = labels.get(name, name)
            return CLASS_NAMES.get(key, key) or "n/a"
        v = values.get(name, math.nan)
        try:
            f = float(v)
        except (TypeError, ValueError):
            return str(v)
        if how in VERBS:
            if math.isnan(f):
                return "moved (no data)"
            word, d = verb(how, name, f)
            claims.append(Claim(series=name, value=f, unit="word", word=word, direction=d))
            return word
        if not math.isnan(f) and how != "bench":
            claims.append(Claim(series=name, value=f, unit=how))
        return fmt_value(f, how)

    text = _TOKEN.sub(sub, _segments(template, values))
    return text, tuple(claims)


def render_template(
    template: str, values: Mapping[str, float], labels: Mapping[str, str] | None = None
) -> str:
    """Fill ``{name|format}`` tokens from ``values`` (numbers) and ``labels`` (strings)."""
    return render_claims(template, values, labels)[0]
