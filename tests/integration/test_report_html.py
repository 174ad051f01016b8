"""The report page on synthetic inputs (escaping, missing pieces, structure), the
``riskoff report`` command's errors, and a window report with PNG charts on real data."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from riskoff.config import Settings
from riskoff.providers.folder import with_subfolders
from riskoff.render.html import ReportInput, build_report, coverage_rows, render_html
from riskoff.usecases.charting import chart_set

REPO = Path(__file__).resolve().parents[2]
DAY = dt.date(2024, 3, 15)
EVIL = "<script>alert('x')</script>"


def _input(**kw: Any) -> ReportInput:
    idx = pd.bdate_range(end=pd.Timestamp(DAY), periods=600)
    rng = np.random.default_rng(3)
    spx = pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.01, len(idx)))), index=idx)
    levels = pd.DataFrame(
        {"yahoo:^GSPC": spx, "yahoo:XLP": spx * 1.01, "yahoo:BTC-USD": spx * 300},
        index=idx,
    )
    table = pd.DataFrame(
        {
            "stress.index": rng.uniform(0, 1, len(idx)),
            "reserves.level_bn": 3000.0,
            "netliq.level_bn": 6000.0,
            "sigma.us_equities": rng.normal(0, 1, len(idx)),
            "move.us_equities": rng.normal(0, 0.01, len(idx)),
            "open.us_equities": 1.0,
        },
        index=idx,
    )
    base: dict[str, Any] = {
        "day": DAY,
        "start": DAY,
        "as_of": DAY,
        "row": table.iloc[-1].to_dict(),
        "table": table,
        "coverage": coverage_rows(levels, None, day=DAY),
    }
    base.update(kw)
    base.setdefault(
        "charts",
        chart_set(
            table=base["table"],
            levels=levels,
            traded=None,
            class_moves=None,
            day=base["day"],
            start=base["start"],
            episodes=base.get("episodes", ()),
        ),
    )
    return ReportInput(**base)


def _diagnosis() -> dict[str, Any]:
    ids = ["liquidity", "crypto", "policy", "geopolitics"]
    return {
        "date": DAY.isoformat(),
        "window": {"start": DAY.isoformat(), "end": DAY.isoformat()},
        "selloff": {"is_selloff": True, "severity": 0.8, "scope": "cross_asset"},
        "suspects": [
            {
                "id": sid,
                "score": 0.6 - 0.2 * k,
                "label": "likely" if k == 0 else "unlikely",
                "evidence": [
                    {
                        "indicator": "x",
                        "observed": 1.0,
                        "baseline": "b",
                        "supports": True,
                        "text": f"for {sid} {EVIL}",
                    },
                    {
                        "indicator": "y",
                        "observed": None,
                        "baseline": "b",
                        "supports": False,
                        "text": f"against {sid}",
                    },
                ],
            }
            for k, sid in enumerate(ids)
        ],
        "verdict": {
            "primary": "liquidity",
            "text": f"Verdict {EVIL}",
            "confidence": 0.5,
            "track_record": {
                "cases": 109,
                "confidence_bin": [0.4, 0.6],
                "n": 42,
                "right": 20,
                "primary": {"suspect": "liquidity", "named": 10, "right": 4},
            },
        },
        "analogs": [],
        "data": {"as_of": DAY.isoformat(), "missing": ["fred:IORB"]},
    }


def test_page_without_diagnosis_or_analogs_says_so() -> None:
    page = render_html(build_report(_input()), generated=dt.datetime(2024, 3, 16, tzinfo=dt.UTC))
    assert page.count("Not available in this build of riskoff.") == 3  # headline, suspects, analogs
    assert 'id="chart-heatmap"' in page
    assert 'id="chart-suspects"' not in page
    assert "generated 2024-03-16 00:00 UTC" in page
    assert page.count("<script") == 1 + page.count('class="plotly-chart"')


def test_every_data_string_is_escaped() -> None:
    episodes = [{"id": "e", "name": EVIL, "start": "2023-05-01", "end": "2023-05-05"}]
    rep = build_report(_input(diagnosis=_diagnosis(), episodes=episodes))
    page = render_html(rep)
    assert EVIL not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "\\u003cscript>alert" in page  # inside the chart JSON
    # the top three suspects get a full card, the rest a ruled-out row
    assert page.count('class="card suspect') == 3
    assert 'id="suspect-geopolitics"' in page


def test_the_track_record_stands_beside_the_verdict() -> None:
    page = render_html(build_report(_input(diagnosis=_diagnosis())))
    table = page[page.index('id="track-record"') :]
    table = table[: table.index("</table>")]
    assert "fitted out of sample on 109 labelled cases" in table
    cells = re.findall(r'<td class="num">([^<]*)</td>', table)
    assert cells[:2] == ["20", "42"]  # the held-out bin: 20 of 42 right
    assert cells[4:6] == ["4", "10"]  # the suspect named first: 4 of 10
    assert "labelled days as confident (0.4 to 0.6, held out)" in table
    no_record = _diagnosis()
    del no_record["verdict"]["track_record"]
    assert 'id="track-record"' not in render_html(build_report(_input(diagnosis=no_record)))


def test_report_command_rejects_an_unwritable_path(tmp_path: Path) -> None:
    env = {**os.environ, "RISKOFF_HOME": str(tmp_path / "home")}
    out = tmp_path / "no-such-folder" / "r.html"
    res = subprocess.run(
        [sys.executable, "-m", "riskoff.cli", "report", "2020-03-12", "-o", str(out)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("riskoff: error: cannot write the report to ")
    assert "Traceback" not in res.stderr


@pytest.mark.integration
@pytest.mark.slow
def test_window_report_with_png_charts(loaded_settings: Settings, tmp_path: Path) -> None:
    from riskoff import usecases

    out = tmp_path / "window.html"
    res = usecases.report(
        None,
        out=out,
        window="2020-03-09:2020-03-13",
        png_dir=tmp_path / "png",
        portfolio=REPO / "examples" / "portfolio.csv",
        settings=loaded_settings,
    )
    assert res.day == "2020-03-13"
    page = out.read_text(encoding="utf-8")
    assert "2020-03-09 to 2020-03-13" in page
    assert "window (5 days)" in page
    assert res.bytes < 8 * 1024 * 1024
    # the portfolio replay uses only episodes that were over by the report day
    assert '<section id="portfolio">' in page
    assert "<td>volmageddon-2018</td>" in page
    assert "<td>covid-2020</td>" not in page
    names = sorted(p.name for p in res.pngs)
    assert {"heatmap.png", "liquidity.png", "paths.png", "rotation.png", "stress.png"} <= set(names)
    for p in res.pngs:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert p.stat().st_size > 10_000


@pytest.mark.integration
@pytest.mark.parametrize("day", ["1980-01-01", "2099-01-01"])
def test_report_outside_the_data_is_bad_input(
    loaded_settings: Settings, tmp_path: Path, day: str
) -> None:
    from riskoff import usecases
    from riskoff.errors import BadDateError

    with pytest.raises(BadDateError, match=r"(before the first|after the last)"):
        usecases.report(day, out=tmp_path / "r.html", settings=loaded_settings)
    assert not (tmp_path / "r.html").exists()


@pytest.mark.integration
@pytest.mark.slow
def test_report_is_point_in_time(loaded_settings: Settings, data_dir: Path, tmp_path: Path) -> None:
    """The page of 2020-03-12 from the whole store equals the page from a store cut at the
    moment of the diagnosis: no price after the close of 2020-03-12, the newspapers up to
    the next morning's (only the generation stamp differs)."""
    from riskoff import usecases

    cut_home = tmp_path / "cut"
    cut = Settings.from_env({"RISKOFF_HOME": str(cut_home)})
    day = dt.date(2020, 3, 12)
    prices = [f for f in with_subfolders(data_dir) if f.name != "news"]
    usecases.ingest(prices, until=day, settings=cut)
    usecases.ingest(data_dir / "news", until=day + dt.timedelta(days=1), settings=cut)
    pages = []
    for settings, name in ((loaded_settings, "full.html"), (cut, "cut.html")):
        out = tmp_path / name
        usecases.report("2020-03-12", out=out, settings=settings)
        pages.append(re.sub(r"generated \d{4}-\d\d-\d\d \d\d:\d\d UTC", "", out.read_text()))
    assert "519: −0.3%" not in pages[0]  # the later reference day's moves are not shown
    if pages[0] != pages[1]:
        a, b = pages
        i = next(k for k in range(min(len(a), len(b))) if a[k] != b[k])
        pytest.fail(f"pages differ at {i}: {a[i - 200 : i + 200]!r} vs {b[i - 200 : i + 200]!r}")


@pytest.mark.integration
def test_report_on_a_day_inside_a_window_covers_the_whole_window(
    loaded_settings: Settings, tmp_path: Path
) -> None:
    """``report DATE --window A:B`` diagnoses A:B, like ``diagnose DATE --window A:B`` and
    the dashboard (it used to cut the window at DATE)."""
    import html

    from riskoff import usecases

    out = tmp_path / "r.html"
    res = usecases.report(
        "2020-03-12", out=out, window="2020-03-09:2020-03-19", settings=loaded_settings
    )
    assert res.day == "2020-03-19"
    page = out.read_text(encoding="utf-8")
    assert "2020-03-09 to 2020-03-19" in page
    diag = usecases.diagnose(
        "2020-03-12", window="2020-03-09:2020-03-19", settings=loaded_settings, with_analogs=False
    ).to_dict()
    assert diag["date"] == "2020-03-19"
    said = str(diag["verdict"]["text"])[:40]
    assert said
    assert said in page or html.escape(said) in page, said
