"""``riskoff evaluate`` on the real data: the built-in sets' shape and invariants (no
pinned accuracy), the figures are those of the real ``diagnose`` verdict, and the HTML
page is self-contained."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from riskoff import usecases
from riskoff.config import Settings
from riskoff.evaluation import Evaluation
from tests.helpers import run_cli

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def newspapers(loaded_settings: Settings, data_dir: Path, workspace: Any) -> Evaluation:
    return usecases.evaluate(
        set_name="newspapers", data_dir=data_dir, settings=loaded_settings, workspace=workspace
    )


def _invariants(ev: Evaluation) -> dict[str, Any]:
    d: dict[str, Any] = json.loads(json.dumps(ev.to_dict()))
    n = d["scored"]
    assert n == len(d["cases"]) > 0
    for fig in [d["riskoff"], *d["baselines"].values()]:
        assert fig["top1"]["n"] == fig["top2"]["n"] == n
        assert 0 <= fig["top1"]["k"] <= fig["top2"]["k"] <= n
        lo, hi = fig["top1"]["ci95"]
        assert 0 <= lo <= fig["top1"]["rate"] <= hi <= 1
        assert sum(map(sum, fig["confusion"]["counts"])) == n
        diag = sum(row[i] for i, row in enumerate(fig["confusion"]["counts"]))
        assert diag == fig["top1"]["k"]
    assert set(d["baselines"]) == {"most_common", "sign_rules"}
    assert sum(b["n"] for b in d["reliability"]["bins"]) == n
    assert sum(b["hits"] for b in d["reliability"]["bins"]) == d["riskoff"]["top1"]["k"]
    assert 0 <= d["reliability"]["brier"] <= 1
    assert d["riskoff"]["not_flagged"]["k"] == sum(not c["is_selloff"] for c in d["cases"])
    # a verdict that names no suspect is no answer: no runner-up earns it a top-2 hit, and
    # it carries no confidence
    for c in d["cases"]:
        if not c["primary"]:
            assert c["runner_up"] == "", c
            assert c["confidence"] is None, c
    return d


def test_episodes_set(loaded_settings: Settings, workspace: Any) -> None:
    from riskoff.knowledge.episodes import load_episodes

    ev = usecases.evaluate(set_name="episodes", settings=loaded_settings, workspace=workspace)
    d = _invariants(ev)
    # every episode of the catalogue is either scored or refused with a reason
    eps = load_episodes(loaded_settings.home)
    assert d["scored"] + len(d["refused"]) == len(eps)
    by_key = {c["date"]: c for c in d["cases"]}
    for ep in list(eps.values())[:: max(1, len(eps) // 4)]:  # a handful agree with diagnose
        key = f"{ep.start}:{ep.end}"
        if key not in by_key:
            continue
        diag = usecases.diagnose(
            ep.end, window=key, settings=loaded_settings, with_analogs=False, workspace=workspace
        )
        assert by_key[key]["primary"] == diag.verdict.primary
        c = diag.verdict.confidence
        assert by_key[key]["confidence"] == (round(c, 4) if c is not None else None)
        assert by_key[key]["accepted"] == [ep.suspect]


def test_newspapers_set(newspapers: Evaluation, loaded_settings: Settings, workspace: Any) -> None:
    assert any(not j.primary for j in newspapers.judged)  # the no-answer rule is exercised
    d = _invariants(newspapers)
    import csv

    src = Path(d["source"])
    rows = list(csv.DictReader(src.open(encoding="utf-8")))
    apart = sum(len(v) for v in d["apart"].values())
    # every row of the file is accounted for: scored, macro, apart or refused
    assert d["scored"] + d["macro"]["n"] + apart + len(d["refused"]) == len(rows)
    first = workspace.first_day.isoformat()
    low = {r["date"] for r in rows if float(r["primary_share"]) < 0.5}
    apart_cats = {"Corporate", "Other", "Unknown", "Noart", "Exrate", "Commodities"}
    early = {
        r["date"]
        for r in rows
        if r["date"] < first and r["date"] not in low and r["primary_category"] not in apart_cats
    }
    # riskoff's history starts in 1985, the file's first day in 1986: nothing is refused
    # for its date, and a day before the history would be refused, never silently dropped
    assert early == {x["date"] for x in d["refused"]}
    for cat in ("Corporate", "Unknown"):
        n_cat = sum(r["primary_category"] == cat and r["date"] not in low for r in rows)
        assert len(d["apart"].get(cat, [])) == n_cat
    assert 0 <= d["macro"]["misblamed"] <= d["macro"]["n"]
    for case in d["cases"][:4]:  # a handful agree with the real diagnosis
        diag = usecases.diagnose(
            case["date"], settings=loaded_settings, with_analogs=False, workspace=workspace
        )
        assert case["primary"] == diag.verdict.primary
        assert case["is_selloff"] == diag.selloff.is_selloff


def test_html_page_is_self_contained(newspapers: Evaluation, tmp_path: Path) -> None:
    from riskoff.render.evaluation import evaluation_html, evaluation_markdown

    page = evaluation_html(newspapers)
    assert 'data-chart="confusion"' in page
    assert 'data-chart="reliability"' in page
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"?https?:", page)
    assert "Brier" in page
    md = evaluation_markdown([newspapers])
    assert "## `--set newspapers`" in md
    assert "sign rules" in md


def test_cli_user_file_json(
    loaded_settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    labels = tmp_path / "mine.csv"
    labels.write_text(
        "date,suspects,why\n2020-03-16,liquidity|growth_scare,dash\n"
        "1984-06-01,policy,too early\n2019-07-03,none,calm\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("RISKOFF_HOME", str(loaded_settings.home))
    code, out, err = run_cli(
        ["evaluate", str(labels), "--json", "--html", str(tmp_path / "e.html")], capsys
    )
    assert code == 0, err
    d = json.loads(out)
    assert d["scored"] == 1
    assert d["calm"]["n"] == 1
    assert d["refused"][0]["date"] == "1984-06-01"
    assert (tmp_path / "e.html").read_text(encoding="utf-8").startswith("<!doctype html>")


def test_calibration_is_out_of_fold_and_records_its_data(
    loaded_settings: Settings, workspace: Any
) -> None:
    from riskoff.usecases.calibrating import calibrate

    cal = calibrate(set_name="probes", settings=loaded_settings, workspace=workspace)
    d: dict[str, Any] = json.loads(json.dumps(cal.to_dict()))
    assert d["data"]["sets"] == ["probes"]
    assert d["data"]["first"] <= d["data"]["last"]
    for r in d["cross_validation"]:
        assert sum(b["n"] for b in r["bins_out_of_fold"]) == d["data"]["cases"]
        assert 0 <= r["brier_out_of_fold"] <= 1


def test_packaged_calibration_was_fitted_on_the_current_diagnosis(
    loaded_settings: Settings, data_dir: Path, workspace: Any
) -> None:
    """riskoff/data/calibration.json records the raw confidence and hit of every labelled
    case it was fitted on (and their digest): the current code must give the same, or the
    confidence the verdict prints is a mapping fitted for another diagnosis."""
    from importlib import resources

    from riskoff.usecases.calibrating import calibrate

    text = resources.files("riskoff.data").joinpath("calibration.json").read_text("utf-8")
    saved = json.loads(text)
    cal = calibrate(data_dir=data_dir, settings=loaded_settings, workspace=workspace)
    now = cal.to_dict()
    stale = (
        "riskoff/data/calibration.json was fitted on another diagnosis: refit it with "
        "`make calibrate` (riskoff evaluate --calibrate --save "
        "src/riskoff/data/calibration.json), then re-record the goldens"
    )
    assert now["data"] == saved["data"], stale
    assert now["cases"] == saved["cases"], stale
    assert now["mapping"] == saved["mapping"], stale
