"""``riskoff evaluate`` as text, Markdown (``docs/evaluation.md``) and one self-contained
HTML page (the confusion matrix and a reliability diagram, plotly.js inlined, offline)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from riskoff.evaluation import Evaluation, Figures
    from riskoff.evaluation.calibration import Calibration
    from riskoff.evaluation.stats import ReliabilityBin

__all__ = [
    "calibration_markdown",
    "calibration_text",
    "evaluation_html",
    "evaluation_markdown",
    "evaluation_text",
]

COLUMNS = (
    ("riskoff", "riskoff"),
    ("most_common", "most common label"),
    ("sign_rules", "sign rules"),
)


def _figures(ev: Evaluation) -> list[tuple[str, Figures]]:
    return [("riskoff", ev.riskoff), *[(k, ev.baselines[k]) for k in ("most_common", "sign_rules")]]


def _rows(ev: Evaluation) -> list[tuple[str, str, str, str]]:
    figs = dict(_figures(ev))
    out = [
        ("top-1 agreement", *(figs[k].top1.text() for k, _ in COLUMNS)),
        ("top-2 agreement", *(figs[k].top2.text() for k, _ in COLUMNS)),
    ]
    nf = ev.riskoff.not_flagged
    out.append(("not flagged as a sell-off", nf.text() if nf else "", "n/a", "n/a"))
    return [(a, b, c, d) for a, b, c, d in out]


def _notes(ev: Evaluation) -> list[str]:
    lines = [
        f"{len(ev.judged)} cases scored from {ev.source}; most common label baseline: "
        f"{ev.common[0]} (runner-up {ev.common[1]}).",
        f"Brier score of the verdict's confidence as P(primary right): {_num(ev.brier, 3)} "
        f"(a constant 0.5 scores 0.25).",
    ]
    if ev.refused:
        lines.append(
            f"Refused ({len(ev.refused)}): " + "; ".join(f"{d} ({r})" for d, r in ev.refused)
        )
    for why, days in ev.apart.items():
        lines.append(f"Reported apart, not scored: {why}: {len(days)} days.")
    if ev.macro:
        lines.append(
            f"Macro (economic news) days: {len(ev.macro)} diagnosed; blamed on "
            f"{', '.join(ev.macro_misblame)}: {ev.macro_misblamed} "
            f"({ev.macro_misblamed / len(ev.macro):.0%})."
        )
    if ev.calm:
        flagged = sum(j.flagged for j in ev.calm)
        lines.append(f"Calm days: {len(ev.calm)}, flagged as a sell-off: {flagged}.")
    return lines


def _num(x: float, nd: int) -> str:
    return f"{x:.{nd}f}" if math.isfinite(x) else "n/a"


def _per_suspect(ev: Evaluation) -> list[tuple[str, str, str, str]]:
    out = []
    for sid, v in ev.riskoff.matrix.per_label().items():
        p, r = v["precision"], v["recall"]
        out.append(
            (
                sid,
                f"{v['labelled']}",
                f"{v['correct']}/{v['predicted']}" + (f" = {p:.0%}" if p is not None else ""),
                f"{v['correct']}/{v['labelled']}" + (f" = {r:.0%}" if r is not None else ""),
            )
        )
    return out


def _bins(ev: Evaluation) -> list[tuple[str, str, str, str]]:
    return _bin_rows(ev.bins)


def _matrix(ev: Evaluation) -> tuple[list[str], list[list[str]]]:
    m = ev.riskoff.matrix
    head = ["label \\ named", *m.labels]
    return head, [
        [lab, *(str(v) for v in row)] for lab, row in zip(m.labels, m.counts, strict=True)
    ]


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=False)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*head), *(fmt.format(*r) for r in rows)]


def _md_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return [
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
        *("| " + " | ".join(r) + " |" for r in rows),
    ]


def evaluation_text(ev: Evaluation) -> str:
    """The terminal view: agreement beside both baselines, per-suspect figures, bins."""
    head = ("", *(t for _, t in COLUMNS))
    lines = [f"riskoff evaluate: {ev.name} ({len(ev.judged)} scored)", ""]
    lines += _table(head, _rows(ev))
    lines += ["", "confusion matrix (rows: label; columns: named first)", *_table(*_matrix(ev))]
    lines += ["", *_table(("suspect", "labelled", "precision", "recall"), _per_suspect(ev))]
    lines += ["", *_table(("confidence", "n", "mean", "right"), _bins(ev)), ""]
    lines += _notes(ev)
    return "\n".join(lines) + "\n"


def evaluation_markdown(evs: Sequence[Evaluation]) -> str:
    """``docs/evaluation.md``'s body: one section per set."""
    out: list[str] = []
    for ev in evs:
        out += [f"## `--set {ev.name}`", ""]
        out += [*_md_table(("", *(t for _, t in COLUMNS)), _rows(ev)), ""]
        out += ["Confusion matrix (rows: label; columns: named first by riskoff):", ""]
        out += [*_md_table(*_matrix(ev)), ""]
        out += [*_md_table(("suspect", "labelled", "precision", "recall"), _per_suspect(ev)), ""]
        out += [*_md_table(("confidence", "n", "mean confidence", "right"), _bins(ev)), ""]
        out += [*(f"- {n}" for n in _notes(ev)), ""]
    return "\n".join(out)


