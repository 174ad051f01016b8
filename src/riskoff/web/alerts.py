"""The alerts page (``/alerts``) and its JSON (``/api/alerts``): what ``riskoff watch``
raised, when, to whom it was sent, and the watcher's health lines."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from riskoff.errors import RiskoffError
from riskoff.web.service import Service

__all__ = ["alerts_router"]


def alerts_router(service: Service, templates: Jinja2Templates) -> APIRouter:
    """The alerts routes bound to one service."""
    from riskoff.usecases import watch_log

    router = APIRouter()

    def rows(limit: int) -> list[dict[str, Any]]:
        if not service.settings.store_path.exists():
            return []
        return [a.to_dict() for a in watch_log.alerts(service.settings, limit=limit)]

    @router.get("/api/alerts", summary="The alerts riskoff watch raised, newest first")
    def api_alerts(
        limit: Annotated[int, Query(ge=1, le=1000, description="At most this many.")] = 100,
    ) -> list[dict[str, Any]]:
        """Each alert as ``riskoff alerts --json`` prints it."""
        return rows(limit)

    @router.get("/alerts", response_class=HTMLResponse, include_in_schema=False)
    def alerts_page(request: Request) -> HTMLResponse:
        try:
            health = watch_log.watch_status(service.settings)
        except RiskoffError as exc:  # a rules file that does not parse: say so, still list
            health = [("rules", str(exc).splitlines()[0])]
        ctx: dict[str, Any] = {"alerts": rows(200), "health": health}
        try:
            gen = service.generation()
            ctx |= {
                "first": service.first_day(gen).isoformat(),
                "last": service.last_day(gen).isoformat(),
            }
        except RiskoffError:
            ctx |= {"first": "", "last": ""}
        return templates.TemplateResponse(request, "alerts.html", ctx)

    return router
