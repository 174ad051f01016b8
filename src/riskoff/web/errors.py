"""Errors become one-line answers: JSON under ``/api`` (and for anything asking for JSON),
a small HTML page elsewhere. No riskoff error is ever a 500.

=============================  ======
riskoff error                  status
=============================  ======
BadDateError, other InputError  422
UnknownSymbolError              404
InsufficientDataError           404
StoreBusyError                  503 (with ``Retry-After``)
StoreError                      503
any other RiskoffError          503
request validation              422
anything unexpected             500
=============================  ======
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, JSONResponse, Response

from riskoff.errors import (
    InputError,
    InsufficientDataError,
    RiskoffError,
    StoreBusyError,
    StoreError,
    UnknownSymbolError,
)

__all__ = ["install_error_handlers", "status_of"]

log = logging.getLogger("riskoff.web")

ERROR_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>riskoff: {status}</title>
<link rel="stylesheet" href="/static/riskoff.css"></head>
<body><main class="error"><h1>{status}</h1><p>{message}</p>
<p><a href="/">Back to the overview</a></p></main></body></html>
"""


def status_of(exc: RiskoffError) -> int:
    """The HTTP status of a riskoff error."""
    if isinstance(exc, UnknownSymbolError | InsufficientDataError):
        return 404
    if isinstance(exc, InputError):
        return 422
    if isinstance(exc, StoreError):
        return 503
    return 422 if exc.exit_code == 2 else 503


def one_line(text: str, limit: int = 300) -> str:
    """The first line of a message, trimmed."""
    line = (text.strip().splitlines() or [""])[0]
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _wants_json(request: Request) -> bool:
    path = request.url.path
    if path.startswith("/api/") or path == "/api" or path.endswith(".json"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def error_response(
    request: Request, status: int, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    """``{"error": message}`` or an HTML page, by what the client asked for."""
    msg = one_line(message) or "error"
    if _wants_json(request):
        return JSONResponse({"error": msg}, status_code=status, headers=dict(headers or {}))
    from markupsafe import escape

    body = ERROR_PAGE.format(status=status, message=escape(msg))
    return HTMLResponse(body, status_code=status, headers=dict(headers or {}))


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ()) if x not in ("path", "query", "body")]
        where = ".".join(loc) or "request"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    """Map riskoff errors, validation errors, HTTP errors and anything else to JSON/HTML."""

    async def on_riskoff(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RiskoffError)
        status = status_of(exc)
        headers = {"Retry-After": "5"} if isinstance(exc, StoreBusyError | StoreError) else None
        return error_response(request, status, str(exc) or type(exc).__name__, headers)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return error_response(request, 422, _validation_message(exc))

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"not found: {request.url.path}"
        return error_response(request, exc.status_code, detail, exc.headers)

    async def on_any(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        return error_response(
            request, 500, f"internal error ({type(exc).__name__}); see the server log"
        )

    handlers: list[tuple[type[Exception], Callable[[Request, Exception], Any]]] = [
        (RiskoffError, on_riskoff),
        (RequestValidationError, on_validation),
        (StarletteHTTPException, on_http),
        (Exception, on_any),
    ]
    for cls, fn in handlers:
        app.add_exception_handler(cls, fn)
