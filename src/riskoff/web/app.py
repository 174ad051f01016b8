"""The dashboard and JSON API: ``create_app(settings)`` builds the FastAPI app that
``riskoff serve`` runs.

Read-only: nothing here writes to the store, and no route reads a file from a path the
user supplies (the only files served are the package's own static files and plotly.js
from the installed plotly package, by fixed name).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from starlette.responses import Response

from riskoff import __version__
from riskoff.config import Settings
from riskoff.web.alerts import alerts_router
from riskoff.web.api import api_router
from riskoff.web.errors import install_error_handlers
from riskoff.web.pages import make_templates, pages_router
from riskoff.web.security import LOCAL_HOSTS, HostCheck, SecurityHeaders
from riskoff.web.service import Service

__all__ = ["create_app"]

STATIC = Path(__file__).resolve().parent / "static"


@dataclass(frozen=True)
class _Asset:
    body: bytes
    media_type: str
    etag: str


def _plotly_js() -> bytes:
    """plotly.min.js from the installed plotly package (no CDN)."""
    return resources.files("plotly").joinpath("package_data", "plotly.min.js").read_bytes()


def _report_css() -> bytes:
    """The report's own stylesheet, so the day page looks like ``riskoff report``."""
    return resources.files("riskoff.render").joinpath("templates", "report.css").read_bytes()


def _assets() -> dict[str, _Asset]:
    files = {
        "plotly.min.js": (_plotly_js, "text/javascript; charset=utf-8"),
        "riskoff.js": (
            lambda: (STATIC / "riskoff.js").read_bytes(),
            "text/javascript; charset=utf-8",
        ),
        "riskoff.css": (lambda: (STATIC / "riskoff.css").read_bytes(), "text/css; charset=utf-8"),
        "report.css": (_report_css, "text/css; charset=utf-8"),
    }
    out: dict[str, _Asset] = {}
    for name, (read, media) in files.items():
        body = read()
        out[name] = _Asset(body, media, '"' + hashlib.sha256(body).hexdigest()[:20] + '"')
    return out


def _warm(service: Service) -> None:
    """Build the panel, the latest diagnosis and the stress index ahead of the first page."""
    try:
        gen = service.generation()
        service.diagnose_json(service.latest_day(gen).isoformat())
        service.stress()
    except Exception:  # warming is best effort; requests report real errors
        return


def create_app(
    settings: Settings | None = None,
    *,
    store_wait: float = 3.0,
    cache_size: int = 256,
    warm: bool = False,
    hosts: Iterable[str] = (),
) -> FastAPI:
    """The riskoff web app.

    Args:
        settings: where the store is (default: the environment).
        store_wait: seconds to retry a store locked by a writer before answering 503.
        cache_size: diagnoses and other results kept in memory.
        warm: build the panel and the latest diagnosis in the background at startup, so
            the first page is fast.
        hosts: names this server is reached by, besides 127.0.0.1, localhost and ::1
            (the ``--host`` it binds to); a request with any other ``Host`` header is
            answered 400.
    """
    s = settings or Settings.from_env()
    service = Service(s, store_wait=store_wait, cache_size=cache_size)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if warm:
            threading.Thread(
                target=_warm, args=(service,), name="riskoff-warm", daemon=True
            ).start()
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="riskoff",
        version=__version__,
        summary="Why is everything falling? Cross-asset sell-off diagnosis with evidence.",
        description=(
            "Read-only JSON API of riskoff. Every answer is the JSON the command line "
            'prints with `--json`. Errors are `{"error": "..."}`: 422 for a malformed '
            "or out-of-range date or a reversed window, 404 for an unknown symbol, 503 "
            "while the store is locked by a writer."
        ),
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.service = service
    install_error_handlers(app)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(HostCheck, hosts=(*LOCAL_HOSTS, *hosts))
    app.include_router(api_router(service))
    templates = make_templates(service.settings.home)
    app.include_router(pages_router(service, templates))
    app.include_router(alerts_router(service, templates))

    assets = _assets()

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str, request: Request) -> Response:
        asset = assets.get(name)
        if asset is None:
            from starlette.exceptions import HTTPException

            raise HTTPException(404, f"no static file {name!r}")
        headers = {"ETag": asset.etag, "Cache-Control": "public, max-age=3600"}
        if request.headers.get("if-none-match") == asset.etag:
            return Response(status_code=304, headers=headers)
        return Response(asset.body, media_type=asset.media_type, headers=headers)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
