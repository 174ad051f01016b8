"""The hover explanations of the report and the dashboard (render.terms): each phrase gets
its own term's explanation."""

from __future__ import annotations

import re

import pytest

from riskoff.render.terms import explain_terms


@pytest.mark.parametrize(
    ("sentence", "term"),
    [
        ("The St. Louis Fed stress index is calm (−0.62)", "stress.stlfsi"),
        ("As last published, the St. Louis Fed index -0.62 and the OFR index", "stress.stlfsi"),
        ("riskoff's stress index read 0.15 on a 0-to-1 scale", "stress.index"),
    ],
)
def test_a_phrase_is_explained_by_its_own_term(sentence: str, term: str) -> None:
    """The St. Louis Fed's index is not riskoff's own stress index: its hover says so (it
    used to carry riskoff's index's explanation, matched on "stress index")."""
    html = str(explain_terms(sentence))
    first = re.search(r'data-term="([^"]+)"', html)
    assert first is not None, html
    assert first.group(1) == term


def test_internal_names_become_plain_names() -> None:
    html = str(explain_terms("dx.commod_sigma fell"))
    assert "dx.commod_sigma" not in re.sub(r'data-term="[^"]*"', "", html)
