"""The narrative audit (issue 20): every sentence riskoff prints, checked against its numbers.

Every trading day (and crypto weekend) of the real data's history (from 1985), and a few hundred
seeded random windows, are diagnosed with their evidence sentences and audited by
:func:`riskoff.diagnosis.audit.audit_diagnosis`: direction words against the signs they
were chosen from, "rising"/"falling" lists, one sigma per move on a page, sell-off words
only on sell-offs, the weekend 312/519 sentence. Zero contradictions. The 312/519
similarity is one number in ``diagnose``, ``analogs``, the dashboard's JSON and the report.
A renderer that lies is caught (the audit can fail).
"""

from __future__ import annotations

import datetime as dt
import random
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from riskoff import usecases
from riskoff.config import Settings
from riskoff.dates import Window
from riskoff.diagnosis import REFERENCE_DAYS, load_suspects
from riskoff.diagnosis import text as text_mod
from riskoff.diagnosis.audit import audit_diagnosis, audit_sentences, audit_table

with warnings.catch_warnings():  # starlette suggests httpx2; httpx is what riskoff uses
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

pytestmark = [pytest.mark.integration, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

FROM = dt.date(1990, 1, 1)
N_WINDOWS = 200
SEED = 20


def _refs(ws: Any) -> dict[str, dict[str, float] | None]:
    from riskoff.usecases.day_inputs import feature_row

    return {k: feature_row(ws.table, d) for k, d in REFERENCE_DAYS.items()}


def test_every_day_of_the_history_says_nothing_its_numbers_contradict(
    loaded_settings: Settings, workspace: Any
) -> None:
    t0 = time.process_time()
    res = audit_table(
        workspace.table,
        suspects=load_suspects(loaded_settings.home),
        params=workspace.params,
        references=_refs(workspace),
    )
    cpu = time.process_time() - t0
    days = len(workspace.table.index)
    print(f"narrative audit: {days} days, {res.sentences} sentences, {cpu:.1f} s CPU")
    assert days > 10_000
    assert res.sentences > 250_000  # every day's evidence and verdict, not a sample
    assert not res.contradictions, "\n".join(str(c) for c in res.contradictions[:20])


def test_random_windows_say_nothing_their_numbers_contradict(
    loaded_settings: Settings, workspace: Any
) -> None:
    rng = random.Random(SEED)
    days = [
        ts.date() for ts in workspace.table.index if ts >= pd.Timestamp(FROM) and ts.day_of_week < 5
    ]
    n = 0
    bad: list[str] = []
    for _ in range(N_WINDOWS):
        i = rng.randrange(0, len(days) - 30)
        win = Window(days[i], days[i + rng.randrange(1, 25)])
        d = usecases.diagnose(
            win.end, window=win, settings=loaded_settings, workspace=workspace, with_analogs=False
        )
        res = audit_diagnosis(d)
        n += res.sentences
        bad += [f"{win.start}:{win.end} {c}" for c in res.contradictions]
    print(f"narrative audit: {N_WINDOWS} windows, {n} sentences")
    assert n > 5_000
    assert not bad, "\n".join(bad[:20])


def test_the_audit_catches_a_renderer_that_says_the_opposite(
    loaded_settings: Settings, workspace: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Break the renderer once (every direction word flipped): the audit must fail."""
    flipped = {k: (down, up, flat) for k, (up, down, flat) in text_mod.VERBS.items()}

    def lying_verb(token: str, series: str, value: float) -> tuple[str, Any]:
        up, down, flat = flipped[token]
        d = text_mod.direction_of(series, value)
        return {"up": up, "down": down, "flat": flat}[d], d

    monkeypatch.setattr(text_mod, "verb", lying_verb)
    res = audit_table(
        workspace.table,
        suspects=load_suspects(loaded_settings.home),
        params=workspace.params,
        references=_refs(workspace),
        start=dt.date(2025, 4, 1),
        end=dt.date(2025, 4, 30),
    )
    assert len(res.contradictions) > 20
    assert any("'fell' of move." in c.why for c in res.contradictions)


@pytest.fixture(scope="module")
def client(loaded_settings: Settings) -> Iterator[TestClient]:
    from riskoff.web import create_app

    with TestClient(
        create_app(loaded_settings), raise_server_exceptions=False, base_url="http://127.0.0.1"
    ) as c:
        yield c


@pytest.mark.parametrize("day", ["2024-08-05", "2025-04-04", "2022-06-13"])
def test_the_312_519_similarity_is_one_number_everywhere(
    day: str, loaded_settings: Settings, workspace: Any, client: TestClient, tmp_path: Path
) -> None:
    d = usecases.diagnose(day, settings=loaded_settings, workspace=workspace, with_analogs=False)
    sims = d.to_dict()["verdict"]["versus_312_519"]["similarity"]
    want = {"312": sims["2020-03-12"], "519": sims["2021-05-19"]}
    assert all(v is not None for v in want.values())
    a = usecases.analogs(day, settings=loaded_settings, workspace=workspace).to_dict()
    got = {k: a["versus_312_519"]["references"][k]["similarity"] for k in want}
    assert got == want
    api = client.get(f"/api/diagnose/{day}").json()["verdict"]["versus_312_519"]["similarity"]
    assert {"312": api["2020-03-12"], "519": api["2021-05-19"]} == want
    api_a = client.get(f"/api/analogs/{day}").json()["versus_312_519"]["references"]
    assert {k: api_a[k]["similarity"] for k in want} == want
    out = tmp_path / "r.html"
    usecases.report(day, out=out, settings=loaded_settings)
    html = out.read_text()
    assert f"{want['312']:.2f} to 312" in html
    assert f"{want['519']:.2f} to 519" in html


def test_a_window_reads_312_519_and_its_analogs_on_its_worst_day(
    loaded_settings: Settings, workspace: Any
) -> None:
    """Jan-Feb 2026: the window ends in a rebound; its worst day is 2026-01-30."""
    win = d = usecases.diagnose(
        "2026-02-06", window="2026-01-28:2026-02-06", settings=loaded_settings, workspace=workspace
    )
    worst = dt.date(2026, 1, 30)
    assert "its worst day, 2026-01-30" in win.verdict.text
    assert win.verdict.versus.day == worst
    assert "On the window's worst day, 2026-01-30:" in win.verdict.text
    day = usecases.diagnose(worst, settings=loaded_settings, workspace=workspace)
    vs, vs_day = (
        d.to_dict()["verdict"]["versus_312_519"],
        day.to_dict()["verdict"]["versus_312_519"],
    )
    assert vs["similarity"] == vs_day["similarity"]
    assert d.to_dict()["analogs"] == day.to_dict()["analogs"]
    # "crypto-only" is a claim: silver and gold fell too, so the window is not called one
    assert "crypto-only" not in win.verdict.text.split("A new 312")[0]


def _page_sentences(html_text: str) -> list[str]:
    import html
    import re

    body = re.sub(r"<(script|style)\b.*?</\1>", "", html_text, flags=re.S)
    parts = re.findall(r"<(?:p|li)\b[^>]*>(.*?)</(?:p|li)>", body, flags=re.S)
    out = [html.unescape(re.sub(r"<[^>]+>", "", p)).strip() for p in parts]
    return [s for s in out if s]


def test_report_prose_on_random_days_says_nothing_its_numbers_contradict(
    loaded_settings: Settings, workspace: Any, tmp_path: Path
) -> None:
    """The report's own sentences (moves, havens, suspects, verdict), on days nobody named."""
    rng = random.Random(SEED + 1)
    days = [ts.date() for ts in workspace.table.index if ts.day_of_week < 5]
    days = days[len(days) // 4 :]  # enough history for the analogs and the stress index
    n = 0
    bad: list[str] = []
    for i in range(4):
        day = rng.choice(days)
        out = tmp_path / f"r{i}.html"
        usecases.report(day, out=out, settings=loaded_settings)
        res = audit_sentences(str(day), _page_sentences(out.read_text()))
        n += res.sentences
        bad += [str(c) for c in res.contradictions]
    assert n > 100
    assert not bad, "\n".join(bad[:20])


def test_the_audit_reads_the_312_519_line_numbers(
    loaded_settings: Settings, workspace: Any
) -> None:
    """The 312/519 line's template numbers (Bitcoin's move and its fall to its low) are
    checked against the day's row: a planted wrong number is caught."""
    from dataclasses import replace

    from riskoff.usecases.day_inputs import feature_row

    day = dt.date(2022, 6, 13)
    d = usecases.diagnose(day, settings=loaded_settings, workspace=workspace, with_analogs=False)
    row = feature_row(workspace.table, day)
    vs = d.verdict.versus
    assert any(c.series == "move.btc" for c in vs.claims)
    assert not audit_diagnosis(d, row).contradictions
    lie = tuple(
        replace(c, value=c.value + 0.05) if c.series == "move.btc" else c for c in vs.claims
    )
    bad = replace(d, verdict=replace(d.verdict, versus=replace(vs, claims=lie)))
    found = audit_diagnosis(bad, row).contradictions
    assert [c.where for c in found] == ["versus"]
