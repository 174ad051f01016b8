"""The watcher under faults: providers answering 429, 500 or nothing delay an update but
never stop the watcher; a notification target that is down is retried with back-off and
reported, and never holds the others back; a weekend crypto crash in the exchange's
hourly candles is alerted within one polling interval."""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import socket
import threading
import time
from pathlib import Path

import pytest

from riskoff import usecases
from riskoff.config import Settings
from riskoff.providers.http import RetryPolicy, TokenBucket
from riskoff.store import Store
from riskoff.testing.emulator import Emulator, Fault
from riskoff.usecases.watch_config import parse_config
from riskoff.usecases.watch_facts import exchange_hourly
from riskoff.usecases.watch_log import alerts, watch_status
from riskoff.usecases.watching import Watcher, WatcherBusyError
from tests.watch_helpers import FakeClock, Mailbox, WebhookReceiver, small_folder

pytestmark = pytest.mark.integration

FEW = frozenset({"coinbase:BTC-USD", "fred:SOFR", "yahoo:^GSPC"})


def test_provider_faults_delay_an_update_but_never_stop_the_watcher(
    tmp_path: Path, data_dir: Path
) -> None:
    folder = small_folder(data_dir, tmp_path / "data", "2024-01-01", FEW)
    with Emulator(folder, fred_limit=None) as emu:
        settings = emu.settings(tmp_path / "home")
        usecases.ingest(folder, until=dt.date(2024, 6, 28), settings=settings)
        emu.until = dt.date(2024, 7, 3)

        def updater(now: dt.datetime) -> object:
            return usecases.update(
                settings=settings,
                symbols=sorted(FEW),
                today=now.date(),
                fred_limiter=TokenBucket(rate=1000, capacity=1000),
                retry=RetryPolicy(attempts=3, base=0.05, max_retry_after=1.0),
                deadline=2.5,
            )

        clock = FakeClock(dt.datetime(2024, 7, 3, 23, tzinfo=dt.UTC))
        watcher = Watcher(parse_config("", "rules"), settings, clock=clock, updater=updater)
        # every request fails: the update fails, the cycle still ends and says why
        emu.add_fault(Fault("500", times=None))
        rep = watcher.cycle()
        assert rep.update_error.startswith("3 series failed: ")
        assert "(HTTP 500)" in rep.update_error
        assert rep.day == dt.date(2024, 6, 28)  # diagnosed what the store holds
        lines = dict(watch_status(settings, config=watcher.config))
        assert lines["  update error"] == rep.update_error
        emu.clear_faults()
        # 429 with Retry-After, a 500 and a host that never answers: delayed, not stopped
        emu.add_fault(Fault("429", symbol="coinbase", retry_after=0.2))
        emu.add_fault(Fault("500", symbol="yahoo"))
        emu.add_fault(Fault("hang", symbol="fred", times=None))
        started = time.monotonic()
        rep = watcher.cycle()
        took = time.monotonic() - started
        assert rep.updated
        assert "fred:SOFR" in rep.update_error  # the hung provider is reported
        assert took < 30
        with Store(settings.store_path, read_only=True) as st:
            last = st.last_dates()
        assert last["coinbase:BTC-USD"] == dt.date(2024, 7, 3)  # fetched after its 429
        assert last["yahoo:^GSPC"] == dt.date(2024, 7, 3)  # fetched after its 500
        assert last["fred:SOFR"] < dt.date(2024, 7, 3)  # left as it was
        lines = dict(watch_status(settings, config=watcher.config))
        assert lines["  fred"].endswith("(0 series fetched, 1 failed)")
        assert lines["  coinbase"].endswith("(1 series fetched, 0 failed)")


class _Tarpit:
    """A TCP port that accepts connections and never answers."""

    def __enter__(self) -> _Tarpit:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = int(self.sock.getsockname()[1])
        self.conns: list[socket.socket] = []
        self.stop = threading.Event()

        def accept() -> None:
            self.sock.settimeout(0.2)
            while not self.stop.is_set():
                try:
                    self.conns.append(self.sock.accept()[0])
                except OSError:
                    continue

        threading.Thread(target=accept, daemon=True).start()
        return self

    def close(self) -> None:
        """Stop listening: connections are refused from now on."""
        self.stop.set()
        for c in self.conns:
            c.close()
        self.sock.close()

    def __exit__(self, *exc: object) -> None:
        self.close()


