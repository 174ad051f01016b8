"""Plotly figures of the report and the dashboard: pure functions from the plain chart
data of :mod:`riskoff.render.chartdata` to plotly figure specs.

A figure is the plotly JSON itself, ``{"data": [...], "layout": {...}}``: plotly.js draws
it as is (``Plotly.newPlot(div, fig.data, fig.layout, config)``) and
``plotly.graph_objects.Figure(fig)`` turns it into a figure object where one is wanted
(:func:`as_figure`). Building plain dicts keeps plotly's Python package off the report's
hot path: its validators cost seconds per fresh process, the dicts microseconds.

Every figure reads in black and white: lines differ by dash as well as colour, bars carry
patterns, the heatmap prints its numbers. Dates are ``YYYY-MM-DD`` strings and values
float32 typed arrays (``{"dtype": "f4", "bdata": base64}``), compact per STACK.md §3.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from riskoff.render.chartdata import (
    REFERENCE_DAYS,
    Episode,
    HeatmapData,
    LiquidityData,
    PathsData,
    RotationData,
    StressData,
    SuspectBars,
    TimeSeries,
)

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = [
    "FONT",
    "INK",
    "PLOTLY_CONFIG",
    "Figure",
    "as_figure",
    "episode_bands",
    "fig_heatmap",
    "fig_liquidity",
    "fig_paths",
    "fig_rotation",
    "fig_stress",
    "fig_suspects",
    "figure_json",
    "sigma_text",
    "typed_array",
]

Figure = dict[str, Any]
"""A plotly figure spec: ``{"data": [trace, ...], "layout": {...}}``."""

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
INK = "#1f2328"
MUTED = "#6e7781"
GRID = "#e6e8eb"
LIKELIHOOD_COLOURS = {"likely": "#b2182b", "possible": "#e08214", "unlikely": "#9aa1a9"}
LIKELIHOOD_PATTERNS = {"likely": "", "possible": "/", "unlikely": "."}
LINE_STYLES: tuple[tuple[str, str], ...] = (
    ("#1f2328", "solid"),
    ("#b2182b", "dash"),
    ("#2166ac", "dot"),
    ("#e08214", "dashdot"),
    ("#1b7837", "longdash"),
    ("#762a83", "longdashdot"),
)
REF_STYLES = {
    "query": ("#1f2328", "solid", 3.0),
    "312": ("#b2182b", "dash", 2.0),
    "519": ("#2166ac", "dot", 2.2),
}
HEAT_SCALE = [
    [0.0, "#67001f"],
    [0.2, "#d6604d"],
    [0.4, "#fddbc7"],
    [0.5, "#f7f7f7"],
    [0.6, "#d1e5f0"],
    [0.8, "#4393c3"],
    [1.0, "#053061"],
]
PLOTLY_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "displayModeBar": False,
    "responsive": True,
    "showTips": False,
}
"""The ``config`` every report chart is drawn with (no mode bar, no plotly.com links)."""

SIGMA_CLIP = 5.0
MINUS = "\u2212"


# --------------------------------------------------------------------------------------
# helpers
def typed_array(values: Any) -> dict[str, str]:
    """A float32 typed array in plotly's JSON form (NaN stays NaN: a gap)."""
    a = np.ascontiguousarray(np.asarray(values, dtype="<f4"))
    return {"dtype": "f4", "bdata": base64.b64encode(a.tobytes()).decode("ascii")}


def sigma_text(x: float | None) -> str:
    """``−2.1σ`` (true minus sign), or an empty string."""
    if x is None or not math.isfinite(x):
        return ""
    body = f"{abs(x):.1f}σ"
    if body == "0.0σ":
        return body
    return (MINUS if x < 0 else "+") + body


def _axis(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "showgrid": True,
        "gridcolor": GRID,
        "zeroline": False,
        "showline": True,
        "linecolor": MUTED,
        "ticks": "outside",
        "tickcolor": MUTED,
        "automargin": True,
    }
    base.update(kw)
    return base


