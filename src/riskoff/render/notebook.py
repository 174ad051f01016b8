"""Results in a notebook: the report's own HTML pieces and charts, as one ``<div>``.

Every view is built from the pieces the report page uses (the Jinja macros of
``templates/parts.html.j2``, :func:`~riskoff.render.html.build_report`'s helpers, the
plotly figures of :mod:`riskoff.render.charts` drawn by
:func:`~riskoff.render.html.chart_div`) and styled by the report's stylesheet, scoped to
``.riskoff-nb`` so it restyles nothing else in the notebook. plotly.js (from the installed
plotly package, no network) is inlined once per Python process, in the first view that
draws a chart; later views reuse it.

:func:`notebook_html` is what the results' ``_repr_html_`` reach through
:mod:`riskoff._repr`; :func:`scan_html` and :func:`stress_index_html` serve the scan and
stress-index results of the use-cases.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.evaluation import Evaluation
    from riskoff.render.chartdata import StressData
    from riskoff.render.charts import Figure


class Result(Protocol):
    """What the views read of a result: its ``--json`` shape and its own fragment."""

    def to_dict(self) -> dict[str, Any]: ...

    def to_html(self) -> str: ...


__all__ = [
    "analogs_html",
    "diagnosis_html",
    "notebook_html",
    "scan_html",
    "scoped_css",
    "stress_index_html",
    "wrap",
]

SCOPE = ".riskoff-nb"
_ids = itertools.count(1)
_plotly_sent = False


def scoped_css() -> str:
    """The report's stylesheet with every rule scoped to :data:`SCOPE` (page-level rules
    such as ``body`` and ``:root`` apply to the view's ``<div>``; print and narrow-screen
    rules are left out)."""
    from importlib import resources

    css = (resources.files("riskoff.render") / "templates" / "report.css").read_text("utf-8")
    css = _drop_at_rules(css)
    out = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        scoped = []
        for sel in selectors.split(","):
            sel = sel.strip()
            if sel in (":root", "html", "body", "main"):
                scoped.append(SCOPE)
            else:
                scoped.append(f"{SCOPE} {sel}")
        out.append(f"{', '.join(scoped)} {{{body.strip()}}}")
    out.append(f"{SCOPE} {{max-width: 1040px;}}")
    return "\n".join(out)


def _drop_at_rules(css: str) -> str:
    """``css`` without its ``@media``/``@page`` blocks (nested braces counted)."""
    out, i = [], 0
    while True:
        at = css.find("@", i)
        if at < 0:
            out.append(css[i:])
            return "".join(out)
        out.append(css[i:at])
        depth, j = 0, css.index("{", at)
        while j < len(css):
            if css[j] == "{":
                depth += 1
            elif css[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        i = j + 1


def wrap(inner: str, *, charts: bool = False) -> str:
    """One view: ``inner`` in a scoped ``<div>`` with the report's styles (and plotly.js,
    the first time a view with ``charts`` is shown in this process)."""
    global _plotly_sent
    from riskoff.render.html import plotly_js, script_safe

    js = ""
    if charts and not _plotly_sent:
        js = f"<script>{script_safe(plotly_js())}</script>\n"
        _plotly_sent = True
    return f'<div class="{SCOPE[1:]}">\n<style>\n{scoped_css()}\n</style>\n{js}{inner}\n</div>'


def _chart(name: str, fig: Figure) -> str:
    from riskoff.render.html import chart_div

    return chart_div(f"nb{next(_ids)}-{name}", fig)


def _render(template: str, **context: Any) -> str:
    import markupsafe

    from riskoff.render.html import jinja_env

    ctx = {k: markupsafe.Markup(v) if k == "chart" and v else v for k, v in context.items()}
    return str(jinja_env().get_template(template).render(**ctx))


def diagnosis_html(diag: Mapping[str, Any]) -> str:
    """The report's verdict block (headline, chips, verdict), its suspects chart, the
    cards of the leading suspects and the ruled-out table."""
    from riskoff.knowledge.suspects import suspect_names
    from riskoff.render import chartdata as cd
    from riskoff.render import charts as ch
    from riskoff.render import narrative as nv
    from riskoff.render.html import suspect_cards

    names = suspect_names()
    cards = suspect_cards(diag, names)
    w = diag["window"]
    when = diag["date"] if w["start"] == w["end"] else f"{w['start']} to {w['end']}"
    inner = _render(
        "nb_diagnosis.html.j2",
        diag=diag,
        cards=cards,
        when=when,
        headline=nv.headline_sentence(diag, names),
        chart=_chart("suspects", ch.fig_suspects(cd.suspect_bars(diag, names))),
        analogs=diag["analogs"],
    )
    return wrap(inner, charts=True)


def analogs_html(data: Mapping[str, Any]) -> str:
    """The report's analog and "what happened next" tables, with the summary."""
    from types import SimpleNamespace

    from riskoff.knowledge.suspects import suspect_names
    from riskoff.render.html import analog_tables

    rows, fwd = analog_tables(data, suspect_names())
    inner = _render(
        "nb_analogs.html.j2",
        rep=SimpleNamespace(analog_rows=rows, forward_rows=fwd),
        date=data["date"],
        text=[s for s in [data.get("summary"), data["versus_312_519"].get("text")] if s],
        notes=list(data.get("notes", [])),
    )
    return wrap(inner)


