"""A local HTTP server that answers like FRED, Yahoo Finance and Coinbase Exchange.

It serves a data folder laid out with ``INDEX.csv`` (such as ``../shared/data``): each
symbol is stitched by :func:`riskoff.providers.folder.read_folder`, exactly as
``riskoff ingest`` would load it, and served through the providers' own URLs and payload
shapes:

| URL                                                   | shape                          |
|-------------------------------------------------------|--------------------------------|
| ``/fred/series/observations?series_id=..&api_key=..`` | FRED API JSON, ``.`` = missing |
| ``/graph/fredgraph.csv?id=..&cosd=..``                | FRED graph CSV                 |
| ``/v8/finance/chart/{SYMBOL}?period1=..&period2=..``  | Yahoo chart JSON               |
| ``/products/{ID}/candles?granularity=86400&start=..`` | Coinbase candles, newest first |

Yahoo bars are stamped at the session open in the exchange's own time zone (09:30 New
York for US listings, 09:00 Tokyo for ``^N225``, 00:00 London for ``=X`` currencies...).
The data folder holds one price per day, so for series the catalogue marks
``adjusted = "yes"`` the emulator serves that price as ``adjclose`` and a synthetic raw
``close`` 2 % higher: a client that reads the wrong field is caught at once.

Faults are switched on per request with :class:`Fault`: each matching request consumes
one (``times=None`` keeps it forever). FRED's rate limit is enforced: more than
``fred_limit`` FRED requests within any sliding second are answered 429. Every request is
logged (without the API key) so tests can count requests per path, symbol or status.

Example::

    with Emulator(data_dir, latency_ms=50) as emu:
        emu.add_fault(Fault("500", symbol="fred:SOFR"))
        settings = emu.settings(home)
        ...
        assert emu.limited == 0
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import json
import socket
import struct
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from riskoff.config import Settings

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["Emulator", "Fault", "FaultKind", "RequestRecord"]

FaultKind = Literal[
    "latency",
    "429",
    "500",
    "reset",
    "truncate",
    "malformed",
    "empty",
    "unknown",
    "unauthorized",
]
"""What a fault does to a request.

- ``latency``: wait ``latency_ms`` first, then answer normally.
- ``429``: Too Many Requests with ``Retry-After: retry_after``.
- ``500``: Internal Server Error.
- ``reset``: close the connection with a TCP reset, sending nothing.
- ``truncate``: announce the full ``Content-Length``, send half the body, close.
- ``malformed``: 200 with a body that does not parse.
- ``empty``: 200 with no observations.
- ``unknown``: the provider's "no such series" answer (FRED: 400 "The series does not
  exist."; Yahoo and Coinbase: 404).
