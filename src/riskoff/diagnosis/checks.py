"""Named check functions, for evidence a single column cannot express.

A function reads the feature row (with the ``dx.*`` values merged in) and returns one
number, the check's ``observed`` value, which the fingerprint's ramps then grade; NaN
means "cannot be computed". ``params`` come from the TOML check.

The built-ins below register themselves with :func:`register`. A plugin adds more
through the ``riskoff.checks`` entry-point group (``name = "package.module:function"``
in its ``pyproject.toml``); :func:`check_functions` returns the built-ins plus every
plugin's, and refuses a plugin name that clashes with another in one line.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from functools import cache
from importlib.metadata import entry_points
from typing import Any

from riskoff.diagnosis.derived import get, is_open
from riskoff.errors import InputError
from riskoff.knowledge.suspects import Ramp

__all__ = [
    "CHECK_FUNCTIONS",
    "ENTRY_POINT_GROUP",
    "NOT_APPLICABLE",
    "CheckFunction",
    "check_functions",
    "register",
]

NAN = float("nan")
NOT_APPLICABLE = math.inf
"""What a check function returns when its question does not arise on the day (bonds
keeping pace with a stock fall, on a day stocks rose): the check is skipped as for a
closed market, neither evidence nor missing data."""
ENTRY_POINT_GROUP = "riskoff.checks"

CheckFunction = Callable[[Mapping[str, float], Mapping[str, Any], int], float]
CHECK_FUNCTIONS: dict[str, CheckFunction] = {}
"""The built-in check functions (plugins: :func:`check_functions`)."""


def register(name: str) -> Callable[[CheckFunction], CheckFunction]:
    """Decorator: make a built-in check function available to fingerprints as ``fn = name``."""

    def deco(f: CheckFunction) -> CheckFunction:
        CHECK_FUNCTIONS[name] = f
        return f

    return deco


@cache
def check_functions() -> Mapping[str, CheckFunction]:
    """The built-in check functions plus those of every installed ``riskoff.checks``
    plugin (loaded once per process). A name clash or a plugin entry that is not a
    function is an :class:`~riskoff.errors.InputError` (one line, exit 2)."""
    out: dict[str, CheckFunction] = dict(CHECK_FUNCTIONS)
    origin = dict.fromkeys(CHECK_FUNCTIONS, "built-in")
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: (e.name, e.value)):
        where = f"{ENTRY_POINT_GROUP} plugin {ep.name!r} ({ep.value})"
        if origin.get(ep.name) == ep.value:
            continue  # the same function found twice (one package on two paths)
        if ep.name in out:
            raise InputError(
                f"{where}: the check name {ep.name!r} is taken ({origin[ep.name]}); "
                "rename the plugin's entry point"
            )
        try:
            fn = ep.load()
        except Exception as exc:  # a broken plugin is named, not a traceback
            raise InputError(f"{where}: cannot be loaded: {type(exc).__name__}: {exc}") from None
        if not callable(fn):
            raise InputError(f"{where}: is not a function")
        out[ep.name] = fn
        origin[ep.name] = ep.value
    return out


def _cls_of(feature: str) -> str:
    return feature.split(".", 1)[1] if "." in feature else feature


@register("relative_move")
def relative_move(row: Mapping[str, float], params: Mapping[str, Any], n_days: int) -> float:
    """``asset - beta * benchmark`` (log moves): how much worse than its beta implies.

    params: ``asset`` (e.g. ``move.banks``), ``benchmark`` (default ``move.us_equities``),
    ``beta`` (default 1).
    """
    asset = str(params["asset"])
    bench = str(params.get("benchmark", "move.us_equities"))
    for f in (asset, bench):
        if f.startswith("move.") and not is_open(row, _cls_of(f)):
            return NAN
    return get(row, asset) - float(params.get("beta", 1.0)) * get(row, bench)


@register("beta_adjusted_gap")
def beta_adjusted_gap(row: Mapping[str, float], params: Mapping[str, Any], n_days: int) -> float:
    """A ``X_vs_spx`` gap net of the part a beta above one explains.

    ``gap - (beta - 1) * move.us_equities``: Nasdaq falling 1.2x the S&P 500 is beta, not
    a narrative. params: ``gap`` (a feature), ``beta``.
    """
    if not is_open(row, "us_equities"):
        return NAN
    gap = get(row, str(params["gap"]))
    return gap - (float(params.get("beta", 1.0)) - 1.0) * get(row, "move.us_equities")


@register("all_fell")
def all_fell(row: Mapping[str, float], params: Mapping[str, Any], n_days: int) -> float:
    """The smallest of ``-sigma`` over ``features``: positive only when every one fell.

    "Sell America" is stocks, the dollar and the long bond falling together:
    ``features = ["sigma.us_equities", "sigma.usd", "sigma.long_bond"]``.
    """
    vals = []
    for f in params["features"]:
        f = str(f)
        if f.startswith("sigma.") and not is_open(row, _cls_of(f)):
            return NAN
        vals.append(-get(row, f))
    if any(math.isnan(x) for x in vals):
        return NAN
    return min(vals)


@register("bond_led")
def bond_led(row: Mapping[str, float], params: Mapping[str, Any], n_days: int) -> float:
    """Equity fall minus bond fall, in sigmas: >= 0 when bonds fell as hard as stocks.

    The bond is the larger fall of the 10- and 30-year, on the day or (for a single day)
    over the last 5 sessions: a rates scare often builds for a week before stocks crack,
    and the day stocks break can be a quiet day for bonds. Both sides are measured
    against their 500-day volatility (``lsig.*``, ``lsig5.*``) when available: after a
    calm quarter the 60-day yardstick of equities shrinks far more than that of bonds,
    and a 2% equity fall reads as 6σ next to a 2σ yield jump. A bond that rallied counts
    as a zero fall (stocks fell, bonds did not: strongly negative); when stocks did not
    fall the question does not arise (:data:`NOT_APPLICABLE`).
    ``params.front`` (e.g. ``rel.d2y``) adds the 2-year yield's rise in its own sigmas.
    """
    pre = "lsig" if not math.isnan(get(row, "lsig.us_equities")) else "sigma"
    keys = [f"{pre}.long_bond", f"{pre}.treasuries"]
    if n_days <= 1:
        five = "lsig5" if pre == "lsig" else "sigma5"
        keys += [f"{five}.long_bond", f"{five}.treasuries"]
    bonds = [get(row, k) for k in keys]
    if "front" in params:
        # the 2-year's rise in its own sigmas (``rel.d2y``) read as a bond fall: a rates
        # shock can sit at the front end (a repricing of the Fed path) with long yields calm
        bonds.append(-get(row, str(params["front"])))
    bonds = [b for b in bonds if not math.isnan(b)]
    bond = min(bonds) if bonds else NAN
    eq = get(row, "dx.us_eq_lsig" if pre == "lsig" else "dx.us_eq_sigma")
    if math.isnan(bond) or math.isnan(eq):
        return NAN
    if eq >= 0:
        return NOT_APPLICABLE
    return eq - min(bond, 0.0)


@register("strongest")
def strongest(row: Mapping[str, float], params: Mapping[str, Any], n_days: int) -> float:
    """The largest of ``features`` (ignoring missing ones): "any of these" evidence.

    ``daily`` features (k-session moves) are added for a single day only, as in
    :func:`lowest`: "the yen jumped on the day *or* over the last 5 sessions".
    """
    feats = [str(f) for f in params["features"]]
    if n_days <= 1:
        feats += [str(f) for f in params.get("daily", [])]
    vals = [get(row, f) for f in feats]
    vals = [x for x in vals if not math.isnan(x)]
    return max(vals) if vals else NAN


@register("lowest")
def lowest(row: Mapping[str, float], params: Mapping[str, Any], n_days: int) -> float:
    """The smallest of ``features`` (ignoring missing ones); ``daily`` adds more for a day.

    "The 30-year yield rose on the day *or* over the last 5 sessions": a rates scare
    often builds for a week before stocks crack, so the yield rise and the equity fall
    need not land on the same close. ``daily`` features (5-session moves) are read only
    for a single day; a window has its own move.
    """
    feats = [str(f) for f in params["features"]]
    if n_days <= 1:
        feats += [str(f) for f in params.get("daily", [])]
    vals = [get(row, f) for f in feats]
    vals = [x for x in vals if not math.isnan(x)]
    return min(vals) if vals else NAN


def _terms(row: Mapping[str, float], params: Mapping[str, Any]) -> list[float]:
    """Each ``[feature, start, full]`` term graded 0..1 by its ramp; NaN terms dropped.

    A term may carry an "unless" ramp, ``[feature, start, full, other, start2, full2]``:
    its grade is multiplied by ``1 - ramp(other)``, so a reading that says the opposite
    discounts it (broad selling is no sign of a dollar scramble when the funding market
    shows easy money). A missing ``other`` discounts nothing.
    """
    out = []
    for term in params["terms"]:
        feature, a, b = str(term[0]), float(term[1]), float(term[2])
        x = get(row, feature)
        if math.isnan(x):
            continue
        g = Ramp(a, b)(x)
        if len(term) == 6:
            y = get(row, str(term[3]))
            if not math.isnan(y):
                g *= 1.0 - Ramp(float(term[4]), float(term[5]))(y)
        out.append(g)
    return out


@register("all_of")
def all_of(row: Mapping[str, float], params: Mapping[str, Any], n_days: int) -> float:
    """A compound signature: the weakest of several ramps (0..1), each in its own units.

    ``terms = [[feature, start, full], ...]``: 1 only when every term is at full strength
    ("banks fell 2σ *and* financial stress is high"). NaN when any term is missing.
    """
    vals = _terms(row, params)
    return min(vals) if len(vals) == len(params["terms"]) else NAN


@register("any_of")
def any_of(row: Mapping[str, float], params: Mapping[str, Any], n_days: int) -> float:
    """Alternative signatures: the strongest of several ramps (0..1), missing ones skipped.

    ``terms = [[feature, start, full], ...]``: "the 10-year *or* the 30-year yield jumped".
    """
    vals = _terms(row, params)
    return max(vals) if vals else NAN


@register("notable")
def notable(row: Mapping[str, float], params: Mapping[str, Any], n_days: int) -> float:
    """``params.feature`` once it reaches ``params.from`` (in its own units); below that
    the question does not arise (:data:`NOT_APPLICABLE`), and NaN (unavailable) when the
    feature is missing.

    Evidence that counts when present and says nothing when absent: a crowded asset's
    deep lower wick (a low far below a close that recovered) is forced selling meeting
    buyers, but a crash that closed at its low is no evidence against a deleveraging,
    so an ordinary wick must not weigh on the suspect's score.
    """
    v = get(row, str(params["feature"]))
    if math.isnan(v):
        return NAN
    return v if v >= float(params["from"]) else NOT_APPLICABLE