def _layout(height: int, **kw: Any) -> dict[str, Any]:
    lay: dict[str, Any] = {
        "height": height,
        "autosize": True,
        "margin": {"l": 60, "r": 20, "t": 24, "b": 40},
        "font": {"family": FONT, "size": 12, "color": INK},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "hoverlabel": {"font": {"family": FONT}},
        "hovermode": "closest",
        "legend": {"orientation": "h", "x": 0, "xanchor": "left", "y": -0.12},
        "shapes": [],
        "annotations": [],
    }
    lay.update(kw)
    return lay


def _ax(name: str, k: int) -> str:
    """Layout key (``xaxis2``) or trace reference (``x2``) of the k-th axis (1-based)."""
    suffix = "" if k == 1 else str(k)
    return f"{name}axis{suffix}" if name in ("x", "y") else f"{name[0]}{suffix}"


def _rows(
    layout: dict[str, Any],
    titles: Sequence[str],
    heights: Sequence[float],
    *,
    gap: float = 0.07,
    xaxis: dict[str, Any] | None = None,
) -> None:
    """Stack ``len(titles)`` rows sharing one x axis (row 1 on top), with titles."""
    n = len(titles)
    total = 1.0 - gap * (n - 1)
    hs = [h / sum(heights) * total for h in heights]
    top = 1.0
    for k in range(1, n + 1):
        lo = top - hs[k - 1]
        x_extra = dict(xaxis or {})
        if k > 1:
            x_extra["matches"] = "x"
        layout[_ax("x", k)] = _axis(
            anchor=f"y{'' if k == 1 else k}", showticklabels=k == n, **x_extra
        )
        layout[_ax("y", k)] = _axis(anchor=f"x{'' if k == 1 else k}", domain=[lo, top])
        layout["annotations"].append(
            {
                "text": titles[k - 1],
                "x": 0,
                "xref": "paper",
                "xanchor": "left",
                "y": top,
                "yref": "paper",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 12, "color": INK},
            }
        )
        top = lo - gap


def _vline(x: Any, k: int = 1, **line: Any) -> dict[str, Any]:
    yref = "y domain" if k == 1 else f"y{k} domain"
    return {
        "type": "line",
        "xref": "x" if k == 1 else f"x{k}",
        "yref": yref,
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "line": {"color": INK, "width": 1.2, "dash": "dot", **line},
    }


def _hline(y: float, k: int = 1, **line: Any) -> dict[str, Any]:
    return {
        "type": "line",
        "xref": "x domain" if k == 1 else f"x{k} domain",
        "yref": "y" if k == 1 else f"y{k}",
        "x0": 0,
        "x1": 1,
        "y0": y,
        "y1": y,
        "line": {"color": MUTED, "width": 1, **line},
    }


def _no_data(
    layout: dict[str, Any], k: int, text: str, yrange: list[float], xpoint: Any
) -> dict[str, Any]:
    """Say in the k-th plot area that there is no data; return an empty trace to add, so
    plotly draws the axes (shapes on an axis without data come out as NaN paths): one
    invisible point at ``xpoint``."""
    layout[_ax("y", k)].update(range=yrange, showticklabels=False)
    layout[_ax("y", k)].setdefault("type", "linear")  # no data: plotly cannot guess it
    layout["annotations"].append(
        {
            "text": text,
            "xref": f"x{'' if k == 1 else k} domain",
            "yref": f"y{'' if k == 1 else k} domain",
            "x": 0.5,
            "y": 0.5,
            "showarrow": False,
            "font": {"size": 12, "color": MUTED},
        }
    )
    return {
        "type": "scatter",
        "mode": "markers",
        "x": [xpoint],
        "y": [(yrange[0] + yrange[1]) / 2],
        "marker": {"opacity": 0},
        "xaxis": "x" if k == 1 else f"x{k}",
        "yaxis": "y" if k == 1 else f"y{k}",
        "showlegend": False,
        "hoverinfo": "skip",
    }


def _day_label(day: str) -> dict[str, Any]:
    return {
        "text": day,
        "x": day,
        "xref": "x",
        "y": 1.0,
        "yref": "paper",
        "xanchor": "right",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": 11, "color": INK},
    }


