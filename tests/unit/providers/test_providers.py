"""Unit tests of the live providers: each step on hand-built payloads, the HTTP seam on
``httpx.MockTransport``. No sockets."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import httpx
import pandas as pd
import pytest

from riskoff.catalog import SeriesInfo
from riskoff.config import Settings
from riskoff.errors import (
    DeadlineError,
    InputError,
    ProviderError,
    ProviderUnavailable,
    RateLimitedError,
    UnauthorizedError,
)
from riskoff.providers.base import Query, canonical_frame
from riskoff.providers.exchange import MAX_CANDLES, CoinbaseProvider, pages
from riskoff.providers.fred import FredProvider
from riskoff.providers.http import (
    Deadline,
    HttpSession,
    Redactor,
    RetryPolicy,
    SeriesSession,
    TokenBucket,
    parse_retry_after,
)
from riskoff.providers.registry import is_live, prefixes_for_groups, provider_class
from riskoff.providers.yahoo import YahooProvider

TODAY = dt.date(2026, 8, 21)
FAST = RetryPolicy(attempts=3, base=0.001, cap=0.01)


def _settings(key: str | None = None) -> Settings:
    return Settings(
        home=Path("/nonexistent"),
        urls={
            "RISKOFF_FRED_URL": "http://fred.test",
            "RISKOFF_YAHOO_URL": "http://yahoo.test",
            "RISKOFF_EXCHANGE_URL": "http://cb.test",
        },
        fred_api_key=key,
    )


def _info(symbol: str, adjusted: str = "na") -> SeriesInfo:
    return SeriesInfo(
        symbol=symbol,
        name=symbol.lower(),
        asset_class="other",
        role="reference",
        units="x",
        frequency="business-daily",
        adjusted=adjusted,
    )


def _query(symbol: str, *, adjusted: bool = False, start: dt.date | None = None) -> Query:
    return Query(symbol, symbol.split(":", 1)[1], start, TODAY, adjusted)


def _epoch(text: str) -> int:
    return int(pd.Timestamp(text).timestamp())


# -- canonical frame -------------------------------------------------------------------


def test_canonical_frame_drops_missing_sorts_and_keeps_last_duplicate() -> None:
    frame = canonical_frame(
        ["2020-01-03", "2020-01-01", "2020-01-02", "2020-01-03", "2020-01-06", "bad"],
        ["3.0", "1.5", ".", "3.5", "", "9"],
    )
    assert list(frame.columns) == ["date", "value"]
    assert str(frame["date"].dtype).startswith("datetime64")
    assert frame["date"].dt.tz is None
    assert frame["value"].dtype == "float64"
    assert frame["date"].dt.strftime("%Y-%m-%d").tolist() == ["2020-01-01", "2020-01-03"]
    assert frame["value"].tolist() == [1.5, 3.5]


# -- FRED ------------------------------------------------------------------------------


def test_fred_build_query_and_keyless_csv() -> None:
    prov = FredProvider(_settings())
    query = prov.build_query(_info("fred:SOFR"), dt.date(2020, 1, 1), TODAY)
    assert query.provider_id == "SOFR"
    assert not query.adjusted
    text = "observation_date,SOFR\n2020-01-01,\n2020-01-02,1.55\n2020-01-03,.\n2020-01-06,1.54\n"
    frame = prov.to_canonical([text], query)
    assert frame["value"].tolist() == [1.55, 1.54]
    assert frame["date"].iloc[0] == pd.Timestamp("2020-01-02")


def test_fred_api_json_pages_and_dots() -> None:
    prov = FredProvider(_settings("k"))
    pages_ = [
        {"count": 3, "observations": [{"date": "2022-04-13", "value": "8965487"}]},
        {
            "count": 3,
            "observations": [
                {"date": "2022-04-20", "value": "."},
                {"date": "2022-04-27", "value": "8939923"},
            ],
        },
    ]
    frame = prov.to_canonical(pages_, _query("fred:WALCL"))
    assert frame["value"].tolist() == [8965487.0, 8939923.0]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("<!DOCTYPE html><html></html>", id="html"),
        pytest.param("DATE,OTHER\n2020-01-01,1\n", id="wrong-header"),
        pytest.param("observation_date,SOFR\n2020-01-01,1,2\n", id="extra-field"),
    ],
)
def test_fred_csv_garbage_is_a_clear_error(text: str) -> None:
    with pytest.raises(ProviderError, match="FRED fred:SOFR"):
        FredProvider(_settings()).to_canonical([text], _query("fred:SOFR"))


# -- Yahoo -----------------------------------------------------------------------------


def _chart(
    stamps: list[int],
    close: list[float | None],
    adj: list[float | None],
    meta: Mapping[str, object],
) -> dict[str, object]:
    return {
        "chart": {
            "result": [
                {
                    "meta": meta,
                    "timestamp": stamps,
                    "indicators": {"quote": [{"close": close}], "adjclose": [{"adjclose": adj}]},
                }
            ],
            "error": None,
        }
    }


def test_yahoo_uses_adjclose_only_for_adjusted_series() -> None:
    prov = YahooProvider(_settings())
    meta = {"exchangeTimezoneName": "America/New_York", "gmtoffset": -14400}
    stamps = [_epoch("2026-08-19 13:30Z"), _epoch("2026-08-20 13:30Z")]
    doc = _chart(stamps, [100.0, 101.0], [99.0, 100.5], meta)
    adj = prov.to_canonical([doc], _query("yahoo:SPY", adjusted=True))
    raw = prov.to_canonical([doc], _query("yahoo:SPY", adjusted=False))
    assert adj["value"].tolist() == [99.0, 100.5]
    assert raw["value"].tolist() == [100.0, 101.0]
    assert prov.build_query(_info("yahoo:SPY", "yes"), None, TODAY).adjusted
    assert not prov.build_query(_info("yahoo:^GSPC", "na"), None, TODAY).adjusted


def test_yahoo_dates_bars_by_the_exchange_local_day() -> None:
    prov = YahooProvider(_settings())
    # 00:00 London in summer is 23:00 UTC the day before
    london = _chart(
        [_epoch("2024-08-04 23:00Z")], [146.0], [146.0], {"exchangeTimezoneName": "Europe/London"}
    )
    # 09:00 Tokyo is 00:00 UTC the same day; a gmtoffset alone must work too
    tokyo = _chart([_epoch("2024-08-05 00:00Z")], [31458.42], [31458.42], {"gmtoffset": 32400})
    assert prov.to_canonical([london], _query("yahoo:JPY=X"))["date"].iloc[0] == pd.Timestamp(
        "2024-08-05"
    )
    assert prov.to_canonical([tokyo], _query("yahoo:^N225"))["date"].iloc[0] == pd.Timestamp(
        "2024-08-05"
    )


def test_yahoo_null_prices_are_dropped_and_empty_chart_is_empty() -> None:
    prov = YahooProvider(_settings())
    meta = {"exchangeTimezoneName": "UTC"}
    doc = _chart([_epoch("2020-03-12"), _epoch("2020-03-13")], [None, 5.0], [None, 5.0], meta)
    assert prov.to_canonical([doc], _query("yahoo:BTC-USD"))["value"].tolist() == [5.0]
    empty = {"chart": {"result": [{"meta": meta, "indicators": {"quote": [{}]}}], "error": None}}
    assert prov.to_canonical([empty], _query("yahoo:BTC-USD")).empty


def test_yahoo_missing_adjclose_is_an_error_not_a_silent_raw_price() -> None:
    doc = {
        "chart": {
            "result": [
                {
                    "meta": {"exchangeTimezoneName": "America/New_York"},
                    "timestamp": [_epoch("2026-08-20 13:30Z")],
                    "indicators": {"quote": [{"close": [1.0]}]},
                }
            ]
        }
    }
    with pytest.raises(ProviderError, match="adjclose"):
        YahooProvider(_settings()).to_canonical([doc], _query("yahoo:SPY", adjusted=True))


# -- Coinbase --------------------------------------------------------------------------


def test_coinbase_pages_cover_the_range_in_windows_of_300() -> None:
    windows = pages(dt.date(2015, 1, 1), dt.date(2026, 8, 21))
    assert windows[0][0] == dt.date(2015, 1, 1)
    assert windows[-1][1] == dt.date(2026, 8, 21)
    for lo, hi in windows:
        assert (hi - lo).days + 1 <= MAX_CANDLES
    for (_, hi), (lo, _) in itertools.pairwise(windows):
        assert lo == hi + dt.timedelta(days=1)
    assert len(pages(dt.date(2026, 8, 14), TODAY)) == 1


def test_coinbase_candles_newest_first_become_sorted_utc_days() -> None:
    day = 86_400
    t0 = _epoch("2020-03-12")
    page = [[t0 + day, 4.0, 6.0, 5.0, 5.5, 10.0], [t0, 3.0, 8.0, 7.9, 4970.79, 12.0]]
    frame = CoinbaseProvider(_settings()).to_canonical([page], _query("coinbase:BTC-USD"))
    assert frame["date"].dt.strftime("%Y-%m-%d").tolist() == ["2020-03-12", "2020-03-13"]
    assert frame["value"].tolist() == [4970.79, 5.5]
    with pytest.raises(ProviderError, match="candle"):
        CoinbaseProvider(_settings()).to_canonical([[[t0, 1.0]]], _query("coinbase:BTC-USD"))


# -- registry --------------------------------------------------------------------------


def test_registry_maps_prefixes_and_groups() -> None:
    assert provider_class("fred") is FredProvider
    assert provider_class("coinbase") is CoinbaseProvider
    assert prefixes_for_groups(["fred", " crypto"]) == {"fred", "coinbase"}
    assert is_live("yahoo:^GSPC")
    assert not is_live("ofr:FSI")
    with pytest.raises(InputError, match="unknown provider 'bloomberg'"):
        prefixes_for_groups(["bloomberg"])
    with pytest.raises(InputError, match="riskoff ingest"):
        provider_class("ofr")


# -- rate limiter ----------------------------------------------------------------------


def test_token_bucket_spaces_calls_with_a_fake_clock() -> None:
    now = [0.0]
    bucket = TokenBucket(rate=2.0, capacity=1, clock=lambda: now[0])
    assert bucket.reserve() == 0.0
    assert bucket.reserve() == pytest.approx(0.5)
    assert bucket.reserve() == pytest.approx(1.0)
    now[0] = 10.0
    assert bucket.reserve() == 0.0


def test_token_bucket_is_thread_safe() -> None:
    bucket = TokenBucket(rate=50.0, capacity=1)
    stamps: list[float] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(5):
            bucket.acquire()
            with lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stamps.sort()
    assert len(stamps) == 20
    # 20 tokens at 50/s with no burst take at least 19/50 s
    assert stamps[-1] - stamps[0] >= 19 / 50 - 0.02


def test_token_bucket_async() -> None:
    import asyncio

    bucket = TokenBucket(rate=100.0, capacity=1)

    async def main() -> float:
        t0 = time.monotonic()
        await asyncio.gather(*(bucket.acquire_async() for _ in range(6)))
        return time.monotonic() - t0

    assert asyncio.run(main()) >= 5 / 100 - 0.01


def test_parse_retry_after() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:05 GMT", now=1445412480.0) == 5.0
    assert parse_retry_after("soon") is None


# -- the HTTP seam ---------------------------------------------------------------------


def _session(
    handler: Callable[[httpx.Request], httpx.Response],
    *,
    secrets: tuple[str, ...] = (),
    sleeps: list[float] | None = None,
) -> HttpSession:
    record = sleeps if sleeps is not None else []
    return HttpSession(
        "Test",
        retry=FAST,
        secrets=secrets,
        transport=httpx.MockTransport(handler),
        sleep=record.append,
    )


def test_session_retries_429_honouring_retry_after() -> None:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            return httpx.Response(429, headers={"Retry-After": "2"})
        return httpx.Response(200, json={"ok": True})

    sleeps: list[float] = []
    with _session(handler, sleeps=sleeps) as s:
        resp = s.get("http://x.test/a", expect_json=True)
    assert resp.json() == {"ok": True}
    assert calls["n"] == 2
    assert len(sleeps) == 1
    assert sleeps[0] >= 2.0


def test_session_gives_up_with_rate_limited_and_provider_errors() -> None:
    with (
        _session(lambda r: httpx.Response(429)) as s,
        pytest.raises(RateLimitedError, match="after 3 tries"),
    ):
        s.get("http://x.test/a")
    with (
        _session(lambda r: httpx.Response(503)) as s,
        pytest.raises(ProviderError, match="HTTP 503"),
    ):
        s.get("http://x.test/a")


def test_session_refuses_an_absurd_retry_after() -> None:
    with (
        _session(lambda r: httpx.Response(429, headers={"Retry-After": "3600"})) as s,
        pytest.raises(RateLimitedError, match="3600 s"),
    ):
        s.get("http://x.test/a")


def test_session_retries_malformed_json_then_succeeds() -> None:
    bodies = [b'{"chart": [', b'{"ok": 1}']

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=bodies.pop(0))

    with _session(handler) as s:
        assert s.get("http://x.test/a", expect_json=True).json() == {"ok": 1}


def test_session_fails_fast_once_the_host_is_unreachable() -> None:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with _session(handler) as s:
        with pytest.raises(ProviderUnavailable, match="Connection refused"):
            s.get("http://x.test/a")
        assert calls["n"] == 2  # one quick second chance
        with pytest.raises(ProviderUnavailable):
            s.get("http://x.test/b")
        assert calls["n"] == 2  # no more I/O
        assert s.unreachable


def test_a_read_timeout_counts_toward_fail_fast_like_a_refused_connection() -> None:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        raise httpx.ReadTimeout("The read operation timed out", request=request)

    with _session(handler) as s:
        with pytest.raises(ProviderUnavailable, match="no answer within"):
            s.get("http://x.test/a")
        assert calls["n"] == 2  # one second chance, as for a refused connection
        with pytest.raises(ProviderUnavailable):
            s.get("http://x.test/b")
        assert calls["n"] == 2  # the host is down for the run: no more I/O


def test_a_passed_deadline_sends_nothing_and_a_backoff_past_it_is_not_slept() -> None:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        return httpx.Response(500, content=b"oops")

    sleeps: list[float] = []
    with _session(handler, sleeps=sleeps) as s:
        s.deadline = Deadline.after(0.0, "--deadline")
        with pytest.raises(DeadlineError, match=r"not reached before the deadline \(--deadline"):
            s.get("http://x.test/a")
        assert calls["n"] == 0
        s.deadline = Deadline.after(60.0, "--deadline")
        s.retry = RetryPolicy(attempts=5, base=100.0, cap=100.0)  # every back-off > 60 s
        with pytest.raises(DeadlineError, match="last: HTTP 500"):
            s.get("http://x.test/a")
        assert calls["n"] == 1
        assert sleeps == []


def test_a_rate_limit_wait_past_the_deadline_is_not_waited() -> None:
    bucket = TokenBucket(rate=0.01, capacity=1)
    assert bucket.acquire(limit=1.0)  # the one token in the bucket
    t0 = time.monotonic()
    assert not bucket.acquire(limit=1.0)  # the next one is 100 s away
    assert time.monotonic() - t0 < 0.5
    assert bucket.reserve() == pytest.approx(100.0, rel=0.01)  # the refused wait took nothing


def test_session_redacts_secrets_from_errors() -> None:
    key = "canary-0123456789"

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError(f"peer closed reading {request.url}", request=request)

    with _session(handler, secrets=(key,)) as s:
        scoped = SeriesSession(s, "fred:SOFR")
        with pytest.raises(ProviderError) as info:
            scoped.get("http://x.test/fred", {"api_key": key, "series_id": "SOFR"})
    assert key not in str(info.value)
    assert "***" in str(info.value)
    assert scoped.requests == 3
    assert Redactor([key, None])(f"a {key} b") == "a *** b"


def test_fred_rejected_key_is_unauthorized_without_the_key() -> None:
    key = "canary-abcdef"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            400,
            json={
                "error_code": 400,
                "error_message": f"Bad Request.  The value for variable api_key is not "
                f"registered ({request.url.params['api_key']}).",
            },
        )

    prov = FredProvider(_settings(key), limiter=TokenBucket(1000))
    with (
        prov.open_session(retry=FAST, transport=httpx.MockTransport(handler)) as s,
        pytest.raises(UnauthorizedError) as info,
    ):
        prov.fetch(SeriesSession(s, "fred:SOFR"), _query("fred:SOFR"))
    assert key not in str(info.value)
    assert "not registered" in str(info.value)
    assert info.value.exit_code == 2


def test_cancelled_waits_give_their_tokens_back() -> None:
    bucket = TokenBucket(rate=1.0, capacity=1)
    cancel = threading.Event()
    assert bucket.acquire(cancel)
    cancel.set()
    assert not any(bucket.acquire(cancel) for _ in range(50))
    # the 50 cancelled callers left no debt: the next token is at most a second away
    assert bucket.reserve() <= 1.0 + 1e-6


def test_an_unreachable_host_leaves_the_shared_limiter_without_debt() -> None:
    bucket = TokenBucket(rate=2.0, capacity=1)

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    session = HttpSession(
        "Test", limiter=bucket, retry=FAST, transport=httpx.MockTransport(handler)
    )
    with session:
        for _ in range(20):
            with pytest.raises(ProviderUnavailable):
                session.get("http://x.test/a")
    assert bucket.reserve() <= 1.0


def test_redactor_masks_percent_encoded_spellings() -> None:
    key = "k3y/with+odd chars"
    redact = Redactor([key])
    url = str(httpx.URL("http://x.test/a", params={"api_key": key}))
    assert key not in redact(url)
    assert "odd" not in redact(url)
    assert redact(f"raw {key}") == "raw ***"
