"""The watcher's outbox: an alert decided by a rule becomes a message
(:func:`render_alert`) recorded in the store with a delivery per target, and the
deliveries due are sent, confirmed, or retried with back-off (:class:`Outbox`)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from riskoff.config import Settings
from riskoff.errors import InputError, RiskoffError
from riskoff.usecases.notify import Redactor, Target, send_all, send_one
from riskoff.usecases.watch_config import WatchConfig
from riskoff.usecases.watch_rules import Decision

if TYPE_CHECKING:
    from riskoff.diagnosis import Diagnosis
    from riskoff.store import Store
    from riskoff.usecases.notify import SendOutcome
    from riskoff.usecases.watch_log import CycleReport

__all__ = ["BACKOFF", "Outbox", "render_alert"]

log = logging.getLogger("riskoff.watch")

BACKOFF: tuple[dt.timedelta, ...] = tuple(
    dt.timedelta(seconds=s) for s in (30, 60, 120, 300, 600, 1800, 3600)
)
"""Waits between the tries of one send; after the last, the delivery is ``failed``."""


def render_alert(
    d: Decision, diag: Diagnosis | None, config: WatchConfig
) -> tuple[str, str, str, str]:
    """(title, body, evidence JSON, link) of an alert: the verdict paragraph, the top
    evidence for and against, the 312-or-519 line and the dashboard page of the day."""
    link = f"{config.dashboard}/day/{d.day.isoformat()}"
    label = {"alert": "", "follow_up": "update: ", "all_clear": "all clear: "}[d.kind]
    rule_title = next((r.title for r in config.rules if r.name == d.rule), d.rule)
    lines = [d.reason[0].upper() + d.reason[1:] + "."]
    evidence: dict[str, object] = {"rule": d.rule, "level": round(d.level, 4), "day": str(d.day)}
    if diag is not None and d.kind != "all_clear":
        p = diag.primary
        title = f"riskoff {label}{rule_title} {d.day}: most like {p.name} ({p.score:.2f})"
        versus = diag.verdict.versus.text
        verdict = diag.verdict.text.replace(versus, "") if versus else diag.verdict.text
        verdict = " ".join(verdict.split())
        lines += ["", verdict]
        pro = [e.text for e in p.for_[:3]]
        con = [e.text for e in p.against[:2]]
        if pro:
            lines += ["", "For:"] + [f"- {t}" for t in pro]
        lines += ["", "Against:"] + ([f"- {t}" for t in con] or ["- none of its checks"])
        if versus:
            lines += ["", versus]
        evidence.update(
            {
                "severity": round(float(diag.selloff.severity), 4),
                "scope": diag.selloff.scope,
                "primary": p.id,
                "score": round(float(p.score), 4),
                "for": pro,
                "against": con,
                "versus": versus,
            }
        )
    else:
        title = f"riskoff {label}{rule_title} ({d.day})"
    lines += ["", f"Dashboard: {link}", f"Alert {d.key} (rule {d.rule})"]
    return title, "\n".join(lines), json.dumps(evidence, sort_keys=True), link


@dataclass
class Outbox:
    """Where the watcher's alerts go: the store (the alerts, their deliveries, the rules'
    state) and the notification targets.

    Args:
        config: the rules (the dashboard's address, whether to attach the day's report).
        settings: the store, and where attached reports are kept.
        targets, redact: where alerts are sent and what is hidden from every text
            (:func:`riskoff.usecases.notify.make_targets`).
        clock: the current time, aware UTC.
        backoff: waits between the tries of one send.
        send_timeout: seconds one send may take.
        sender: sends one message to one target.
    """

    config: WatchConfig
    settings: Settings
    targets: list[Target]
    redact: Redactor
    clock: Callable[[], dt.datetime]
    backoff: tuple[dt.timedelta, ...] = BACKOFF
    send_timeout: float = 20.0
    sender: Callable[..., SendOutcome] = send_one

    def __post_init__(self) -> None:
        if self.targets:
            try:
                import apprise  # noqa: F401
            except ImportError:
                raise InputError(
                    "riskoff watch sends alerts through Apprise, which is not installed: "
                    "pip install 'riskoff[watch]'"
                ) from None

    def _store(self) -> Store:
        from riskoff.usecases.common import open_store

        return open_store(self.settings)

    def record(
        self,
        decisions: list[Decision],
        diag: Diagnosis | None,
        new_state: Mapping[str, str],
        now: dt.datetime,
        rep: CycleReport,
    ) -> None:
        """Record the alerts of ``decisions`` (their message, :func:`render_alert`), a
        delivery per target and the rules' ``new_state`` in one transaction; an alert
        already recorded is not recorded again."""
        rows = []
        for d in decisions:
            same_day = diag is not None and diag.date == d.day
            title, body, evidence, link = render_alert(d, diag if same_day else None, self.config)
            if self.config.attach_report and same_day and d.kind != "all_clear" and not d.held:
                report = self._report(d.day)
                if report is not None:
                    evidence = json.dumps({**json.loads(evidence), "report": str(report)})
            rows.append(
                {
                    "id": d.key,
                    "rule": d.rule,
                    "kind": d.kind,
                    "event": d.event,
                    "day": d.day,
                    "not_before": d.not_before,
                    "held": d.held,
                    "reason": self.redact(d.reason),
                    "title": self.redact(title),
                    "body": self.redact(body),
                    "evidence": self.redact(evidence),
                    "link": link,
                    "level": d.level,
                }
            )
        with self._store() as st:
            inserted = st.record_alerts(
                rows, [(t.id, t.name) for t in self.targets], new_state, now
            )
        for d in decisions:
            if d.key in inserted:
                (rep.held if d.held else rep.raised).append(d.key)
                log.info("alert %s%s: %s", d.key, f" (held: {d.held})" if d.held else "", d.reason)

    def _report(self, day: dt.date) -> Path | None:
        """The HTML report of ``day`` to attach (written once, kept beside the store in
        ``watch/reports/``); None when it cannot be written (logged)."""
        path = self.settings.home / "watch" / "reports" / f"{day.isoformat()}.html"
        if path.is_file():
            return path
        try:
            from riskoff.usecases.reporting import report

            path.parent.mkdir(parents=True, exist_ok=True)
            report(day, out=path, settings=self.settings)
        except (RiskoffError, OSError) as exc:
            log.warning("no report attached for %s: %s", day, self.redact(str(exc)))
            return None
        return path

    def deliver(self, now: dt.datetime, rep: CycleReport) -> None:
        """Send the deliveries due at ``now``: each marked as sending before, as sent after,
        or failed with its retry after the back-off (none after the last try)."""
        by_id = {t.id: t for t in self.targets}
        with self._store() as st:
            due = st.due_deliveries(now)
            jobs = [(d, a) for d, a in due if d.target in by_id]
            orphans = [(d, a) for d, a in due if d.target not in by_id]
            for d, _a in orphans:  # a target no longer in the rules file
                st.mark_failed(d.alert_id, d.target, "target removed from the rules file", None)
            if not jobs:
                return
            # recorded before the sends start: a crash from here on is seen at restart
            st.mark_sending([(d.alert_id, d.target) for d, _ in jobs])
        attach: dict[str, list[Path]] = {}
        for _d, a in jobs:
            report = json.loads(a.evidence).get("report") if a.evidence else None
            if report and Path(report).is_file():
                attach[a.id] = [Path(report)]
        work = [(by_id[d.target], a.title, a.body, attach.get(a.id, [])) for d, a in jobs]
        for i, outcome in send_all(
            work, self.redact, timeout=self.send_timeout, sender=self.sender
        ):
            d, _a = jobs[i]
            with self._store() as st:
                if outcome.ok:
                    st.mark_sent(d.alert_id, d.target, self.clock())
                    rep.sent.append((d.alert_id, d.target_name))
                    log.info("sent %s to %s", d.alert_id, d.target_name)
                else:
                    tries = d.attempts + 1
                    retry = (
                        self.clock() + self.backoff[tries - 1]
                        if tries <= len(self.backoff)
                        else None
                    )
                    err = self.redact(outcome.error)
                    st.mark_failed(d.alert_id, d.target, err, retry)
                    rep.failed.append((d.alert_id, d.target_name, err))
                    if retry is None:
                        log.error("gave up sending %s to %s: %s", d.alert_id, d.target_name, err)
                    else:
                        log.warning(
                            "sending %s to %s failed (try %d), retrying at %s: %s",
                            d.alert_id,
                            d.target_name,
                            tries,
                            f"{retry:%H:%M:%S}",
                            err,
                        )
