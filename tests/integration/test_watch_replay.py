"""``riskoff watch`` end to end: the provider emulator replays the August 2024 carry
unwind day by day (2024-08-01..08-07), then a quiet week (08-08..08-14); the watcher
updates through the real providers, diagnoses with the real engine, and sends through
Apprise to a local webhook receiver and a local SMTP server (aiosmtpd).

One replay (a module fixture, about 30 s) serves every test below. The clock is fake:
a cycle at 23:00 UTC each day (after the US close) and one at 07:30 the next morning.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from riskoff import usecases
from riskoff.config import Settings
from riskoff.providers.http import RetryPolicy, TokenBucket
from riskoff.testing.emulator import Emulator
from riskoff.usecases.watch_config import parse_config
from riskoff.usecases.watch_log import CycleReport, alerts, watch_status
from riskoff.usecases.watching import Watcher
from tests.helpers import run_cli
from tests.watch_helpers import FakeClock, Mailbox, WebhookReceiver, iter_days, small_folder

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CANARY = "canary-7f3a9c1e-hook-secret"
START, END, QUIET_END = dt.date(2024, 8, 1), dt.date(2024, 8, 7), dt.date(2024, 8, 14)

RULES = """
notify = [
  "json://watch:${{HOOK_TOKEN}}@127.0.0.1:{hook}/hook",
  "mailto://127.0.0.1:{smtp}?from=watch@example.org&to=ops@example.org",
]
dashboard = "http://127.0.0.1:8765"

[[rule]]
kind = "selloff"
min_severity = 0.5
deepen_by = 0.05
cooldown = "4d"
quiet_hours = "22:00-07:00"
urgent = 0.95

[[rule]]
kind = "cross_asset"
min_severity = 0.3

[[rule]]
kind = "stress_percentile"
min_percentile = 95
quiet_hours = "22:00-07:00"
urgent = 99

[[rule]]
kind = "crypto_weekend"
min_sigma = 2.5
cooldown = "12h"