def _line(ts: TimeSeries, style: int = 0, *, width: float = 1.6, k: int = 1) -> dict[str, Any]:
    colour, dash = LINE_STYLES[style % len(LINE_STYLES)]
    unit = f" {ts.unit}" if ts.unit else ""
    return {
        "type": "scatter",
        "mode": "lines",
        "name": ts.name,
        "x": ts.dates,
        "y": typed_array(ts.values),
        "xaxis": "x" if k == 1 else f"x{k}",
        "yaxis": "y" if k == 1 else f"y{k}",
        "line": {"color": colour, "dash": dash, "width": width},
        "connectgaps": False,
        "hovertemplate": f"%{{x}}<br>{ts.name}: %{{y:,.2f}}{unit}<extra></extra>",
    }


def _empty_trace(trace: dict[str, Any]) -> bool:
    """A line trace whose values are all NaN (its typed array decoded)."""
    y = trace.get("y")
    if not isinstance(y, dict) or "bdata" not in y:
        return False
    values = np.frombuffer(base64.b64decode(y["bdata"]), dtype="<f4")
    return not bool(np.isfinite(values).any())


def _move_text(m: float | None, unit: str) -> str:
    if m is None:
        return "n/a"
    sign = MINUS if m < 0 else "+"
    if unit == "bp":
        return f"yield {sign}{abs(m):.0f} bp"
    return f"{sign}{abs(m):.1f}%"


# --------------------------------------------------------------------------------------
# the charts
def fig_heatmap(data: HeatmapData) -> Figure:
    """Cross-asset heatmap: rows = asset classes (grouped), columns = horizons, colour =
    sigma-move (clipped at ±5σ), each cell printing its sigma."""
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    hover: list[list[str]] = []
    for i, label in enumerate(data.labels):
        zr: list[float | None] = []
        tr: list[str] = []
        hr: list[str] = []
        for j, horizon in enumerate(data.horizons):
            s = data.sigma[i][j]
            zr.append(None if s is None else max(-SIGMA_CLIP, min(SIGMA_CLIP, s)))
            closed = j == 0 and not data.open[i]
            tr.append("no close" if closed else (sigma_text(s) if s is not None else "n/a"))
            move = _move_text(data.move[i][j], data.unit[i])
            hr.append(f"{label}, {horizon}: {sigma_text(s) or 'n/a'} ({move})")
        z.append(zr)
        text.append(tr)
        hover.append(hr)
    layout = _layout(
        max(320, 26 * len(data.labels) + 70),
        margin={"l": 120, "r": 20, "t": 36, "b": 10},
        xaxis=_axis(side="top", showgrid=False, ticks="", showline=False, type="category"),
        yaxis=_axis(
            autorange="reversed", showgrid=False, ticks="", showline=False, type="category"
        ),
    )
    prev = data.groups[0] if data.groups else ""
    for i, g in enumerate(data.groups):
        if g != prev:
            layout["shapes"].append(
                {
                    "type": "line",
                    "xref": "paper",
                    "yref": "y",
                    "x0": 0,
                    "x1": 1,
                    "y0": i - 0.5,
                    "y1": i - 0.5,
                    "line": {"color": INK, "width": 1.5},
                }
            )
            prev = g
    trace = {
        "type": "heatmap",
        "z": z,
        "x": data.horizons,
        "y": data.labels,
        "text": text,
        "customdata": hover,
        "texttemplate": "%{text}",
        "textfont": {"size": 12},
        "hovertemplate": "%{customdata}<extra></extra>",
        "colorscale": HEAT_SCALE,
        "zmin": -SIGMA_CLIP,
        "zmid": 0.0,
        "zmax": SIGMA_CLIP,
        "xgap": 2,
        "ygap": 2,
        "colorbar": {
            "title": {"text": "σ"},
            "tickvals": [-4, -2, 0, 2, 4],
            "ticktext": ["−4", "−2", "0", "+2", "+4"],
            "thickness": 12,
            "len": 0.8,
        },
    }
    return {"data": [trace], "layout": layout}