- ``unauthorized``: FRED's 400 "api_key is not registered" (Yahoo 401, Coinbase 401).
"""

_FRED_API = "/fred/series/observations"
_FRED_CSV = "/graph/fredgraph.csv"
_YAHOO = "/v8/finance/chart/"
_COINBASE = "/products/"
_CONTROL = "/_emulator/"  # stats and reset, for a client in another process
_EPOCH = dt.date(1970, 1, 1)

_FRED_BAD_KEY = (
    "Bad Request.  The value for variable api_key is not registered.  Read "
    "https://fred.stlouisfed.org/docs/api/api_key.html for more information."
)
_FRED_NO_SERIES = "Bad Request.  The series does not exist."


@dataclass
class Fault:
    """A fault injected into matching requests.

    Args:
        kind: what happens (see :data:`FaultKind`).
        symbol: a prefixed symbol (``fred:SOFR``), a provider prefix (``fred``), or
            ``None`` for every request.
        times: how many requests it hits; ``None`` for all of them.
        latency_ms: the delay of a ``latency`` fault.
        retry_after: the ``Retry-After`` seconds of a ``429`` fault (``None``: no header).
    """

    kind: FaultKind
    symbol: str | None = None
    times: int | None = 1
    latency_ms: float = 0.0
    retry_after: float | None = 1.0

    def matches(self, symbol: str) -> bool:
        """True when this fault applies to a request for ``symbol``."""
        if self.symbol is None:
            return True
        return self.symbol == symbol or self.symbol == symbol.split(":", 1)[0]


@dataclass(frozen=True)
class RequestRecord:
    """One request the emulator answered (the API key is never kept)."""

    path: str
    symbol: str
    status: int
    fault: str | None
    limited: bool
    at: float
    with_key: bool


@dataclass
class _Series:
    days: npt.NDArray[np.int64]  # days since 1970-01-01
    values: npt.NDArray[np.float64]
    adjusted: bool
    business_daily: bool
    stamps: npt.NDArray[np.int64] | None = None  # Yahoo bar times (UTC seconds)
    zone: str = "UTC"
    fred: _FredTable | None = None  # built on first use
    yahoo: _YahooTexts | None = None  # built on first use


@dataclass
class _FredTable:
    days: npt.NDArray[np.int64]
    dates: list[str]
    values: list[str]


@dataclass
class _YahooTexts:
    stamps: list[str]
    close: list[str]
    adjclose: list[str]


def _yahoo_session(symbol: str) -> tuple[str, int, int]:
    """(time zone, open hour, open minute) of a Yahoo symbol's exchange."""
    if symbol.endswith("=X"):
        return "Europe/London", 0, 0
    if symbol.endswith("-USD"):
        return "UTC", 0, 0
    if symbol in ("^N225",) or symbol.endswith(".T"):
        return "Asia/Tokyo", 9, 0
    if symbol in ("^HSI",) or symbol.endswith(".HK"):
        return "Asia/Hong_Kong", 9, 30
    if symbol.endswith((".SS", ".SZ")):
        return "Asia/Shanghai", 9, 30
    if symbol.endswith("=F"):
        return "America/New_York", 0, 0
    return "America/New_York", 9, 30


