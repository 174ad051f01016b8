"""The watcher's tables: alerts, their deliveries, the rules' state (schema version 4).

``alerts``           one row per alert a rule raised: its key (``rule/day/seq``), rule,
                     kind (``alert``, ``follow_up``, ``all_clear``), the day, when it was
                     raised, why, its title, text and evidence (JSON), whether the cool-down
                     held it back, and from when it may be sent (quiet hours)
``alert_deliveries`` one row per alert and notification target: ``pending`` (to send),
                     ``sending`` (recorded *before* the send), ``sent`` (confirmed *after*),
                     ``failed`` (gave up); attempts, the next try and the last error
``watch_state``      key/value: each rule's state (JSON) and the watcher's health

An alert and its deliveries are written in one transaction with the rules' new state,
so a crash never leaves a rule that moved on without its alert, nor an alert twice (the
key is the primary key). A target's ``sending`` row found at start-up is a send that a
crash interrupted before its confirmation: it is sent again (the receiver never
acknowledged it, or did in the instant before the kill). Nothing here bumps the store's
data version: the caches of the market data stay warm.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from riskoff.errors import StoreError

if TYPE_CHECKING:
    import duckdb

__all__ = ["ALERT_TABLES", "AlertRow", "AlertTables", "DeliveryRow"]

ALERT_TABLES: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS alerts (
        id VARCHAR PRIMARY KEY, rule VARCHAR NOT NULL, kind VARCHAR NOT NULL,
        event VARCHAR NOT NULL, day DATE, created_at TIMESTAMP NOT NULL,
        not_before TIMESTAMP, held VARCHAR, reason VARCHAR, title VARCHAR, body VARCHAR,
        evidence VARCHAR, link VARCHAR, level DOUBLE)""",
    """CREATE TABLE IF NOT EXISTS alert_deliveries (
        alert_id VARCHAR NOT NULL, target VARCHAR NOT NULL, target_name VARCHAR,
        status VARCHAR NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
        next_try TIMESTAMP, last_error VARCHAR, sent_at TIMESTAMP,
        PRIMARY KEY (alert_id, target))""",
    """CREATE TABLE IF NOT EXISTS watch_state (
        key VARCHAR PRIMARY KEY, value VARCHAR, updated_at TIMESTAMP)""",
)
"""Migration 4 (and the empty schema a read-only reader of an older store sees)."""


def _naive(t: dt.datetime | None) -> dt.datetime | None:
    """UTC without tzinfo, as the store keeps times."""
    if t is None:
        return None
    return t.astimezone(dt.UTC).replace(tzinfo=None) if t.tzinfo else t


def _aware(t: dt.datetime | None) -> dt.datetime | None:
    return t.replace(tzinfo=dt.UTC) if t is not None else None


@dataclass(frozen=True)
class DeliveryRow:
    """One alert's delivery to one target."""

    alert_id: str
    target: str
    target_name: str
    status: str
    attempts: int
    next_try: dt.datetime | None
    last_error: str
    sent_at: dt.datetime | None


@dataclass(frozen=True)
class AlertRow:
    """One alert as stored, with its deliveries."""

    id: str
    rule: str
    kind: str
    event: str
    day: dt.date | None
    created_at: dt.datetime
    not_before: dt.datetime | None
    held: str
    reason: str
    title: str
    body: str
    evidence: str
    link: str
    level: float | None
    deliveries: tuple[DeliveryRow, ...] = ()

    @property
    def status(self) -> str:
        """``held`` (cool-down), ``no targets``, ``sent`` (every target confirmed),
        ``failed`` (some target gave up), else ``pending``."""
        if self.held:
            return "held"
        if not self.deliveries:
            return "no targets"
        states = {d.status for d in self.deliveries}
        if states == {"sent"}:
            return "sent"
        if "failed" in states:
            return "failed"
        return "pending"

    def to_dict(self) -> dict[str, object]:
        """JSON-ready (``riskoff alerts --json``, the API)."""
        import json

        def iso(t: dt.datetime | None) -> str | None:
            return _aware(t).isoformat() if t is not None else None  # type: ignore[union-attr]

        return {
            "id": self.id,
            "rule": self.rule,
            "kind": self.kind,
            "event": self.event,
            "day": self.day.isoformat() if self.day else None,
            "created_at": iso(self.created_at),
            "not_before": iso(self.not_before),
            "status": self.status,
            "held": self.held or None,
            "reason": self.reason,
            "title": self.title,
            "body": self.body,
            "evidence": json.loads(self.evidence) if self.evidence else None,
            "link": self.link,
            "level": self.level,
            "deliveries": [
                {
                    "target": d.target_name,
                    "status": d.status,
                    "attempts": d.attempts,
                    "next_try": iso(d.next_try),
                    "last_error": d.last_error or None,
                    "sent_at": iso(d.sent_at),
                }
                for d in self.deliveries
            ],
        }