def fig_suspects(data: SuspectBars) -> Figure:
    """The ten suspects' scores (0..1), highest on top, patterned by likelihood."""
    trace = {
        "type": "bar",
        "orientation": "h",
        "x": data.scores,
        "y": data.labels,
        "marker": {
            "color": [LIKELIHOOD_COLOURS.get(k, MUTED) for k in data.likelihood],
            "line": {"color": INK, "width": 0.8},
            "pattern": {
                "shape": [LIKELIHOOD_PATTERNS.get(k, "") for k in data.likelihood],
                "fgcolor": INK,
                "size": 6,
                "solidity": 0.25,
            },
        },
        "text": [f"{s:.2f} {k}" for s, k in zip(data.scores, data.likelihood, strict=True)],
        "textposition": "outside",
        "cliponaxis": False,
        "hovertemplate": "%{y}: %{x:.2f}<extra></extra>",
    }
    layout = _layout(
        70 + 30 * max(len(data.labels), 1),
        margin={"l": 130, "r": 30, "t": 24, "b": 40},
        showlegend=False,
        xaxis=_axis(range=[0, 1.12], tickvals=[0, 0.25, 0.5, 0.75, 1.0], title={"text": "score"}),
        yaxis=_axis(autorange="reversed", showgrid=False, type="category"),
    )
    for x, name in ((0.25, "possible"), (0.5, "likely")):
        layout["shapes"].append(_vline(x, color=MUTED, width=1, dash="dash"))
        layout["annotations"].append(
            {
                "text": name,
                "x": x,
                "xref": "x",
                "y": 1.0,
                "yref": "paper",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 10, "color": MUTED},
            }
        )
    return {"data": [trace], "layout": layout}


def fig_liquidity(data: LiquidityData) -> Figure:
    """SOFR − IORB, reserve balances and net liquidity over two years, the day marked."""
    layout = _layout(600, showlegend=False, margin={"l": 60, "r": 20, "t": 30, "b": 30})
    _rows(
        layout,
        [
            f"SOFR minus {data.benchmark} (bp)",
            "Reserve balances at the Fed ($bn)",
            "Net liquidity: Fed balance sheet − TGA − ON RRP ($bn)",
        ],
        [1, 1, 1],
        gap=0.09,
        xaxis={"range": [data.start, data.day], "type": "date"},
    )
    series = (data.sofr_iorb, data.reserves, data.netliq)
    traces = [_line(ts, 0, k=k) for k, ts in enumerate(series, 1) if not ts.empty]
    for k, ts in enumerate(series, 1):
        if ts.empty:
            note = f"no {ts.name} data for this period"
            traces.append(_no_data(layout, k, note, [0.0, 1.0], data.day))
    if not data.sofr_iorb.empty:
        layout["shapes"].append(_hline(0.0, 1))
    layout["shapes"] += [_vline(data.day, k) for k in (1, 2, 3)]
    layout["annotations"].append(_day_label(data.day))
    return {"data": traces, "layout": layout}


def episode_label(name: str) -> str:
    """The short name an episode carries on a chart (its name up to a colon)."""
    return name.split(":", 1)[0].strip()


RANGE_BUTTONS: tuple[dict[str, Any], ...] = (
    {"count": 1, "label": "1y", "step": "year", "stepmode": "backward"},
    {"count": 2, "label": "2y", "step": "year", "stepmode": "backward"},
    {"count": 5, "label": "5y", "step": "year", "stepmode": "backward"},
    {"count": 10, "label": "10y", "step": "year", "stepmode": "backward"},
    {"label": "all", "step": "all"},
)
"""The stress chart's range selector: it opens on two years, the rest is one click away."""


def _label_side(start: str, data: StressData) -> str:
    """Where an episode's name goes: right of its start, or left of it near the right
    edge of the opening view (so it stays inside the chart)."""
    if not data.view_start:
        return "bottom right"
    lo, hi, at = (np.datetime64(x) for x in (data.view_start, data.day, start))
    span = float((hi - lo) / np.timedelta64(1, "D"))
    return (
        "bottom left"
        if span > 0 and float((at - lo) / np.timedelta64(1, "D")) > 0.7 * span
        else "bottom right"
    )


