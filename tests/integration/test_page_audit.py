"""The second, independent sentence audit (issue 20): the rendered report and dashboard
pages of days drawn at random (seeded, among the days no file of the project names), every
sentence with a number checked against the day's feature row and diagnosis JSON by
:mod:`tests.integration.page_audit` (which shares no code with the narrative audit or
the renderers). Zero contradictions; and the audit catches a contradiction planted in a
page.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from riskoff import usecases
from riskoff.config import Settings
from tests.integration.page_audit import Facts, PageAudit, audit_page, named_days

with warnings.catch_warnings():  # starlette suggests httpx2; httpx is what riskoff uses
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

pytestmark = [pytest.mark.integration, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

SEED = 2020_0312 ^ 2021_0519
N_ANY = 3  # days of any kind since 1990
N_FALLS = 3  # days the S&P 500 fell 2.5 sigma or more: the richest prose


def _draw(workspace: Any) -> list[dt.date]:
    t = workspace.table
    idx = t.index[(t.index >= pd.Timestamp(1990, 1, 1)) & (t.index.day_of_week < 5)]
    falls = idx[t.loc[idx, "sigma.us_equities"].to_numpy() <= -2.5]
    named = named_days()
    pool = [ts for ts in idx if ts.date() not in named]
    pool_falls = [ts for ts in falls if ts.date() not in named]
    rng = random.Random(SEED)
    days = rng.sample(pool, N_ANY) + rng.sample(pool_falls, N_FALLS)
    return [ts.date() for ts in days]


def _facts(day: dt.date, settings: Settings, workspace: Any) -> Facts:
    from riskoff.diagnosis.derived import derive
    from riskoff.usecases.day_inputs import feature_row

    row = feature_row(workspace.table, day)
    d = usecases.diagnose(day, settings=settings, workspace=workspace, with_analogs=False)
    return Facts({**row, **derive(row, 1).values}, d.to_dict())


@pytest.fixture(scope="module")
def client(loaded_settings: Settings) -> Iterator[TestClient]:
    from riskoff.web import create_app

    with TestClient(
        create_app(loaded_settings), raise_server_exceptions=False, base_url="http://127.0.0.1"
    ) as c:
        yield c


@pytest.fixture(scope="module")
def pages(
    loaded_settings: Settings,
    workspace: Any,
    client: TestClient,
    tmp_path_factory: pytest.TempPathFactory,
) -> list[tuple[dt.date, str, str, Facts]]:
    """(day, page, html, facts) for the report and the dashboard of every drawn day, and
    the dashboard's overview (its latest day)."""
    out: list[tuple[dt.date, str, str, Facts]] = []
    tmp = tmp_path_factory.mktemp("page_audit")
    for day in _draw(workspace):
        facts = _facts(day, loaded_settings, workspace)
        path: Path = tmp / f"{day}.html"
        usecases.report(day, out=path, settings=loaded_settings)
        out.append((day, "report", path.read_text(encoding="utf-8"), facts))
        r = client.get(f"/day/{day}")
        assert r.status_code == 200, r.text[:300]
        out.append((day, "dashboard", r.text, facts))
    # the dashboard's overview: the latest complete day's verdict, suspects and evidence
    home = client.get("/").text
    m = re.search(r'Latest: <a href="/day/(\d{4}-\d{2}-\d{2})">', home)
    assert m is not None
    latest = dt.date.fromisoformat(m.group(1))
    out.append((latest, "overview", home, _facts(latest, loaded_settings, workspace)))
    return out


def test_report_and_dashboard_of_random_days_say_nothing_their_numbers_contradict(
    pages: list[tuple[dt.date, str, str, Facts]],
) -> None:
    results: list[PageAudit] = [audit_page(f"{day} {p}", html, f) for day, p, html, f in pages]
    sentences = sum(r.with_numbers for r in results)
    numbers = sum(r.numbers for r in results)
    checked = sum(r.checked for r in results)
    print(
        f"page audit: {len(results)} pages of {sorted({d for d, *_ in pages})}, "
        f"{sentences} sentences with numbers, {numbers} numbers, {checked} checked"
    )
    assert checked >= 600
    for r in results:  # a market holiday still has its verdict, scores and counts
        assert r.checked >= 5, f"{r.page}: only {r.checked} numbers checked"
    bad = [str(f) for r in results for f in r.findings]
    assert not bad, "\n".join(bad[:20])


def _flip(sign: str) -> str:
    return "−" if sign == "+" else "+"


def _bump(digit: str) -> str:
    return str((int(digit) + 3) % 10)


_PLANTS: tuple[tuple[str, Callable[[re.Match[str]], str]], ...] = (
    # (a pattern in the page, its first match rewritten): each one false word or number
    (r"\b([A-Z][\w&\- ]*?) fell (\d+\.\d%) \(", lambda m: f"{m[1]} rose {m[2]} ("),
    (r"(\d+\.\d%) \(([+−]\d+)\.(\d)σ\)", lambda m: f"{m[1]} ({m[2]}.{_bump(m[3])}σ)"),
    (r"([+−]\d+)\.(\d)% \(", lambda m: f"{m[1]}.{_bump(m[2])}% ("),
    (
        r"similarity (\d)\.(\d)(\d) to 312",
        lambda m: f"similarity {m[1]}.{_bump(m[2])}{m[3]} to 312",
    ),
    (r"\(score (\d\.\d\d), (?:likely|possible)\)", lambda m: f"(score {m[1]}, unlikely)"),
    (r"(-year (?:Treasury )?yield )([+−])([1-9]\d*) bp", lambda m: f"{m[1]}{_flip(m[2])}{m[3]} bp"),
)


def test_the_page_audit_catches_a_planted_contradiction(
    pages: list[tuple[dt.date, str, str, Facts]],
) -> None:
    """Each plant is one false number or word in an otherwise clean page: caught."""
    planted = 0
    for pattern, repl in _PLANTS:
        for day, page, html, facts in pages:
            m = re.search(pattern, html)
            if m is None:
                continue
            lie = html[: m.start()] + repl(m) + html[m.end() :]
            res = audit_page(f"{day} {page}", lie, facts)
            assert res.findings, f"{day} {page}: missed {m.group(0)!r} -> {repl(m)!r}"
            planted += 1
            break
    assert planted == len(_PLANTS)
