"""The JSON API: the same JSON as the command line's ``--json``, over HTTP.

Every route is a thin call into :class:`riskoff.web.service.Service`, which calls the
use-cases (:mod:`riskoff.usecases`). Errors are ``{"error": "..."}`` (see
:mod:`riskoff.web.errors`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from riskoff.web.models import (
    AnalogsOut,
    DiagnosisOut,
    ErrorOut,
    SeriesDataOut,
    SeriesRow,
    StressRow,
)
from riskoff.web.service import Service

__all__ = ["api_router"]

DateParam = Annotated[
    str,
    Path(
        description="The day, YYYY-MM-DD (within the stored history)",
        examples=["2020-03-12"],
        json_schema_extra={"format": "date"},
    ),
]


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    text = {
        404: "Unknown symbol, or no data for that day",
        422: "Malformed or out-of-range date, reversed window, or a bad parameter",
        500: "Unexpected server error (a bug)",
        503: "The store is busy (a writer holds it: retry) or missing",
    }
    return {c: {"model": ErrorOut, "description": text[c]} for c in (*codes, 500, 503)}


class JSONBody(Response):
    """Pre-serialised JSON (the bytes are cached; see :meth:`Service.body`)."""

    media_type = "application/json"


def api_router(service: Service) -> APIRouter:
    """The ``/api`` routes bound to one service.

    The routes are ``async``: a repeated request is answered on the event loop from the
    cache (:meth:`Service.peek`) with no thread hop; anything else (reading the store,
    computing a diagnosis) runs in the thread pool.
    """
    router = APIRouter(prefix="/api", tags=["api"])

    async def answer(key: tuple[Any, ...], compute: Callable[[], Any]) -> JSONBody:
        full = ("body", *key)
        body = service.peek(full)
        if body is None:
            body = await run_in_threadpool(service.body, full, compute)
        return JSONBody(body)

    @router.get(
        "/diagnose/{date}",
        summary="Diagnose one day or window (riskoff diagnose DATE --json)",
        response_model=None,
        responses={200: {"model": DiagnosisOut}, **_errors(404, 422)},
    )
    async def diagnose(
        date: DateParam,
        window: Annotated[
            str | None,
            Query(
                description="A multi-day window START:END (YYYY-MM-DD:YYYY-MM-DD) ending at "
                "or before DATE; overrides DATE as the window's end",
                examples=["2020-03-09:2020-03-12"],
            ),
        ] = None,
    ) -> JSONBody:
        return await answer(
            ("diagnose", date, window or ""), lambda: service.diagnose_json(date, window)
        )

    @router.get(
        "/analogs/{date}",
        summary="Nearest historical episodes and what happened next (riskoff analogs --json)",
        response_model=None,
        responses={200: {"model": AnalogsOut}, **_errors(404, 422)},
    )
    async def analogs(
        date: DateParam,
        top: Annotated[int, Query(ge=1, le=50, description="How many analogs")] = 5,
    ) -> JSONBody:
        return await answer(("analogs", date, top), lambda: service.analogs_json(date, top))

    @router.get(
        "/stress-index",
        summary="riskoff's daily stress index and its segments (riskoff stress-index)",
        response_model=None,
        responses={200: {"model": list[StressRow]}, **_errors(422)},
    )
    async def stress_index(
        start: Annotated[str | None, Query(description="First day, YYYY-MM-DD")] = None,
        end: Annotated[str | None, Query(description="Last day, YYYY-MM-DD")] = None,
    ) -> JSONBody:
        return await answer(("stress", start, end), lambda: service.stress_json(start, end))

    @router.get(
        "/series",
        summary="The catalogue with coverage (riskoff series --json)",
        response_model=None,
        responses={200: {"model": list[SeriesRow]}, **_errors()},
    )
    async def series() -> JSONBody:
        return await answer(("coverage",), service.coverage)

    @router.get(
        "/series/{symbol}",
        summary="One stored series between two days",
        response_model=None,
        responses={200: {"model": SeriesDataOut}, **_errors(404, 422)},
    )
    async def series_one(
        symbol: Annotated[
            str, Path(description="A stored symbol, e.g. yahoo:^GSPC", examples=["fred:SOFR"])
        ],
        start: Annotated[str | None, Query(description="First day, YYYY-MM-DD")] = None,
        end: Annotated[str | None, Query(description="Last day, YYYY-MM-DD")] = None,
    ) -> JSONBody:
        return await answer(
            ("series", symbol, start, end), lambda: service.series_json(symbol, start, end)
        )

    return router
