"""riskoff's dashboard and JSON API (``riskoff serve``).

``create_app(settings)`` builds the FastAPI app; it calls :mod:`riskoff.usecases` for every
answer, so the JSON it serves is the command line's ``--json``.
"""

from __future__ import annotations

from riskoff.web.app import create_app

__all__ = ["create_app"]
