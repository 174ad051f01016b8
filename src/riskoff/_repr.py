"""How results show themselves in a notebook without importing the layers above them.

A result (a :class:`~riskoff.diagnosis.Diagnosis`, an analog report, a portfolio replay,
an evaluation...) lives in its engine's package, below :mod:`riskoff.render`, which holds
the report's HTML pieces and charts. Its ``_repr_html_`` asks :func:`html_of`, and the
package root (the public API, a face) installs the renderer, :mod:`riskoff.render.notebook`,
imported only when a notebook first shows a result.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Renderer", "html_of", "set_renderer"]

Renderer = Callable[[str, object], "str | None"]
"""``(kind, result) -> HTML`` (``None``: no view of that kind)."""

_renderer: Renderer | None = None


def set_renderer(renderer: Renderer) -> None:
    """Install the function that turns a result into notebook HTML."""
    global _renderer
    _renderer = renderer


def html_of(kind: str, obj: object, fallback: Callable[[], str]) -> str:
    """``obj``'s notebook HTML (``kind``: diagnosis, analogs, portfolio, evaluation) from
    the installed renderer, else ``fallback()``."""
    html = _renderer(kind, obj) if _renderer is not None else None
    return html if html is not None else fallback()