class AlertTables:
    """The watcher's reads and writes; mixed into :class:`riskoff.store.Store`."""

    _con: duckdb.DuckDBPyConnection
    read_only: bool

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError("the store is open read-only")

    def _has_alert_tables(self) -> bool:
        return bool(
            self._con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'alerts'"
            ).fetchall()[0][0]
        )

    # -- writing ---------------------------------------------------------------------
    def record_alerts(
        self,
        alerts: Sequence[Mapping[str, object]],
        targets: Sequence[tuple[str, str]],
        state: Mapping[str, str],
        now: dt.datetime,
    ) -> list[str]:
        """In one transaction: insert each alert not already stored (by ``id``), a
        ``pending`` delivery per target for each that is not held back, and the new
        ``state`` values. Returns the ids inserted (an id already stored is skipped)."""
        self._writable()
        con = self._con
        stamp = _naive(now)
        inserted: list[str] = []
        con.execute("BEGIN TRANSACTION")
        try:
            for a in alerts:
                exists = con.execute("SELECT 1 FROM alerts WHERE id = ?", [a["id"]]).fetchall()
                if exists:
                    continue
                con.execute(
                    """INSERT INTO alerts (id, rule, kind, event, day, created_at, not_before,
                       held, reason, title, body, evidence, link, level)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    [
                        a["id"],
                        a["rule"],
                        a["kind"],
                        a["event"],
                        a["day"],
                        stamp,
                        _naive(a.get("not_before")),  # type: ignore[arg-type]
                        a.get("held") or "",
                        a.get("reason", ""),
                        a.get("title", ""),
                        a.get("body", ""),
                        a.get("evidence", ""),
                        a.get("link", ""),
                        a.get("level"),
                    ],
                )
                inserted.append(str(a["id"]))
                if a.get("held"):
                    continue
                for target, name in targets:
                    con.execute(
                        """INSERT INTO alert_deliveries (alert_id, target, target_name, status,
                           attempts, next_try) VALUES (?, ?, ?, 'pending', 0, ?)""",
                        [a["id"], target, name, _naive(a.get("not_before")) or stamp],  # type: ignore[arg-type]
                    )
            for key, value in state.items():
                con.execute(
                    "INSERT OR REPLACE INTO watch_state VALUES (?, ?, ?)", [key, value, stamp]
                )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        return inserted

    def put_watch_state(self, values: Mapping[str, str], now: dt.datetime) -> None:
        """Write watcher state values (health, last update...)."""
        self._writable()
        stamp = _naive(now)
        for key, value in values.items():
            self._con.execute(
                "INSERT OR REPLACE INTO watch_state VALUES (?, ?, ?)", [key, value, stamp]
            )

    def recover_interrupted_sends(self) -> int:
        """Deliveries left ``sending`` by a crash become ``pending`` again (to be sent);
        returns how many."""
        self._writable()
        n = self._con.execute(
            "SELECT count(*) FROM alert_deliveries WHERE status = 'sending'"
        ).fetchall()[0][0]
        if n:
            self._con.execute(
                "UPDATE alert_deliveries SET status = 'pending' WHERE status = 'sending'"
            )
        return int(n)

    def due_deliveries(self, now: dt.datetime) -> list[tuple[DeliveryRow, AlertRow]]:
        """Pending deliveries whose next try has come, oldest alert first."""
        rows = self._con.execute(
            """SELECT d.alert_id, d.target FROM alert_deliveries d JOIN alerts a
               ON a.id = d.alert_id
               WHERE d.status = 'pending' AND (d.next_try IS NULL OR d.next_try <= ?)
               ORDER BY a.created_at, a.id, d.target""",
            [_naive(now)],
        ).fetchall()
        out = []
        alerts = {a.id: a for a in self.alerts(ids=sorted({r[0] for r in rows}))}
        for alert_id, target in rows:
            a = alerts[alert_id]
            d = next(x for x in a.deliveries if x.target == target)
            out.append((d, a))
        return out

    def mark_sending(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Record, before sending, that these (alert, target) sends start (committed)."""
        self._writable()
        self._con.execute("BEGIN TRANSACTION")
        try:
            for alert_id, target in pairs:
                self._con.execute(
                    """UPDATE alert_deliveries SET status = 'sending', attempts = attempts + 1
                       WHERE alert_id = ? AND target = ?""",
                    [alert_id, target],
                )
            self._con.execute("COMMIT")
        except Exception:
            self._con.execute("ROLLBACK")
            raise

    def mark_sent(self, alert_id: str, target: str, now: dt.datetime) -> None:
        """Confirm, after the target accepted it, that the send is done."""
        self._writable()
        self._con.execute(
            """UPDATE alert_deliveries SET status = 'sent', sent_at = ?, last_error = NULL
               WHERE alert_id = ? AND target = ?""",
            [_naive(now), alert_id, target],
        )

    def mark_failed(
        self, alert_id: str, target: str, error: str, next_try: dt.datetime | None
    ) -> None:
        """A send failed: retry at ``next_try`` (``pending``), or give up (``failed``)."""
        self._writable()
        self._con.execute(
            """UPDATE alert_deliveries SET status = ?, next_try = ?, last_error = ?
               WHERE alert_id = ? AND target = ?""",
            ["pending" if next_try else "failed", _naive(next_try), error[:300], alert_id, target],
        )

    # -- reading ---------------------------------------------------------------------
    def watch_state(self) -> dict[str, str]:
        """Every watcher state value."""
        if not self._has_alert_tables():
            return {}
        return {str(k): str(v) for k, v in self._con.execute(
            "SELECT key, value FROM watch_state"
        ).fetchall()}  # fmt: skip

    def alerts(
        self, *, ids: Sequence[str] | None = None, limit: int | None = None
    ) -> list[AlertRow]:
        """Stored alerts, newest first (or those of ``ids``), with their deliveries."""
        if not self._has_alert_tables():
            return []
        cols = (
            "id, rule, kind, event, day, created_at, not_before, held, reason, title, body, "
            "evidence, link, level"
        )
        if ids is not None:
            if not ids:
                return []
            rows = self._con.execute(
                f"SELECT {cols} FROM alerts WHERE id IN ({', '.join('?' * len(ids))})",
                list(ids),
            ).fetchall()
        else:
            sql = f"SELECT {cols} FROM alerts ORDER BY created_at DESC, id DESC"
            if limit is not None:
                sql += f" LIMIT {int(limit)}"
            rows = self._con.execute(sql).fetchall()
        if not rows:
            return []
        names = [r[0] for r in rows]
        deliveries: dict[str, list[DeliveryRow]] = {}
        for d in self._con.execute(
            f"""SELECT alert_id, target, target_name, status, attempts, next_try, last_error,
                sent_at FROM alert_deliveries WHERE alert_id IN ({", ".join("?" * len(names))})
                ORDER BY target_name, target""",
            names,
        ).fetchall():
            deliveries.setdefault(d[0], []).append(
                DeliveryRow(d[0], d[1], d[2] or "", d[3], int(d[4]), d[5], d[6] or "", d[7])
            )
        return [
            AlertRow(
                id=r[0],
                rule=r[1],
                kind=r[2],
                event=r[3],
                day=r[4],
                created_at=r[5],
                not_before=r[6],
                held=r[7] or "",
                reason=r[8] or "",
                title=r[9] or "",
                body=r[10] or "",
                evidence=r[11] or "",
                link=r[12] or "",
                level=r[13],
                deliveries=tuple(deliveries.get(r[0], ())),
            )
            for r in rows
        ]
