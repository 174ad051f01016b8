"""How often riskoff is right: labelled sets, the statistics that score them and the
baselines to beat. Pure functions and plain data; the use-case
:mod:`riskoff.usecases.evaluating` runs the diagnoses.
"""

from __future__ import annotations

from riskoff.evaluation.baselines import SIGN_RULES, most_common, sign_rules
from riskoff.evaluation.labels import (
    CALM,
    LabelRow,
    NewspaperDay,
    NewspaperMap,
    load_newspaper_map,
    parse_labels,
    parse_newspapers,
)
from riskoff.evaluation.result import Evaluation, Judged
from riskoff.evaluation.score import Case, Figures, score
from riskoff.evaluation.stats import (
    Agreement,
    Confusion,
    ReliabilityBin,
    brier,
    confusion,
    reliability,
    wilson,
)

__all__ = [
    "CALM",
    "SIGN_RULES",
    "Agreement",
    "Case",
    "Confusion",
    "Evaluation",
    "Figures",
    "Judged",
    "LabelRow",
    "NewspaperDay",
    "NewspaperMap",
    "ReliabilityBin",
    "brier",
    "confusion",
    "load_newspaper_map",
    "most_common",
    "parse_labels",
    "parse_newspapers",
    "reliability",
    "score",
    "sign_rules",
    "wilson",
]
