"""A local HTTP server on 127.0.0.1 that answers like every registered live provider.

It knows no provider by name. For each provider registered under the entry-point group
``riskoff.providers`` it loads the provider's emulator routes
(:class:`riskoff.providers.emulation.Routes`, named by the provider's ``emulator`` attribute):
the routes say which URLs are theirs and what the source answers. The built-in ones serve
FRED (API JSON and keyless graph CSV), Yahoo's chart API and Coinbase's candles, all on
one port, so one base URL replaces every provider's (:meth:`Emulator.settings`,
:meth:`Emulator.env`).

The data comes from a folder laid out with ``INDEX.csv`` (such as ``../shared/data``):
each symbol is stitched by :func:`riskoff.providers.folder.read_folder`, exactly as
``riskoff ingest`` would load it (a plugin's routes may serve synthetic data instead).

Faults are switched on per request with :class:`Fault`, the same way for every provider:
each matching request consumes one (``times=None`` keeps it forever). A provider's rate
limit is enforced when its routes declare one (FRED: more than ``2`` requests within any
sliding second are answered 429). Every request is logged (without the API key) so
tests can count requests per path, symbol or status.

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
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from riskoff.config import Settings
from riskoff.providers.emulation import Answer, EmulatedSeries, Routes, json_answer

__all__ = ["Emulator", "Fault", "FaultKind", "RequestRecord", "load_routes"]

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
    "hang",
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
- ``unauthorized``: the provider's "bad key" answer (FRED: 400 "api_key is not
  registered"; Yahoo 401, Coinbase 401).
- ``hang``: accept the request and never answer (a tarpit) until the emulator stops.
"""

_EPOCH = dt.date(1970, 1, 1)
_CONTROL = "/_emulator/"  # stats and reset, for a client in another process


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


def load_routes() -> dict[str, Routes]:
    """The emulator routes of every registered provider, by prefix."""
    import importlib

    from riskoff.providers.registry import providers

    out: dict[str, Routes] = {}
    for prefix, cls in providers().items():
        module, _, attr = cls.emulator.partition(":")
        routes_cls = getattr(importlib.import_module(module), attr)
        routes = routes_cls()
        if not isinstance(routes, Routes) or routes.prefix != prefix:
            raise TypeError(f"{cls.emulator} is not the emulator routes of {prefix!r}")
        out[prefix] = routes
    return out


