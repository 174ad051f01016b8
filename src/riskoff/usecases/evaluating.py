"""``riskoff evaluate``: how often the verdict names the labelled cause, beside two
baselines, on a labels CSV or a built-in set.

Every figure is that of the real :func:`~riskoff.usecases.diagnose` verdict (one
diagnosis per labelled day or window, without analogs, over the cached workspace). The
statistics and baselines are pure functions of :mod:`riskoff.evaluation`; what is fitted
on the same sets (the confidence calibration, the weights) is
:mod:`riskoff.usecases.calibrating`.
"""

from __future__ import annotations

import time
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from riskoff.config import Settings
from riskoff.errors import DataFileError, InputError, RiskoffError
from riskoff.evaluation import (
    Case,
    Evaluation,
    Figures,
    Judged,
    LabelRow,
    brier,
    load_newspaper_map,
    most_common,
    parse_labels,
    parse_newspapers,
    reliability,
    score,
    sign_rules,
)
from riskoff.evaluation.labels import read_text
from riskoff.usecases.common import settings_or_env

if TYPE_CHECKING:
    from riskoff.usecases.workspace import Workspace

__all__ = ["SETS", "data_folder", "evaluate", "label_set"]

SETS: dict[str, str] = {
    "episodes": "the episode catalogue's windows and suspects (riskoff/data/episodes.toml)",
    "probes": "single days labelled from the common public explanation (data/labels/probes.csv)",
    "probe-windows": "windows labelled likewise (data/labels/probe-windows.csv)",
    "newspapers": "newspaper-coded down days, development half (DATA/labels/, mapped by "
    "data/labels/newspapers.toml)",
}
"""The built-in labelled sets and what they hold."""


def data_folder(data_dir: Path | None, settings: Settings) -> Path:
    """The data folder: ``--data``, else ``RISKOFF_DATA``, else ``../shared/data`` from the
    working directory when it exists."""
    for cand in (data_dir, settings.data_dir):
        if cand is not None:
            if not cand.is_dir():
                raise DataFileError(f"data folder {cand} does not exist")
            return cand
    default = Path.cwd() / ".." / "shared" / "data"
    if default.is_dir():
        return default.resolve()
    raise InputError("no data folder: pass --data DIR or set RISKOFF_DATA")


def _packaged(name: str, known: list[str]) -> list[LabelRow]:
    text = (resources.files("riskoff.data") / "labels" / f"{name}.csv").read_text("utf-8")
    return parse_labels(text, f"riskoff/data/labels/{name}.csv", known)


def label_set(
    name: str, *, settings: Settings, data_dir: Path | None = None, known: list[str]
) -> tuple[str, list[LabelRow], list[LabelRow], dict[str, list[str]]]:
    """A built-in set: its source, the rows to score, the newspapers' Macro days (scored
    apart) and the rows reported apart (reason -> dates)."""
    if name == "episodes":
        from riskoff.knowledge.episodes import load_episodes

        eps = load_episodes(settings.home).values()
        rows = [LabelRow(e.start, e.end, (e.suspect,), e.name) for e in eps]
        return "the episode catalogue", rows, [], {}
    if name in ("probes", "probe-windows"):
        return f"riskoff/data/labels/{name}.csv", _packaged(name, known), [], {}
    if name != "newspapers":
        raise InputError(f"unknown set {name!r} (known: {', '.join(SETS)})")
    m = load_newspaper_map()
    path = data_folder(data_dir, settings) / m.file
    scored: list[LabelRow] = []
    macro: list[LabelRow] = []
    apart: dict[str, list[str]] = {}
    for d in parse_newspapers(read_text(path), str(path)):
        row = LabelRow(d.date, d.date, m.suspects.get(d.category, ()), f"{d.category}: {d.title}")
        if d.share < m.min_share:
            apart.setdefault(f"primary share under {m.min_share}", []).append(row.key)
        elif d.category == m.macro:
            macro.append(LabelRow(d.date, d.date, m.macro_suspects, row.why))
        elif d.category in m.suspects:
            scored.append(row)
        else:
            why = d.category if d.category in m.apart else f"{d.category} (unmapped)"
            apart.setdefault(why, []).append(row.key)
    return str(path), scored, macro, apart