def test_a_down_target_is_retried_and_reported_never_blocking_the_others(
    tmp_path: Path,
) -> None:
    with WebhookReceiver(down=True) as down, _Tarpit() as tarpit, Mailbox() as mail:
        rules = parse_config(
            f"""notify = [
              "json://127.0.0.1:{down.port}/down",
              "json://127.0.0.1:{tarpit.port}/hangs?rto=30",
              "mailto://127.0.0.1:{mail.port}?from=w@example.org&to=ops@example.org",
            ]""",
            "rules",
        )
        settings = Settings.from_env({"RISKOFF_HOME": str(tmp_path / "home")})
        clock = FakeClock(dt.datetime(2031, 3, 4, 12, tzinfo=dt.UTC))
        backoff = [dt.timedelta(minutes=1), dt.timedelta(minutes=5)]
        watcher = Watcher(
            rules, settings, clock=clock, update=False, backoff=backoff, send_timeout=1.5
        )
        with Store(settings.store_path) as st:
            st.record_alerts(
                [{"id": "selloff/2031-03-03/0", "rule": "selloff", "kind": "alert",
                  "event": "selloff/2031-03-03", "day": dt.date(2031, 3, 3),
                  "title": "riskoff sell-off 2031-03-03", "body": "Sell-off."}],
                [(t.id, t.name) for t in watcher.targets],
                {},
                clock(),
            )  # fmt: skip
        started = time.monotonic()
        mailed_after: list[float] = []
        threading.Thread(
            target=lambda: mailed_after.append(_wait_for(lambda: bool(mail.messages), started)),
            daemon=True,
        ).start()
        rep = watcher.cycle()
        took = time.monotonic() - started
        # the mail went out while the tarpit still held its send
        assert mailed_after
        assert mailed_after[0] < took - 0.5
        assert [t for _, t in rep.sent] == [f"mailto://127.0.0.1:{mail.port}"]
        assert {t for _, t, _ in rep.failed} == {
            f"json://127.0.0.1:{down.port}",
            f"json://127.0.0.1:{tarpit.port}",
        }
        assert down.refused == 1
        # reported: in the alert log and the status line
        (a,) = alerts(settings)
        assert a.status == "pending"
        by = {d.target_name: d for d in a.deliveries}
        assert by[f"json://127.0.0.1:{down.port}"].attempts == 1
        assert by[f"json://127.0.0.1:{down.port}"].next_try == dt.datetime(2031, 3, 4, 12, 1)
        assert "503" in by[f"json://127.0.0.1:{down.port}"].last_error
        # before its back-off has passed, nothing is tried again
        clock.set(clock.now + dt.timedelta(seconds=30))
        assert watcher.cycle().failed == []
        assert down.refused == 1
        # after it: tried again, still down; then up again: sent, once
        clock.set(clock.now + dt.timedelta(minutes=1))
        watcher.cycle()
        assert down.refused == 2
        down.down = False
        tarpit.close()
        clock.set(clock.now + dt.timedelta(minutes=5))
        rep = watcher.cycle()
        assert [t for _, t in rep.sent] == [f"json://127.0.0.1:{down.port}"]
        assert len(down.received) == 1
        assert len(mail.messages) == 1
        # the tarpit used every try: given up, and reported as failed
        (a,) = alerts(settings)
        assert a.status == "failed"
        lines = dict(watch_status(settings, config=rules))
        assert lines["failed"].startswith("selloff/2031-03-03/0: ")


def _wait_for(cond: object, started: float, limit: float = 20.0) -> float:
    while time.monotonic() - started < limit:
        if cond():  # type: ignore[operator]
            return time.monotonic() - started
        time.sleep(0.02)
    return math.inf


def _hourly_walk(
    start: dt.datetime, hours: int, seed: int, crash_at: dt.datetime | None
) -> tuple[list[dt.datetime], list[float]]:
    rng = random.Random(seed)
    stamps, closes, level = [], [], 60_000.0
    for h in range(hours):
        t = start + dt.timedelta(hours=h)
        level *= math.exp(rng.gauss(0.0, 0.004))
        if crash_at is not None and crash_at <= t < crash_at + dt.timedelta(hours=2):
            level *= 0.93  # -14% in two hours
        stamps.append(t)
        closes.append(level)
    return stamps, closes