def fig_stress(data: StressData) -> Figure:
    """riskoff's stress index (beside its most stressed segment), the St. Louis Fed and OFR
    indices, turbulence (log scale) and the absorption ratio, with past sell-off episodes
    shaded and named; it opens on the two years to the day with a range selector for
    the whole history."""
    layout = _layout(780, margin={"l": 60, "r": 20, "t": 56, "b": 30})
    layout["legend"] = {"orientation": "h", "x": 0, "xanchor": "left", "y": -0.05}
    xaxis: dict[str, Any] = {"type": "date"}
    if data.view_start:
        xaxis["range"] = [data.view_start, data.day]
    _rows(
        layout,
        [
            "riskoff stress index (0 to 1) and its most stressed segment",
            "Published indices: St. Louis Fed FSI and OFR FSI (0 = normal)",
            "Turbulence: Mahalanobis distance, 21-day average (log scale)",
            "Absorption ratio",
        ],
        [0.3, 0.3, 0.2, 0.2],
        gap=0.055,
        xaxis=xaxis,
    )
    layout["xaxis"]["rangeselector"] = {
        "buttons": list(RANGE_BUTTONS),
        "x": 1,
        "xanchor": "right",
        "y": 1.07,
        "yanchor": "bottom",
        "font": {"size": 11},
    }
    layout["yaxis3"].update(type="log", dtick=1)
    traces = [
        _line(data.index, 0, k=1),
        *([_line(data.peak, 3, width=0.9, k=1)] if data.peak is not None else []),
        _line(data.stlfsi, 1, k=2),
        _line(data.ofr, 2, k=2),
        _line(data.turbulence, 4, width=1.2, k=3),
        _line(data.absorption, 5, width=1.4, k=4),
    ]
    rows = {1: [data.index], 2: [data.stlfsi, data.ofr], 3: [data.turbulence], 4: [data.absorption]}
    traces = [t for t in traces if not _empty_trace(t)]
    for k, members in rows.items():
        if all(ts.empty for ts in members):
            yr = [0.0, 1.0] if k != 3 else [0.0, 2.0]  # log axis: range in powers of ten
            traces.append(_no_data(layout, k, "no data for this period", yr, data.day))
    if not (data.stlfsi.empty and data.ofr.empty):
        layout["shapes"].append(_hline(0.0, 2))
    layout["shapes"] += episode_bands(data.episodes)
    if data.episodes:
        # the names on the chart itself (kept by print and export), clipped to the range
        traces.append(
            {
                "type": "scatter",
                "mode": "markers+text",
                "name": "past episodes (shaded)",
                "x": [ep.start for ep in data.episodes],
                # staggered in three rows, so neighbouring names do not overprint
                "y": [round(1.0 - 0.08 * (k % 3), 2) for k in range(len(data.episodes))],
                "marker": {"symbol": "triangle-down", "size": 7, "color": MUTED},
                "text": [episode_label(ep.name) for ep in data.episodes],
                "textposition": [_label_side(ep.start, data) for ep in data.episodes],
                "textfont": {"size": 10, "color": INK},
                "customdata": [f"{ep.name} ({ep.start} to {ep.end})" for ep in data.episodes],
                "hovertemplate": "%{customdata}<extra></extra>",
                "cliponaxis": True,
            }
        )
        layout["yaxis"]["range"] = [0.0, 1.0]
    layout["shapes"] += [_vline(data.day, k) for k in (1, 2, 3, 4)]
    layout["annotations"].append(_day_label(data.day))
    return {"data": traces, "layout": layout}


