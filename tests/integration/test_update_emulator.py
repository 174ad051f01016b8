"""``riskoff update`` end to end: the real provider code against the local emulator.

The emulator serves ``../shared/data`` through FRED's, Yahoo's and Coinbase's own URLs
and payload shapes, so an update into an empty store must give exactly what ``ingest``
gives. No test here reaches the internet: every base URL points at 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from riskoff import usecases
from riskoff.config import Settings
from riskoff.errors import InputError, ProviderUnavailable, StoreError, UnknownSymbolError
from riskoff.providers.folder import read_folder
from riskoff.providers.http import RetryPolicy, TokenBucket
from riskoff.providers.registry import is_live, live_prefixes, provider_class
from riskoff.providers.update import FetchTask, fetch_many
from riskoff.store import Store
from riskoff.testing.emulator import Emulator, Fault
from tests.helpers import run_cli

pytestmark = pytest.mark.integration

SUBSET = ["fred:SOFR", "fred:WALCL", "yahoo:^GSPC", "yahoo:SPY", "coinbase:BTC-USD"]
MORE = ["yahoo:JPY=X", "yahoo:^N225", "yahoo:NVDA"]  # London and Tokyo dating; 3 segments
FAULT_SET = ["fred:SOFR", "yahoo:SPY", "coinbase:BTC-USD"]
SEED_CUT = dt.date(2026, 7, 31)  # the seeded store stops here, so an update has news
FAST = RetryPolicy(attempts=4, base=0.01, cap=0.05)
EMU_FRED_LIMIT = 20  # requests per sliding second the test emulator allows
CLIENT_RATE = 15.0  # what the client limiter sends: below the limit, with headroom


def _ingest_subset(data_dir: Path, symbols: list[str], store: Store, until: dt.date | None) -> None:
    """What ``riskoff ingest`` does, for these symbols only: stitch, then one load."""
    catalog = usecases.load_catalog(Settings(home=Path("/nonexistent")))
    data = read_folder(data_dir, symbols=symbols, until=until, catalog=catalog)
    assert not data.errors
    infos = {s: catalog[s] for s in data.frames}
    store.load(data.frames, infos, kind="ingest", source=f"folder:{data_dir}")


def _update(settings: Settings, symbols: list[str], **kw: Any) -> usecases.UpdateResult:
    kw.setdefault("fred_limiter", TokenBucket(CLIENT_RATE))
    kw.setdefault("retry", FAST)
    return usecases.update(symbols=symbols, settings=settings, **kw)


def _fingerprint(path: Path, symbol: str) -> tuple[int, float]:
    with Store(path, read_only=True) as st:
        frame = st.read([symbol])
    return len(frame), float(frame["value"].sum())


@pytest.fixture(scope="module")
def emu(data_dir: Path) -> Iterator[Emulator]:
    with Emulator(data_dir, fred_limit=EMU_FRED_LIMIT, preload=SUBSET + MORE) as e:
        yield e


@pytest.fixture
def emulator(emu: Emulator) -> Emulator:
    """The shared emulator with no faults queued and its counters at zero."""
    emu.clear_faults()
    emu.reset_counts()
    emu.reject_keys.clear()
    emu.latency_ms = 0.0
    return emu


@pytest.fixture(scope="module")
def expected(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    """The ingested values of SUBSET + MORE, read back from a store."""
    path = tmp_path_factory.mktemp("ingested") / "riskoff.duckdb"
    with Store(path) as st:
        _ingest_subset(data_dir, SUBSET + MORE, st, None)
        return {s: st.read([s])[["date", "value"]] for s in SUBSET + MORE}


@pytest.fixture(scope="module")
def seeded(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding FAULT_SET ingested up to SEED_CUT."""
    path = tmp_path_factory.mktemp("seeded") / "riskoff.duckdb"
    with Store(path) as st:
        _ingest_subset(data_dir, FAULT_SET, st, SEED_CUT)
    return path