def _figs(ev: Evaluation) -> dict[str, dict[str, Any]]:
    from riskoff.render.charts import _layout

    m = ev.riskoff.matrix
    conf = {
        "data": [
            {
                "type": "heatmap",
                "z": [list(r) for r in m.counts],
                "x": list(m.labels),
                "y": list(m.labels),
                "colorscale": "Blues",
                "text": [[str(v) for v in r] for r in m.counts],
                "texttemplate": "%{text}",
                "hovertemplate": "label %{y}, named %{x}: %{z}<extra></extra>",
                "showscale": False,
            }
        ],
        "layout": _layout(
            440,
            xaxis={"title": {"text": "named first by riskoff"}, "automargin": True},
            yaxis={"title": {"text": "label"}, "autorange": "reversed", "automargin": True},
        ),
    }
    full = [b for b in ev.bins if b.n]
    rel = {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "x": [0, 1],
                "y": [0, 1],
                "line": {"dash": "dot", "color": "#888"},
                "name": "perfectly calibrated",
            },
            {
                "type": "scatter",
                "mode": "markers+text",
                "x": [b.mean_confidence for b in full],
                "y": [b.hit_rate for b in full],
                "text": [f"{b.hits}/{b.n}" for b in full],
                "textposition": "top center",
                "marker": {"size": [8 + 2 * math.sqrt(b.n) for b in full]},
                "name": "observed hit rate (right/cases)",
            },
        ],
        "layout": _layout(
            400,
            xaxis={"title": {"text": "verdict confidence (bin mean)"}, "range": [0, 1.02]},
            yaxis={"title": {"text": "share named first correctly"}, "range": [0, 1.05]},
        ),
    }
    return {"confusion": conf, "reliability": rel}


def evaluation_html(ev: Evaluation, *, generated: dt.datetime | None = None) -> str:
    """One self-contained page: the figures, the confusion matrix, the reliability diagram."""
    import markupsafe

    from riskoff.render.html import _env, _script_safe, chart_div, plotly_js

    stamp = (generated or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    charts = {k: markupsafe.Markup(chart_div(k, f)) for k, f in _figs(ev).items()}
    return str(
        _env()
        .get_template("evaluation.html.j2")
        .render(
            ev=ev,
            head=("", *(t for _, t in COLUMNS)),
            rows=_rows(ev),
            per_suspect=_per_suspect(ev),
            bins=_bins(ev),
            notes=_notes(ev),
            charts=charts,
            plotly_js=markupsafe.Markup(_script_safe(plotly_js())),
            generated=stamp,
        )
    )


def _calibration_lines(cal: Calibration, table: Any) -> list[str]:
    m = cal.mapping
    lines = [
        f"{cal.n} labelled cases ({cal.first} to {cal.last}) from {', '.join(cal.sets)}; "
        f"primary right on {cal.base_rate:.0%}. Folds: {cal.results[0].folds} contiguous time "
        "blocks; every case is scored by a mapping fitted without it.",
        "",
        *table(
            ("method", "Brier out of fold", "Brier of the raw confidence"),
            [(r.method, _num(r.brier_out_of_fold, 3), _num(r.brier_raw, 3)) for r in cal.results],
        ),
        "",
    ]
    for r in cal.results:
        lines += [f"{r.method}, out of fold:", ""]
        lines += [*table(("confidence", "n", "mean", "right"), _bin_rows(r.bins_out_of_fold)), ""]
    lines += [
        "Raw confidence:",
        "",
        *table(("confidence", "n", "mean", "right"), _bin_rows(cal.results[0].bins_raw)),
        "",
        f"Platt mapping fitted on all {cal.n} cases: P(right) = 1/(1+exp(-({m.a:.3f} "
        f"+ {m.b:.3f} c))): {m(0.1):.2f} at c=0.1, {m(0.5):.2f} at 0.5, {m(0.9):.2f} at 0.9. "
        "Not wired into the verdict.",
    ]
    return lines


def _bin_rows(bins: Sequence[ReliabilityBin]) -> list[tuple[str, str, str, str]]:
    return [
        (
            f"{b.lo:.1f}-{b.hi:.1f}",
            str(b.n),
            _num(b.mean_confidence, 2) if b.n else "",
            f"{b.hits}/{b.n} = {b.hit_rate:.0%}" if b.n else "",
        )
        for b in bins
    ]


def calibration_text(cal: Calibration) -> str:
    """``riskoff evaluate --calibrate`` for the terminal."""
    return "\n".join(["riskoff evaluate --calibrate", "", *_calibration_lines(cal, _table)]) + "\n"


def calibration_markdown(cal: Calibration) -> str:
    """The calibration section of ``docs/evaluation.md``."""
    return "\n".join(_calibration_lines(cal, _md_table)) + "\n"
