"""Number formatting and the tiny template language of evidence sentences.

Templates name values in braces with a format: ``{move.gold|pct}``, ``{sigma.gold|sigma}``,
``{value|bp}``, ``{dx.crowded_class|name}``. Missing values print as ``n/a``.

| format  | input                      | prints        |
|---------|----------------------------|---------------|
| pct     | a log move                 | ``−3.2%``     |
| pctabs  | a log move                 | ``3.2%``      |
| sigma   | sigmas                     | ``−2.1σ``     |
| bp      | basis points               | ``+25 bp``    |
| bpabs   | basis points               | ``25 bp``     |
| num     | a number                   | ``0.83``      |
| x       | a ratio                    | ``1.12×``     |
| pctile  | a fraction 0..1            | ``97th pct``  |
| int     | a count                    | ``4``         |
| name    | a class id (a label)       | ``Nikkei 225``|
| bench   | ``funding.benchmark_id``   | ``IOER``      |
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from riskoff.diagnosis.classes import CLASS_NAMES

__all__ = ["fmt_bp", "fmt_num", "fmt_pct", "fmt_sigma", "fmt_value", "render_template"]

MINUS = "\u2212"
# the policy-rate benchmark SOFR is measured against (``funding.benchmark_id``)
BENCHMARKS = {0: "the fed funds target", 1: "IOER", 2: "IORB"}
_TOKEN = re.compile(r"\{([A-Za-z0-9_.:^=-]+)(?:\|([a-z]+))?\}")


def _signed(x: float, body: str) -> str:
    return (MINUS if x < 0 else "+") + body


def fmt_pct(logmove: float, *, signed: bool = True) -> str:
    """A log move as a simple percentage change: ``−3.2%``."""
    if math.isnan(logmove):
        return "n/a"
    p = (math.exp(logmove) - 1.0) * 100.0
    body = f"{abs(p):.1f}%" if abs(p) < 99.95 else f"{abs(p):.0f}%"
    if body in ("0.0%",):
        return "0.0%"
    return _signed(p, body) if signed else body


def fmt_sigma(x: float) -> str:
    """Sigmas: ``−2.1σ``."""
    if math.isnan(x):
        return "n/a"
    body = f"{abs(x):.1f}σ"
    return "0.0σ" if body == "0.0σ" else _signed(x, body)


def fmt_bp(x: float, *, signed: bool = True) -> str:
    """Basis points: ``+25 bp``."""
    if math.isnan(x):
        return "n/a"
    body = f"{abs(x):.0f} bp"
    if body == "0 bp":
        return "0 bp"
    return _signed(x, body) if signed else body


def fmt_num(x: float, digits: int = 2) -> str:
    """A plain number with a real minus sign."""
    if math.isnan(x):
        return "n/a"
    body = f"{abs(x):,.{digits}f}"
    return (MINUS + body) if x < 0 and float(body.replace(",", "")) != 0 else body


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def fmt_value(x: float, how: str) -> str:
    """Format ``x`` the way a template asked."""
    if math.isnan(x):
        return "the policy rate" if how == "bench" else "n/a"
    if how == "pct":
        return fmt_pct(x)
    if how == "pctabs":
        return fmt_pct(x, signed=False)
    if how == "sigma":
        return fmt_sigma(x)
    if how == "bp":
        return fmt_bp(x)
    if how == "bpabs":
        return fmt_bp(x, signed=False)
    if how == "x":
        return f"{fmt_num(x)}×"
    if how == "pctile":
        return f"{_ordinal(min(100, max(0, round(x * 100))))} percentile"
    if how == "int":
        return f"{x:.0f}"
    if how == "bench":
        return BENCHMARKS.get(round(x), "the policy rate")
    return fmt_num(x)


def render_template(
    template: str, values: Mapping[str, float], labels: Mapping[str, str] | None = None
) -> str:
    """Fill ``{name|format}`` tokens from ``values`` (numbers) and ``labels`` (strings)."""
    labels = labels or {}

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
        return fmt_value(f, how)

    return _TOKEN.sub(sub, template)
