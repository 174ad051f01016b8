"""Every registered live provider honours the same contract, against its own emulator.

Parametrised over ``riskoff.providers`` entry points: the built-in FRED, Yahoo and
Coinbase providers and any installed plugin (the development environment installs the
``demo:`` provider of ``tests/plugins/riskoff_testplugin``). Each runs on 127.0.0.1
against the emulator routes it ships, on its own ``example`` symbol:

- a full fetch gives a canonical frame (sorted unique days, finite float values);
- an incremental fetch gives the same values from its start on, with fewer rows;
- a 429 with ``Retry-After`` is waited out for at least that long, then answered;
- a 500 is retried; a 500 that never ends is one clear line naming the series;
- a truncated body and a malformed body are retried, and a clear error when they last;
- an API key never appears in an error message or a log record.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskoff.catalog import Catalog, SeriesInfo
from riskoff.config import Settings
from riskoff.errors import ProviderError
from riskoff.providers.base import Provider
from riskoff.providers.http import RetryPolicy, SeriesSession, TokenBucket
from riskoff.providers.registry import live_prefixes, provider_class
from riskoff.testing.emulator import Emulator, Fault

TODAY = dt.date(2026, 8, 21)
RETRY = RetryPolicy(attempts=3, base=0.01, cap=0.05)
CANARY = "canary-key-7f3a9c"
PREFIXES = live_prefixes()


@pytest.fixture(scope="module")
def emulator(data_dir: Path) -> Iterator[Emulator]:
    examples = [provider_class(p).example for p in PREFIXES]
    limits: dict[str, int | None] = dict.fromkeys(PREFIXES)
    with Emulator(data_dir, limits=limits, preload=examples) as emu:
        yield emu


@pytest.fixture(autouse=True)
def _clean(emulator: Emulator) -> Iterator[None]:
    emulator.clear_faults()
    emulator.reset_counts()
    yield
    emulator.clear_faults()


def _info(symbol: str) -> SeriesInfo:
    found = Catalog.default().get(symbol)
    if found is not None:
        return found
    return SeriesInfo(
        symbol=symbol,
        name=symbol,
        asset_class="other",
        role="reference",
        units="x",
        frequency="business-daily",
    )


class _Run:
    """One provider pointed at the emulator, with a fast limiter and recorded sleeps."""

    def __init__(self, prefix: str, emu: Emulator, *, api_key: str | None = None) -> None:
        cls = provider_class(prefix)
        self.provider: Provider = cls(
            emu.settings(Path("/nonexistent"), api_key=api_key), limiter=TokenBucket(1000.0)
        )
        self.symbol = cls.example
        self.info = _info(self.symbol)
        self.sleeps: list[float] = []

    def fetch(self, start: dt.date | None = None) -> tuple[pd.DataFrame, int]:
        def sleep(seconds: float) -> None:
            self.sleeps.append(seconds)
            time.sleep(seconds)

        session = self.provider.open_session(retry=RETRY, sleep=sleep)
        try:
            scoped = SeriesSession(session, self.symbol)
            query = self.provider.build_query(self.info, start, TODAY)
            return self.provider.fetch(scoped, query), scoped.requests
        finally:
            session.close()


def _assert_canonical(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == ["date", "value"]
    assert frame["date"].dtype.kind == "M"
    assert frame["value"].dtype == np.float64
    assert frame["date"].is_monotonic_increasing
    assert frame["date"].is_unique
    assert np.isfinite(frame["value"].to_numpy()).all()
    assert (frame["date"] == frame["date"].dt.normalize()).all()


def _one_line(exc: BaseException, symbol: str) -> str:
    text = str(exc)
    assert "\n" not in text, text
    assert "Traceback" not in text
    assert symbol.split(":", 1)[1] in text, text
    return text


@pytest.fixture(params=PREFIXES)
def run(request: pytest.FixtureRequest, emulator: Emulator) -> _Run:
    return _Run(str(request.param), emulator)


def test_every_provider_declares_what_the_registry_lists() -> None:
    for prefix in PREFIXES:
        cls = provider_class(prefix)
        assert cls.prefix == prefix
        assert cls.groups, prefix
        assert cls.url_env.startswith("RISKOFF_")
        assert cls.url_env.endswith("_URL")
        assert cls.default_url.startswith("https://")
        assert cls.description
        assert cls.display
        assert cls.example.startswith(f"{prefix}:")
        assert cls.rate_limit is None or cls.rate_limit > 0
    envs = [provider_class(p).url_env for p in PREFIXES]
    assert len(set(envs)) == len(envs)


def test_full_fetch_is_canonical(run: _Run, emulator: Emulator) -> None:
    frame, requests = run.fetch()
    _assert_canonical(frame)
    assert len(frame) > 100
    assert requests == emulator.count(symbol=run.symbol) >= 1


def test_incremental_fetch_is_the_tail_of_the_full_one(run: _Run) -> None:
    full, _ = run.fetch()
    start = (full["date"].iloc[-1] - pd.Timedelta(days=60)).date()
    tail, _ = run.fetch(start)
    _assert_canonical(tail)
    assert 0 < len(tail) < len(full)
    assert tail["date"].iloc[0].date() >= start - dt.timedelta(days=1)
    merged = tail.merge(full, on="date", suffixes=("_tail", "_full"))
    assert len(merged) == len(tail)
    assert (merged["value_tail"] == merged["value_full"]).all()


def test_429_with_retry_after_is_waited_out(run: _Run, emulator: Emulator) -> None:
    emulator.add_fault(Fault("429", symbol=run.symbol, retry_after=0.4))
    frame, requests = run.fetch()
    assert len(frame) > 100
    assert requests >= 2
    assert emulator.count(symbol=run.symbol, status=429) == 1
    assert max(run.sleeps) >= 0.4


def test_500_is_retried_then_a_clear_error(run: _Run, emulator: Emulator) -> None:
    emulator.add_fault(Fault("500", symbol=run.symbol))
    frame, requests = run.fetch()
    assert len(frame) > 100
    assert requests >= 2
    emulator.add_fault(Fault("500", symbol=run.symbol, times=None))
    with pytest.raises(ProviderError) as info:
        run.fetch()
    text = _one_line(info.value, run.symbol)
    assert "HTTP 500" in text
    assert f"failed after {RETRY.attempts} tries" in text


@pytest.mark.parametrize("kind", ["truncate", "malformed"])
def test_a_bad_body_is_retried_then_a_clear_error(run: _Run, emulator: Emulator, kind: str) -> None:
    emulator.add_fault(Fault(kind, symbol=run.symbol))  # type: ignore[arg-type]
    frame, requests = run.fetch()
    assert len(frame) > 100
    assert requests >= 2
    emulator.add_fault(Fault(kind, symbol=run.symbol, times=None))  # type: ignore[arg-type]
    with pytest.raises(ProviderError) as info:
        run.fetch()
    _one_line(info.value, run.symbol)
    assert emulator.count(symbol=run.symbol) >= 2 + RETRY.attempts


@pytest.mark.parametrize("kind", ["unauthorized", "500", "malformed", "truncate", "unknown"])
def test_the_api_key_never_appears_in_an_error_or_a_log(
    prefix: str, kind: str, emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    run = _Run(prefix, emulator, api_key=CANARY)
    emulator.add_fault(Fault(kind, symbol=run.symbol, times=None))  # type: ignore[arg-type]
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ProviderError) as info:
        run.fetch()
    assert CANARY not in str(info.value)
    assert CANARY not in repr(info.value)
    assert CANARY not in repr(run.provider.settings)
    for record in caplog.records:
        assert CANARY not in record.getMessage()
    assert CANARY not in caplog.text


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "prefix" in metafunc.fixturenames:
        metafunc.parametrize("prefix", PREFIXES)


def test_settings_built_from_the_environment_point_each_provider_at_its_variable() -> None:
    env = {"RISKOFF_HOME": "/nonexistent"}
    env.update({provider_class(p).url_env: f"http://127.0.0.1:9/{p}/" for p in PREFIXES})
    settings = Settings.from_env(env)
    for p in PREFIXES:
        provider = provider_class(p)(settings)
        assert provider.base_url == f"http://127.0.0.1:9/{p}"
    bare = Settings.from_env({"RISKOFF_HOME": "/nonexistent"})
    for p in PREFIXES:
        assert provider_class(p)(bare).base_url == provider_class(p).default_url
