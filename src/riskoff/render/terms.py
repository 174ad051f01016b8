"""Plain words on the page: the glossary's explanations on hover.

:func:`explain_terms` escapes a sentence and marks the first mention of each glossary
term in it with its explanation (a ``<span class="term">`` holding a hidden
``<span class="tip">``, shown on hover and keyboard focus by ``report.css``, never
printed). An internal name that slipped into a sentence (``dx.commod_sigma``,
``rotation.defensive_vs_spx``, ``yen_jump``) is replaced by its human name. The report
and the dashboard use it as the Jinja filter ``explain``; :func:`term_html` marks one
given term (the dashboard's evidence indicators).
"""

from __future__ import annotations

import re
from functools import cache

from markupsafe import Markup, escape

from riskoff.catalog import series_name
from riskoff.knowledge.glossary import Glossary, Term, glossary

__all__ = ["explain_terms", "plain_name", "term_html"]

_NOT_ON_HOVER = frozenset(
    {
        "today",
        "latest",
        "yesterday",
        "score",
        "suspect",
        "suspects",
        "carry",
        "haven",
        "havens",
        "episode",
        "episodes",
        "analog",
        "analogs",
        "selloff",
        "sell-off",
        "severity",
        "similarity",
        "commodities",
        "concentration",
        "breadth",
        "pct",
        "bp",
        "sigmas",
        "standard deviation",
        "2020-03-12",
        "2021-05-19",
    }
)
"""Aliases too common in the prose to mark (they stay findable by ``riskoff explain``)."""


def _tip(term: Term, shown: str, detail: str = "") -> str:
    more = f" <i>Measured as: {escape(detail)}</i>" if detail else ""
    return (
        f'<span class="term" tabindex="0" data-term="{escape(term.id)}">{shown}'
        f'<span class="tip" role="tooltip"><b>{escape(term.name)}</b>: '
        f"{escape(term.explain)}{more}</span></span>"
    )


@cache
def _pattern(g: Glossary) -> tuple[re.Pattern[str], dict[str, Term]]:
    """One regex over every internal id (replaced by its name) and every plain phrase
    (names of single terms and their aliases), longest first."""
    phrases: dict[str, Term] = {}
    for t in g.terms:
        if "." in t.id or "_" in t.id:
            phrases.setdefault(t.id.lower(), t)
        if t.family:
            continue
        for p in (t.name, *t.aliases):
            key = p.lower()
            if len(key) >= 3 and key not in _NOT_ON_HOVER and not key.isdigit():
                phrases.setdefault(key, t)
    alts = sorted(phrases, key=len, reverse=True)
    body = "|".join(re.escape(a) for a in alts)
    sigma = g.get("sigma")
    if sigma is not None:  # "-2.3σ": the symbol right after a number
        phrases["σ"] = sigma
    return re.compile(rf"(?<![\w.])(?:{body})(?![\w])|σ", re.IGNORECASE), phrases


def explain_terms(text: object, g: Glossary | None = None) -> Markup:
    """``text`` escaped, with the first mention of each term explained on hover and every
    internal name replaced by its human name."""
    gl = g or glossary()
    pattern, phrases = _pattern(gl)
    html = str(escape(str(text)))
    done: set[str] = set()

    def sub(m: re.Match[str]) -> str:
        found = m.group(0)
        term = phrases[found.lower()]
        internal = found.lower() == term.id.lower() and ("." in term.id or "_" in term.id)
        shown = str(escape(term.name)) if internal else found
        if term.id in done:
            return shown
        done.add(term.id)
        return _tip(term, shown)

    return Markup(pattern.sub(sub, html))


def term_html(term: str, detail: str = "", g: Glossary | None = None) -> Markup:
    """One term by its id: its human name with the explanation (and ``detail``, how it
    is measured) on hover; the id itself, escaped, when the glossary does not know it."""
    gl = g or glossary()
    t = gl.get(term)
    if t is None:
        return Markup(escape(term))
    return Markup(_tip(t, str(escape(t.name)), detail))


def plain_name(term: str) -> str:
    """What a person reads for a feature (its glossary name) or a source symbol (its
    catalogue name: ``yahoo:HG=F`` -> "COMEX copper futures"); the term when unknown."""
    t = glossary().get(term)
    if t is not None:
        return t.name
    return series_name(term) or term
