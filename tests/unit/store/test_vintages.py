"""Vintages: two editions of a GPR-like file that rewrite recent history are both kept,
never mixed, and the store reads the values known at a moment."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from riskoff import usecases
from riskoff.config import Settings
from riskoff.errors import InputError
from riskoff.store import Store
from tests.helpers import run_cli, write_folder

V1 = "2026-03-17"
V2 = "2026-05-27"


def _edition(root: Path, vintage: str, values: dict[str, float]) -> Path:
    body = "DAY,GPRD\n" + "".join(f"{day},{v}\n" for day, v in values.items())
    row = (
        "gpr:GPRD,gpr.csv,DAY,GPRD,%Y%m%d,asc,daily,index,1985-01-01,2030-12-31,na,"
        f"vintage={vintage};rewrites recent history"
    )
    return write_folder(root, [row], {"gpr.csv": body})


FIRST = {"20260101": 100.0, "20260102": 110.0, "20260103": 120.0}
# the later edition rewrites 01-02 and the partial last day, and adds a day
SECOND = {"20260101": 100.0, "20260102": 150.0, "20260103": 125.0, "20260104": 130.0}


def _values(store: Store, at: dt.datetime | None = None) -> dict[str, float]:
    frame = store.read(["gpr:GPRD"], as_known_at=at)
    assert not frame["date"].duplicated().any(), "two vintages of one day were mixed"
    return {
        d.strftime("%Y%m%d"): float(v) for d, v in zip(frame["date"], frame["value"], strict=True)
    }


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env({"RISKOFF_HOME": str(tmp_path / "home")})


def test_each_edition_is_read_as_it_was_known(tmp_path: Path, settings: Settings) -> None:
    # the publisher's file of the same name, replaced by its next edition
    usecases.ingest(_edition(tmp_path / "gpr", V1, FIRST), settings=settings)
    usecases.ingest(_edition(tmp_path / "gpr", V2, SECOND), settings=settings)
    with Store(settings.store_path, read_only=True) as st:
        assert _values(st) == SECOND
        assert _values(st, dt.datetime(2026, 1, 15)) == {}  # before either edition
        assert _values(st, dt.datetime(2026, 4, 1)) == FIRST
        assert _values(st, dt.datetime(2026, 3, 17)) == FIRST  # from the vintage day on
        # after the second edition's date but before it was loaded here: still one value
        # a day, the second edition's (its values were known from its vintage)
        assert _values(st, dt.datetime(2026, 6, 1)) == SECOND
        revised = st.revisions("gpr:GPRD")
        old = {(r.date.isoformat(), r.value, r.known_at) for r in revised}
        assert old == {
            ("2026-01-02", 110.0, dt.datetime(2026, 3, 17)),
            ("2026-01-03", 120.0, dt.datetime(2026, 3, 17)),
        }
        assert {r.replaced_at for r in revised} == {dt.datetime(2026, 5, 27)}


def test_an_older_edition_never_overwrites_a_newer_one(
    tmp_path: Path,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    usecases.ingest(_edition(tmp_path / "gpr", V2, SECOND), settings=settings)
    with Store(settings.store_path, read_only=True) as st:
        before = st.checksum()
    older = _edition(tmp_path / "gpr", V1, FIRST)  # an old copy put back in its place
    with pytest.raises(InputError, match="older"):
        usecases.ingest(older, settings=settings)
    monkeypatch.setenv("RISKOFF_HOME", str(settings.home))
    code, _out, err = run_cli(["ingest", str(older)], capsys)
    assert code == 2
    assert "gpr:GPRD" in err
    assert f"vintage {V1}" in err
    assert err.strip().count("\n") == 0
    with Store(settings.store_path, read_only=True) as st:
        assert st.checksum() == before
        assert _values(st) == SECOND


def test_the_same_edition_twice_changes_nothing(tmp_path: Path, settings: Settings) -> None:
    folder = _edition(tmp_path / "v2", V2, SECOND)
    usecases.ingest(folder, settings=settings)
    again = usecases.ingest(folder, settings=settings)
    assert again.report.total_changed == 0


@pytest.mark.parametrize(
    ("as_of", "want"),
    [
        (dt.date(2026, 4, 1), FIRST),  # the first edition was the one known then
        (dt.date(2026, 6, 1), SECOND),
        # before either edition existed: the oldest stored, the first to print those papers
        (dt.date(2026, 1, 10), FIRST),
    ],
)
def test_a_panel_as_of_a_day_reads_the_newspapers_edition_known_then(
    tmp_path: Path, settings: Settings, as_of: dt.date, want: dict[str, float]
) -> None:
    from riskoff.catalog import Catalog
    from riskoff.panel import load_panel

    usecases.ingest(_edition(tmp_path / "gpr", V1, FIRST), settings=settings)
    usecases.ingest(_edition(tmp_path / "gpr", V2, SECOND), settings=settings)
    with Store(settings.store_path, read_only=True) as st:
        panel = load_panel(st, Catalog.default(), as_of, start=dt.date(2026, 1, 1))
    got = panel.papers["gpr:GPRD"].dropna()
    days = pd.DatetimeIndex(got.index).strftime("%Y%m%d")
    assert dict(zip(days, got.to_numpy(float).tolist(), strict=True)) == want


def test_a_diagnosis_reads_the_edition_known_at_its_moment(
    tmp_path: Path, settings: Settings
) -> None:
    """The workspace holds the newest edition; a diagnosis made before it re-reads the
    edition known then (its papers of D+1 the morning after)."""
    from types import SimpleNamespace
    from typing import Any, cast

    from riskoff.catalog import Catalog
    from riskoff.indicators.news import paper_readings
    from riskoff.panel import load_panel
    from riskoff.usecases.newspapers import news_at

    days = [dt.date(2024, 1, 1) + dt.timedelta(days=k) for k in range(800)]
    base = {d.strftime("%Y%m%d"): 100.0 for d in days}
    spike = dt.date(2025, 6, 2)  # the papers of D+1 for D = 2025-06-01
    first = {**base, spike.strftime("%Y%m%d"): 600.0}
    second = {**base, spike.strftime("%Y%m%d"): 150.0}  # a later edition rewrote it
    for vintage, values in (("2025-06-03", first), ("2026-01-10", second)):
        body = "DAY,GPRD_ACT\n" + "".join(f"{k},{v}\n" for k, v in values.items())
        row = (
            "gpr:GPRD_ACT,gpr.csv,DAY,GPRD_ACT,%Y%m%d,asc,daily,index,1985-01-01,2030-12-31,na,"
            f"vintage={vintage}"
        )
        usecases.ingest(
            write_folder(tmp_path / vintage, [row], {"gpr.csv": body}), settings=settings
        )
    with Store(settings.store_path, read_only=True) as st:
        panel = load_panel(st, Catalog.default(), start=dt.date(2024, 6, 1))
    ws = cast(Any, SimpleNamespace(panel=panel, papers=paper_readings(panel.papers)))
    d = dt.date(2025, 6, 1)
    newest, _ = news_at(ws, d, d, "next-morning")  # without the store: the workspace's edition
    assert newest["news.gpr_acts"] == 150.0
    # at the moment of the diagnosis (2025-06-02) no edition held that paper yet: the first
    then, _ = news_at(ws, d, d, "next-morning", settings)
    assert then["news.gpr_acts"] == 600.0
    # a diagnosis made after the rewrite reads the rewrite
    later, _ = news_at(ws, dt.date(2026, 2, 1), dt.date(2026, 2, 1), "next-morning", settings)
    assert later["news.gpr_acts"] == 100.0
