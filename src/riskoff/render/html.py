"""The self-contained HTML report: one page, every script and style inline.

:func:`build_report` turns a :class:`ReportInput` (plain data: the feature row and table,
the computed charts, the diagnosis and analogs in their JSON shapes) into a :class:`Report`:
the chart data, the figures' data and the generated prose. :func:`render_html` writes the
page with the Jinja template ``templates/report.html.j2`` (autoescaped), inlining
plotly.js exactly once. Nothing here reads the store or the network.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from riskoff.knowledge.suspects import SuspectName, suspect_label, suspect_names
from riskoff.render import chartdata as cd
from riskoff.render import narrative as nv
from riskoff.render.terms import plain_name

if TYPE_CHECKING:
    import jinja2

    from riskoff.render.charts import Figure

__all__ = [
    "CHARTS",
    "Report",
    "ReportInput",
    "analog_tables",
    "build_report",
    "chart_div",
    "coverage_rows",
    "figures",
    "jinja_env",
    "plotly_js",
    "render_html",
    "script_safe",
    "source_names",
    "suspect_cards",
]

CHARTS: tuple[tuple[str, str], ...] = (
    ("heatmap", "What fell and what rose, in sigmas"),
    ("suspects", "Suspect scores"),
    ("liquidity", "Dollar liquidity"),
    ("stress", "Stress"),
    ("paths", "A new 312 or a new 519?"),
    ("rotation", "Rotation"),
)
"""Every chart of the report: id and title, in page order (PNG files use the id)."""

SOURCES: dict[str, str] = {
    "fred": "FRED (Federal Reserve Bank of St. Louis)",
    "yahoo": "Yahoo Finance",
    "ofr": "Office of Financial Research",
    "nyfed": "Federal Reserve Bank of New York",
    "treasury": "US Treasury",
    "coinbase": "Coinbase",
    "spot": "spot metal prices",
    "mof": "Japan Ministry of Finance",
    "cftc": "CFTC",
    "boj": "Bank of Japan",
    "coingecko": "CoinGecko",
    "finra": "FINRA",
    "jpx": "Japan Exchange Group",
    "shfe": "Shanghai Futures Exchange",
    "twse": "Taiwan Stock Exchange",
    "gpr": "Geopolitical Risk index (Caldara and Iacoviello)",
    "policyuncertainty": "Economic Policy Uncertainty (Baker, Bloom and Davis)",
    "alternativeme": "alternative.me",
}
"""Provider prefixes and the names the report cites them by."""

NOT_AVAILABLE = "Not available in this build of riskoff."
ENDED_DAYS = 400
"""A series whose last observation is older than this ended: coverage leaves it out."""
FULL_CARDS = 3
"""Suspects shown with all their evidence: the top three, and any scored above unlikely."""


@dataclass(frozen=True)
class CoverageRow:
    """One series behind the report: its last observation on or before the day."""

    symbol: str
    name: str
    asset_class: str
    last: str
    age_days: int
    stale: bool
    label: str = ""
    """The plain name people read (the catalogue's), the symbol beside it."""


@dataclass
class ReportInput:
    """Everything the report shows, as plain data.

    ``row`` is the feature row of the day (or of the window); ``table`` the daily feature
    table up to the day; ``charts`` the stress, paths and rotation charts computed by
    the use-case layer (``usecases.charting.chart_set``). ``diagnosis`` and ``analogs``
    are in their ``--json`` shapes (None when this build cannot compute them);
    ``portfolio_html`` an escaped fragment; ``suspects`` the names of the loaded
    suspects (default: those of the environment's ``$RISKOFF_HOME``).
    """

    day: dt.date
    start: dt.date
    as_of: dt.date
    row: Mapping[str, float]
    table: pd.DataFrame
    charts: cd.ChartSet
    diagnosis: Mapping[str, Any] | None = None
    analogs: Mapping[str, Any] | None = None
    episodes: Sequence[Mapping[str, Any]] = ()
    coverage: Sequence[CoverageRow] = ()
    portfolio_html: str | None = None
    portfolio_note: str | None = None
    unavailable: Mapping[str, str] = field(default_factory=dict)
    suspects: Mapping[str, SuspectName] | None = None
    anchor: dt.date | None = None
    """The day the analogs and the 312/519 paths read: a window's worst day (default:
    ``day``)."""
    home: Path | None = None
    """The ``$RISKOFF_HOME`` whose suspects (and their eras) name things (default: the
    environment's)."""

    @property
    def names(self) -> Mapping[str, SuspectName]:
        """Labels and phrases of the loaded suspects (``suspects``, or those of ``home`` as
        named on the report's day: a suspect's era)."""
        if self.suspects is not None:
            return self.suspects
        return suspect_names(self.home, on=self.day)

    @property
    def n_days(self) -> int:
        """Weekdays in the window (1 for a single day)."""
        return max(1, int(np.busday_count(self.start, self.day + dt.timedelta(days=1))))


@dataclass
class Report:
    """The report's content: chart data and prose, ready to render as HTML or PNG."""

    inp: ReportInput
    title: str
    heatmap: cd.HeatmapData
    suspects: cd.SuspectBars | None
    liquidity: cd.LiquidityData
    stress: cd.StressData
    paths: cd.PathsData
    rotation: cd.RotationData
    text: dict[str, list[str]]
    suspect_cards: list[dict[str, Any]]
    analog_rows: list[dict[str, Any]]
    forward_rows: list[dict[str, Any]]
    sources: list[str]
    coverage_groups: list[tuple[str, list[CoverageRow]]]


def coverage_rows(
    levels: pd.DataFrame,
    obs_age: pd.DataFrame | None,
    *,
    day: dt.date,
    info: Mapping[str, Any] | None = None,
) -> list[CoverageRow]:
    """One row per symbol with data on or before ``day``: the date of the last
    observation known at the end of the day, and whether it was too old to count (its
    level at ``day`` is empty: older than the staleness limit of its frequency).
    ``info`` maps symbols to objects with ``name`` and ``asset_class`` (the catalogue)."""
    d = pd.Timestamp(day)
    lv = levels.loc[levels.index <= d]
    out: list[CoverageRow] = []
    if lv.empty:
        return out
    for sym in lv.columns:
        col = lv[sym]
        last_ix = col.last_valid_index()
        if last_ix is None:
            continue
        age = 0
        if obs_age is not None and sym in obs_age.columns:
            a = _f(obs_age.at[last_ix, sym])
            age = int(a) if a is not None else 0
        obs_day = (pd.Timestamp(str(last_ix)) - pd.Timedelta(days=age)).date()
        stale = bool(pd.isna(col.iloc[-1]))
        if stale and (day - obs_day).days > ENDED_DAYS:
            continue  # discontinued long before the day: it did not feed this report
        meta = info.get(str(sym)) if info is not None else None
        out.append(
            CoverageRow(
                symbol=str(sym),
                name=str(getattr(meta, "name", sym)),
                asset_class=str(getattr(meta, "asset_class", "other")),
                last=obs_day.isoformat(),
                age_days=(day - obs_day).days,
                stale=stale,
                label=str(getattr(meta, "plain_name", "")) or plain_name(str(sym)),
            )
        )
    return out


def _f(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _percentile_of_last(s: pd.Series) -> float | None:
    """Where the last value sits within every earlier value (0..1)."""
    v = s.dropna()
    if len(v) < 30:
        return None
    last = float(v.iloc[-1])
    return float((v.iloc[:-1] <= last).mean())


def source_names(symbols: Iterable[str]) -> tuple[str, ...]:
    """The providers behind ``symbols`` by the report's names, most used first (series
    riskoff derives itself are not a source)."""
    count: dict[str, int] = {}
    for sym in symbols:
        p = sym.split(":", 1)[0]
        if p in ("composite", "derived", "riskoff"):
            continue
        name = SOURCES.get(p, p)
        count[name] = count.get(name, 0) + 1
    return tuple(sorted(count, key=lambda k: (-count[k], k)))


def _suspect_cards(
    diag: Mapping[str, Any], names: Mapping[str, SuspectName]
) -> list[dict[str, Any]]:
    cards = []
    ranked = sorted(diag.get("suspects", []), key=lambda s: -float(s.get("score", 0.0) or 0.0))
    for k, s in enumerate(ranked):
        ev = list(s.get("evidence", []))
        cards.append(
            {
                "id": str(s.get("id", "")),
                "name": suspect_label(str(s.get("id", "")), names=names),
                "score": float(s.get("score", 0.0) or 0.0),
                "label": str(s.get("label", "")),
                "summary": nv.suspect_summary(s, names),
                "for": [str(e.get("text", "")) for e in ev if e.get("supports") is True],
                "against": [str(e.get("text", "")) for e in ev if e.get("supports") is False],
                "missing": [str(e.get("text", "")) for e in ev if e.get("supports") is None],
                "full": k < FULL_CARDS or str(s.get("label", "")) != "unlikely",
            }
        )
    return cards


def _signed1(v: Any) -> str:
    x = _f(v)
    return "–" if x is None else nv.fmt_sigma(x).removesuffix("σ")


def _fmt_fwd(v: Any, unit: str) -> str:
    x = _f(v)
    if x is None:
        return "–"
    return nv.fmt_bp(x) if unit == "bp" else nv.fmt_pct(x)


def _names_on(
    a: Mapping[str, Any], names: Mapping[str, SuspectName], home: Path | None
) -> Mapping[str, SuspectName]:
    """The suspects' names on an analog's own day (an episode: its first day)."""
    w = a.get("window", {}) or {}
    when = str(a.get("day") or w.get("start") or "")[:10]
    try:
        day = dt.date.fromisoformat(when)
    except ValueError:
        return names
    return suspect_names(home, on=day)


def _analog_tables(
    an: Mapping[str, Any], names: Mapping[str, SuspectName], home: Path | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The analogs table and the forward table; each analog's suspect is named as its own
    era named it (the dot-com bust: 'Tech leadership'), the suspects of ``home``; ``names``
    for an analog without a day."""
    rows: list[dict[str, Any]] = []
    for a in list(an.get("analogs", [])) + list(an.get("nearest_days", [])):
        fw = a.get("forward", {}) or {}
        sp = fw.get("sp500", {}) or {}
        w = a.get("window", {}) or {}
        when = (
            a.get("day", "")
            if a.get("kind") == "day"
            else f"{w.get('start', '')} to {w.get('end', '')}"
        )
        rows.append(
            {
                "name": str(a.get("name", a.get("episode", ""))),
                "kind": "episode" if a.get("kind") != "day" else "day",
                "when": str(when),
                "similarity": f"{float(a.get('similarity', 0.0) or 0.0):.2f}",
                "why": "; ".join(
                    f"{c.get('label', c.get('feature', ''))} {_signed1(c.get('query'))}"
                    f" vs {_signed1(c.get('analog'))}"
                    for c in a.get("why", []) or []
                ),
                "sp_1w": _fmt_fwd(sp.get("1w"), "pct"),
                "sp_1m": _fmt_fwd(sp.get("1m"), "pct"),
                "sp_3m": _fmt_fwd(sp.get("3m"), "pct"),
                "suspect": suspect_label(str(a.get("suspect")), names=_names_on(a, names, home))
                if a.get("suspect")
                else "",
                "complete": bool(a.get("complete", True)),
            }
        )
    fwd: list[dict[str, Any]] = []
    af = an.get("analog_forward", {}) or {}
    br = an.get("base_rate", {}) or {}
    labels = {
        "sp500": ("S&P 500", "pct"),
        "nasdaq100": ("Nasdaq-100", "pct"),
        "gold": ("Gold", "pct"),
        "btc": ("Bitcoin", "pct"),
        "us10y": ("10y yield", "bp"),
        "usd": ("Dollar", "pct"),
    }
    for key in list(labels) + [k for k in af if k not in labels]:
        if key not in af and key not in br:
            continue
        label, unit = labels.get(key, (key, "pct"))
        for h in ("1w", "1m", "3m"):
            a = (af.get(key, {}) or {}).get(h, {}) or {}
            b = (br.get(key, {}) or {}).get(h, {}) or {}
            if not a and not b:
                continue
            fwd.append(
                {
                    "asset": label,
                    "horizon": h,
                    "median": _fmt_fwd(a.get("median"), unit),
                    "iqr": f"{_fmt_fwd(a.get('p25'), unit)} to {_fmt_fwd(a.get('p75'), unit)}",
                    "n": int(a.get("n", 0) or 0),
                    "base_median": _fmt_fwd(b.get("median"), unit),
                    "base_iqr": f"{_fmt_fwd(b.get('p25'), unit)} to {_fmt_fwd(b.get('p75'), unit)}",
                    "base_n": f"{int(b.get('n', 0) or 0):,}",
                }
            )
    return rows, fwd


def build_report(inp: ReportInput) -> Report:
    """Compute every chart's data and every sentence of the report."""
    day = inp.day
    row = inp.row
    diag = inp.diagnosis
    heat = cd.heatmap_data(row, day=day, window_days=inp.n_days)
    liq = cd.liquidity_data(inp.table, day=day)
    stress, paths, rot = inp.charts.stress, inp.charts.paths, inp.charts.rotation
    idx_pct = (
        _percentile_of_last(inp.table["stress.index"].loc[: pd.Timestamp(day)])
        if "stress.index" in inp.table.columns
        else None
    )
    text: dict[str, list[str]] = {
        "moves": nv.moves_sentences(heat),
        "liquidity": nv.liquidity_sentences(row, benchmark=liq.benchmark),
        "stress": nv.stress_sentences(row, index_pct=idx_pct),
        "versus": nv.versus_sentences(paths),
        "rotation": nv.rotation_sentences(rot, row),
    }
    haven = nv.havens_sentence(heat)
    if haven:
        text["moves"].insert(2, haven)
    if diag is not None:
        text["headline"] = [nv.headline_sentence(diag, inp.names)]
        text["verdict"] = [str((diag.get("verdict", {}) or {}).get("text", ""))]
        text["scope"] = [nv.scope_sentence(diag.get("selloff", {}), row)]
        vs = (diag.get("verdict", {}) or {}).get("versus_312_519", {}) or {}
        if vs.get("text"):
            # the diagnosis already compares the day-0 moves: keep only what followed
            text["versus"] = [str(vs["text"])] + [
                t for t in text["versus"] if not t.startswith("On day 0")
            ]
    an = inp.analogs
    if an is not None:
        text["analogs"] = [s for s in [str(an.get("summary", ""))] if s]
        versus = an.get("versus_312_519", {}) or {}
        if versus.get("text") and diag is None:
            text["versus"].insert(0, str(versus["text"]))
        text["analog_notes"] = [str(n) for n in an.get("notes", [])]
    stale = [c.symbol for c in inp.coverage if c.stale]
    missing = list(diag.get("data", {}).get("missing", [])) if diag is not None else []
    missing = [plain_name(m) for m in missing]  # the JSON keeps the ids and symbols
    text["coverage"] = [nv.coverage_sentence(len(inp.coverage), stale, missing)]
    groups: dict[str, list[CoverageRow]] = {}
    for c in inp.coverage:
        groups.setdefault(c.asset_class, []).append(c)
    analog_rows, forward_rows = (
        _analog_tables(an, inp.names, inp.home) if an is not None else ([], [])
    )
    when = day.isoformat() if inp.start == day else f"{inp.start.isoformat()} to {day.isoformat()}"
    return Report(
        inp=inp,
        title=f"Why is everything falling? riskoff report for {when}",
        heatmap=heat,
        suspects=cd.suspect_bars(diag, inp.names) if diag is not None else None,
        liquidity=liq,
        stress=stress,
        paths=paths,
        rotation=rot,
        text=text,
        suspect_cards=_suspect_cards(diag, inp.names) if diag is not None else [],
        analog_rows=analog_rows,
        forward_rows=forward_rows,
        sources=list(source_names(c.symbol for c in inp.coverage)),
        coverage_groups=sorted(groups.items()),
    )


def figures(rep: Report) -> dict[str, Figure]:
    """The report's plotly figures by chart id (only those with data)."""
    from riskoff.render import charts as ch

    out: dict[str, Figure] = {"heatmap": ch.fig_heatmap(rep.heatmap)}
    if rep.suspects is not None and rep.suspects.ids:
        out["suspects"] = ch.fig_suspects(rep.suspects)
    out["liquidity"] = ch.fig_liquidity(rep.liquidity)
    out["stress"] = ch.fig_stress(rep.stress)
    out["paths"] = ch.fig_paths(rep.paths)
    if rep.rotation.lines:
        out["rotation"] = ch.fig_rotation(rep.rotation)
    return out


def plotly_js() -> str:
    """The plotly.js bundle shipped with the plotly package (read, not imported)."""
    from importlib import resources

    path = resources.files("plotly") / "package_data" / "plotly.min.js"
    return path.read_text(encoding="utf-8")


def jinja_env() -> jinja2.Environment:
    """The Jinja environment of the package's templates (``riskoff/render/templates``):
    autoescaped, strict about undefined names; every HTML page of riskoff renders
    through it."""
    import jinja2

    from riskoff.render.terms import explain_terms

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("riskoff.render", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["explain"] = explain_terms
    return env


def chart_div(cid: str, fig: Figure) -> str:
    """A ``<div>`` and the ``<script>`` that draws ``fig`` into it (plotly.js loaded)."""
    from riskoff.render.charts import PLOTLY_CONFIG, figure_json

    height = int(fig.get("layout", {}).get("height", 400))
    dom = f"chart-{cid}"
    return (
        f'<div id="{dom}" class="plotly-chart" data-chart="{cid}" '
        f'style="width:100%;height:{height}px"></div>\n'
        f"<script>(function(){{var f={figure_json(fig)};"
        f'Plotly.newPlot("{dom}",f.data,f.layout,{figure_json(PLOTLY_CONFIG)});}})();</script>'
    )


def render_html(rep: Report, *, generated: dt.datetime | None = None) -> str:
    """The whole page as one string (plotly.js inlined once, no external resource)."""
    import markupsafe

    divs = {cid: markupsafe.Markup(chart_div(cid, fig)) for cid, fig in figures(rep).items()}
    from riskoff.render.track_record import track_record_rows

    inp = rep.inp
    diag = inp.diagnosis
    track = track_record_rows(diag.get("verdict", {}), suspect_label) if diag else []
    template = jinja_env().get_template("report.html.j2")
    stamp = (generated or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    return str(
        template.render(
            rep=rep,
            inp=inp,
            text=rep.text,
            charts=divs,
            diag=inp.diagnosis,
            track=track,
            plotly_js=markupsafe.Markup(script_safe(plotly_js())),
            generated=stamp,
            not_available=NOT_AVAILABLE,
            portfolio_html=markupsafe.Markup(inp.portfolio_html) if inp.portfolio_html else None,
        )
    )


def script_safe(js: str) -> str:
    """Guard an inline script against an early ``</script>``."""
    return js.replace("</script", "<\\/script")


suspect_cards = _suspect_cards
"""The report's suspect cards from a diagnosis in its ``--json`` shape (also the
notebook view's, :mod:`riskoff.render.notebook`)."""

analog_tables = _analog_tables
"""The report's analog rows and "what happened next" rows from ``analogs --json``."""
