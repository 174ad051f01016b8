"""Number formatting and the small helpers of verdict prose, once, with one meaning each.

Every sentence riskoff writes (the diagnosis's evidence and verdict, the report's prose)
formats its numbers here. Signs use a real minus (U+2212); a number that rounds to zero
carries no sign; a NaN prints as ``n/a``.

| function        | input                         | prints            |
|-----------------|-------------------------------|-------------------|
| ``fmt_pct``     | a percent change (``-3.24``)  | ``−3.2%``         |
| ``fmt_log_pct`` | a log move (``log(0.968)``)   | ``−3.2%``         |
| ``fmt_sigma``   | sigmas                        | ``−2.1σ``         |
| ``fmt_bp``      | basis points                  | ``+25 bp``        |
| ``fmt_pts``     | percentage points             | ``+4.1 pts``      |
| ``fmt_bn``      | billions of dollars           | ``$1,745bn``      |
| ``fmt_num``     | a plain number                | ``−0.83``         |
| ``ordinal``     | a count                       | ``23rd``          |
| ``fmt_pctile``  | a fraction 0..1               | ``97th percentile`` |
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = [
    "MINUS",
    "cap",
    "fmt_bn",
    "fmt_bp",
    "fmt_log_pct",
    "fmt_num",
    "fmt_pct",
    "fmt_pctile",
    "fmt_pts",
    "fmt_sigma",
    "join",
    "ordinal",
    "pctile_rank",
    "places_apart",
    "sentence_end",
]

MINUS = "\u2212"
NA = "n/a"


def _signed(x: float, body: str, signed: bool = True) -> str:
    """``body`` with the sign of ``x``; no sign when the body rounds to zero."""
    if not signed or not any(ch in "123456789" for ch in body):
        return body
    return (MINUS if x < 0 else "+") + body


def fmt_pct(p: float, digits: int = 1) -> str:
    """A percent change: ``fmt_pct(-3.24) == "−3.2%"``."""
    if math.isnan(p):
        return NA
    return _signed(p, f"{abs(p):.{digits}f}%")


def fmt_log_pct(logmove: float, *, signed: bool = True) -> str:
    """A log move as the simple percent change it is: ``fmt_log_pct(log(0.968)) ==
    "−3.2%"`` (whole percents from 100% up)."""
    if math.isnan(logmove):
        return NA
    p = (math.exp(logmove) - 1.0) * 100.0
    body = f"{abs(p):.1f}%" if abs(p) < 99.95 else f"{abs(p):.0f}%"
    return _signed(p, body, signed)


def fmt_sigma(x: float) -> str:
    """Sigmas: ``−2.1σ``."""
    if math.isnan(x):
        return NA
    return _signed(x, f"{abs(x):.1f}σ")


def fmt_bp(x: float, *, signed: bool = True) -> str:
    """Basis points: ``+25 bp``."""
    if math.isnan(x):
        return NA
    return _signed(x, f"{abs(x):.0f} bp", signed)


def fmt_pts(x: float) -> str:
    """Percentage points: ``+4.1 pts``."""
    if math.isnan(x):
        return NA
    return _signed(x, f"{abs(x):.1f} pts")


def fmt_bn(x: float) -> str:
    """Billions of dollars: ``$1,745bn`` (``−$12bn`` when negative)."""
    if math.isnan(x):
        return NA
    body = f"${abs(x):,.0f}bn"
    return (MINUS + body) if x < 0 and round(abs(x)) != 0 else body


def fmt_num(x: float, digits: int = 2) -> str:
    """A plain number with a real minus sign."""
    if math.isnan(x):
        return NA
    body = f"{abs(x):,.{digits}f}"
    return (MINUS + body) if x < 0 and float(body.replace(",", "")) != 0 else body


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``23rd``, ``100th``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def pctile_rank(frac: float) -> int:
    """A fraction 0..1 as the percentile rank a sentence prints (0.897 -> 90)."""
    return min(100, max(0, round(frac * 100)))


def fmt_pctile(frac: float) -> str:
    """A fraction 0..1 as a percentile rank: ``97th percentile``."""
    return f"{ordinal(pctile_rank(frac))} percentile"


def join(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def cap(s: str) -> str:
    """The first letter in upper case."""
    return s[:1].upper() + s[1:]


def sentence_end(text: str) -> str:
    """End a sentence once: a question keeps its question mark."""
    return text if text.endswith(("?", ".", "!")) else text + "."


def places_apart(a: float | None, b: float | None, least: int = 2, most: int = 6) -> int:
    """The fewest decimal places (from ``least``) at which ``a`` and ``b`` print apart, so
    that words ranking one above the other have numbers that show it; ``least`` when
    either is missing or they are equal."""
    if a is None or b is None or a == b:
        return least
    places = least
    while places < most and round(a, places) == round(b, places):
        places += 1
    return places