[[rule]]
kind = "funding_spread"
min_bp = 10
"""


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name} {record.getMessage()}")


@dataclass
class Replay:
    home: Path
    settings: Settings
    hook: WebhookReceiver
    mail: Mailbox
    reports: list[CycleReport] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    sent_at: dict[str, dt.datetime] = field(default_factory=dict)


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Iterator[Replay]:
    root = tmp_path_factory.mktemp("watch_replay")
    folder = small_folder(data_dir, root / "data", "2022-06-01")
    capture = _Capture()
    root_logger = logging.getLogger()
    old_level = root_logger.level
    root_logger.addHandler(capture)
    root_logger.setLevel(logging.DEBUG)
    try:
        with (
            Emulator(folder, fred_limit=None) as emu,
            WebhookReceiver() as hook,
            Mailbox() as mail,
        ):
            settings = emu.settings(root / "home")
            usecases.ingest(folder, until=START - dt.timedelta(days=1), settings=settings)
            from riskoff.store import Store

            with Store(settings.store_path, read_only=True) as st:
                stored = [s for s in st.symbols() if "@" not in s]

            fetched: list[dt.date | None] = []

            def updater(now: dt.datetime) -> object:
                if emu.until in fetched:  # the morning after: nothing new is published
                    return usecases.UpdateResult(report=None)
                fetched.append(emu.until)
                return usecases.update(
                    settings=settings,
                    symbols=stored,
                    today=emu.until,
                    fred_limiter=TokenBucket(rate=1000, capacity=1000),
                    retry=RetryPolicy(attempts=2, base=0.01),
                )

            config = parse_config(RULES.format(hook=hook.port, smtp=mail.port), "rules.toml")
            clock = FakeClock(dt.datetime(2024, 8, 1, 23, tzinfo=dt.UTC))
            watcher = Watcher(
                config,
                settings,
                clock=clock,
                updater=updater,
                environ={"HOOK_TOKEN": CANARY},
                send_timeout=10,
            )
            out = Replay(root / "home", settings, hook, mail)
            for day in iter_days(START, QUIET_END):
                emu.until = day
                for when in (
                    dt.datetime.combine(day, dt.time(23), tzinfo=dt.UTC),
                    dt.datetime.combine(day + dt.timedelta(days=1), dt.time(7, 30), tzinfo=dt.UTC),
                ):
                    clock.set(when)
                    rep = watcher.cycle()
                    out.reports.append(rep)
                    for alert_id, _target in rep.sent:
                        out.sent_at.setdefault(alert_id, when)
            out.logs = capture.lines
            yield out
    finally:
        root_logger.removeHandler(capture)
        root_logger.setLevel(old_level)


def _stored(r: Replay) -> list[Any]:
    return list(reversed(alerts(r.settings)))


def test_exactly_the_expected_alerts(replay: Replay) -> None:
    rows = {a.id: a for a in _stored(replay)}
    assert {k: (a.kind, a.status) for k, a in rows.items()} == {
        # Friday: the sell-off opens (severity 0.79) inside quiet hours
        "selloff/2024-08-02/0": ("alert", "sent"),
        # the same evening: the stress index tops its (two-year) history
        "stress_percentile/2024-08-02/0": ("alert", "sent"),
        # Sunday: Ether falls 3 sigma while stock markets are shut
        "crypto_weekend/2024-08-04/0": ("alert", "sent"),
        # Monday 08-05 deepens it to 0.88: the 4-day cool-down holds the follow-up back
        "selloff/2024-08-02/1": ("follow_up", "held"),
        # two calm days for crypto (the rule counts every day), then for markets
        "crypto_weekend/2024-08-04/1": ("all_clear", "sent"),
        "selloff/2024-08-02/2": ("all_clear", "sent"),
        # the stress index (with its metals segment) back under its 95th percentile
        "stress_percentile/2024-08-02/1": ("all_clear", "sent"),
    }
    # the quiet week brings only the stress index's all-clear (one event, one alert, one
    # all-clear); the cross-asset and funding rules never fired
    assert [a.id for a in rows.values() if a.created_at.date() > dt.date(2024, 8, 8)] == [
        "stress_percentile/2024-08-02/1"
    ]


def test_cool_down_holds_the_follow_up(replay: Replay) -> None:
    rows = {a.id: a for a in _stored(replay)}
    held = rows["selloff/2024-08-02/1"]
    assert held.held == "cool-down until 2024-08-06 23:00 UTC"
    assert held.reason.startswith("deepened from 0.79 to 0.88: sell-off of severity 0.88")
    assert held.deliveries == ()
    assert not any("update" in r.body["title"] for r in replay.hook.received)


def test_every_sent_alert_reached_both_targets_once(replay: Replay) -> None:
    titles = [r.body["title"] for r in replay.hook.received]
    assert titles == [s for s, _ in replay.mail.texts()]
    assert titles == [
        "riskoff stress index high 2024-08-02: most like Carry unwind (0.69)",
        "riskoff sell-off 2024-08-02: most like Carry unwind (0.69)",
        "riskoff weekend crypto fall (2024-08-04)",
        "riskoff all clear: weekend crypto fall (2024-08-06)",
        "riskoff all clear: sell-off (2024-08-07)",
        "riskoff all clear: stress index high (2024-08-14)",
    ]
    for a in _stored(replay):
        if a.status == "sent":
            assert [(d.status, d.attempts) for d in a.deliveries] == [("sent", 1), ("sent", 1)]


def test_quiet_hours_hold_all_but_what_the_rules_allow(replay: Replay) -> None:
    at = replay.sent_at
    # raised at 23:00, inside 22:00-07:00, below `urgent`: sent at the 07:30 cycle
    assert at["selloff/2024-08-02/0"] == dt.datetime(2024, 8, 3, 7, 30, tzinfo=dt.UTC)
    assert at["selloff/2024-08-02/2"] == dt.datetime(2024, 8, 8, 7, 30, tzinfo=dt.UTC)
    # at or above its rule's `urgent` level: sent at once, quiet hours or not
    assert at["stress_percentile/2024-08-02/0"] == dt.datetime(2024, 8, 2, 23, tzinfo=dt.UTC)
    # a rule without quiet hours: sent in the cycle that raised it
    assert at["crypto_weekend/2024-08-04/0"] == dt.datetime(2024, 8, 4, 23, tzinfo=dt.UTC)
    assert at["crypto_weekend/2024-08-04/1"] == dt.datetime(2024, 8, 6, 23, tzinfo=dt.UTC)
    # an all-clear is never urgent: raised at 23:00 inside quiet hours, sent at 07:30
    assert at["stress_percentile/2024-08-02/1"] == dt.datetime(2024, 8, 15, 7, 30, tzinfo=dt.UTC)


def test_alert_text_carries_the_diagnosis(replay: Replay) -> None:
    first = next(r.body for r in replay.hook.received if "sell-off 2024-08-02" in r.body["title"])
    body = first["message"]
    assert body.startswith("Sell-off of severity 0.79 on 2024-08-02 (rule: at least 0.5).")
    assert "Most like a yen carry-trade unwind" in body  # the verdict paragraph
    assert "\nFor:\n- The Nikkei fell" in body  # the top evidence for
    assert "\nAgainst:\n- " in body  # and against (here: none of its checks)
    assert "\nA new 312 or a new 519? " in body  # the 312-or-519 line
    assert "Dashboard: http://127.0.0.1:8765/day/2024-08-02" in body
    assert body.endswith("Alert selloff/2024-08-02/0 (rule selloff)")
    subject, mail_body = replay.mail.texts()[1]
    assert subject == first["title"]
    assert "Dashboard: http://127.0.0.1:8765/day/2024-08-02" in mail_body
    clear = next(
        r.body["message"]
        for r in replay.hook.received
        if r.body["title"] == "riskoff all clear: sell-off (2024-08-07)"
    )
    assert clear.startswith(
        "All clear: no sell-off for 2 market days (last checked 2024-08-07; the event "
        "opened 2024-08-02)."
    )


def test_the_canary_secret_is_nowhere(replay: Replay, capsys: pytest.CaptureFixture[str]) -> None:
    # it reached the webhook as its credential, and nowhere else
    auth = replay.hook.received[0].headers["authorization"]
    import base64

    assert base64.b64decode(auth.split()[1]).decode() == f"watch:{CANARY}"
    places: dict[str, str] = {
        "logs": "\n".join(replay.logs),
        "webhook bodies": json.dumps([r.body for r in replay.hook.received]),
        "mails": "\n".join(m.as_string() for m in replay.mail.messages),
        "store file": (replay.home / "riskoff.duckdb").read_bytes().decode("latin-1"),
    }
    import os

    os.environ["RISKOFF_HOME"] = str(replay.home)
    try:
        code, out, err = run_cli(["alerts", "--json"], capsys)
        assert code == 0, err
        places["alerts --json"] = out + err
        listed = json.loads(out)
        assert len(listed) == 7
        assert {d["target"] for a in listed for d in a["deliveries"]} == {
            f"json://127.0.0.1:{replay.hook.port}",
            f"mailto://127.0.0.1:{replay.mail.port}",
        }
        code, out, err = run_cli(["alerts"], capsys)
        places["alerts"] = out + err
        code, out, err = run_cli(["watch", "--status"], capsys)
        places["watch --status"] = out + err
    finally:
        del os.environ["RISKOFF_HOME"]
    from fastapi.testclient import TestClient

    from riskoff.web import create_app

    with TestClient(create_app(replay.settings), base_url="http://127.0.0.1") as client:
        page = client.get("/alerts")
        assert page.status_code == 200
        places["/alerts"] = page.text
        api = client.get("/api/alerts")
        assert api.status_code == 200
        places["/api/alerts"] = api.text
    assert [a["id"] for a in json.loads(places["/api/alerts"])] == [a["id"] for a in listed]
    assert 'href="/day/2024-08-02"' in places["/alerts"]
    assert "cool-down until 2024-08-06 23:00 UTC" in places["/alerts"]
    for where, text in places.items():
        assert CANARY not in text, where
    assert "last alert" in places["watch --status"]


def test_status_names_the_last_update_per_provider(replay: Replay) -> None:
    lines = dict(watch_status(replay.settings))
    assert lines["rules"] == "rules.toml (5 rules)"  # what the watcher ran with
    assert lines["last cycle"] == "2024-08-15T07:30:00+00:00"
    for provider in ("fred", "yahoo", "coinbase"):
        assert lines[f"  {provider}"].startswith("2024-08-14T23:00:00+00:00 ("), provider
        assert lines[f"  {provider}"].endswith(" series fetched, 0 failed)")
    assert lines["alerts sent"] == "6"
    assert lines["last alert"].startswith(
        "stress_percentile/2024-08-02/1 sent (2024-08-14 23:00 UTC)"
    )
