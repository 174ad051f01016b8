""" "Today" is a default: no date, ``today``, ``latest`` and ``yesterday`` mean the latest
complete day, one definition read by the command line, the report, the API and the
dashboard's pre-filled day, and the command says which day that is."""

from __future__ import annotations

import datetime as dt
import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from riskoff.config import Settings
from riskoff.usecases.latest import resolve_day
from riskoff.web import create_app
from tests.helpers import run_cli

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]


@pytest.fixture(scope="module")
def latest(workspace: Any) -> dt.date:
    day: dt.date = workspace.latest_complete_day()
    return day


def test_the_latest_complete_day_is_not_the_partial_last_day(
    workspace: Any, latest: dt.date
) -> None:
    last = workspace.last_data_day()
    assert latest <= last
    assert latest.weekday() < 5
    published, missing = workspace.closes_on(latest)
    assert len(published) >= 0.8 * (len(published) + len(missing))
    if last > latest:  # the later days hold only part of the markets
        for d in (last, *[latest + dt.timedelta(days=k) for k in (1, 2)]):
            if latest < d <= last and d.weekday() < 5:
                later, _ = workspace.closes_on(d)
                assert len(later) < len(published)


@pytest.mark.parametrize("word", [None, "today", "latest", "LATEST", "yesterday"])
def test_diagnose_without_a_date_reads_the_latest_complete_day(
    word: str | None,
    latest: dt.date,
    loaded_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("RISKOFF_HOME", str(loaded_home))
    code, out, err = run_cli(["diagnose", *([word] if word else []), "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["date"] == latest.isoformat()
    # stderr says which day that is (stdout stays pure JSON)
    assert latest.isoformat() in err
    assert ("No date given" in err) if word is None else (f"'{word.lower()}'" in err)


def test_the_note_names_what_is_not_yet_published(workspace: Any, latest: dt.date) -> None:
    choice = resolve_day("today", workspace)
    assert choice.day == latest
    note = choice.note()
    assert note.startswith(f"'today': {latest.isoformat()} ({latest:%A})")
    for day, names in choice.pending:
        assert day > latest
        assert f"{day.isoformat()} is not complete yet; not yet published: " in note
        assert names[0] in note
    if choice.missing:
        assert f"No close on that day from {choice.missing[0]}" in note
    assert choice.to_dict()["note"] == note


def test_yesterday_is_the_latest_complete_day_before_today(workspace: Any, latest: dt.date) -> None:
    after = latest + dt.timedelta(days=1)
    assert resolve_day("yesterday", workspace, today=after).day == latest
    earlier = resolve_day("yesterday", workspace, today=latest).day
    assert earlier < latest
    assert earlier.weekday() < 5


def test_a_word_that_is_not_a_day_is_one_line_exit_2(
    loaded_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RISKOFF_HOME", str(loaded_home))
    code, out, err = run_cli(["diagnose", "tomorrow"], capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1


def test_report_defaults_to_the_same_day(
    latest: dt.date,
    loaded_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("RISKOFF_HOME", str(loaded_home))
    code, _, err = run_cli(["report", "today", "-o", str(tmp_path / "r.html")], capsys)
    assert code == 0, err
    assert f"report for {latest.isoformat()} written" in err
    assert f"'today': {latest.isoformat()}" in err


@pytest.fixture(scope="module")
def client(loaded_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(loaded_settings), base_url="http://127.0.0.1") as c:
        yield c


def test_the_api_and_the_dashboard_agree(client: TestClient, latest: dt.date) -> None:
    r = client.get("/api/diagnose/latest")
    assert r.status_code == 200, r.text
    assert r.json()["date"] == latest.isoformat()
    page = client.get("/")
    assert page.status_code == 200
    # the date picker is pre-filled with the latest complete day, not the store's last day
    picker = re.search(r'type="date"[^>]*value="([0-9-]+)"', page.text, re.S)
    assert picker is not None, page.text[:2000]
    assert picker.group(1) == latest.isoformat()
    assert f"The latest complete day is {latest.isoformat()}" in page.text
