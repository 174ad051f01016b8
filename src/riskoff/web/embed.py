"""Put a plotly figure on a page without inline code.

A chart is a ``<div class="rk-chart">`` plus its figure as JSON in a
``<script type="application/json">`` data block; ``/static/riskoff.js`` draws every such
div with the locally served plotly.js. The JSON is escaped so that no ``<``, ``>`` or
``&`` can end the block early, whatever the data holds.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from markupsafe import Markup, escape

__all__ = ["embed_figure", "safe_json"]

_ids = itertools.count(1)


def safe_json(obj: Any) -> str:
    """JSON that is safe inside a ``<script>`` data block."""
    text = obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False, default=str)
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def embed_figure(
    fig: Any,
    *,
    config: dict[str, Any] | None = None,
    click: str | None = None,
    label: str = "chart",
    height: int | None = None,
) -> Markup:
    """A chart div and its figure JSON.

    Args:
        fig: a figure spec (``riskoff.render.charts.Figure``, a dict) or a
            ``plotly.graph_objects.Figure``.
        config: plotly's config (default: the report's ``PLOTLY_CONFIG``).
        click: ``"day"`` to open ``/day/{x}`` when a point is clicked.
        label: accessible label of the chart.
        height: CSS height in pixels (default: the figure's own).
    """
    if config is None:
        from riskoff.render.charts import PLOTLY_CONFIG

        config = PLOTLY_CONFIG
    n = next(_ids)
    from riskoff.render.charts import figure_json

    spec = fig if isinstance(fig, dict) else fig.to_plotly_json()
    payload = '{"figure":' + figure_json(spec) + ',"config":' + json.dumps(config) + "}"
    h = height or (spec.get("layout") or {}).get("height")
    style = f' style="min-height:{int(h)}px"' if h else ""
    click_attr = f' data-click="{escape(click)}"' if click else ""
    return Markup(
        f'<div class="rk-chart" id="chart-{n}" data-figure="fig-{n}"{click_attr}'
        f' role="img" aria-label="{escape(label)}"{style}></div>\n'
        f'<script type="application/json" id="fig-{n}">{safe_json(payload)}</script>'
    )