@pytest.fixture
def seeded_home(seeded: Path, tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(seeded, home / "riskoff.duckdb")
    return home


def _assert_same(store_path: Path, expected: dict[str, pd.DataFrame], symbols: list[str]) -> None:
    with Store(store_path, read_only=True) as st:
        for sym in symbols:
            got = st.read([sym])[["date", "value"]].reset_index(drop=True)
            want = expected[sym].reset_index(drop=True)
            assert len(got) == len(want), sym
            assert (got["date"].to_numpy() == want["date"].to_numpy()).all(), sym
            assert (got["value"].to_numpy() == want["value"].to_numpy()).all(), sym


# -- an update equals an ingest; a second update is (almost) free ------------------------


def test_update_into_empty_store_equals_ingest_then_nothing_new(
    tmp_path: Path, emulator: Emulator, expected: dict[str, pd.DataFrame]
) -> None:
    settings = emulator.settings(tmp_path)
    symbols = SUBSET + MORE
    first = _update(settings, symbols)
    assert not first.failed, [r.message for r in first.failed]
    _assert_same(settings.store_path, expected, symbols)
    assert first.report is not None
    assert first.report.total_changed == sum(len(expected[s]) for s in symbols)
    # one request per series, except the exchange's 300-candle pages
    counts = emulator.counts_by_symbol()
    for sym in symbols:
        if sym.startswith("coinbase:"):
            assert counts[sym] >= 14
        else:
            assert counts[sym] == 1, sym
    with Store(settings.store_path, read_only=True) as st:
        meta = st.series_meta()
        before = st.checksum()
    assert meta["fred:SOFR"]["source"] == "fred"
    assert meta["yahoo:SPY"]["source"] == "yahoo"
    assert meta["yahoo:SPY"]["adjusted"] == "yes"
    assert meta["coinbase:BTC-USD"]["source"] == "coinbase"

    emulator.reset_counts()
    second = _update(settings, symbols)
    assert not second.failed
    assert second.report is not None
    assert second.report.total_changed == 0
    assert all(n <= 1 for n in emulator.counts_by_symbol().values())
    assert sum(emulator.counts_by_symbol().values()) <= len(symbols)
    with Store(settings.store_path, read_only=True) as st:
        assert st.checksum() == before


def test_fred_api_with_a_key_equals_the_keyless_csv(
    tmp_path: Path, emulator: Emulator, expected: dict[str, pd.DataFrame]
) -> None:
    settings = emulator.settings(tmp_path, api_key="a-valid-key")
    result = _update(settings, ["fred:SOFR", "fred:WALCL"])
    assert not result.failed
    _assert_same(settings.store_path, expected, ["fred:SOFR", "fred:WALCL"])
    assert emulator.count(path="/fred/series/observations") == 2
    assert emulator.count(path="/graph/fredgraph.csv") == 0


def test_update_fetches_from_the_last_date_minus_the_revision_window(
    seeded_home: Path, emulator: Emulator, expected: dict[str, pd.DataFrame]
) -> None:
    settings = emulator.settings(seeded_home)
    result = _update(settings, FAULT_SET)
    assert not result.failed
    for r in result.results:
        assert r.start == SEED_CUT - dt.timedelta(days=usecases.REVISION_DAYS) or (
            r.start is not None and r.start < SEED_CUT
        )
        assert r.requests == 1
        new = int((expected[r.symbol]["date"] > pd.Timestamp(SEED_CUT)).sum())
        assert result.changed(r.symbol) == new > 0
    _assert_same(settings.store_path, expected, FAULT_SET)


# -- faults: a successful retry or a clear per-series error, never a half write ----------

TRANSIENT = [
    pytest.param(Fault("429", "fred:SOFR", retry_after=0), id="429-fred"),
    pytest.param(Fault("429", "coinbase", retry_after=0), id="429-coinbase"),
    pytest.param(Fault("500", "yahoo:SPY"), id="500-yahoo"),
    pytest.param(Fault("500", "fred:SOFR", times=2), id="500-twice-fred"),
    pytest.param(Fault("reset", "fred:SOFR"), id="reset-fred"),
    pytest.param(Fault("reset", "coinbase:BTC-USD"), id="reset-coinbase"),
    pytest.param(Fault("truncate", "yahoo:SPY"), id="truncate-yahoo"),
    pytest.param(Fault("truncate", "fred:SOFR"), id="truncate-fred-csv"),
    pytest.param(Fault("malformed", "yahoo:SPY"), id="malformed-yahoo"),
    pytest.param(Fault("malformed", "coinbase:BTC-USD"), id="malformed-coinbase"),
    # the keyless CSV answering one HTML page is retried (issue 25 item 8)
    pytest.param(Fault("malformed", "fred:SOFR"), id="html-once-fred-csv"),
    pytest.param(Fault("latency", "yahoo:SPY", latency_ms=300), id="latency-yahoo"),
]


@pytest.mark.parametrize("fault", TRANSIENT)
def test_transient_fault_is_retried(
    fault: Fault, seeded_home: Path, emulator: Emulator, expected: dict[str, pd.DataFrame]
) -> None:
    target = fault.symbol or ""
    emulator.add_fault(fault)
    settings = emulator.settings(seeded_home)
    result = _update(settings, FAULT_SET)
    assert not result.failed, [r.message for r in result.failed]
    _assert_same(settings.store_path, expected, FAULT_SET)
    if fault.kind != "latency":
        hits = sum(r.requests for r in result.results if r.symbol.startswith(target))
        assert hits >= 2  # the failed try and the retry


PERMANENT = [
    pytest.param(Fault("500", "fred:SOFR", times=None), r"failed after 4 tries \(HTTP 500\)",
                 id="500-forever"),
    pytest.param(Fault("429", "yahoo:SPY", times=None, retry_after=0), "still rate limited",
                 id="429-forever"),
    pytest.param(Fault("reset", "coinbase:BTC-USD", times=None), "failed after 4 tries",
                 id="reset-forever"),
    pytest.param(Fault("truncate", "yahoo:SPY", times=None), "failed after 4 tries",
                 id="truncate-forever"),
    pytest.param(Fault("malformed", "coinbase:BTC-USD", times=None), "malformed JSON",
                 id="malformed-forever"),
    pytest.param(Fault("malformed", "fred:SOFR", times=None), "answered with HTML",
                 id="html-forever-fred-csv"),
    pytest.param(Fault("unknown", "fred:SOFR"), "FRED has no series 'SOFR'", id="unknown-fred"),
    pytest.param(Fault("unknown", "yahoo:SPY"), "Yahoo has no symbol 'SPY'", id="unknown-yahoo"),
    pytest.param(Fault("unknown", "coinbase:BTC-USD"), "Coinbase has no product",
                 id="unknown-coinbase"),
    pytest.param(Fault("unauthorized", "yahoo:SPY"), "HTTP 401", id="unauthorized-yahoo"),
]  # fmt: skip


@pytest.mark.parametrize(("fault", "message"), PERMANENT)
def test_permanent_fault_is_a_clear_error_and_leaves_the_series_untouched(
    fault: Fault,
    message: str,
    seeded_home: Path,
    emulator: Emulator,
    expected: dict[str, pd.DataFrame],
) -> None:
    target = fault.symbol or ""
    settings = emulator.settings(seeded_home)
    before = _fingerprint(settings.store_path, target)
    emulator.add_fault(fault)
    result = _update(settings, FAULT_SET)
    assert [r.symbol for r in result.failed] == [target]
    assert re.search(message, result.failed[0].message), result.failed[0].message
    assert _fingerprint(settings.store_path, target) == before
    others = [s for s in FAULT_SET if s != target]
    _assert_same(settings.store_path, expected, others)
    with Store(settings.store_path, read_only=True) as st:
        log = st.load_log(5)
    assert any(row["status"] == "failed" and target in row["message"] for row in log)


def test_empty_answer_is_fine_for_a_stored_series_but_an_error_for_a_new_one(
    seeded_home: Path, emulator: Emulator
) -> None:
    settings = emulator.settings(seeded_home)
    before = _fingerprint(settings.store_path, "yahoo:SPY")
    emulator.add_fault(Fault("empty", "yahoo:SPY"))
    emulator.add_fault(Fault("empty", "yahoo:^GSPC"))
    result = _update(settings, ["yahoo:SPY", "yahoo:^GSPC"])
    assert [r.symbol for r in result.failed] == ["yahoo:^GSPC"]
    assert "sent no observations" in result.failed[0].message
    assert _fingerprint(settings.store_path, "yahoo:SPY") == before
    assert _fingerprint(settings.store_path, "yahoo:^GSPC") == (0, 0.0)


def test_retry_after_is_honoured(seeded_home: Path, emulator: Emulator) -> None:
    emulator.add_fault(Fault("429", "fred:SOFR", retry_after=1))
    t0 = time.monotonic()
    result = _update(emulator.settings(seeded_home), ["fred:SOFR"])
    assert not result.failed
    assert time.monotonic() - t0 >= 1.0
    assert emulator.count(symbol="fred:SOFR", status=429) == 1


def test_a_crash_while_writing_leaves_the_store_as_it_was(
    seeded_home: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = emulator.settings(seeded_home)
    with Store(settings.store_path, read_only=True) as st:
        before = st.checksum()
    original = Store.load

    def crashing_load(self: Store, *args: Any, **kwargs: Any) -> Any:
        kwargs["fail_after"] = 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Store, "load", crashing_load)
    with pytest.raises(StoreError, match="injected failure"):
        _update(settings, FAULT_SET)
    with Store(settings.store_path, read_only=True) as st:
        assert st.checksum() == before


# -- rate limits -------------------------------------------------------------------------


def test_emulator_answers_429_beyond_its_fred_limit(data_dir: Path) -> None:
    with Emulator(data_dir, fred_limit=2, preload=["fred:WALCL"]) as emu, httpx.Client() as c:
        codes = [
            c.get(f"{emu.url}/graph/fredgraph.csv", params={"id": "WALCL"}).status_code
            for _ in range(5)
        ]
        assert codes == [200, 200, 429, 429, 429]
        assert emu.limited == 3
        # Yahoo and the exchange are not limited
        assert c.get(f"{emu.url}/v8/finance/chart/NOPE").status_code == 404


def test_shared_limiter_keeps_fred_below_the_limit(tmp_path: Path, data_dir: Path) -> None:
    fred = [f"fred:{s}" for s in ("SOFR", "WALCL", "EFFR", "IORB", "DGS2", "DGS10", "VIXCLS")]
    with Emulator(data_dir, fred_limit=5, preload=fred) as emu:
        # without a client limiter the emulator pushes back (and retries still succeed)
        loose = _update(emu.settings(tmp_path / "a"), fred, fred_limiter=TokenBucket(1000),
                        retry=RetryPolicy(attempts=6, base=0.05, cap=0.2))  # fmt: skip
        assert not loose.failed
        assert emu.limited > 0
        emu.reset_counts()
        time.sleep(1.0)
        tight = _update(emu.settings(tmp_path / "b"), fred, fred_limiter=TokenBucket(3.5))
        assert not tight.failed
        assert emu.limited == 0
        assert emu.count(status=429) == 0
        assert emu.count() == len(fred)


@pytest.mark.slow
def test_whole_catalogue_with_latency_has_no_429(tmp_path: Path, data_dir: Path) -> None:
    catalog = usecases.load_catalog(Settings(home=tmp_path))
    live = [s for s in catalog if is_live(s)]
    with Emulator(data_dir, latency_ms=50, fred_limit=EMU_FRED_LIMIT, preload=live) as emu:
        t0 = time.monotonic()
        result = usecases.update(
            settings=emu.settings(tmp_path), fred_limiter=TokenBucket(CLIENT_RATE), retry=FAST
        )
        seconds = time.monotonic() - t0
        assert not result.failed, [r.message for r in result.failed]
        assert len(result.results) == len(live)
        assert emu.limited == 0
        assert emu.count(status=429) == 0
        fred = sum(1 for s in live if s.startswith("fred:"))
        assert emu.count(symbol="fred") == fred
        # the limiter, not the latency, bounds FRED: about fred / CLIENT_RATE seconds
        assert seconds >= (fred - 1) / CLIENT_RATE * 0.9
        print(f"whole catalogue: {len(live)} series, {emu.count()} requests, {seconds:.1f} s")


# -- no network --------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _offline_env(home: Path) -> dict[str, str]:
    url = f"http://127.0.0.1:{_closed_port()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RISKOFF_", "FRED_"))}
    env.update(
        RISKOFF_HOME=str(home),
    )
    env.update({provider_class(p).url_env: url for p in live_prefixes()})
    return env