def _fmt(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    emulator: Emulator


class Emulator:
    """A threaded HTTP server on 127.0.0.1 emulating every registered live provider.

    Args:
        data_dir: a folder with ``INDEX.csv`` (``None``: only synthetic series).
        latency_ms: delay added to every request.
        fred_limit: FRED requests allowed per sliding second (``None``: unlimited); the
            same as ``limits={"fred": n}``.
        limits: requests per sliding second by provider prefix, replacing what the
            routes declare (``None`` in the mapping: unlimited).
        preload: symbols to stitch at start (others are read on first request).
        reject_keys: API keys answered with the source's "not registered" error.
        port: a fixed port (default: a random free one).
    """

    def __init__(
        self,
        data_dir: str | Path | None,
        *,
        latency_ms: float = 0.0,
        fred_limit: int | None = 2,
        limits: Mapping[str, int | None] | None = None,
        preload: Iterable[str] | None = None,
        reject_keys: Iterable[str] = (),
        port: int = 0,
    ) -> None:
        from riskoff.catalog import Catalog
        from riskoff.providers.folder import read_indexes, with_subfolders

        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.latency_ms = float(latency_ms)
        self.routes = load_routes()
        self.limits: dict[str, int | None] = {p: r.limit for p, r in self.routes.items()}
        self.limits["fred"] = fred_limit
        self.limits.update(limits or {})
        self.reject_keys = set(reject_keys)
        self._port = port
        # the folder and its subfolders with their own INDEX.csv (news/, banks/)
        self._folder_of = (
            {
                r.symbol: folder
                for folder, rows in read_indexes(with_subfolders(self.data_dir)).items()
                for r in rows
            }
            if self.data_dir is not None
            else {}
        )
        self._index = set(self._folder_of)
        self._file_of = (
            {
                r.symbol: folder / r.file
                for folder, rows in read_indexes(with_subfolders(self.data_dir)).items()
                for r in rows
            }
            if self.data_dir is not None
            else {}
        )
        self._catalog = Catalog.default()
        self._series: dict[str, EmulatedSeries] = {}
        self._cuts: dict[tuple[str, dt.date], EmulatedSeries] = {}
        self._hourly: dict[str, EmulatedSeries] = {}
        self.until: dt.date | None = None
        """Serve only observations dated on or before this day (``None``: all): a test
        replays past days one by one, the emulator answering as the sources did then."""
        self._data_lock = threading.Lock()
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._times: dict[str, collections.deque[float]] = collections.defaultdict(
            collections.deque
        )
        self._stopping = threading.Event()
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
        self._stopping.clear()
        server = _Server(("127.0.0.1", self._port), _Handler)
        server.emulator = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port (hanging requests are let go)."""
        self._stopping.set()
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
        """``http://127.0.0.1:PORT``: the base URL of every provider."""
        return f"http://127.0.0.1:{self.port}"

    def settings(self, home: str | Path, *, api_key: str | None = None) -> Settings:
        """Settings whose providers all point at this emulator."""
        return Settings(home=Path(home), urls=self.env(), fred_api_key=api_key)

    def env(self) -> dict[str, str]:
        """Environment variables pointing a ``riskoff`` process at this emulator."""
        from riskoff.providers.registry import providers

        return {cls.url_env: self.url for cls in providers().values()}

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
        """Requests answered 429 by a rate limit (not by an injected fault)."""
        with self._lock:
            return sum(1 for r in self.records if r.limited)

    # -- data --------------------------------------------------------------------------
    def preload(self, symbols: Iterable[str]) -> None:
        """Stitch these symbols now (one pass over their files)."""
        wanted = [s for s in symbols if s in self._index and s not in self._series]
        if wanted:
            self._load(wanted)

    def _prepare(self, symbol: str) -> Callable[[EmulatedSeries], None]:
        routes = self.routes.get(symbol.split(":", 1)[0])
        return routes.prepare if routes is not None else (lambda _: None)

    def _load(self, symbols: list[str]) -> None:
        import numpy as np
        import pandas as pd

        from riskoff.providers.folder import read_folder

        assert self.data_dir is not None
        frames: dict[str, pd.DataFrame] = {}
        meta = {}
        for folder in dict.fromkeys(self._folder_of[s] for s in symbols):
            part = read_folder(folder, symbols=[s for s in symbols if self._folder_of[s] == folder])
            frames.update((s, f) for s, f in part.frames.items() if "@" not in s)
            meta.update(part.meta)
        built: dict[str, EmulatedSeries] = {}
        for sym, frame in frames.items():
            info = self._catalog.get(sym)
            freq = info.frequency if info else meta[sym].frequency
            dates = pd.DatetimeIndex(frame["date"])
            series = EmulatedSeries(
                symbol=sym,
                days=dates.to_numpy().astype("datetime64[D]").astype(np.int64).copy(),
                values=frame["value"].to_numpy(dtype="float64").copy(),
                adjusted=bool(info and info.adjusted == "yes"),
                business_daily=freq == "business-daily",
            )
            self._prepare(sym)(series)
            built[sym] = series
        with self._data_lock:
            self._series.update(built)

    def folder_series(self, symbol: str) -> EmulatedSeries | None:
        """``symbol`` as read from the data folder (stitched once), or ``None``; with
        :attr:`until` set, only its observations dated on or before that day."""
        if symbol not in self._index:
            return None
        with self._data_lock:
            found = self._series.get(symbol)
        if found is None:
            self._load([symbol])
            with self._data_lock:
                found = self._series.get(symbol)
        until = self.until
        if found is None or until is None:
            return found
        return self._cut(found, until)

    def folder_file(self, symbol: str) -> Path | None:
        """The data-folder file ``symbol`` is read from (its last INDEX row), or ``None``."""
        found = self._file_of.get(symbol)
        return found if found is not None and found.is_file() else None

    def set_hourly(
        self, symbol: str, stamps: Iterable[dt.datetime], closes: Iterable[float]
    ) -> None:
        """Serve these hourly candles for ``symbol`` (``coinbase:BTC-USD``): each candle's
        start (aware UTC, on the hour) and close."""
        import numpy as np

        hours = np.array([int(t.timestamp() // 3600) for t in stamps], dtype=np.int64)
        values = np.array(list(closes), dtype=np.float64)
        order = np.argsort(hours, kind="stable")
        with self._data_lock:
            self._hourly[symbol] = EmulatedSeries(symbol, hours[order], values[order])

    def hourly_series(self, symbol: str) -> EmulatedSeries | None:
        """The hourly candles set for ``symbol`` (:meth:`set_hourly`), or ``None``."""
        with self._data_lock:
            return self._hourly.get(symbol)

    def _cut(self, series: EmulatedSeries, until: dt.date) -> EmulatedSeries:
        """``series`` up to ``until`` (kept per day, with its own memo)."""
        import numpy as np

        key = (series.symbol, until)
        with self._data_lock:
            cut = self._cuts.get(key)
            if cut is None:
                n = int(np.searchsorted(series.days, (until - _EPOCH).days, side="right"))
                cut = replace(series, days=series.days[:n], values=series.values[:n], memo={})
                self._prepare(series.symbol)(cut)
                self._cuts[key] = cut
        return cut

    # -- request handling (called from the handler threads) ----------------------------
    def _admit(self, prefix: str, symbol: str) -> tuple[Fault | None, bool]:
        """Rate-limit the provider, then pick the fault (if any) for this request."""
        now = time.monotonic()
        with self._lock:
            limited = False
            limit = self.limits.get(prefix)
            if limit is not None:
                times = self._times[prefix]
                while times and times[0] <= now - 1.0:
                    times.popleft()
                if len(times) >= limit:
                    limited = True
                else:
                    times.append(now)
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

    def _route(self, path: str, query: Mapping[str, str]) -> tuple[Routes, str, str] | None:
        for routes in self.routes.values():
            hit = routes.route(path, query)
            if hit is not None:
                return routes, hit[0], hit[1]
        return None


# -- the HTTP handler ------------------------------------------------------------------


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
        hit = emu._route(path, query)
        if hit is None:
            self._send(json_answer(404, {"message": "Not Found"}))
            emu._log(RequestRecord(path, "", 404, None, False, time.monotonic(), False))
            return
        routes, endpoint, symbol = hit
        with_key = bool(query.get("api_key"))
        fault, limited = emu._admit(routes.prefix, symbol)
        fault_name = fault.kind if fault else None
        if fault_name == "hang":
            emu._log(RequestRecord(path, symbol, 0, "hang", False, time.monotonic(), with_key))
            emu._stopping.wait(600)
            self.close_connection = True
            return
        delay = emu.latency_ms + (fault.latency_ms if fault and fault.kind == "latency" else 0)
        if delay > 0:
            time.sleep(delay / 1000.0)
        if limited:
            answer = routes.too_many(endpoint, {"Retry-After": "1"})
        elif fault is not None and fault.kind != "latency":
            answer = _fault_answer(emu, routes, endpoint, symbol, fault, query)
        else:
            answer = routes.serve(emu, endpoint, symbol, query, empty=False)
        status = 0 if fault_name == "reset" else answer.status
        emu._log(
            RequestRecord(path, symbol, status, fault_name, limited, time.monotonic(), with_key)
        )
        if fault_name == "reset":
            self._reset()
        elif fault_name == "truncate":
            self._send(answer, truncate=True)
        else:
            self._send(answer)

    def _send(self, answer: Answer, *, truncate: bool = False) -> None:
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


def _control(emu: Emulator, action: str) -> Answer:
    """``/_emulator/stats``: counters as JSON; ``/_emulator/reset``: zero them."""
    if action == "reset":
        emu.reset_counts()
        return json_answer(200, {"ok": True})
    if action == "stats":
        with emu._lock:
            statuses = collections.Counter(str(r.status) for r in emu.records)
        return json_answer(
            200,
            {
                "requests": emu.count(),
                "limited": emu.limited,
                "by_status": dict(statuses),
                "by_path": emu.counts_by_path(),
            },
        )
    return json_answer(404, {"message": "unknown control action"})


def _fault_answer(
    emu: Emulator,
    routes: Routes,
    endpoint: str,
    symbol: str,
    fault: Fault,
    query: Mapping[str, str],
) -> Answer:
    if fault.kind == "429":
        headers = {} if fault.retry_after is None else {"Retry-After": _fmt(fault.retry_after)}
        return routes.too_many(endpoint, headers)
    if fault.kind == "500":
        return Answer(500, b"Internal Server Error", content_type="text/plain")
    if fault.kind == "malformed":
        return routes.malformed(emu, endpoint, symbol, query)
    if fault.kind == "empty":
        return routes.serve(emu, endpoint, symbol, query, empty=True)
    if fault.kind == "unknown":
        return routes.unknown(endpoint)
    if fault.kind == "unauthorized":
        return routes.unauthorized(endpoint)
    # reset and truncate send the normal answer (cut short by the handler)
    return routes.serve(emu, endpoint, symbol, query, empty=False)


def main(argv: list[str] | None = None) -> None:
    """``python -m riskoff.testing.emulator DATA_DIR``: serve until interrupted.

    Prints the base URL, and the environment variables that point ``riskoff`` at it.
    """
    import argparse

    ap = argparse.ArgumentParser(
        prog="python -m riskoff.testing.emulator",
        description="Serve a data folder the way every registered live provider answers.",
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
