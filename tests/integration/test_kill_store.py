"""Many random SIGKILLs during ``riskoff ingest`` and ``riskoff update``: every store
left behind opens and is exactly the old or exactly the new one (observations, revisions,
vanished marks and identity together), never a mix; a store file killed before it holds
any table reads as an empty store.

Each kill starts from a fresh copy of the same old store, so every kill tests a real
change. The folder and the series are small so that 30 kills of each fit in CI.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from riskoff.providers.folder import read_folder
from riskoff.store import Store, StoreIdentity
from riskoff.testing.emulator import Emulator
from tests.helpers import write_folder

pytestmark = [pytest.mark.integration, pytest.mark.slow]

RISKOFF = str(Path(sys.executable).parent / "riskoff")
KILLS = 30

# A process that imports riskoff once, then forks one child per run of the command and
# SIGKILLs it after the delay it reads on stdin: every kill lands in riskoff's own work
# (not in Python's start-up), and 30 kills cost seconds, not minutes.
ZYGOTE = r"""
import os, signal, sys, time
import duckdb, httpx, pandas, rich.progress, rich.table
import riskoff.catalog, riskoff.cli, riskoff.usecases.ingesting, riskoff.providers.folder
import riskoff.usecases.updating, riskoff.providers.update, riskoff.store
for line in sys.stdin:
    delay = float(line)
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        sys.argv = ["riskoff", *sys.argv[1:]]
        code = 0
        try:
            riskoff.cli.main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0
        os._exit(code)
    killed = False
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() - t0 >= delay:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            killed = True
            break
        time.sleep(0.0005)
    code = -1 if killed else os.waitstatus_to_exitcode(status)
    print(code, round(time.monotonic() - t0, 4), flush=True)
"""


class Zygote:
    """Runs ``riskoff ARGS`` in forked children of one warm process."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE, *args],
            env={**env, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, delay: float) -> tuple[int, float]:
        """(exit code, or -1 when killed; seconds it ran)."""
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.write(f"{delay}\n")
        self.proc.stdin.flush()
        code, took = self.proc.stdout.readline().split()
        return int(code), float(took)

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


State = tuple[tuple[tuple[str, int, float], ...], int, int, int]
EMPTY: State = ((), 0, 0, 0)


def _state(path: Path) -> State | None:
    """Everything a load may change (the data, its revisions and marks, the identity's
    version), or None for a file that holds no store."""
    return _state_and_id(path)[0]


def _state_and_id(path: Path) -> tuple[State | None, str]:
    """:func:`_state` and the store's id, read in one opening of the file."""
    with Store(path, read_only=True) as st:
        ident = st.identity
        if ident == StoreIdentity("", 0):
            return None, ident.store_id
        con = st._con
        obs = con.execute(
            """SELECT symbol, count(*), round(sum(value), 6) FROM observations
               GROUP BY symbol ORDER BY symbol"""
        ).fetchall()
        revs = con.execute("SELECT count(*) FROM revisions").fetchall()[0][0]
        gone = con.execute(
            "SELECT count(*) FROM observations WHERE vanished_at IS NOT NULL"
        ).fetchall()[0][0]
    state = (
        tuple((str(s), int(n), float(v)) for s, n, v in obs),
        int(revs),
        int(gone),
        ident.version,
    )
    return state, ident.store_id


def _store_id(path: Path) -> str:
    with Store(path, read_only=True) as st:
        return st.identity.store_id


def _kill_at_random(
    zygote: Zygote,
    home: Path,
    start: Path | None,
    allowed: list[State | None],
    span: float,
    seed: int,
    kills: int = KILLS,
) -> list[str]:
    """Run the zygote's command from a copy of ``start`` (None: no store) until it was
    killed ``kills`` times, each time after a random delay in [0, span); assert every
    store left (killed or finished) is one of ``allowed`` and keeps ``start``'s
    identity."""
    rng = random.Random(seed)
    store = home / "riskoff.duckdb"
    start_id = _store_id(start) if start is not None else None
    outcomes: list[str] = []
    i = 0
    while sum(o.endswith("killed") for o in outcomes) < kills and i < 3 * kills:
        i += 1
        for p in home.glob("riskoff.duckdb*"):
            p.unlink()
        if start is not None:
            shutil.copy(start, store)
        delay = rng.uniform(0.0, span * 0.95)
        code, _took = zygote.run(delay)
        assert code in (-1, 0), f"run {i} failed with exit {code} (seed {seed})"
        outcomes.append(f"{delay:.4f}s:{'killed' if code == -1 else 'finished'}")
        where = f"run {i} after {delay:.4f} s (seed {seed}; run so far: {outcomes})"
        if not store.exists():
            assert None in allowed, f"no store left by {where}"
            continue
        try:
            got, got_id = _state_and_id(store)
        except Exception as exc:  # any failure to read is corruption
            pytest.fail(f"the store does not open after {where}: {exc}")
        assert got in allowed, f"a store that is neither old nor new after {where}: {got}"
        if start_id is not None:
            assert got_id == start_id, f"the store changed identity after {where}"
        with Store(store) as st:  # and it takes the next write
            assert got is None or st.identity.version == got[3]
    assert sum(o.endswith("killed") for o in outcomes) >= kills, f"too few kills: {outcomes}"
    return outcomes