def _judge(row: LabelRow, ws: Workspace, s: Settings, known: list[str]) -> Judged:
    from riskoff.dates import Window
    from riskoff.usecases.day_inputs import feature_row
    from riskoff.usecases.diagnosing import diagnose

    win = Window(row.start, row.end) if row.is_window else None
    d = diagnose(row.end, window=win, settings=s, with_analogs=False, workspace=ws)
    feats = ws.window_features(win) if win else feature_row(ws.table, row.end)
    # no suspect named: no answer, so no runner-up either (the second-ranked suspect of a
    # verdict that names none must not earn a top-2 hit)
    return Judged(
        label=row,
        primary=d.verdict.primary,
        runner_up=d.verdict.runner_up if d.verdict.primary else "",
        confidence=d.verdict.confidence,
        raw_confidence=d.verdict.raw_confidence,
        flagged=d.selloff.is_selloff,
        severity=d.selloff.severity,
        sign=sign_rules(feats, known),
    )


def _run(
    rows: list[LabelRow], ws: Workspace, s: Settings, known: list[str]
) -> tuple[list[Judged], list[tuple[str, str]]]:
    first, last = ws.first_day, ws.as_of
    done: list[Judged] = []
    refused: list[tuple[str, str]] = []
    for row in rows:
        if row.start < first:
            refused.append((row.key, f"before the first day riskoff covers ({first})"))
        elif row.end > last:
            refused.append((row.key, f"after the last data in the store ({last})"))
        else:
            try:
                done.append(_judge(row, ws, s, known))
            except RiskoffError as exc:
                refused.append((row.key, str(exc).splitlines()[0]))
    return done, refused


def evaluate(
    labels: Path | None = None,
    *,
    set_name: str | None = None,
    data_dir: Path | None = None,
    settings: Settings | None = None,
    workspace: Workspace | None = None,
    n_bins: int = 5,
) -> Evaluation:
    """Evaluate the verdict on a labels CSV (``labels``) or a built-in set (``set_name``,
    one of :data:`SETS`) (``riskoff evaluate``)."""
    from riskoff.diagnosis import load_suspects

    if (labels is None) == (set_name is None):
        raise InputError("give either a labels CSV or --set NAME, not both or neither")
    t0 = time.perf_counter()
    s = settings_or_env(settings)
    suspects = load_suspects(s.home)
    known = [x.id for x in suspects]
    if labels is not None:
        source, name = str(labels), labels.name
        rows = parse_labels(read_text(labels), str(labels), known)
        macro: list[LabelRow] = []
        apart: dict[str, list[str]] = {}
    else:
        assert set_name is not None
        name = set_name
        source, rows, macro, apart = label_set(set_name, settings=s, data_dir=data_dir, known=known)
    if workspace is None:  # the store's (load_workspace says so when it is empty)
        from riskoff.usecases.cache import load_workspace

        workspace = load_workspace(s)
    done, refused = _run(rows, workspace, s, known)
    macro_done, macro_refused = _run(macro, workspace, s, known)
    judged = [j for j in done if not j.label.is_calm]
    calm = [j for j in done if j.label.is_calm]
    common = most_common([j.label.suspects for j in judged])
    m = load_newspaper_map() if macro else None

    def cases(top: list[tuple[str, ...]], flagged: list[bool | None]) -> Figures:
        acc = [j.label.suspects for j in judged]
        return score(
            [Case(a, t, f) for a, t, f in zip(acc, top, flagged, strict=True)], order=known
        )

    none: list[bool | None] = [None] * len(judged)
    # a day that names no suspect gives no confidence (None): its primary cannot be right,
    # so the reliability table and the Brier score count it as a probability of 0
    conf = [j.confidence if j.confidence is not None else 0.0 for j in judged]
    hits = [j.primary in j.label.suspects for j in judged]
    return Evaluation(
        name=name,
        source=source,
        judged=tuple(judged),
        calm=tuple(calm),
        refused=tuple(refused + [(k, f"Macro day: {r}") for k, r in macro_refused]),
        apart=apart,
        macro=tuple(macro_done),
        macro_misblame=m.macro_misblame if m else (),
        riskoff=cases([(j.primary, j.runner_up) for j in judged], [j.flagged for j in judged]),
        baselines={
            "most_common": cases([common] * len(judged), none),
            "sign_rules": cases([j.sign for j in judged], none),
        },
        common=common,
        bins=tuple(reliability(conf, hits, n_bins)),
        brier=brier(conf, hits),
        brier_raw=brier([j.raw_confidence for j in judged], hits),
        seconds=time.perf_counter() - t0,
    )