def test_no_network_fails_fast_with_an_ingest_hint(tmp_path: Path) -> None:
    settings = Settings.from_env(_offline_env(tmp_path))
    t0 = time.monotonic()
    with pytest.raises(ProviderUnavailable, match="riskoff ingest") as info:
        usecases.update(settings=settings)
    assert time.monotonic() - t0 < 10
    assert "unreachable" in str(info.value)
    with Store(settings.store_path, read_only=True) as st:
        assert st.checksum() == (0, 0.0)


def test_an_unreachable_provider_is_found_by_one_series(tmp_path: Path) -> None:
    settings = Settings.from_env(_offline_env(tmp_path))
    catalog = usecases.load_catalog(settings)
    tasks = [FetchTask(catalog[s]) for s in catalog if is_live(s)]
    results = fetch_many(tasks, settings, fred_limiter=TokenBucket(1000), retry=FAST)
    assert len(results) == len(tasks)
    assert all(isinstance(r.error, ProviderUnavailable) for r in results)
    # per provider: the first series tries twice (one quick second chance); no one else
    assert sum(r.requests for r in results) == 2 * len({t.info.provider for t in tasks})


def test_cli_no_network_is_one_line(tmp_path: Path) -> None:
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "riskoff.cli", "update"],
        env=_offline_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert time.monotonic() - t0 < 20
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("riskoff: error:")
    assert "riskoff ingest" in lines[0]
    assert "Traceback" not in proc.stderr


