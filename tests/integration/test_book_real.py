"""``riskoff stress --book`` on the real data: a Dask cluster, a killed run, the CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from riskoff import usecases
from riskoff.config import Settings
from riskoff.usecases.book import stress_book
from tests.helpers import run_cli

EPISODES = ["covid-2020", "lehman-2008", "volmageddon-2018"]

ACCOUNTS = {
    "plain": "symbol,weight\nspy,0.6\nief,0.4\n",
    "levered": "symbol,weight\nspy,0.7\nqqq,0.3\nleverage,2.5\nmaintenance_margin,0.3\n",
    "crypto": "symbol,weight\nspy,0.5\nbtc,0.2\ncash,0.3\nleverage,1.8\nequity,250000\n",
    "gold": "symbol,weight\ngld,0.5\ntlt,0.5\nleverage,2\ninterest,0\n",
    "units": "symbol,quantity\nspy,100\nqqq,20\ncash,5000\nleverage,2\n",
    "daily": "symbol,weight\nqqq,1\nleverage,2\nmaintenance_margin,0.4\n",
}


def _book_csv(path: Path, accounts: dict[str, str], bad: bool = False) -> Path:
    lines = ["account,symbol,weight,quantity"]
    for name, text in accounts.items():
        header, *rows = text.strip().splitlines()
        cols = header.split(",")
        for row in rows:
            sym, num = row.split(",")
            cells = {"weight": "", "quantity": ""}
            cells[cols[1]] = num
            lines.append(f"{name},{sym},{cells['weight']},{cells['quantity']}")
    if bad:
        lines.insert(3, "broken,nosuchthing,0.5,")
        lines.insert(4, "broken,spy,0.5,")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """One 2-worker local Dask cluster for the module (processes, 127.0.0.1)."""
    distributed = pytest.importorskip("distributed")
    lc = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=":0",
        silence_logs=40,
    )
    try:
        yield str(lc.scheduler_address)
    finally:
        lc.close()


def _single_rows(settings: Settings, tmp_path: Path, name: str, text: str) -> dict[str, Any]:
    p = tmp_path / f"{name}.csv"
    p.write_text(text)
    mode = "daily" if name == "daily" else "loan"
    rep = usecases.stress_portfolio(p, episodes=EPISODES, settings=settings, mode=mode)
    return {e.id: e for e in rep.episodes} | {s.id: s for s in rep.skipped}


def test_a_book_on_a_two_worker_dask_cluster_is_each_account_alone(
    loaded_settings: Settings, tmp_path: Path, cluster: str
) -> None:
    book = _book_csv(tmp_path / "book.csv", {k: v for k, v in ACCOUNTS.items() if k != "daily"})
    report = stress_book(
        book, episodes=EPISODES, scheduler=cluster, block_size=2, settings=loaded_settings
    )
    assert report.scheduler == f"Dask scheduler {cluster}"
    assert report.partitions == (3, 0, 3)
    res = report.results
    assert len(res) == 5 * len(EPISODES)
    for name, text in ACCOUNTS.items():
        if name == "daily":
            continue
        single = _single_rows(loaded_settings, tmp_path, name, text)
        for ep in EPISODES:
            row = res[(res["account"] == name) & (res["episode"] == ep)].iloc[0]
            want = single[ep]
            if not hasattr(want, "stats"):
                assert row["status"] == "skipped"
                continue
            s = want.stats
            assert row["status"] == "replayed", (name, ep, row["reason"])
            assert row["max_drawdown"] == s.max_drawdown
            assert row["cash_needed"] == s.cash_needed
            assert row["final_equity"] == s.final_equity
            assert row["sold"] == s.sold
            assert row["interest_replay"] == s.interest_replay
            assert pd.Timestamp(row["trough_date"]).date() == s.trough_date
            call = row["margin_call"]
            assert (None if pd.isna(call) else pd.Timestamp(call).date()) == s.margin_call
            if want.equity_amount is not None:
                assert row["cash_needed_amount"] == pytest.approx(
                    s.cash_needed * want.equity_amount, abs=0
                )
    # the same book in this process gives the same numbers
    inline = stress_book(book, episodes=EPISODES, block_size=2, settings=loaded_settings)
    pd.testing.assert_frame_equal(inline.results, res)
    pd.testing.assert_frame_equal(inline.totals, report.totals)


def test_local_n_starts_its_own_cluster(loaded_settings: Settings, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    book = _book_csv(tmp_path / "book.csv", {"daily": ACCOUNTS["daily"]})
    got = stress_book(
        book,
        episodes=EPISODES,
        scheduler="local:2",
        mode="daily",
        settings=loaded_settings,
    )
    assert got.scheduler == "Dask LocalCluster, 2 worker processes"
    single = _single_rows(loaded_settings, tmp_path, "daily", ACCOUNTS["daily"])
    for _, row in got.results.iterrows():
        assert row["final_equity"] == single[row["episode"]].stats.final_equity


_CHILD = """
import sys, time
from riskoff.usecases.book import stress_book
def slow(done, total):
    if done:
        time.sleep(1.0)
stress_book(sys.argv[1], out_dir=sys.argv[2], episodes=sys.argv[3].split(","),
            block_size=1, progress=slow)
