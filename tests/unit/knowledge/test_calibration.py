"""The packaged track record (riskoff/data/calibration.json): it parses, maps a raw
confidence through the documented formula, and is exactly what a refit of its own recorded
cases gives (so no number in it was edited by hand)."""

from __future__ import annotations

import json
import math
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from riskoff.errors import DataFileError
from riskoff.evaluation.calibration import CHOSEN, calibrate
from riskoff.knowledge.calibration import (
    PACKAGED,
    ConfidenceBin,
    load_track_record,
    parse_track_record,
    platt_log,
)


def _packaged() -> dict[str, Any]:
    text = resources.files("riskoff.data").joinpath("calibration.json").read_text("utf-8")
    out: dict[str, Any] = json.loads(text)
    return out


def test_the_packaged_file_is_a_refit_of_its_own_cases() -> None:
    raw = _packaged()
    cases = raw["cases"]
    n = len(cases["raw_confidence"])
    assert n == raw["data"]["cases"] == len(cases["hit"]) == len(cases["primary"])
    keys = [f"{i:06d}" for i in range(n)]  # the recorded order is the fold order
    cal = calibrate(
        raw["data"]["sets"],
        keys,
        cases["raw_confidence"],
        [bool(h) for h in cases["hit"]],
        cases["primary"],
        groups=cases["set"],
        folds=raw["folds"]["k"],
    ).to_dict()
    parts = ("mapping", "criterion", "track_record", "cross_validation", "base_rate")
    for part in (*parts, "leave_one_set_out"):
        assert cal[part] == raw[part], part
    assert raw["mapping"]["method"] == CHOSEN


def test_the_mapping_is_the_documented_formula() -> None:
    rec = load_track_record()
    for c in (0.0, 0.005, 0.05, 0.3, 0.9, 1.0):
        z = rec.a + rec.b * math.log(max(c, rec.floor))
        assert rec.probability(c) == pytest.approx(1 / (1 + math.exp(-z)))
    assert math.isnan(rec.probability(math.nan))
    assert rec.probability(0.2) < rec.probability(0.6)  # more raw confidence, more likely


def test_every_probability_falls_in_exactly_one_bin() -> None:
    rec = load_track_record()
    assert rec.bins[0].lo == 0.0
    assert rec.bins[-1].hi == 1.0
    for p in (0.0, 0.1999, 0.2, 0.5, 0.9999, 1.0):
        held = [b for b in rec.bins if b.contains(p)]
        assert len(held) == 1, p
        assert rec.bin_of(p) is held[0]
    assert rec.bin_of(math.nan) is None
    assert sum(b.n for b in rec.bins) == rec.cases


def test_parse_refuses_an_unknown_method() -> None:
    raw = _packaged()
    raw["mapping"]["method"] = "magic"
    with pytest.raises(ValueError, match="magic"):
        parse_track_record(raw)


def test_platt_log_floor() -> None:
    assert platt_log(0.0, 0.0, 1.0, 0.01) == platt_log(0.01, 0.0, 1.0, 0.01)
    assert ConfidenceBin(0.8, 1.0, 3, 2).contains(1.0)
    assert not ConfidenceBin(0.6, 0.8, 3, 2).contains(0.8)


def _user_fit(home: Path, a: float) -> None:
    raw = _packaged()
    raw["mapping"]["a"] = a
    home.mkdir(parents=True, exist_ok=True)
    (home / "calibration.json").write_text(json.dumps(raw), encoding="utf-8")


def test_a_users_own_calibration_file_is_read_and_named(tmp_path: Path) -> None:
    packaged = load_track_record(tmp_path)  # no file in the home: the packaged fit
    assert packaged.source == PACKAGED == "riskoff/data/calibration.json"
    assert packaged.provenance()["file"] == PACKAGED
    _user_fit(tmp_path, a=-3.0)
    mine = load_track_record(tmp_path)
    assert mine.source == "$RISKOFF_HOME/calibration.json"
    assert mine.a == -3.0
    assert mine.probability(0.5) < packaged.probability(0.5)
    assert mine.provenance() == {
        "file": "$RISKOFF_HOME/calibration.json",
        "method": "platt-log",
        "cases": packaged.cases,
        "first": packaged.first,
        "last": packaged.last,
        "sets": list(packaged.sets),
    }
    _user_fit(tmp_path, a=2.0)  # refitted: read again
    assert load_track_record(tmp_path).a == 2.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"mapping": {"method": "platt-log"}}', "not a calibration file"),
        ('{"mapping": {"method": "isotonic"}}', "not a calibration file"),
    ],
)
def test_a_bad_user_calibration_file_is_a_one_line_error(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "calibration.json").write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        load_track_record(tmp_path)
    assert message in str(err.value)
    assert "\n" not in str(err.value)
    assert str(tmp_path / "calibration.json") in str(err.value)
