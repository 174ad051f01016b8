"""PNG charts for sharing (``riskoff report --png DIR``): matplotlib (Agg) re-draws the
same chart data as the plotly figures of :mod:`riskoff.render.charts`.

matplotlib is imported here only, lazily, and only on this path (it is the ``png``
extra; a clear error says how to install it when it is missing).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from riskoff.errors import InputError
from riskoff.render.chartdata import (
    REFERENCE_DAYS,
    HeatmapData,
    LiquidityData,
    PathsData,
    RotationData,
    StressData,
    SuspectBars,
    TimeSeries,
)
from riskoff.render.charts import (
    LIKELIHOOD_COLOURS,
    LINE_STYLES,
    REF_STYLES,
    SIGMA_CLIP,
    sigma_text,
)

if TYPE_CHECKING:
    from riskoff.render.html import Report

__all__ = ["write_pngs"]

_DASH = {"solid": "-", "dash": "--", "dot": ":", "dashdot": "-.", "longdash": "--"}
_DASH["longdashdot"] = "-."
DPI = 144


def _plt() -> Any:
    try:
        import matplotlib
    except ImportError:  # pragma: no cover - depends on the environment
        raise InputError(
            "--png needs matplotlib: pip install 'riskoff[png]' (or matplotlib)"
        ) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.color": "#e6e8eb",
            "axes.titlesize": 10,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "legend.frameon": False,
        }
    )
    return plt


def _dates(ts: TimeSeries) -> np.ndarray:
    return np.asarray(ts.dates, dtype="datetime64[D]")


def _plot(ax: Any, ts: TimeSeries, style: int = 0, width: float = 1.3) -> None:
    colour, dash = LINE_STYLES[style % len(LINE_STYLES)]
    if ts.dates:
        ax.plot(_dates(ts), ts.values, color=colour, ls=_DASH[dash], lw=width, label=ts.name)


def _since(ts: TimeSeries, start: str) -> TimeSeries:
    """The part of a line from ``start`` on (the whole line when ``start`` is empty)."""
    if not start:
        return ts
    keep = [k for k, d in enumerate(ts.dates) if d >= start]
    return TimeSeries(ts.name, [ts.dates[k] for k in keep], ts.values[keep], ts.unit)


def _mark(ax: Any, day: str) -> None:
    ax.axvline(np.datetime64(day), color="#1f2328", ls=":", lw=1)


def draw_heatmap(plt: Any, data: HeatmapData) -> Any:
    """The cross-asset heatmap."""
    z = np.array([[np.nan if v is None else v for v in row] for row in data.sigma], dtype=float)
    fig, ax = plt.subplots(figsize=(6.4, 0.3 * len(data.labels) + 1.0))
    im = ax.imshow(
        np.clip(z, -SIGMA_CLIP, SIGMA_CLIP),
        cmap="RdBu",
        vmin=-SIGMA_CLIP,
        vmax=SIGMA_CLIP,
        aspect="auto",
    )
    ax.set_xticks(range(len(data.horizons)), data.horizons)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(data.labels)), data.labels)
    ax.grid(False)
    for i in range(len(data.labels)):
        for j in range(len(data.horizons)):
            v = data.sigma[i][j]
            txt = "no close" if j == 0 and not data.open[i] else (sigma_text(v) or "n/a")
            dark = v is not None and abs(v) > 2.5
            ax.text(
                j,
                i,
                txt,
                ha="center",
                va="center",
                fontsize=8,
                color="white" if dark else "#1f2328",
            )
    prev = data.groups[0] if data.groups else ""
    for i, g in enumerate(data.groups):
        if g != prev:
            ax.axhline(i - 0.5, color="#1f2328", lw=1.2)
            prev = g
    fig.colorbar(im, ax=ax, label="σ", shrink=0.8)
    ax.set_title(f"Moves in sigmas, to {data.day}", pad=22)
    return fig


def draw_suspects(plt: Any, data: SuspectBars) -> Any:
    """Suspect score bars."""
    fig, ax = plt.subplots(figsize=(6.4, 0.32 * len(data.labels) + 0.9))
    hatches = {"likely": "", "possible": "///", "unlikely": ".."}
    y = np.arange(len(data.labels))
    for k, (s, lab) in enumerate(zip(data.scores, data.likelihood, strict=True)):
        ax.barh(
            k,
            s,
            color=LIKELIHOOD_COLOURS.get(lab, "#9aa1a9"),
            edgecolor="#1f2328",
            hatch=hatches.get(lab, ""),
            lw=0.7,
        )
        ax.text(s + 0.01, k, f"{s:.2f} {lab}", va="center", fontsize=8)
    ax.set_yticks(y, data.labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.15)
    for x in (0.25, 0.5):
        ax.axvline(x, color="#6e7781", ls="--", lw=0.8)
    ax.set_xlabel("score (0.25 possible, 0.5 likely)")
    ax.set_title("Suspects")
    return fig


def draw_liquidity(plt: Any, data: LiquidityData) -> Any:
    """SOFR − IORB, reserves and net liquidity."""
    fig, axes = plt.subplots(3, 1, figsize=(7.5, 6.2), sharex=True)
    titles = (
        f"SOFR minus {data.benchmark} (bp)",
        "Reserve balances ($bn)",
        "Net liquidity: WALCL − TGA − ON RRP ($bn)",
    )
    for ax, ts, title in zip(
        axes, (data.sofr_iorb, data.reserves, data.netliq), titles, strict=True
    ):
        _plot(ax, ts)
        _mark(ax, data.day)
        ax.set_title(title)
    axes[0].axhline(0, color="#6e7781", lw=0.8)
    fig.autofmt_xdate()
    return fig


def draw_stress(plt: Any, data: StressData) -> Any:
    """Stress index (with its most stressed segment), published indices, turbulence and
    absorption, on the two years to the day, with the episodes shaded and named."""
    from riskoff.render.charts import episode_label

    fig, axes = plt.subplots(
        4, 1, figsize=(7.5, 7.8), sharex=True, gridspec_kw={"height_ratios": [3, 3, 2, 2]}
    )
    v = data.view_start

    _plot(axes[0], _since(data.index, v))
    if data.peak is not None:
        _plot(axes[0], _since(data.peak, v), 3, 0.8)
    _plot(axes[1], _since(data.stlfsi, v), 1)
    _plot(axes[1], _since(data.ofr, v), 2)
    _plot(axes[2], _since(data.turbulence, v), 4, 1.0)
    _plot(axes[3], _since(data.absorption, v), 5)
    axes[2].set_yscale("log")
    titles = (
        "riskoff stress index (0 to 1) and its most stressed segment",
        "St. Louis Fed FSI and OFR FSI (0 = normal)",
        "Turbulence, 21-day average (log)",
        "Absorption ratio",
    )
    lo = np.datetime64(data.view_start) if data.view_start else None
    hi = np.datetime64(data.day)
    for ax, title in zip(axes, titles, strict=True):
        ax.set_title(title)
        for ep in data.episodes:
            ax.axvspan(
                np.datetime64(ep.start), np.datetime64(ep.end), color="#9aa1a9", alpha=0.3, lw=0
            )
        _mark(ax, data.day)
    if lo is not None:
        axes[0].set_xlim(lo, hi)
    axes[0].set_ylim(0.0, 1.0)
    shown = [
        ep
        for ep in data.episodes
        if (lo is None or np.datetime64(ep.start) >= lo) and np.datetime64(ep.start) <= hi
    ]
    span = float((hi - lo) / np.timedelta64(1, "D")) if lo is not None else 0.0
    for k, ep in enumerate(shown):  # staggered, so neighbours do not overprint
        at = np.datetime64(ep.start)
        # a name near the right edge reads leftwards from its start, inside the chart
        left = (
            lo is not None and span > 0 and float((at - lo) / np.timedelta64(1, "D")) > 0.7 * span
        )
        axes[0].text(
            at,
            0.97 - 0.09 * (k % 3),
            episode_label(ep.name) + " " if left else " " + episode_label(ep.name),
            fontsize=7,
            va="top",
            ha="right" if left else "left",
            clip_on=True,
        )
    if data.peak is not None:
        axes[0].legend(loc="center left", fontsize=7)
    axes[1].legend(loc="upper left", fontsize=8)
    return fig


def draw_paths(plt: Any, data: PathsData) -> Any:
    """A new 312 or a new 519?"""
    fig, axes = plt.subplots(1, len(data.assets), figsize=(9.0, 3.4))
    axes = np.atleast_1d(axes)
    names = {"query": f"query {data.query}"}
    names.update({k: f"{k} ({d.isoformat()})" for k, d in REFERENCE_DAYS.items()})
    for ax, (key, label) in zip(axes, data.assets, strict=True):
        for which, path in data.paths.get(key, {}).items():
            if path is None or (which != "query" and path.day == data.query):
                continue
            colour, dash, lw = REF_STYLES.get(which, ("#6e7781", "solid", 1.5))
            ax.plot(
                path.offsets,
                path.values,
                color=colour,
                ls=_DASH[dash],
                lw=lw * 0.7,
                label=names.get(which, which),
            )
        ax.axvline(0, color="#6e7781", lw=0.8)
        ax.axhline(100, color="#6e7781", lw=0.8, ls=":")
        ax.set_xlim(-data.before, data.after)
        ax.set_title(label)
        ax.set_xlabel("sessions from day 0")
    axes[0].set_ylabel("close before day 0 = 100")
    axes[0].legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    return fig


def draw_rotation(plt: Any, data: RotationData) -> Any:
    """Sector and factor legs relative to the S&P 500."""
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    for k, ts in enumerate(data.lines):
        _plot(ax, ts, k, 1.4)
    ax.axhline(0, color="#6e7781", lw=0.8)
    if data.window_start < data.window_end:
        ax.axvspan(
            np.datetime64(data.window_start),
            np.datetime64(data.window_end),
            color="#9aa1a9",
            alpha=0.25,
            lw=0,
        )
    _mark(ax, data.window_end)
    ax.set_ylabel("vs S&P 500 (points)")
    ax.set_title(f"Rotation since {data.start}")
    ax.legend(fontsize=7, ncol=3, loc="upper left")
    fig.autofmt_xdate()
    return fig


def write_pngs(rep: Report, folder: Path) -> list[Path]:
    """Write every chart of the report as ``<folder>/<chart id>.png``; return the paths."""
    plt = _plt()
    jobs: list[tuple[str, Any]] = [("heatmap", lambda: draw_heatmap(plt, rep.heatmap))]
    if rep.suspects is not None and rep.suspects.ids:
        sb = rep.suspects
        jobs.append(("suspects", lambda: draw_suspects(plt, sb)))
    jobs += [
        ("liquidity", lambda: draw_liquidity(plt, rep.liquidity)),
        ("stress", lambda: draw_stress(plt, rep.stress)),
        ("paths", lambda: draw_paths(plt, rep.paths)),
    ]
    if rep.rotation.lines:
        jobs.append(("rotation", lambda: draw_rotation(plt, rep.rotation)))
    out: list[Path] = []
    for name, draw in jobs:
        fig = draw()
        path = folder / f"{name}.png"
        fig.savefig(path, dpi=DPI, bbox_inches="tight", facecolor="white")
        plt.close(fig)
        out.append(path)
    return out
