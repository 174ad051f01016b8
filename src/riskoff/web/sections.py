"""The content of the dashboard's pages, built with the report's own code: its content
builder (:func:`riskoff.render.html.build_report`), chart data
(:mod:`riskoff.render.chartdata`) and figure builders (:mod:`riskoff.render.charts`).

Only the embedding differs from the report: charts are JSON data blocks drawn by
``/static/riskoff.js`` (no inline script), and a click on a time chart opens that day.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from riskoff.web.embed import embed_figure

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from riskoff.knowledge.suspects import SuspectName
    from riskoff.render.html import Report

__all__ = [
    "DayReport",
    "Section",
    "analog_sections",
    "day_report",
    "episode_dicts",
    "series_section",
    "stress_section",
]

log = logging.getLogger("riskoff.web")

CLICKABLE = frozenset({"stress", "liquidity", "rotation"})
"""Report charts with a date axis: a click on them opens that day."""


@dataclass(frozen=True)
class Section:
    """A titled chart (or a note saying why there is none)."""

    title: str
    chart: Markup
    text: str = ""


@dataclass(frozen=True)
class DayReport:
    """The report of one day or window and its charts, ready for the day page."""

    rep: Report
    charts: dict[str, Markup]


def _try(title: str, build: Callable[[], Any], text: str = "", click: str | None = None) -> Section:
    try:
        fig = build()
    except Exception as exc:  # a chart that cannot be drawn must not cost the page
        log.warning("chart %r not drawn: %s: %s", title, type(exc).__name__, exc)
        return Section(title, Markup(""), f"Not available ({type(exc).__name__}).")
    return Section(title, embed_figure(fig, click=click, label=title), text)


def episode_dicts(episodes: Sequence[Any]) -> list[dict[str, Any]]:
    """Episodes as the dicts the chart data and templates take."""
    return [
        {
            "id": e.id,
            "name": e.name,
            "start": e.start.isoformat(),
            "end": e.end.isoformat(),
            "suspect": e.suspect,
            "category": e.category,
        }
        for e in episodes
    ]


def stress_section(
    table: pd.DataFrame,
    day: dt.date,
    episodes: Sequence[Mapping[str, Any]],
    *,
    start: dt.date | None = None,
) -> Section:
    """riskoff's stress index beside the published indices, episodes shaded; a click on
    any point opens that day's diagnosis."""
    from riskoff.render.charts import fig_stress
    from riskoff.usecases.charting import stress_data

    return _try(
        "Stress",
        lambda: fig_stress(stress_data(table, day=day, episodes=episodes, start=start)),
        "riskoff's stress index and its most stressed segment beside the St. Louis Fed and "
        "OFR indices, turbulence and the absorption ratio (weekly maximum), on the two years "
        "to the day (the buttons show more); shaded and named: catalogued episodes. Click a "
        "point to diagnose that day.",
        click="day",
    )


def _anchor(diagnosis: Mapping[str, Any] | None) -> dt.date | None:
    """The day a window's analogs and 312/519 paths read: its worst day."""
    vs = ((diagnosis or {}).get("verdict", {}) or {}).get("versus_312_519", {}) or {}
    day = vs.get("day")
    return dt.date.fromisoformat(str(day)) if day else None


def day_report(
    *,
    panel: Any,
    table: pd.DataFrame,
    row: Mapping[str, float],
    start: dt.date,
    end: dt.date,
    diagnosis: Mapping[str, Any] | None,
    analogs: Mapping[str, Any] | None,
    episodes: Sequence[Mapping[str, Any]],
    unavailable: Mapping[str, str] | None = None,
    suspects: Mapping[str, SuspectName] | None = None,
    home: Path | None = None,
) -> DayReport:
    """The report of ``start..end`` exactly as ``riskoff report`` builds it, from frames cut
    at the end of ``end`` (nothing published later is shown)."""
    import pandas as pd

    from riskoff.render.html import ReportInput, build_report, coverage_rows, figures
    from riskoff.usecases.charting import chart_set

    ts = pd.Timestamp(end)
    levels = panel.levels.loc[:ts]
    inp = ReportInput(
        day=end,
        start=start,
        as_of=end,
        row=row,
        table=table.loc[:ts],
        charts=chart_set(
            table=table.loc[:ts],
            levels=levels,
            traded=panel.traded.loc[:ts],
            class_moves=panel.class_moves.loc[:ts],
            day=end,
            start=start,
            episodes=episodes,
        ),
        diagnosis=diagnosis,
        analogs=analogs,
        episodes=episodes,
        coverage=coverage_rows(levels, panel.obs_age.loc[:ts], day=end, info=panel.info),
        unavailable=dict(unavailable or {}),
        suspects=suspects,
        anchor=_anchor(diagnosis),
        home=home,
    )
    rep = build_report(inp)
    charts: dict[str, Markup] = {}
    for cid, fig in figures(rep).items():
        charts[cid] = embed_figure(
            fig, click="day" if cid in CLICKABLE else None, label=f"{cid} chart"
        )
    return DayReport(rep=rep, charts=charts)


def series_section(
    symbol: str, name: str, units: str, dates: list[str], values: Sequence[float] | Any
) -> Section:
    """One stored series as a line (the series browser; the report has no such chart, so
    it is drawn here in the report's type and colours). A click opens that day."""
    from riskoff.render.charts import FONT, INK, typed_array

    def build() -> dict[str, Any]:
        grid = "#e6e8eb"
        return {
            "data": [
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": dates,
                    "y": typed_array(values),
                    "name": name,
                    "line": {"color": INK, "width": 1.3},
                    "hovertemplate": "%{x}: %{y:,.4g}<extra></extra>",
                }
            ],
            "layout": {
                "height": 460,
                "margin": {"l": 60, "r": 20, "t": 40, "b": 40},
                "font": {"family": FONT, "color": INK, "size": 12},
                "title": {"text": f"{name} ({symbol}), {units}", "x": 0.01},
                "plot_bgcolor": "white",
                "paper_bgcolor": "white",
                "xaxis": {"type": "date", "gridcolor": grid, "rangeslider": {"visible": True}},
                "yaxis": {"gridcolor": grid},
                "showlegend": False,
            },
        }

    return _try(f"{name} ({symbol})", build, click="day")


def analog_sections(*, panel: Any, day: dt.date) -> list[Section]:
    """The analog explorer's chart: the query's price paths up to the day beside the two
    reference days (the report's "312 or 519?" chart)."""
    import pandas as pd

    from riskoff.render import charts as ch
    from riskoff.usecases.charting import paths_data

    ts = pd.Timestamp(day)
    return [
        _try(
            "A new 312 or a new 519?",
            lambda: ch.fig_paths(
                paths_data(panel.levels.loc[:ts], day=day, traded=panel.traded.loc[:ts])
            ),
            "S&P 500, gold and Bitcoin around the day, rebased to 100, beside 2020-03-12 and "
            "2021-05-19.",
        )
    ]
