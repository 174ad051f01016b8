"""``riskoff scan`` on the real data: fast, and cross-asset days are rare."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pytest

from riskoff import usecases
from riskoff.config import Settings
from tests.helpers import run_cli

pytestmark = pytest.mark.integration


def test_scan_2015_2025_cross_asset_is_rare_and_includes_312(loaded_settings: Settings) -> None:
    t0 = time.perf_counter()
    rows = usecases.scan("2015-01-01", "2025-12-31", settings=loaded_settings)
    elapsed = time.perf_counter() - t0
    assert elapsed < 120
    assert len(rows) > 2700
    cross = {r.date.isoformat() for r in rows if r.scope == "cross_asset"}
    assert "2020-03-12" in cross
    assert len(cross) / len(rows) < 0.03
    calm = {r.date.isoformat(): r for r in rows}
    assert calm["2019-07-03"].scope == "none"
    assert calm["2021-08-20"].scope == "none"
    # a calm day, or a sell-off no suspect fits (under the floor), names no primary; a day
    # that was not a sell-off names one only from the quiet floor (a clear shock)
    from riskoff.diagnosis.results import FIT_FLOOR, QUIET_FLOOR

    assert calm["2019-07-03"].primary == ""
    assert calm["2021-08-20"].primary == ""
    quiet = [r for r in rows if r.scope == "none"]
    # (a rally names none at any score: riskoff.diagnosis.results.fits)
    assert all(r.score >= QUIET_FLOOR for r in quiet if r.primary)
    named = sum(r.primary != "" for r in quiet)
    assert 0 < named < 0.1 * len(quiet)
    assert all((r.primary == "") == (r.score < FIT_FLOOR) for r in rows if r.scope != "none")
    assert any(r.primary == "" for r in rows if r.scope != "none")


def test_cli_scan_csv(
    loaded_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RISKOFF_HOME", str(loaded_home))
    code, out, err = run_cli(["scan", "2020-03-09", "2020-03-13", "--csv"], capsys)
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["date", "severity", "scope", "primary", "score"]
    by_day = {r["date"]: r for r in rows}
    assert by_day["2020-03-12"]["scope"] == "cross_asset"
    assert by_day["2020-03-12"]["primary"] == "liquidity"


def test_cli_scan_reversed_range_is_exit_2(
    loaded_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RISKOFF_HOME", str(loaded_home))
    code, _, err = run_cli(["scan", "2020-03-13", "2020-03-09"], capsys)
    assert code == 2
    assert "reversed" in err


def test_scan_reads_the_papers_of_its_moment(loaded_settings: Settings) -> None:
    # each day of a scan is the day's diagnosis at the same moment (here the scores of the
    # newspaper-led suspects move with the papers the moment allows)
    seen: dict[str, list[float]] = {}
    for moment in ("next-morning", "close", "published"):
        rows = usecases.scan("2001-09-17", "2001-09-21", settings=loaded_settings, as_of=moment)
        for r in rows:
            d = usecases.diagnose(
                r.date, settings=loaded_settings, with_analogs=False, as_of=moment
            )
            assert (r.primary, r.score) == (d.verdict.primary, d.primary.score)
        seen[moment] = [r.score for r in rows]
    # by the close of D the publishers had released no paper about D (their lags)
    assert seen["published"] != seen["next-morning"]