# -- input errors ------------------------------------------------------------------------


def test_update_input_errors(tmp_path: Path) -> None:
    settings = Settings.from_env(_offline_env(tmp_path))
    with pytest.raises(InputError, match="unknown provider"):
        usecases.update(providers="fred,bloomberg", settings=settings)
    with pytest.raises(InputError, match="no live provider"):
        usecases.update(symbols=["ofr:FSI"], settings=settings)
    with pytest.raises(UnknownSymbolError):
        usecases.update(symbols=["fred:NOPE_NOT_A_SERIES"], settings=settings)
    with pytest.raises(InputError, match="nothing to update"):
        usecases.update(providers="crypto", symbols=["fred:SOFR"], settings=settings)


# -- the command line --------------------------------------------------------------------


class _Cli:
    """Runs ``riskoff update ...`` in-process through the real entry point."""

    def __init__(
        self, emu: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        self.emu, self.monkeypatch, self.capsys = emu, monkeypatch, capsys

    def __call__(self, home: Path, *args: str, key: str | None = None) -> tuple[int, str, str]:
        for name, value in {**self.emu.env(), "RISKOFF_HOME": str(home)}.items():
            self.monkeypatch.setenv(name, value)
        if key:
            self.monkeypatch.setenv("FRED_API_KEY", key)
        else:
            self.monkeypatch.delenv("FRED_API_KEY", raising=False)
        return run_cli(["update", *args], self.capsys)


@pytest.fixture
def cli(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> _Cli:
    monkeypatch.setenv("COLUMNS", "200")
    return _Cli(emulator, monkeypatch, capsys)


def test_cli_update_table_and_exit_codes(seeded_home: Path, emulator: Emulator, cli: _Cli) -> None:
    code, out, _ = cli(seeded_home, "--symbols", "fred:SOFR,coinbase:BTC-USD")
    assert code == 0
    assert "fred:SOFR" in out
    assert "2 series checked" in out
    emulator.add_fault(Fault("unknown", "yahoo:SPY", times=None))
    code, out, _ = cli(seeded_home, "--provider", "yahoo", "--symbols", "yahoo:SPY,fred:SOFR")
    assert code == 1
    assert "yahoo:SPY" in out
    assert "failed" in out
    assert "fred:SOFR" not in out  # filtered out by --provider
    code, _, err = cli(seeded_home, "--provider", "bloomberg")
    assert code == 2
    assert err.strip().startswith("riskoff: error: unknown provider")
    assert len(err.strip().splitlines()) == 1


def test_a_rejected_key_stops_asking_fred(tmp_path: Path, data_dir: Path) -> None:
    fred = [f"fred:{s}" for s in ("SOFR", "WALCL", "EFFR", "IORB", "DGS2", "DGS10", "VIXCLS")]
    fred += ["fred:DGS30", "fred:T10Y2Y", "fred:DFF"]
    with Emulator(data_dir, fred_limit=None, reject_keys=["bad-key"]) as emu:
        result = _update(emu.settings(tmp_path, api_key="bad-key"), fred)
        assert len(result.failed) == len(fred)
        assert all("FRED rejected the API key" in r.message for r in result.failed)
        assert emu.count() == 1  # the first series finds out; the others do not ask again


# -- the FRED key never shows ------------------------------------------------------------


def test_fred_key_never_appears_anywhere(
    tmp_path: Path, emulator: Emulator, cli: _Cli, caplog: pytest.LogCaptureFixture
) -> None:
    key = f"canary-{uuid.uuid4().hex}"
    caplog.set_level(logging.DEBUG)
    home = tmp_path / "home"
    settings = emulator.settings(home, api_key=key)
    fred = ["fred:SOFR", "fred:WALCL"]
    texts: list[str] = [repr(settings)]

    # 1. a keyed update through every transient fault
    for kind in ("500", "reset", "truncate", "malformed"):
        emulator.add_fault(Fault(kind, "fred:SOFR"))
    emulator.add_fault(Fault("429", "fred:WALCL", retry_after=0))
    good = _update(settings, fred, retry=RetryPolicy(attempts=6, base=0.01, cap=0.05))
    assert not good.failed
    assert emulator.count(path="/fred/series/observations") >= 7
    assert all(r.with_key for r in emulator.records)

    # 2. failures that cannot be retried away
    emulator.add_fault(Fault("500", "fred:WALCL", times=None))
    emulator.add_fault(Fault("reset", "fred:SOFR", times=None))
    failing = _update(settings, fred)
    texts += [r.message for r in failing.failed]
    assert len(failing.failed) == 2
    emulator.clear_faults()

    # 3. the key is rejected
    emulator.reject_keys.add(key)
    rejected = _update(settings, fred)
    assert len(rejected.failed) == 2
    for r in rejected.failed:
        assert "FRED rejected the API key" in r.message
        assert "not registered" in r.message
        texts.append(r.message)
        texts.append(repr(r.error))

    # 4. the command line, rejected and accepted
    code, out, err = cli(home, "--symbols", "fred:SOFR", key=key)
    assert code == 1
    assert "FRED rejected the API key" in out
    texts += [out, err]
    emulator.reject_keys.clear()
    code, out, err = cli(home, "--symbols", "fred:SOFR,fred:WALCL", key=key)
    assert code == 0, err
    texts += [out, err]

    # logs: message, arguments and any exception text
    assert caplog.records
    for rec in caplog.records:
        texts.append(rec.getMessage())
        texts.append(repr(rec.args))
        if rec.exc_info and rec.exc_info[1] is not None:
            texts.append(repr(rec.exc_info[1]))
    # the store: every table, and the raw database file
    with Store(settings.store_path, read_only=True) as st:
        texts.append(st.read().to_csv())
        texts.append(repr(st.series_meta()))
        texts.append(repr(st.load_log(100)))
    for path in home.iterdir():
        assert key.encode() not in path.read_bytes(), path
    leaks = [t for t in texts if key in t]
    assert not leaks, leaks[:1]