def _fmt(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    emulator: Emulator


class Emulator:
    """A threaded HTTP server on 127.0.0.1 emulating FRED, Yahoo and Coinbase.

    Args:
        data_dir: a folder with ``INDEX.csv``.
        latency_ms: delay added to every request.
        fred_limit: FRED requests allowed per sliding second (``None``: unlimited).
        preload: symbols to stitch at start (others are read on first request).
        reject_keys: FRED API keys answered with FRED's "not registered" error.
        port: a fixed port (default: a random free one).
    """

    def __init__(
        self,
        data_dir: str | Path,
        *,
        latency_ms: float = 0.0,
        fred_limit: int | None = 2,
        preload: Iterable[str] | None = None,
        reject_keys: Iterable[str] = (),
        port: int = 0,
    ) -> None:
        from riskoff.catalog import Catalog
        from riskoff.providers.folder import read_index

        self.data_dir = Path(data_dir)
        self.latency_ms = float(latency_ms)
        self.fred_limit = fred_limit
        self.reject_keys = set(reject_keys)
        self._port = port
        self._index = {r.symbol for r in read_index(self.data_dir)}
        self._catalog = Catalog.default()
        self._series: dict[str, _Series] = {}
        self._data_lock = threading.Lock()
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._fred_times: collections.deque[float] = collections.deque()
        self.records: list[RequestRecord] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        if preload is not None:
            self.preload(preload)

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> Emulator:
        """Start serving in a background thread."""
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", self._port), _Handler)
        server.emulator = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port it listens on."""
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: the base URL of all three providers."""
        return f"http://127.0.0.1:{self.port}"

    def settings(self, home: str | Path, *, api_key: str | None = None) -> Settings:
        """Settings whose providers all point at this emulator."""
        return Settings(
            home=Path(home),
            fred_url=self.url,
            fred_csv_url=self.url,
            yahoo_url=self.url,
            exchange_url=self.url,
            fred_api_key=api_key,
        )

    def env(self) -> dict[str, str]:
        """Environment variables pointing a ``riskoff`` process at this emulator."""
        return {
            "RISKOFF_FRED_URL": self.url,
            "RISKOFF_YAHOO_URL": self.url,
            "RISKOFF_EXCHANGE_URL": self.url,
        }

    # -- faults and counters -----------------------------------------------------------
    def add_fault(self, fault: Fault) -> Fault:
        """Queue a fault; matching requests consume it in the order faults were added."""
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Remove every queued fault."""
        with self._lock:
            self._faults.clear()

    def reset_counts(self) -> None:
        """Forget every logged request."""
        with self._lock:
            self.records.clear()

    def count(
        self,
        *,
        symbol: str | None = None,
        path: str | None = None,
        status: int | None = None,
    ) -> int:
        """Requests logged, optionally only for a symbol, a path prefix or a status."""
        with self._lock:
            recs = list(self.records)
        return sum(
            1
            for r in recs
            if (symbol is None or r.symbol == symbol or r.symbol.split(":", 1)[0] == symbol)
            and (path is None or r.path.startswith(path))
            and (status is None or r.status == status)
        )

    def counts_by_path(self) -> dict[str, int]:
        """Requests per path."""
        with self._lock:
            return dict(collections.Counter(r.path for r in self.records))

    def counts_by_symbol(self) -> dict[str, int]:
        """Requests per symbol."""
        with self._lock:
            return dict(collections.Counter(r.symbol for r in self.records))

    @property
    def limited(self) -> int:
        """Requests answered 429 by the FRED rate limiter (not by an injected fault)."""
        with self._lock:
            return sum(1 for r in self.records if r.limited)

    # -- data --------------------------------------------------------------------------
    def preload(self, symbols: Iterable[str]) -> None:
        """Stitch these symbols now (one pass over their files)."""
        wanted = [s for s in symbols if s in self._index and s not in self._series]
        if wanted:
            self._load(wanted)

    def _load(self, symbols: list[str]) -> None:
        import numpy as np
        import pandas as pd

        from riskoff.providers.folder import read_folder

        data = read_folder(self.data_dir, symbols=symbols)
        built: dict[str, _Series] = {}
        for sym, frame in data.frames.items():
            info = self._catalog.get(sym)
            freq = info.frequency if info else data.meta[sym].frequency
            dates = pd.DatetimeIndex(frame["date"])
            days = (dates.to_numpy().astype("datetime64[D]").astype(np.int64)).copy()
            series = _Series(
                days=days,
                values=frame["value"].to_numpy(dtype="float64").copy(),
                adjusted=bool(info and info.adjusted == "yes"),
                business_daily=freq == "business-daily",
            )
            if sym.startswith("yahoo:"):
                zone, hour, minute = _yahoo_session(sym.split(":", 1)[1])
                local = (dates + pd.Timedelta(hours=hour, minutes=minute)).tz_localize(
                    zone, ambiguous=True, nonexistent="shift_forward"
                )
                utc = local.tz_convert("UTC").tz_localize(None)
                series.stamps = (
                    (utc - pd.Timestamp("1970-01-01")) // pd.Timedelta(seconds=1)
                ).to_numpy(dtype=np.int64)
                series.zone = zone
            built[sym] = series
        with self._data_lock:
            self._series.update(built)

    def _get(self, symbol: str) -> _Series | None:
        if symbol not in self._index:
            return None
        with self._data_lock:
            found = self._series.get(symbol)
        if found is None:
            self._load([symbol])
            with self._data_lock:
                found = self._series.get(symbol)
        return found

    # -- request handling (called from the handler threads) ----------------------------
    def _admit(self, path: str, symbol: str) -> tuple[Fault | None, bool]:
        """Rate-limit FRED, then pick the fault (if any) for this request."""
        now = time.monotonic()
        with self._lock:
            limited = False
            if self.fred_limit is not None and symbol.startswith("fred:"):
                while self._fred_times and self._fred_times[0] <= now - 1.0:
                    self._fred_times.popleft()
                if len(self._fred_times) >= self.fred_limit:
                    limited = True
                else:
                    self._fred_times.append(now)
            fault: Fault | None = None
            if not limited:
                for f in self._faults:
                    if f.matches(symbol):
                        fault = f
                        if f.times is not None:
                            f.times -= 1
                            if f.times <= 0:
                                self._faults.remove(f)
                        break
        return fault, limited

    def _log(self, rec: RequestRecord) -> None:
        with self._lock:
            self.records.append(rec)


# -- the HTTP handler ------------------------------------------------------------------


@dataclass
class _Answer:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def _json(status: int, obj: Any, **headers: str) -> _Answer:
    return _Answer(status, json.dumps(obj, separators=(",", ":")).encode(), headers=headers)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 15
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the stdlib's access log (it would print the query, API key included)."""

    def do_GET(self) -> None:
        emu = self.server.emulator
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        if path.startswith(_CONTROL):
            self._send(_control(emu, path[len(_CONTROL) :]))
            return
        kind, symbol = _route(path, query)
        if kind is None:
            self._send(_json(404, {"message": "Not Found"}))
            emu._log(RequestRecord(path, "", 404, None, False, time.monotonic(), False))
            return
        with_key = bool(query.get("api_key"))
        fault, limited = emu._admit(path, symbol)
        delay = emu.latency_ms + (fault.latency_ms if fault and fault.kind == "latency" else 0)
        if delay > 0:
            time.sleep(delay / 1000.0)
        if limited:
            answer = _json(
                429,
                {"error_code": 429, "error_message": "Too Many Requests.  Exceeded Rate Limit"},
                **{"Retry-After": "1"},
            )
        elif fault is not None and fault.kind not in ("latency",):
            answer = _fault_answer(emu, kind, symbol, fault, query)
        else:
            answer = _serve(emu, kind, symbol, query, empty=False)
        status = answer.status
        fault_name = fault.kind if fault else None
        if fault_name == "reset":
            status = 0
        emu._log(
            RequestRecord(path, symbol, status, fault_name, limited, time.monotonic(), with_key)
        )
        if fault_name == "reset":
            self._reset()
        elif fault_name == "truncate":
            self._send(answer, truncate=True)
        else:
            self._send(answer)

    def _send(self, answer: _Answer, *, truncate: bool = False) -> None:
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            for k, v in answer.headers.items():
                self.send_header(k, v)
            if truncate:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(answer.body[: len(answer.body) // 2] if truncate else answer.body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return
        if truncate:
            self.close_connection = True

    def _reset(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True


def _control(emu: Emulator, action: str) -> _Answer:
    """``/_emulator/stats``: counters as JSON; ``/_emulator/reset``: zero them."""
    if action == "reset":
        emu.reset_counts()
        return _json(200, {"ok": True})
    if action == "stats":
        with emu._lock:
            statuses = collections.Counter(str(r.status) for r in emu.records)
        return _json(
            200,
            {
                "requests": emu.count(),
                "limited": emu.limited,
                "by_status": dict(statuses),
                "by_path": emu.counts_by_path(),
            },
        )
    return _json(404, {"message": "unknown control action"})


def _route(path: str, query: Mapping[str, str]) -> tuple[str | None, str]:
    """(endpoint kind, symbol) of a request, or (None, '') for an unknown URL."""
    if path == _FRED_API:
        return "fred_api", f"fred:{query.get('series_id', '')}"
    if path == _FRED_CSV:
        return "fred_csv", f"fred:{query.get('id', '')}"
    if path.startswith(_YAHOO):
        return "yahoo", f"yahoo:{path[len(_YAHOO) :]}"
    if path.startswith(_COINBASE) and path.endswith("/candles"):
        return "coinbase", f"coinbase:{path[len(_COINBASE) : -len('/candles')]}"
    return None, ""


def _fault_answer(
    emu: Emulator, kind: str, symbol: str, fault: Fault, query: Mapping[str, str]
) -> _Answer:
    if fault.kind == "429":
        headers = {} if fault.retry_after is None else {"Retry-After": _fmt(fault.retry_after)}
        if kind.startswith("fred"):
            return _json(
                429,
                {"error_code": 429, "error_message": "Too Many Requests.  Exceeded Rate Limit"},
                **headers,
            )
        return _json(429, {"message": "Too Many Requests"}, **headers)
    if fault.kind == "500":
        return _Answer(500, b"Internal Server Error", content_type="text/plain")
    if fault.kind == "malformed":
        good = _serve(emu, kind, symbol, query, empty=False)
        if kind == "fred_csv":
            return _Answer(200, b"<!DOCTYPE html><html><body>Oops</body></html>", "text/html")
        return _Answer(200, good.body[: max(1, len(good.body) // 3)] + b"}{,]", good.content_type)
    if fault.kind == "empty":
        return _serve(emu, kind, symbol, query, empty=True)
    if fault.kind == "unknown":
        return _unknown(kind)
    if fault.kind == "unauthorized":
        if kind == "fred_api":
            return _json(400, {"error_code": 400, "error_message": _FRED_BAD_KEY})
        if kind == "yahoo":
            return _yahoo_error(401, "Unauthorized", "Invalid Crumb")
        if kind == "fred_csv":
            return _Answer(403, b"Forbidden", content_type="text/plain")
        return _json(401, {"message": "Unauthorized."})
    # reset and truncate send the normal answer (cut short by the handler)
    return _serve(emu, kind, symbol, query, empty=False)


def _yahoo_error(status: int, code: str, description: str) -> _Answer:
    return _json(
        status, {"chart": {"result": None, "error": {"code": code, "description": description}}}
    )


def _unknown(kind: str) -> _Answer:
    if kind == "fred_api":
        return _json(400, {"error_code": 400, "error_message": _FRED_NO_SERIES})
    if kind == "fred_csv":
        return _Answer(404, b"Series not found", content_type="text/plain")
    if kind == "yahoo":
        return _yahoo_error(404, "Not Found", "No data found, symbol may be delisted")
    return _json(404, {"message": "NotFound"})


def _serve(
    emu: Emulator, kind: str, symbol: str, query: Mapping[str, str], *, empty: bool
) -> _Answer:
    if kind == "fred_api":
        return _fred_api(emu, symbol, query, empty)
    if kind == "fred_csv":
        return _fred_csv(emu, symbol, query, empty)
    if kind == "yahoo":
        return _yahoo(emu, symbol, query, empty)
    return _coinbase(emu, symbol, query, empty)


def _day(text: str | None) -> int | None:
    """Days since 1970 of an ISO date (or date-time), or None."""
    if not text:
        return None
    try:
        if len(text) > 10:
            stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            return (stamp.date() - _EPOCH).days
        return (dt.date.fromisoformat(text) - _EPOCH).days
    except ValueError:
        return -1


def _iso(day: int) -> str:
    return (_EPOCH + dt.timedelta(days=int(day))).isoformat()


def _window(series: _Series, lo: int | None, hi: int | None) -> tuple[Any, Any]:
    import numpy as np

    a = 0 if lo is None else int(np.searchsorted(series.days, lo, side="left"))
    b = len(series.days) if hi is None else int(np.searchsorted(series.days, hi, side="right"))
    return series.days[a:b], series.values[a:b]


def _fred_table(series: _Series) -> _FredTable:
    """Every FRED row of a series, built once: dates and values as FRED prints them,
    with ``.`` on the weekdays of a business-daily series that have no value."""
    import numpy as np

    if series.fred is None:
        days = series.days
        texts = [_fmt(v) for v in series.values.tolist()]
        if series.business_daily and len(days) > 1:
            every = np.arange(days[0], days[-1] + 1, dtype=np.int64)
            weekdays = every[((every + 3) % 7) < 5]  # 1970-01-01 was a Thursday
            missing = np.setdiff1d(weekdays, days, assume_unique=True)
            merged = np.concatenate([days, missing])
            order = np.argsort(merged, kind="stable")
            padded = texts + ["."] * len(missing)
            texts = [padded[i] for i in order.tolist()]
            days = merged[order]
        dates = np.datetime_as_string(days.astype("datetime64[D]")).tolist()
        series.fred = _FredTable(days=days, dates=dates, values=texts)
    return series.fred


def _fred_slice(series: _Series, lo: int | None, hi: int | None) -> tuple[list[str], list[str]]:
    """(dates, values) of FRED's rows for ``lo..hi`` (inclusive, ``None`` = open)."""
    import numpy as np

    table = _fred_table(series)
    a = 0 if lo is None else int(np.searchsorted(table.days, lo, side="left"))
    b = len(table.days) if hi is None else int(np.searchsorted(table.days, hi, side="right"))
    return table.dates[a:b], table.values[a:b]


def _fred_api(emu: Emulator, symbol: str, query: Mapping[str, str], empty: bool) -> _Answer:
    key = query.get("api_key", "")
    if not key:
        return _json(
            400,
            {"error_code": 400, "error_message": "Bad Request.  Variable api_key is not set."},
        )
    if key in emu.reject_keys:
        return _json(400, {"error_code": 400, "error_message": _FRED_BAD_KEY})
    if query.get("file_type", "xml") != "json":
        return _Answer(200, b"<?xml version='1.0'?><observations/>", "text/xml")
    series = emu._get(symbol)
    if series is None:
        return _unknown("fred_api")
    lo, hi = _day(query.get("observation_start")), _day(query.get("observation_end"))
    dates, values = ([], []) if empty else _fred_slice(series, lo, hi)
    try:
        limit = int(query.get("limit", "100000"))
        offset = int(query.get("offset", "0"))
    except ValueError:
        return _json(400, {"error_code": 400, "error_message": "Bad Request.  Bad limit."})
    count = len(dates)
    if query.get("sort_order") == "desc":
        dates, values = dates[::-1], values[::-1]
    dates, values = dates[offset : offset + limit], values[offset : offset + limit]
    today = dt.date.today().isoformat()
    head = json.dumps(
        {
            "realtime_start": today,
            "realtime_end": today,
            "observation_start": query.get("observation_start", "1600-01-01"),
            "observation_end": query.get("observation_end", "9999-12-31"),
            "units": "lin",
            "output_type": 1,
            "file_type": "json",
            "order_by": "observation_date",
            "sort_order": query.get("sort_order", "asc"),
            "count": count,
            "offset": offset,
            "limit": limit,
        },
        separators=(",", ":"),
    )
    stamp = f'{{"realtime_start":"{today}","realtime_end":"{today}","date":"'
    observations = ",".join(
        f'{stamp}{d}","value":"{v}"}}' for d, v in zip(dates, values, strict=True)
    )
    body = f'{head[:-1]},"observations":[{observations}]}}'
    return _Answer(200, body.encode())


def _fred_csv(emu: Emulator, symbol: str, query: Mapping[str, str], empty: bool) -> _Answer:
    series = emu._get(symbol)
    if series is None:
        return _unknown("fred_csv")
    sid = symbol.split(":", 1)[1]
    lo, hi = _day(query.get("cosd")), _day(query.get("coed"))
    dates, values = ([], []) if empty else _fred_slice(series, lo, hi)
    lines = [f"observation_date,{sid}"]
    lines.extend(f"{d},{'' if v == '.' else v}" for d, v in zip(dates, values, strict=True))
    return _Answer(200, ("\n".join(lines) + "\n").encode(), content_type="text/csv")


def _yahoo_texts(series: _Series) -> _YahooTexts:
    """The JSON text of every bar's time, raw close and adjusted close, built once."""
    if series.yahoo is None:
        assert series.stamps is not None
        raw = series.values * 1.02 if series.adjusted else series.values
        series.yahoo = _YahooTexts(
            stamps=[str(x) for x in series.stamps.tolist()],
            close=[repr(x) for x in raw.tolist()],
            adjclose=[repr(x) for x in series.values.tolist()],
        )
    return series.yahoo


def _yahoo(emu: Emulator, symbol: str, query: Mapping[str, str], empty: bool) -> _Answer:
    import zoneinfo

    import numpy as np

    if query.get("interval", "1d") != "1d":
        return _yahoo_error(400, "Bad Request", "Invalid interval")
    series = emu._get(symbol)
    if series is None or series.stamps is None:
        return _unknown("yahoo")
    try:
        p1 = int(query.get("period1", "0"))
        p2 = int(query.get("period2", str(int(time.time()))))
    except ValueError:
        return _yahoo_error(400, "Bad Request", "Invalid period")
    a = int(np.searchsorted(series.stamps, p1, side="left"))
    b = int(np.searchsorted(series.stamps, p2, side="left"))
    if empty:
        a = b
    zone = zoneinfo.ZoneInfo(series.zone)
    ref = dt.datetime.fromtimestamp(
        int(series.stamps[-1]) if len(series.stamps) else 0, tz=dt.UTC
    ).astimezone(zone)
    offset = ref.utcoffset() or dt.timedelta(0)
    meta = {
        "currency": "USD",
        "symbol": symbol.split(":", 1)[1],
        "exchangeName": "EMU",
        "instrumentType": "ETF" if series.adjusted else "INDEX",
        "firstTradeDate": int(series.stamps[0]) if len(series.stamps) else None,
        "gmtoffset": int(offset.total_seconds()),
        "timezone": ref.tzname() or series.zone,
        "exchangeTimezoneName": series.zone,
        "dataGranularity": "1d",
        "range": "",
    }
    head = '{"chart":{"result":[{"meta":' + json.dumps(meta, separators=(",", ":"))
    tail = '}],"error":null}}'
    if a >= b:
        return _Answer(200, (head + ',"indicators":{"quote":[{}],"adjclose":[{}]}' + tail).encode())
    texts = _yahoo_texts(series)
    close = "[" + ",".join(texts.close[a:b]) + "]"
    body = "".join(
        [
            head,
            ',"timestamp":[',
            ",".join(texts.stamps[a:b]),
            '],"events":{},"indicators":{"quote":[{',
            f'"open":{close},"high":{close},"low":{close},"close":{close},',
            '"volume":[',
            ",".join(["0"] * (b - a)),
            ']}],"adjclose":[{"adjclose":[',
            ",".join(texts.adjclose[a:b]),
            "]}]}",
            tail,
        ]
    )
    return _Answer(200, body.encode())


def _coinbase(emu: Emulator, symbol: str, query: Mapping[str, str], empty: bool) -> _Answer:
    if query.get("granularity") not in ("86400", None):
        return _json(400, {"message": "Unsupported granularity"})
    series = emu._get(symbol)
    if series is None:
        return _unknown("coinbase")
    lo, hi = _day(query.get("start")), _day(query.get("end"))
    if lo == -1 or hi == -1:
        return _json(400, {"message": "Invalid start or end"})
    if lo is not None and hi is not None and hi - lo + 1 > 300:
        return _json(
            400,
            {
                "message": "granularity too small for the requested time range. "
                "Count of aggregations requested exceeds 300"
            },
        )
    days, values = ([], []) if empty else _window(series, lo, hi)
    if lo is None and hi is None:  # no range: the latest 300 candles, as Coinbase does
        days, values = days[-300:], values[-300:]
    rows = [
        [int(d) * 86_400, float(v), float(v), float(v), float(v), 0.0]
        for d, v in zip(days, values, strict=True)
    ]
    rows.reverse()
    return _json(200, rows)


def main(argv: list[str] | None = None) -> None:
    """``python -m riskoff.testing.emulator DATA_DIR``: serve until interrupted.

    Prints the base URL, and the environment variables that point ``riskoff`` at it.
    """
    import argparse

    ap = argparse.ArgumentParser(
        prog="python -m riskoff.testing.emulator",
        description="Serve a data folder the way FRED, Yahoo and Coinbase answer.",
    )
    ap.add_argument("data_dir", type=Path, help="a folder with INDEX.csv")
    ap.add_argument("--port", type=int, default=0, help="default: a free port")
    ap.add_argument("--latency-ms", type=float, default=0.0)
    ap.add_argument("--fred-limit", type=int, default=2, help="FRED requests per second")
    ap.add_argument("--preload", action="store_true", help="stitch every live series first")
    a = ap.parse_args(argv)
    preload = None
    if a.preload:
        from riskoff.catalog import Catalog
        from riskoff.providers.registry import is_live

        preload = [s for s in Catalog.default() if is_live(s)]
    emu = Emulator(
        a.data_dir,
        latency_ms=a.latency_ms,
        fred_limit=a.fred_limit if a.fred_limit > 0 else None,
        preload=preload,
        port=a.port,
    )
    with emu:
        print(emu.url, flush=True)
        for k, v in emu.env().items():
            print(f"export {k}={v}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
