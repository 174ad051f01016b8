"""The watcher's tables in the store: alerts recorded once, sends recorded before and
confirmed after, interrupted sends found again, and the data version left alone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from riskoff.store import Store
from riskoff.store.duckdb_store import SCHEMA_VERSION

NOW = dt.datetime(2031, 3, 4, 12, tzinfo=dt.UTC)
TARGETS = [("t1", "json://127.0.0.1:1"), ("t2", "mailto://127.0.0.1:2")]


def _alert(key: str, **kw: object) -> dict[str, object]:
    return {
        "id": key,
        "rule": key.split("/")[0],
        "kind": "alert",
        "event": key.rsplit("/", 1)[0],
        "day": dt.date(2031, 3, 3),
        "title": f"title {key}",
        "body": "body",
        "reason": "why",
        **kw,
    }


def test_an_alert_is_recorded_once_with_one_delivery_per_target(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as st:
        before = st.identity
        got = st.record_alerts([_alert("r/2031-03-03/0")], TARGETS, {"rule:r": "{}"}, NOW)
        again = st.record_alerts([_alert("r/2031-03-03/0")], TARGETS, {"rule:r": "{}"}, NOW)
        assert got == ["r/2031-03-03/0"]
        assert again == []
        (a,) = st.alerts()
        assert [(d.target, d.status, d.attempts) for d in a.deliveries] == [
            ("t1", "pending", 0),
            ("t2", "pending", 0),
        ]
        assert a.status == "pending"
        assert st.watch_state() == {"rule:r": "{}"}
        assert st.identity == before  # alerts are not market data: caches stay warm


def test_held_alerts_have_no_delivery(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as st:
        st.record_alerts([_alert("r/d/1", held="cool-down until x")], TARGETS, {}, NOW)
        (a,) = st.alerts()
        assert a.status == "held"
        assert a.deliveries == ()
        assert st.due_deliveries(NOW) == []


def test_send_recorded_before_and_confirmed_after(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    quiet_end = NOW + dt.timedelta(hours=3)
    with Store(path) as st:
        st.record_alerts([_alert("a/d/0"), _alert("b/d/0", not_before=quiet_end)], TARGETS, {}, NOW)
        due = st.due_deliveries(NOW)
        assert [(d.alert_id, d.target) for d, _ in due] == [("a/d/0", "t1"), ("a/d/0", "t2")]
        assert len(st.due_deliveries(quiet_end)) == 4
        st.mark_sending([("a/d/0", "t1"), ("a/d/0", "t2")])
        st.mark_sent("a/d/0", "t1", NOW)
        # killed here: t2's send was recorded as started, never confirmed
    with Store(path) as st:
        assert st.recover_interrupted_sends() == 1
        assert [(d.alert_id, d.target) for d, _ in st.due_deliveries(NOW)] == [("a/d/0", "t2")]
        a = st.alerts(ids=["a/d/0"])[0]
        assert {d.target: (d.status, d.attempts) for d in a.deliveries} == {
            "t1": ("sent", 1),
            "t2": ("pending", 1),
        }


def test_failed_sends_wait_for_their_retry_then_give_up(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as st:
        st.record_alerts([_alert("a/d/0")], TARGETS[:1], {}, NOW)
        st.mark_sending([("a/d/0", "t1")])
        st.mark_failed("a/d/0", "t1", "json://127.0.0.1:1: refused", NOW + dt.timedelta(minutes=1))
        assert st.due_deliveries(NOW) == []
        assert len(st.due_deliveries(NOW + dt.timedelta(minutes=1))) == 1
        st.mark_failed("a/d/0", "t1", "json://127.0.0.1:1: refused", None)
        (a,) = st.alerts()
        assert a.status == "failed"
        assert a.deliveries[0].last_error == "json://127.0.0.1:1: refused"
        assert st.due_deliveries(NOW + dt.timedelta(days=1)) == []


def test_a_schema_3_store_reads_empty_then_migrates(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with Store(path) as st:
        for table in ("alerts", "alert_deliveries", "watch_state"):
            st._con.execute(f"DROP TABLE {table}")
        st._con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    with Store(path, read_only=True) as st:
        assert st.alerts() == []
        assert st.watch_state() == {}
    with Store(path) as st:
        assert st.schema_version == SCHEMA_VERSION == 4
        st.record_alerts([_alert("a/d/0")], TARGETS, {}, NOW)
        assert len(st.alerts()) == 1
