"""A ``riskoff watch`` process killed (SIGKILL) in the middle of a send, then restarted:
no alert is sent twice and none is lost.

Two alerts wait in the store's outbox. The first process sends them to a webhook that
holds every request open (it never acknowledges them) and to an SMTP server that
accepts them; it is killed once the SMTP sends are confirmed and the webhook sends are
still in flight. The restarted process finds the two unconfirmed webhook sends and sends
them again; the mails are not sent twice."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from riskoff.store import Store
from riskoff.usecases.notify import make_targets
from tests.watch_helpers import Mailbox, WebhookReceiver

pytestmark = pytest.mark.integration

CANARY = "canary-5b1d-crash-secret"


def _rules(hook: int, smtp: int) -> str:
    return f"""
notify = [
  "json://watch:${{HOOK_TOKEN}}@127.0.0.1:{hook}/hook",
  "mailto://127.0.0.1:{smtp}?from=watch@example.org&to=ops@example.org",
]
[[rule]]
kind = "selloff"
"""


def _watch(home: Path, rules: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "RISKOFF_HOME": str(home),
        "HOOK_TOKEN": CANARY,
        "RISKOFF_EXCHANGE_URL": "http://127.0.0.1:9",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "riskoff.cli",
            "watch",
            "--once",
            "--no-update",
            "--config",
            str(rules),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _deliveries(path: Path) -> dict[tuple[str, str], tuple[str, int]]:
    deadline = time.monotonic() + 20
    while True:
        try:
            with Store(path, read_only=True, wait=0.5) as st:
                return {
                    (a.id, d.target_name.split(":")[0]): (d.status, d.attempts)
                    for a in st.alerts()
                    for d in a.deliveries
                }
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_sigkill_mid_send_then_restart_no_duplicate_no_loss(tmp_path: Path) -> None:
    home = tmp_path / "home"
    path = home / "riskoff.duckdb"
    with WebhookReceiver(hold=True) as hook, Mailbox() as mail:
        rules = tmp_path / "rules.toml"
        rules.write_text(_rules(hook.port, mail.port))
        from riskoff.usecases.watch_config import parse_config

        targets, _ = make_targets(
            parse_config(rules.read_text(), "rules").notify, None, {"HOOK_TOKEN": CANARY}
        )
        now = dt.datetime.now(dt.UTC)
        with Store(path) as st:  # two alerts the watcher raised and recorded, not yet sent
            st.record_alerts(
                [
                    {
                        "id": f"selloff/2031-03-0{i}/0",
                        "rule": "selloff",
                        "kind": "alert",
                        "event": f"selloff/2031-03-0{i}",
                        "day": dt.date(2031, 3, i),
                        "title": f"riskoff sell-off 2031-03-0{i}",
                        "body": f"Sell-off on 2031-03-0{i}.",
                    }
                    for i in (3, 4)
                ],
                [(t.id, t.name) for t in targets],
                {},
                now,
            )
        first = _watch(home, rules)
        try:
            assert hook.arrived.wait(30), "the first watcher never sent"
            deadline = time.monotonic() + 30
            while len(mail.messages) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            # the mails are confirmed in the store, the webhook sends are in flight
            while time.monotonic() < deadline:
                states = _deliveries(path)
                if [v for k, v in states.items() if k[1] == "mailto"] == [("sent", 1)] * 2:
                    break
                time.sleep(0.1)
            assert [v for k, v in states.items() if k[1] == "json"] == [("sending", 1)] * 2
            os.kill(first.pid, signal.SIGKILL)
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
                first.wait()
        assert first.returncode == -signal.SIGKILL
        assert hook.received == []  # nothing was acknowledged before the kill
        hook.hold = False
        hook.release.set()

        second = _watch(home, rules)
        out, err = second.communicate(timeout=60)
        assert second.returncode == 0, err
        assert "2 sends were interrupted before their confirmation; sending again" in err
        assert CANARY not in out + err

    titles = sorted(r.body["title"] for r in hook.received)
    assert titles == ["riskoff sell-off 2031-03-03", "riskoff sell-off 2031-03-04"]
    assert sorted(s for s, _ in mail.texts()) == titles  # each mail once, not twice
    states = _deliveries(path)
    assert states == {
        ("selloff/2031-03-03/0", "json"): ("sent", 2),
        ("selloff/2031-03-04/0", "json"): ("sent", 2),
        ("selloff/2031-03-03/0", "mailto"): ("sent", 1),
        ("selloff/2031-03-04/0", "mailto"): ("sent", 1),
    }
    assert CANARY.encode() not in path.read_bytes()


@pytest.mark.slow
def test_sigkill_while_sending_an_alert_it_raised_itself(tmp_path: Path, data_dir: Path) -> None:
    """The same, with the alert raised by the killed process itself from a real diagnosis
    (the store cut at 2024-08-05, a sell-off): the restart neither raises it again nor
    loses its unconfirmed send."""
    from riskoff import usecases
    from riskoff.config import Settings
    from tests.watch_helpers import small_folder

    home = tmp_path / "home"
    path = home / "riskoff.duckdb"
    folder = small_folder(data_dir, tmp_path / "data", "2024-01-01")
    usecases.ingest(
        folder, until=dt.date(2024, 8, 5), settings=Settings.from_env({"RISKOFF_HOME": str(home)})
    )
    with WebhookReceiver(hold=True) as hook, Mailbox() as mail:
        rules = tmp_path / "rules.toml"
        rules.write_text(_rules(hook.port, mail.port))
        first = _watch(home, rules)
        try:
            assert hook.arrived.wait(60), "the first watcher never sent"
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                states = _deliveries(path)
                if [v for k, v in states.items() if k[1] == "mailto"] == [("sent", 1)]:
                    break
                time.sleep(0.1)
            assert states == {
                ("selloff/2024-08-05/0", "json"): ("sending", 1),
                ("selloff/2024-08-05/0", "mailto"): ("sent", 1),
            }
            os.kill(first.pid, signal.SIGKILL)
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
                first.wait()
        hook.hold = False
        hook.release.set()
        second = _watch(home, rules)
        _, err = second.communicate(timeout=120)
        assert second.returncode == 0, err
        assert "1 sends were interrupted before their confirmation; sending again" in err
        assert "0 alerts raised" in err  # the day was already evaluated: not raised again
    (only,) = [r.body["title"] for r in hook.received]
    assert only.startswith("riskoff sell-off 2024-08-05: most like ")
    assert [s for s, _ in mail.texts()] == [only]
    assert _deliveries(path) == {
        ("selloff/2024-08-05/0", "json"): ("sent", 2),
        ("selloff/2024-08-05/0", "mailto"): ("sent", 1),
    }