def scan_html(rows: Sequence[Any], *, limit: int = 60) -> str:
    """A scan: the sell-off days (every day when there are few), severity, scope, the
    primary suspect and its score."""
    sell = [r for r in rows if r.scope != "none"]
    shown = sell if len(rows) > limit else list(rows)
    first = rows[0].date.isoformat() if rows else ""
    last = rows[-1].date.isoformat() if rows else ""
    inner = _render(
        "nb_table.html.j2",
        kind="scan",
        title=f"{len(sell)} sell-off days of {len(rows)}, {first} to {last}",
        text=[],
        chart="",
        caption="",
        head=("date", "severity", "scope", "primary", "score"),
        numeric=("severity", "score"),
        rows=[
            (r.date.isoformat(), f"{r.severity:.2f}", r.scope, r.primary, f"{r.score:.2f}")
            for r in shown
        ],
        more="showing sell-off days only (.to_frame() has every day)" if len(rows) > limit else "",
    )
    return wrap(inner)


def stress_index_html(frame: pd.DataFrame, data: StressData | None, *, tail: int = 10) -> str:
    """The stress index: the report's stress chart (weekly maximum, episodes shaded; its
    data computed by the use-case layer, ``usecases.charting.stress_data``) and the last
    days' values."""
    if frame.empty or data is None:
        return wrap("<p class='na'>No stress index values in that range.</p>")
    day = frame.index[-1].date()
    start = frame.index[0].date()
    s = frame["stress_index"]
    shown = frame.iloc[-tail:]
    inner = _render(
        "nb_table.html.j2",
        kind="stress index",
        title=f"riskoff stress index {start} to {day}",
        text=[
            f"{len(frame):,} days; last {s.iloc[-1]:.3f}; mean {s.mean():.3f}; "
            f"max {s.max():.3f} on {s.idxmax():%Y-%m-%d}."
        ],
        chart=_chart("stress", _stress_figure(data)),
        caption="Weekly: the week's highest reading of riskoff's index; shaded: the "
        "sell-off episodes of riskoff's catalogue (hover the triangles for names). The "
        "report shows it beside the published indices, turbulence and absorption.",
        head=("date", *map(str, frame.columns)),
        numeric=tuple(map(str, frame.columns)),
        rows=[
            (f"{ix:%Y-%m-%d}", *(f"{v:.3f}" for v in row))
            for ix, row in zip(shown.index, shown.to_numpy(), strict=True)
        ],
        more=f"the last {len(shown)} days (.to_frame() has all {len(frame):,})"
        if len(frame) > tail
        else "",
    )
    return wrap(inner, charts=True)


def _stress_figure(data: StressData) -> Figure:
    """The first panel of the report's stress chart (riskoff's index, episodes shaded),
    drawn with the report's line styles and layout."""
    import numpy as np

    from riskoff.render import charts as ch

    layout = ch._layout(340, margin={"l": 60, "r": 20, "t": 30, "b": 30})
    layout["legend"] = {"orientation": "h", "x": 0, "xanchor": "left", "y": -0.15}
    layout["xaxis"] = {"type": "date", "showgrid": True}
    layout["yaxis"] = {"title": {"text": "riskoff stress index (0 to 1)"}, "rangemode": "tozero"}
    traces = [ch._line(data.index, 0)]
    layout["shapes"] = ch.episode_bands(data.episodes)
    if data.episodes:
        vals = data.index.values[np.isfinite(data.index.values)]
        top = float(vals.max()) if vals.size else 1.0
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": "past episodes (shaded)",
                "x": [ep.start for ep in data.episodes],
                "y": [round(top * 1.04, 4)] * len(data.episodes),
                "marker": {"symbol": "triangle-down", "size": 7, "color": ch.MUTED},
                "text": [f"{ep.name} ({ep.start} to {ep.end})" for ep in data.episodes],
                "hovertemplate": "%{text}<extra></extra>",
            }
        )
    return {"data": traces, "layout": layout}


def _main_of(page: str) -> str:
    """The ``<main>`` of a whole page (its ``<head>``, styles and scripts left out)."""
    a = page.find("<main>")
    b = page.rfind("</main>")
    return page[a + len("<main>") : b] if a >= 0 and b > a else page


def notebook_html(kind: str, obj: object) -> str | None:
    """The notebook view of a result of the engines, read through its ``to_dict()`` and
    ``to_html()`` (render never imports an engine), ``None`` for an unknown ``kind``."""
    res = cast(Result, obj)
    if kind == "diagnosis":
        return diagnosis_html(res.to_dict())
    if kind == "analogs":
        return analogs_html(res.to_dict())
    if kind == "portfolio":
        # the report's portfolio section is this very fragment
        return wrap(f'<div class="fragment">{res.to_html()}</div>')
    if kind == "evaluation":
        from riskoff.render.evaluation import evaluation_html

        return wrap(_main_of(evaluation_html(cast("Evaluation", obj))), charts=True)
    return None
