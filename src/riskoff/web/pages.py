"""Server-rendered pages: overview, day, analog explorer, series browser.

Templates live in ``riskoff/web/templates`` and are rendered with autoescape on; charts
are embedded as JSON data blocks (:mod:`riskoff.web.embed`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse, RedirectResponse, Response

from riskoff.errors import RiskoffError
from riskoff.knowledge.suspects import suspect_names
from riskoff.web.sections import (
    DayReport,
    analog_sections,
    day_report,
    episode_dicts,
    series_section,
    stress_section,
)
from riskoff.web.service import Service

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.usecases import CoverageRow

__all__ = ["make_templates", "pages_router"]

TEMPLATES = Path(__file__).resolve().parent / "templates"


def make_templates(home: Path | None = None) -> Jinja2Templates:
    """The Jinja environment (autoescape on for every template); suspect labels are those
    loaded from ``home`` (the packaged suspects plus the user's ``suspects.toml``)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from riskoff.knowledge.suspects import suspect_label, suspect_names
    from riskoff.render.chartdata import CLASS_LABELS
    from riskoff.render.terms import explain_terms, term_html
    from riskoff.render.track_record import track_record_rows

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def label(sid: object, on: object = None) -> str:
        """A suspect's label, as named on the day ``on`` (an ISO day or a date: its era,
        "Tech leadership" before the AI era) like the report; today's name without one."""
        if not sid:
            return ""
        day = dt.date.fromisoformat(on[:10]) if isinstance(on, str) and on else on
        if isinstance(day, dt.date):
            return suspect_label(str(sid), names=suspect_names(home, on=day))
        return suspect_label(str(sid), home)

    env.globals["label"] = label
    env.globals["cls"] = lambda c: CLASS_LABELS.get(str(c), str(c).replace("_", " "))
    env.globals["track_record"] = track_record_rows
    env.globals["term"] = term_html
    env.filters["explain"] = explain_terms
    return Jinja2Templates(env=env)


def _feature_row(
    service: Service, day: dt.date, window: tuple[dt.date, dt.date]
) -> dict[str, float]:
    """The feature row of a day or window, as ``riskoff report`` takes it."""
    from riskoff.dates import Window

    start, end = window
    return service.workspace().window_features(Window(start, end))


def _neighbours(table: pd.DataFrame, day: dt.date) -> tuple[str | None, str | None]:
    """The previous and next weekday rows of the feature table around ``day``."""
    import pandas as pd

    idx = pd.DatetimeIndex(table.index)
    idx = idx[idx.day_of_week < 5]
    ts = pd.Timestamp(day)
    i = int(idx.searchsorted(ts, side="left"))
    prev = idx[i - 1].date().isoformat() if i > 0 else None
    j = int(idx.searchsorted(ts, side="right"))
    nxt = idx[j].date().isoformat() if j < len(idx) else None
    return prev, nxt


def pages_router(service: Service, templates: Jinja2Templates) -> APIRouter:
    """The HTML routes bound to one service."""
    router = APIRouter(include_in_schema=False)

    def render(request: Request, name: str, **ctx: Any) -> HTMLResponse:
        gen = service.generation()
        base = {
            "first": service.first_day(gen).isoformat(),
            "last": service.last_day(gen).isoformat(),
            "latest": service.latest_day(gen).isoformat(),
        }
        return templates.TemplateResponse(request, name, {**base, **ctx})

    @router.get("/", response_class=HTMLResponse)
    def overview(request: Request) -> HTMLResponse:
        gen = service.generation()
        last_day = service.latest_day(gen)
        last = last_day.isoformat()
        diag = service.diagnose_json(last)
        episodes = episode_dicts(service.episodes())
        chart = service.cached(
            ("page.stress",),
            lambda g: stress_section(service.features(g), last_day, episodes).chart,
        )
        return render(
            request,
            "overview.html",
            diag=diag,
            stress_chart=chart,
            episodes=episodes,
        )

    @router.get("/day")
    def pick(
        date: Annotated[str, Query()] = "",
        window: Annotated[str, Query()] = "",
    ) -> Response:
        day = service.day(date.strip())
        target = f"/day/{day.isoformat()}"
        if window.strip():
            w = service.window(window.strip(), day)
            if w is not None:
                target = (
                    f"/day/{w.end.isoformat()}?window={w.start.isoformat()}:{w.end.isoformat()}"
                )
        return RedirectResponse(target, status_code=303)

    @router.get("/day/{date}", response_class=HTMLResponse)
    def day_page(
        request: Request, date: str, window: Annotated[str | None, Query()] = None
    ) -> HTMLResponse:
        window = window or None
        diag = service.diagnose_json(date, window)
        start = dt.date.fromisoformat(diag["window"]["start"])
        end = dt.date.fromisoformat(diag["date"])

        def build(g: Any) -> DayReport:
            unavailable: dict[str, str] = {}
            # a window's analogs read its worst day, as its 312/519 comparison does
            anchor = (diag.get("verdict", {}).get("versus_312_519", {}) or {}).get("day")
            try:
                analogs: dict[str, Any] | None = service.analogs_json(anchor or end.isoformat(), 5)
            except RiskoffError as exc:
                analogs, unavailable["analogs"] = None, str(exc)
            return day_report(
                panel=service.panel(g),
                table=service.features(g),
                row=_feature_row(service, end, (start, end)),
                start=start,
                end=end,
                diagnosis=diag,
                analogs=analogs,
                episodes=episode_dicts(service.episodes()),
                unavailable=unavailable,
                suspects=suspect_names(service.settings.home, on=end),
                home=service.settings.home,
            )

        report: DayReport = service.cached(("page.day", start, end), build)
        prev_day, next_day = _neighbours(service.features(), end)
        json_url = f"/api/diagnose/{end.isoformat()}" + (
            f"?window={start.isoformat()}:{end.isoformat()}" if start != end else ""
        )
        return render(
            request,
            "day.html",
            rep=report.rep,
            inp=report.rep.inp,
            text=report.rep.text,
            charts=report.charts,
            diag=diag,
            not_available="Not available.",
            portfolio_html=None,
            prev_day=prev_day,
            next_day=next_day,
            json_url=json_url,
            picked=end.isoformat(),
            picked_window=f"{start}:{end}" if start != end else "",
        )

    @router.get("/analogs/{date}", response_class=HTMLResponse)
    def analogs_page(
        request: Request, date: str, top: Annotated[int, Query(ge=1, le=50)] = 5
    ) -> HTMLResponse:
        report = service.analogs_json(date, top)
        day = dt.date.fromisoformat(report["date"])
        sections = service.cached(
            ("page.analogs", day), lambda g: analog_sections(panel=service.panel(g), day=day)
        )
        horizons = ["1w", "1m", "3m"]

        def fwd(a: dict[str, Any], h: str) -> str:
            v = (a.get("forward") or {}).get("sp500", {}).get(h)
            return "—" if v is None else f"{v:+.1f}%"

        return render(
            request,
            "analogs.html",
            report=report,
            top=top,
            horizons=horizons,
            fwd=fwd,
            forward_asset="% change",
            versus=bool(report.get("versus_312_519", {}).get("text")),
            sections=sections,
            picked=day.isoformat(),
        )

    @router.get("/series", response_class=HTMLResponse)
    def series_page(request: Request) -> HTMLResponse:
        return render(request, "series.html", rows=service.coverage())

    @router.get("/series/{symbol}", response_class=HTMLResponse)
    def series_one_page(request: Request, symbol: str) -> HTMLResponse:
        sym = service.symbol(symbol)
        row = next(r for r in service.coverage() if r["symbol"] == sym)
        chart = service.cached(("page.series", sym), lambda g: _series_chart(service, row))
        return render(request, "series_one.html", row=row, chart=chart)

    return router


def _series_chart(service: Service, row: CoverageRow) -> Any:
    """A line chart of one stored series (its observations as stored, no fills)."""
    df = service.series_frame(row["symbol"], None, None)
    return series_section(
        str(row["symbol"]),
        str(row["name"]),
        str(row["units"]),
        df["date"].dt.strftime("%Y-%m-%d").tolist(),
        df["value"].to_numpy(dtype="float64"),
    ).chart