def fig_paths(data: PathsData) -> Figure:
    """Equities, gold and Bitcoin around the query, 2020-03-12 and 2021-05-19: one panel
    per asset, every path aligned at day 0 and rebased to 100 at the close before."""
    n = max(len(data.assets), 1)
    gap = 0.07
    width = (1.0 - gap * (n - 1)) / n
    layout = _layout(380, margin={"l": 60, "r": 20, "t": 30, "b": 40})
    layout["legend"] = {"orientation": "h", "x": 0, "xanchor": "left", "y": -0.25}
    names = {
        "query": f"query {data.query}",
        **{k: f"{k} ({d.isoformat()})" for k, d in REFERENCE_DAYS.items()},
    }
    traces: list[dict[str, Any]] = []
    for c, (key, label) in enumerate(data.assets, start=1):
        x0 = (c - 1) * (width + gap)
        layout[_ax("x", c)] = _axis(
            anchor=f"y{'' if c == 1 else c}",
            domain=[x0, x0 + width],
            range=[-data.before, data.after],
            type="linear",
            title={"text": "sessions from day 0"},
            zeroline=False,
        )
        layout[_ax("y", c)] = _axis(
            anchor=f"x{'' if c == 1 else c}",
            title={"text": "close before day 0 = 100"} if c == 1 else None,
        )
        layout["annotations"].append(
            {
                "text": f"<b>{label}</b>",
                "x": x0 + width / 2,
                "xref": "paper",
                "xanchor": "center",
                "y": 1.0,
                "yref": "paper",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 13},
            }
        )
        if any(p is not None for p in data.paths.get(key, {}).values()):
            layout["shapes"].append(_vline(0, c, color=MUTED, width=1, dash="solid"))
            layout["shapes"].append(_hline(100.0, c, dash="dot"))
        else:
            traces.append(_no_data(layout, c, f"no {label} data", [90.0, 110.0], 0))
        for which, path in data.paths.get(key, {}).items():
            if path is None or (which != "query" and path.day == data.query):
                continue  # no path, or the query is this reference day itself
            colour, dash, lw = REF_STYLES.get(which, (MUTED, "solid", 1.5))
            nm = names.get(which, which)
            traces.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": nm,
                    "legendgroup": which,
                    "showlegend": c == 1,
                    "x": path.offsets,
                    "y": typed_array(path.values),
                    "xaxis": "x" if c == 1 else f"x{c}",
                    "yaxis": "y" if c == 1 else f"y{c}",
                    "line": {"color": colour, "dash": dash, "width": lw},
                    "hovertemplate": f"{nm}<br>day %{{x}}: %{{y:.1f}}<extra></extra>",
                }
            )
    # every legend entry once, even when an asset has no path for the first panel
    shown = {t.get("legendgroup") for t in traces if t.get("showlegend")}
    for t in traces:
        if "legendgroup" in t and t["legendgroup"] not in shown:
            t["showlegend"] = True
            shown.add(t["legendgroup"])
    return {"data": traces, "layout": layout}


def fig_rotation(data: RotationData) -> Figure:
    """Sector and factor legs relative to the S&P 500 (points, 0 at the chart's start),
    the window shaded."""
    layout = _layout(
        420,
        margin={"l": 60, "r": 20, "t": 30, "b": 40},
        xaxis=_axis(range=[data.start, data.end], type="date"),
        yaxis=_axis(title={"text": "vs S&P 500 (points)"}),
    )
    layout["legend"] = {"orientation": "h", "x": 0, "xanchor": "left", "y": -0.15}
    traces = [_line(ts, k, width=1.8) for k, ts in enumerate(data.lines)]
    layout["shapes"].append(_hline(0.0))
    if data.window_start < data.window_end:
        layout["shapes"].append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": data.window_start,
                "x1": data.window_end,
                "y0": 0,
                "y1": 1,
                "fillcolor": "#9aa1a9",
                "opacity": 0.25,
                "line": {"width": 0},
                "layer": "below",
            }
        )
    layout["shapes"].append(_vline(data.window_end))
    layout["annotations"].append(_day_label(data.window_end))
    return {"data": traces, "layout": layout}


# --------------------------------------------------------------------------------------
# output
def _clean(obj: Any) -> Any:
    """NaN and infinities (which JSON cannot carry) as null."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    return obj


def figure_json(fig: Figure) -> str:
    """The figure as JSON safe to inline in a ``<script>`` (``<`` escaped)."""
    text = json.dumps(_clean(fig), separators=(",", ":"), allow_nan=False, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def as_figure(fig: Figure) -> go.Figure:
    """A ``plotly.graph_objects.Figure`` of a spec (validated by plotly)."""
    import plotly.graph_objects as go

    return go.Figure(json.loads(figure_json(fig)))


def episode_bands(episodes: Sequence[Episode]) -> list[dict[str, Any]]:
    """Grey bands behind a time-series chart, one per episode (shared by the stress
    chart of the report and the notebook's)."""
    return [
        {
            "type": "rect",
            "xref": "x",
            "yref": "paper",
            "x0": ep.start,
            "x1": ep.end,
            "y0": 0,
            "y1": 1,
            "fillcolor": "#9aa1a9",
            "opacity": 0.3,
            "line": {"width": 0},
            "layer": "below",
        }
        for ep in episodes
    ]