def _folder(root: Path, version: int) -> Path:
    """Six symbols, a few thousand rows each; version 2 changes every 97th value, drops a
    row and adds a year."""
    rows: list[str] = []
    files: dict[str, str | bytes] = {}
    start = dt.date(2000, 1, 1)
    for k in range(6):
        lines = ["date,value"]
        for d in range(3000 + (365 if version == 2 else 0)):
            if version == 2 and k == 0 and d == 10:
                continue  # a row that vanished from the source
            v = 100.0 + k + ((d * 7919 + k * 31) % 1000) / 1000
            v += 0.5 if version == 2 and d % 97 == 0 else 0.0
            lines.append(f"{start + dt.timedelta(days=d)},{v:.6f}")
        name = f"s{k}.csv"
        files[name] = "\n".join(lines) + "\n"
        rows.append(f"test:S{k},{name},date,value,iso,asc,daily,index,2000-01-01,2030-12-31,na,")
    return write_folder(root, rows, files)


def test_sigkill_during_ingest_30_times(tmp_path: Path) -> None:
    seed = int.from_bytes(os.urandom(4), "little")
    folder = tmp_path / "data"
    home = tmp_path / "home"
    home.mkdir()
    store = home / "riskoff.duckdb"
    zygote = Zygote(["ingest", str(folder)], {**os.environ, "RISKOFF_HOME": str(home)})
    try:
        # from no store at all: no file, an empty store, or the new store
        _folder(folder, 2)
        span = zygote.run(1e9)[1]
        fresh = _state(store)
        _kill_at_random(zygote, home, None, [None, EMPTY, fresh], span, seed, 10)
        # from an old store: the old one or the new one, revisions and marks included
        for p in home.glob("riskoff.duckdb*"):
            p.unlink()
        shutil.rmtree(folder)
        _folder(folder, 1)
        assert zygote.run(1e9)[0] == 0
        old_copy = tmp_path / "old.duckdb"
        shutil.copy(store, old_copy)
        old = _state(store)
        shutil.rmtree(folder)
        _folder(folder, 2)
        span = zygote.run(1e9)[1]
        new = _state(store)
        assert old is not None
        assert new is not None
        assert new[1] > 0
        assert new[2] == 1
        assert new[3] == old[3] + 1
        _kill_at_random(zygote, home, old_copy, [old, new], span, seed + 1)
    finally:
        zygote.close()


SYMBOLS = ["fred:WALCL", "yahoo:SPY", "coinbase:BTC-USD"]


@pytest.fixture(scope="module")
def emu(data_dir: Path) -> Iterator[Emulator]:
    with Emulator(data_dir, fred_limit=None, preload=SYMBOLS, latency_ms=5) as e:
        yield e


def test_sigkill_during_update_30_times(tmp_path: Path, data_dir: Path, emu: Emulator) -> None:
    seed = int.from_bytes(os.urandom(4), "little")
    home = tmp_path / "home"
    home.mkdir()
    store = home / "riskoff.duckdb"
    data = read_folder(data_dir, symbols=SYMBOLS, until=dt.date(2024, 12, 31))
    with Store(store) as st:
        st.load(data.frames, {}, kind="ingest", source="test")
    old_copy = tmp_path / "old.duckdb"
    shutil.copy(store, old_copy)
    old = _state(store)
    env = {**os.environ, **emu.env(), "RISKOFF_HOME": str(home)}
    env.pop("FRED_API_KEY", None)
    zygote = Zygote(["update", "--symbols", ",".join(SYMBOLS)], env)
    try:
        code, span = zygote.run(1e9)
        assert code == 0
        new = _state(store)
        assert old is not None
        assert new is not None
        assert new != old
        _kill_at_random(zygote, home, old_copy, [old, new], span, seed)
    finally:
        zygote.close()


def test_store_file_with_no_tables_reads_as_empty(tmp_path: Path) -> None:
    """What a SIGKILL right after DuckDB created the file leaves: every reader sees an
    empty store (exit 2 with the ingest hint), and the next ingest fills it."""
    home = tmp_path / "home"
    home.mkdir()
    duckdb.connect(str(home / "riskoff.duckdb")).close()
    env = {**os.environ, "RISKOFF_HOME": str(home)}
    run = subprocess.run(
        [RISKOFF, "diagnose", "2020-03-12"], env=env, capture_output=True, text=True
    )
    assert run.returncode == 2, run.stderr
    assert "riskoff ingest" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert "Traceback" not in run.stderr
