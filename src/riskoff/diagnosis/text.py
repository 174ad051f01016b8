"""The tiny template language of evidence sentences (numbers are formatted by
:mod:`riskoff.formatting`).

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
from riskoff.formatting import fmt_bp, fmt_log_pct, fmt_num, fmt_pctile, fmt_sigma

__all__ = ["fmt_value", "render_template"]

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
