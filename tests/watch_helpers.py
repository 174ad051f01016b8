"""Helpers of the watcher's tests: a small real-data folder, a webhook receiver, an SMTP
server, and a fake clock. No mock of the notifier: alerts go through Apprise to these."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

WATCHED = frozenset(
    [
        "coinbase:BTC-USD",
        "coinbase:ETH-USD",
        "fred:BAMLC0A0CM",
        "fred:BAMLH0A0HYM2",
        "fred:DCOILWTICO",
        "fred:DFF",
        "fred:DGS10",
        "fred:DGS2",
        "fred:DGS30",
        "fred:EFFR",
        "fred:IORB",
        "fred:IOER",
        "fred:NASDAQCOM",
        "fred:RRPONTSYD",
        "fred:SOFR",
        "fred:STLFSI4",
        "fred:VIXCLS",
        "fred:WALCL",
        "fred:WRESBAL",
        "fred:WTREGEN",
        "yahoo:AAPL",
        "yahoo:AMZN",
        "yahoo:AUDUSD=X",
        "yahoo:BTC-USD",
        "yahoo:CL=F",
        "yahoo:DX-Y.NYB",
        "yahoo:EEM",
        "yahoo:ETH-USD",
        "yahoo:GC=F",
        "yahoo:GOOGL",
        "yahoo:HG=F",
        "yahoo:HYG",
        "yahoo:IWM",
        "yahoo:JPY=X",
        "yahoo:META",
        "yahoo:MSFT",
        "yahoo:NVDA",
        "yahoo:SI=F",
        "yahoo:SMH",
        "yahoo:TSLA",
        "yahoo:XLE",
        "yahoo:XLF",
        "yahoo:XLP",
        "yahoo:^GSPC",
        "yahoo:^HSI",
        "yahoo:^MOVE",
        "yahoo:^N225",
        "yahoo:^NDX",
        "yahoo:^VIX",
    ]
)
"""The live series the asset classes, the funding gauges and the stress index read."""


def small_folder(data_dir: Path, dest: Path, start: str, symbols: frozenset[str] = WATCHED) -> Path:
    """A copy of the real data folder's ``symbols`` from ``start`` on (files hard-linked
    when the file system allows, else copied; a temporary folder, never the project)."""
    dest.mkdir(parents=True, exist_ok=True)
    with (data_dir / "INDEX.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    keep = []
    for r in rows:
        if r["symbol"] not in symbols:
            continue
        if r["use_to"] and r["use_to"] < start:
            continue
        if not r["use_from"] or r["use_from"] < start:
            r["use_from"] = start
        keep.append(r)
        target = dest / r["file"]
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(data_dir / r["file"], target)
            except OSError:
                shutil.copy(data_dir / r["file"], target)
    with (dest / "INDEX.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(keep)
    return dest


@dataclass
class FakeClock:
    """A settable UTC clock."""

    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, when: dt.datetime) -> None:
        self.now = when


@dataclass
class Received:
    """One acknowledged request of the webhook receiver."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class WebhookReceiver:
    """A small HTTP server on 127.0.0.1 that acknowledges (200) each POST and keeps it.

    ``down`` answers 503 to everything; ``hold`` keeps each request open (unanswered,
    not acknowledged) until ``release`` is set: a receiver that has not answered has not
    accepted the message."""

    received: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    down: bool = False
    hold: bool = False
    release: threading.Event = field(default_factory=threading.Event)
    refused: int = 0
    _server: ThreadingHTTPServer | None = None

    def __enter__(self) -> WebhookReceiver:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n)
                outer.arrived.set()
                if outer.hold:
                    outer.release.wait(30)
                    return  # never answered: not accepted
                if outer.down:
                    outer.refused += 1
                    self.send_response(503)
                    self.end_headers()
                    return
                outer.received.append(
                    Received(
                        self.path, {k.lower(): v for k, v in self.headers.items()}, json.loads(raw)
                    )
                )
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


@dataclass
class Mailbox:
    """A local SMTP server (aiosmtpd) on 127.0.0.1 keeping every message it accepts."""

    messages: list[Any] = field(default_factory=list)
    port: int = 0
    _controller: Any = None

    def __enter__(self) -> Mailbox:
        from email import message_from_bytes, policy

        from aiosmtpd.controller import Controller

        outer = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                outer.messages.append(message_from_bytes(envelope.content, policy=policy.default))
                return "250 Message accepted for delivery"

        self.port = free_port()
        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def texts(self) -> list[tuple[str, str]]:
        """(subject, plain text body) of every message."""
        out = []
        for m in self.messages:
            part = m.get_body(preferencelist=("plain", "html"))
            out.append((str(m["subject"]), part.get_content() if part else ""))
        return out

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def iter_days(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    d = start
    while d <= end:
        yield d
        d += dt.timedelta(days=1)
