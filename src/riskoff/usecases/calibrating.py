"""What is fitted on the labelled sets of ``riskoff evaluate``: the cross-validated
calibration of the verdict's confidence (``riskoff evaluate --calibrate``, ``make
calibrate``) and the weight-fitting experiment (reported only). Both run the real
diagnosis over every built-in set pooled (:mod:`riskoff.usecases.evaluating`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from riskoff.config import Settings
from riskoff.errors import InputError, RiskoffError
from riskoff.evaluation import Judged, LabelRow
from riskoff.usecases.common import settings_or_env
from riskoff.usecases.evaluating import SETS, evaluate, label_set

if TYPE_CHECKING:
    from riskoff.evaluation.calibration import Calibration
    from riskoff.evaluation.weights import WeightsExperiment
    from riskoff.usecases.workspace import Workspace

__all__ = ["calibrate", "fit_weights"]


def calibrate(
    labels: Path | None = None,
    *,
    set_name: str | None = None,
    data_dir: Path | None = None,
    settings: Settings | None = None,
    workspace: Workspace | None = None,
    folds: int | None = None,
) -> Calibration:
    """Cross-validated calibration of the verdict's raw confidence (``riskoff evaluate
    --calibrate``) on a labels CSV, one set, or (neither given) every built-in set pooled
    (a day or window in two sets counts once). Saved (``--save``, ``make evaluate``) it
    becomes the verdict's confidence and track record."""
    from riskoff.evaluation.calibration import FOLDS
    from riskoff.evaluation.calibration import calibrate as fit

    s = settings_or_env(settings)
    if workspace is None:  # the store's (load_workspace says so when it is empty)
        from riskoff.usecases.cache import load_workspace

        workspace = load_workspace(s)
    names: list[str | None] = [set_name] if set_name else ([None] if labels else list(SETS))
    seen: dict[str, Judged] = {}
    group: dict[str, str] = {}
    for name in names:
        ev = evaluate(labels if name is None else None, set_name=name, data_dir=data_dir,
                      settings=s, workspace=workspace)  # fmt: skip
        # the newspapers' Macro days are labelled too (economic news: a growth or an
        # inflation scare): scored apart by ``evaluate``, counted here like the rest
        for j in (*ev.judged, *ev.macro):
            seen.setdefault(j.label.key, j)
            group.setdefault(j.label.key, ev.name)
    cases = list(seen.values())
    try:
        return fit(
            [str(labels)] if labels else [str(n) for n in names],
            [j.label.key for j in cases],
            [j.raw_confidence for j in cases],
            [j.primary in j.label.suspects for j in cases],
            [j.primary for j in cases],
            groups=[group[j.label.key] for j in cases],
            folds=folds or FOLDS,
        )
    except ValueError as exc:
        raise InputError(str(exc)) from None


def fit_weights(
    *,
    data_dir: Path | None = None,
    settings: Settings | None = None,
    workspace: Workspace | None = None,
    folds: int | None = None,
) -> WeightsExperiment:
    """The weight-fitting experiment (issue 21 item 4, :mod:`riskoff.evaluation.weights`)
    on every built-in set pooled (a day or window in two sets counts once): fitted
    weights beside the hand-written ones, in sample and out of fold. Reported only."""
    from riskoff.dates import Window
    from riskoff.diagnosis import load_suspects
    from riskoff.evaluation.weights import WeightCase, experiment
    from riskoff.usecases.diagnosing import diagnose

    s = settings_or_env(settings)
    suspects = load_suspects(s.home)
    known = [x.id for x in suspects]
    if workspace is None:  # the store's (load_workspace says so when it is empty)
        from riskoff.usecases.cache import load_workspace

        workspace = load_workspace(s)
    ws = workspace
    rows: dict[str, LabelRow] = {}
    for name in SETS:
        for row in label_set(name, settings=s, data_dir=data_dir, known=known)[1]:
            if not row.is_calm and row.start >= ws.first_day and row.end <= ws.as_of:
                rows.setdefault(row.key, row)
    cases: list[WeightCase] = []
    for row in rows.values():
        win = Window(row.start, row.end) if row.is_window else None
        try:
            d = diagnose(row.end, window=win, settings=s, with_analogs=False, workspace=ws)
        except RiskoffError:
            continue
        cases.append(
            WeightCase(
                key=row.key,
                strengths={
                    x.id: {e.indicator: e.strength for e in x.evidence if e.available}
                    for x in d.suspects
                },
                scores={x.id: x.score for x in d.suspects},
                accepted=row.suspects,
                # the hand-written weights' own answer: the top score, even under the
                # floor below which the verdict names no suspect (the fit always names one)
                primary=d.suspects[0].id,
            )
        )
    checks = {x.id: [c.indicator for c in x.checks] for x in suspects}
    try:
        from riskoff.evaluation.calibration import FOLDS

        return experiment(cases, checks, folds=folds or FOLDS)
    except ValueError as exc:
        raise InputError(str(exc)) from None