def test_a_weekend_crypto_crash_in_hourly_candles_alerts_within_one_poll(tmp_path: Path) -> None:
    saturday = dt.datetime(2031, 3, 8, tzinfo=dt.UTC)
    assert saturday.weekday() == 5
    crash = saturday + dt.timedelta(hours=3)  # candles 03:00 and 04:00 fall
    start = saturday - dt.timedelta(days=20)
    with Emulator(None) as emu, WebhookReceiver() as hook:
        for i, sym in enumerate(("coinbase:BTC-USD", "coinbase:ETH-USD")):
            stamps, closes = _hourly_walk(start, 24 * 30, i, crash if i == 0 else None)
            emu.set_hourly(sym, stamps, closes)
        settings = emu.settings(tmp_path / "home")
        rules = parse_config(
            f"""notify = ["json://127.0.0.1:{hook.port}/hook"]
            interval = "1h"
            [[rule]]
            kind = "crypto_weekend"
            min_sigma = 3
            quiet_hours = "22:00-07:00"
            urgent = 4""",
            "rules",
        )
        clock = FakeClock(saturday)
        watcher = Watcher(
            rules, settings, clock=clock, update=False, hourly=exchange_hourly(settings, days=15)
        )
        polls: dict[dt.datetime, list[str]] = {}
        for k in range(8):  # hourly polls at hh:20, Saturday 00:20 to 07:20
            clock.set(saturday + dt.timedelta(hours=k, minutes=20))
            polls[clock.now] = watcher.cycle().raised
        raised = {t.hour: r for t, r in polls.items() if r}
        # the 04:00 candle (03:00-04:00, the first fall) completes at 04:00: alerted at
        # the 04:20 poll, then the same event: no second alert
        assert raised == {4: ["crypto_weekend/2031-03-08/0"]}
        assert [r.body["title"] for r in hook.received] == [
            "riskoff weekend crypto fall (2031-03-08)"
        ]
        body = hook.received[0].body["message"]
        assert body.startswith("Crypto fell ")
        assert (
            "sigma (hourly candles) to Sat 2031-03-08 04:00 UTC while stock markets were shut"
            in body
        )


def test_the_days_report_is_attached(tmp_path: Path) -> None:
    report = tmp_path / "home" / "watch" / "reports" / "2031-03-03.html"
    report.parent.mkdir(parents=True)
    report.write_text("<!doctype html><title>riskoff 2031-03-03</title><p>the report</p>")
    with WebhookReceiver() as hook, Mailbox() as mail:
        rules = parse_config(
            f"""notify = ["json://127.0.0.1:{hook.port}/h",
              "mailto://127.0.0.1:{mail.port}?from=w@example.org&to=ops@example.org"]
            attach_report = true""",
            "rules",
        )
        settings = Settings.from_env({"RISKOFF_HOME": str(tmp_path / "home")})
        watcher = Watcher(rules, settings, update=False)
        with Store(settings.store_path) as st:
            st.record_alerts(
                [{"id": "selloff/2031-03-03/0", "rule": "selloff", "kind": "alert",
                  "event": "selloff/2031-03-03", "day": dt.date(2031, 3, 3),
                  "title": "riskoff sell-off 2031-03-03", "body": "Sell-off.",
                  "evidence": json.dumps({"report": str(report)})}],
                [(t.id, t.name) for t in watcher.targets],
                {},
                dt.datetime.now(dt.UTC),
            )  # fmt: skip
        assert len(watcher.cycle().sent) == 2
        (sent,) = hook.received
        assert [a["filename"] for a in sent.body["attachments"]] == ["2031-03-03.html"]
        (msg,) = mail.messages
        files = [p.get_filename() for p in msg.iter_attachments()]
        assert files == ["2031-03-03.html"]


def test_one_watcher_per_store(tmp_path: Path) -> None:
    settings = Settings.from_env({"RISKOFF_HOME": str(tmp_path / "home")})
    first = Watcher(parse_config("", "rules"), settings, update=False)
    first.cycle()
    second = Watcher(parse_config("", "rules"), settings, update=False)
    with pytest.raises(WatcherBusyError, match=r"another riskoff watch is running on .* \(pid "):
        second.run(cycles=3, sleep=lambda s: None)
    first.cycle()  # the first one goes on