"""


def test_a_killed_run_restarts_from_the_partitions_written(
    loaded_settings: Settings, tmp_path: Path
) -> None:
    book = _book_csv(tmp_path / "book.csv", ACCOUNTS)
    out = tmp_path / "out"
    env = {**os.environ, "RISKOFF_HOME": str(loaded_settings.home)}
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(book), str(out), ",".join(EPISODES)], env=env
    )
    parts = out / "accounts"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if parts.is_dir() and len(list(parts.glob("part-*.parquet"))) >= 2:
            break
        assert child.poll() is None, "the run ended before it could be killed"
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()
    written = {f.name: f.stat() for f in parts.glob("part-*.parquet")}
    assert 2 <= len(written) < len(ACCOUNTS)
    seen: list[tuple[int, int]] = []
    report = stress_book(
        book,
        out_dir=out,
        episodes=EPISODES,
        block_size=1,
        progress=lambda d, t: seen.append((d, t)),
        settings=loaded_settings,
    )
    # the partitions of the killed run are reused as they are, only the others computed
    assert report.partitions == (len(ACCOUNTS) - len(written), len(written), len(ACCOUNTS))
    assert seen[0] == (len(written), len(ACCOUNTS))
    for name, st in written.items():
        again = (parts / name).stat()
        assert (again.st_ino, again.st_mtime_ns) == (st.st_ino, st.st_mtime_ns)
    assert not list(parts.glob("*.tmp"))
    fresh = stress_book(
        book, out_dir=tmp_path / "fresh", episodes=EPISODES, block_size=1, settings=loaded_settings
    )
    pd.testing.assert_frame_equal(report.totals, fresh.totals)
    pd.testing.assert_frame_equal(report.results, fresh.results)
    # a third run finds everything done and computes nothing
    third = stress_book(
        book, out_dir=out, episodes=EPISODES, block_size=1, settings=loaded_settings
    )
    assert third.partitions == (0, len(ACCOUNTS), len(ACCOUNTS))


def test_cli_book_json_names_bad_rows_and_writes_the_outputs(
    loaded_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("RISKOFF_HOME", str(loaded_settings.home))
    book = _book_csv(tmp_path / "book.csv", ACCOUNTS, bad=True)
    out = tmp_path / "out"
    code, stdout, _ = run_cli(
        ["stress", "--book", str(book), "-o", str(out), "--episodes", "covid-2020", "--json"],
        capsys,
    )
    assert code == 0
    doc = json.loads(stdout)
    assert doc["accounts"] == len(ACCOUNTS) + 1
    (err,) = doc["errors"]
    assert err["account"] == "broken"
    assert err["line"] == 4
    assert "book.csv account broken line 4: unknown symbol 'nosuchthing'" in err["message"]
    (covid,) = doc["totals"]
    assert covid["replayed"] == len(ACCOUNTS)
    assert covid["margin_calls"] >= 1
    for key in ("results", "summary", "html", "errors"):
        assert Path(doc["paths"][key]).exists()
    html = (out / "book.html").read_text()
    assert "covid-2020" in html
    assert "<table" in html
    summary = pd.read_csv(out / "summary.csv")
    assert summary.loc[0, "replayed"] == len(ACCOUNTS)
    # a folder of portfolio files is the same book
    folder = tmp_path / "folder"
    folder.mkdir()
    for name, text in ACCOUNTS.items():
        (folder / f"{name}.csv").write_text(text)
    code, stdout, _ = run_cli(
        ["stress", "--book", str(folder), "--episodes", "covid-2020", "--json"], capsys
    )
    assert code == 0
    again = json.loads(stdout)["totals"][0]
    assert dict(again.items()) == covid


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        pytest.param(["--book", "{tmp}/none.csv"], "none.csv", id="missing"),
        pytest.param(["--book", "{book}", "--scheduler", "local:x"], "local:N", id="sched"),
        pytest.param(["{book}", "--book", "{book}"], "one of them", id="both"),
        pytest.param(["--book", "{book}", "--on-call", "pray"], "--on-call", id="on-call"),
        pytest.param(["--book", "{book}", "--like", "2020-03-12"], "--like", id="like"),
    ],
)
def test_cli_book_bad_input_is_one_line_exit_2(
    loaded_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    needle: str,
) -> None:
    monkeypatch.setenv("RISKOFF_HOME", str(loaded_settings.home))
    book = _book_csv(tmp_path / "book.csv", {"plain": ACCOUNTS["plain"]})
    argv = [a.format(tmp=tmp_path, book=book) for a in args]
    code, out, err = run_cli(["stress", *argv, "--episodes", "covid-2020"], capsys)
    assert code == 2, err
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert needle in err


def test_parquet_book_equals_the_csv_book(loaded_settings: Settings, tmp_path: Path) -> None:
    import duckdb

    book = _book_csv(tmp_path / "book.csv", ACCOUNTS)
    pq = tmp_path / "book.parquet"
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{book}', all_varchar=true)) TO '{pq}'")
    a = stress_book(book, episodes=["covid-2020"], settings=loaded_settings)
    b = stress_book(pq, episodes=["covid-2020"], settings=loaded_settings)
    pd.testing.assert_frame_equal(a.results, b.results)
    assert np.isfinite(a.results["max_drawdown"].to_numpy(dtype=float)).all()


def test_an_output_folder_of_other_options_is_refused(
    loaded_settings: Settings, tmp_path: Path
) -> None:
    from riskoff.errors import InputError

    book = _book_csv(tmp_path / "book.csv", {"plain": ACCOUNTS["plain"]})
    out = tmp_path / "out"
    stress_book(book, out_dir=out, episodes=["covid-2020"], settings=loaded_settings)
    with pytest.raises(InputError, match="other options or other data"):
        stress_book(
            book, out_dir=out, episodes=["covid-2020"], horizon=10, settings=loaded_settings
        )
    before = sorted(p.name for p in (out / "accounts").iterdir())
    assert before == ["part-00000.parquet"]
