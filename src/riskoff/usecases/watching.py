"""``riskoff watch``: keep the store current, re-diagnose, alert when the rules fire.

One cycle (:meth:`Watcher.cycle`):

1. send what is due from the store's outbox (alerts recorded but not yet confirmed,
   retries whose back-off has passed, alerts held by quiet hours that have ended);
2. update what is due from the live providers (``riskoff update``), unless
   ``--no-update``; a provider fault (429, 500, a timeout, no network) is recorded
   and the cycle goes on with what the store holds;
3. diagnose the latest complete day, read the stress percentile, the funding spread
   and the crypto moves (the exchange's hourly candles when it answers), and evaluate
   every rule (:mod:`riskoff.usecases.watch_rules`, pure);
4. record the alerts, a delivery per target and the rules' new state in one transaction,
   then send (each send recorded before, confirmed after, retried with back-off).

:meth:`Watcher.run` repeats cycles every ``interval``. The clock, the updater and the
hourly-candle reader are injected, so a test can replay past days in seconds.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from riskoff.config import Settings
from riskoff.errors import EmptyStoreError, InputError, RiskoffError, StoreBusyError
from riskoff.knowledge.glossary import stress_segment_name
from riskoff.knowledge.universe import STRESS_SEGMENTS
from riskoff.usecases.notify import Redactor, Target, make_targets, send_all, send_one
from riskoff.usecases.watch_config import WatchConfig, load_config
from riskoff.usecases.watch_rules import Decision, Facts, RuleState, evaluate

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.diagnosis import Diagnosis
    from riskoff.store import Store, StoreIdentity
    from riskoff.store.alerts import AlertRow
    from riskoff.usecases.notify import SendOutcome
    from riskoff.usecases.workspace import Workspace

__all__ = [
    "BACKOFF",
    "CycleReport",
    "HourlyCandles",
    "Watcher",
    "WatcherBusyError",
    "alerts",
    "crypto_facts_of",
    "crypto_sigma_hourly",
    "exchange_hourly",
    "facts_of",
    "render_alert",
    "watch_status",
]

log = logging.getLogger("riskoff.watch")


class WatcherBusyError(StoreBusyError):
    """Another watcher holds this store's watch lock."""


BACKOFF: tuple[dt.timedelta, ...] = tuple(
    dt.timedelta(seconds=s) for s in (30, 60, 120, 300, 600, 1800, 3600)
)
"""Waits between the tries of one send; after the last, the delivery is ``failed``."""

HourlyCandles = Mapping[str, Sequence[tuple[dt.datetime, float]]]
"""Hourly closes by symbol: (the candle's start, UTC, its close), oldest first."""


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# -- facts ------------------------------------------------------------------------------


def _finite(x: object) -> float | None:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def facts_of(diag: Diagnosis, ws: Workspace) -> Facts:
    """What the market rules read from the diagnosis of a day and its feature row."""
    import pandas as pd

    day = diag.date
    table = ws.table
    ts = pd.Timestamp(day)
    row = _row(table, ts) if ts in table.index else None
    pct = None
    if "stress.index" in table.columns:
        hist = table["stress.index"].loc[:ts].dropna()
        if len(hist) > 1 and hist.index[-1] == ts:
            pct = float((hist.iloc[:-1] < hist.iloc[-1]).mean() * 100.0)
    seg_pct, seg = None, ""
    if row is not None and "stress.peak_segment" in table.columns:
        at, pk = _finite(row["stress.peak_segment"]), _finite(row["stress.peak_pct"])
        if at is not None and pk is not None and 0 <= int(at) < len(STRESS_SEGMENTS):
            seg_pct, seg = pk * 100.0, stress_segment_name(STRESS_SEGMENTS[int(at)])
    p = diag.primary
    return Facts(
        at=dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC),
        day=day,
        markets_open=row is not None and _markets_open(row, table),
        is_selloff=diag.selloff.is_selloff,
        severity=float(diag.selloff.severity),
        scope=str(diag.selloff.scope),
        primary=p.id,
        primary_name=p.name,
        primary_score=float(p.score),
        stress_percentile=pct,
        segment_percentile=seg_pct,
        segment=seg,
        funding_bp=_finite(row["funding.sofr_iorb_bp"])
        if row is not None and "funding.sofr_iorb_bp" in table.columns
        else None,
    )


_CRYPTO = ("btc", "eth")


def _row(table: pd.DataFrame, ts: pd.Timestamp) -> pd.Series:
    """The feature row of ``ts`` (the last one if the day repeats)."""
    import pandas as pd

    got = table.loc[ts]
    return got.iloc[-1] if isinstance(got, pd.DataFrame) else got


def _markets_open(row: pd.Series, table: pd.DataFrame) -> bool:
    """A market other than crypto traded on the row's day."""
    crypto = {f"open.{c}" for c in _CRYPTO}
    return any(
        (_finite(row[c]) or 0.0) > 0
        for c in table.columns
        if c.startswith("open.") and c not in crypto and c != "open.aud"
    )


def crypto_facts_of(ws: Workspace) -> Facts | None:
    """The crypto rule's daily facts: the worst daily move of Bitcoin and Ether, in
    sigmas, on the last day crypto traded (weekends included: the diagnosis looks at
    the last complete market day, crypto at its own last day)."""
    import pandas as pd

    table = ws.table
    cols = [c for c in _CRYPTO if f"open.{c}" in table.columns and f"sigma.{c}" in table.columns]
    if not cols:
        return None
    import numpy as np

    traded = np.flatnonzero(table[[f"open.{c}" for c in cols]].fillna(0).to_numpy().any(axis=1))
    if not len(traded):
        return None
    ts = pd.Timestamp(table.index[int(traded[-1])])
    row = _row(table, ts)
    sig = [
        s
        for c in cols
        if (_finite(row[f"open.{c}"]) or 0.0) > 0 and (s := _finite(row[f"sigma.{c}"])) is not None
    ]
    if not sig:
        return None
    day = ts.date()
    return Facts(
        at=dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC),
        day=day,
        markets_open=_markets_open(row, table),
        crypto_sigma=min(sig),
    )


def crypto_sigma_hourly(
    candles: Sequence[tuple[dt.datetime, float]], *, vol_days: int = 60
) -> tuple[dt.datetime, float] | None:
    """(end of the last candle, its 24-hour log move in sigmas of the trailing daily
    volatility) from hourly closes, or None when there is too little history.

    The volatility is the standard deviation of the 24-hour log moves ending at the same
    hour on each of the ``vol_days`` days before the last 24 hours (no overlap, no
    look-ahead)."""
    if len(candles) < 24 * 10 + 1:
        return None
    last_t, last_v = candles[-1]
    by_time = dict(candles)
    prev = by_time.get(last_t - dt.timedelta(hours=24))
    if prev is None or prev <= 0 or last_v <= 0:
        return None
    moves = []
    for k in range(1, vol_days + 1):
        a = by_time.get(last_t - dt.timedelta(hours=24 * (k + 1)))
        b = by_time.get(last_t - dt.timedelta(hours=24 * k))
        if a and b and a > 0 and b > 0:
            moves.append(math.log(b / a))
    if len(moves) < 10:
        return None
    mean = sum(moves) / len(moves)
    sd = math.sqrt(sum((m - mean) ** 2 for m in moves) / (len(moves) - 1))
    if sd <= 0:
        return None
    return last_t + dt.timedelta(hours=1), math.log(last_v / prev) / sd


CRYPTO_PRODUCTS: tuple[str, ...] = ("coinbase:BTC-USD", "coinbase:ETH-USD")
"""The products whose hourly candles the crypto rule follows."""


def exchange_hourly(
    settings: Settings,
    *,
    symbols: Sequence[str] = CRYPTO_PRODUCTS,
    days: int = 62,
    retry_tries: int = 3,
) -> HourlyReader:
    """Reads the last ``days`` of hourly candles of ``symbols`` from the exchange (the
    ``coinbase`` provider, at ``$RISKOFF_EXCHANGE_URL`` when set); only candles complete
    at the time asked for are kept."""

    def read(now: dt.datetime) -> HourlyCandles:
        from riskoff.providers.exchange import CoinbaseProvider
        from riskoff.providers.http import RetryPolicy, SeriesSession

        provider = CoinbaseProvider(settings)
        out: dict[str, list[tuple[dt.datetime, float]]] = {}
        with provider.open_session(retry=RetryPolicy(attempts=retry_tries)) as http:
            for sym in symbols:
                rows = provider.hourly(
                    SeriesSession(http, sym),
                    sym.split(":", 1)[1],
                    now - dt.timedelta(days=days),
                    now,
                )
                out[sym] = [(t, v) for t, v in rows if t + dt.timedelta(hours=1) <= now]
        return out

    return read


# -- the message ------------------------------------------------------------------------


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


# -- the watcher --------------------------------------------------------------------------


@dataclass
class CycleReport:
    """What one cycle did."""

    at: dt.datetime
    day: dt.date | None = None
    updated: bool = False
    update_error: str = ""
    diagnose_error: str = ""
    raised: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    sent: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    recovered: int = 0

    def summary(self) -> str:
        """One line for the log."""
        parts = [f"cycle {self.at:%Y-%m-%d %H:%M} UTC"]
        if self.day:
            parts.append(f"day {self.day}")
        if self.updated:
            parts.append(f"updated ({self.update_error})" if self.update_error else "updated")
        elif self.update_error:
            parts.append(f"update failed ({self.update_error})")
        if self.diagnose_error:
            parts.append(f"no diagnosis ({self.diagnose_error})")
        parts.append(f"{len(self.raised)} alerts raised")
        if self.held:
            parts.append(f"{len(self.held)} held by cool-down")
        parts.append(f"{len(self.sent)} sent")
        if self.failed:
            parts.append(f"{len(self.failed)} sends failed")
        return ", ".join(parts)


Updater = Callable[[dt.datetime], object]
HourlyReader = Callable[[dt.datetime], HourlyCandles]


class Watcher:
    """The watch loop over one store and one rules file.

    Args:
        config: the rules (``load_config``).
        settings: the store and providers (default: the environment).
        clock: the current time, aware UTC (tests inject a fake one).
        update: ``True`` to update before each diagnosis (``--no-update``: False).
        updater: what updating means (default :func:`riskoff.usecases.update` with
            ``today`` from the clock); its exceptions are recorded, never raised.
        hourly: reads the exchange's hourly candles (default: the Coinbase provider's);
            ``None`` leaves the crypto rule on daily closes.
        backoff: waits between the tries of one send.
        send_timeout: seconds one send may take.
        environ: where ``${NAME}`` secrets are read (default ``os.environ``).
    """

    def __init__(
        self,
        config: WatchConfig,
        settings: Settings | None = None,
        *,
        clock: Callable[[], dt.datetime] = _utcnow,
        update: bool = True,
        updater: Updater | None = None,
        hourly: HourlyReader | None = None,
        backoff: Sequence[dt.timedelta] = BACKOFF,
        send_timeout: float = 20.0,
        environ: Mapping[str, str] | None = None,
        sender: Callable[..., SendOutcome] = send_one,
    ) -> None:
        self.config = config
        self.settings = settings or Settings.from_env()
        self.clock = clock
        self.do_update = update
        self.updater = updater
        self.hourly = hourly
        self.backoff = tuple(backoff)
        self.send_timeout = send_timeout
        self.sender = sender
        self.targets: list[Target]
        self.redact: Redactor
        self.targets, self.redact = make_targets(config.notify, config.secrets_file, environ)
        if self.targets:
            try:
                import apprise  # noqa: F401
            except ImportError:
                raise InputError(
                    "riskoff watch sends alerts through Apprise, which is not installed: "
                    "pip install 'riskoff[watch]'"
                ) from None
        self._started = False
        self._lock_file: IO[str] | None = None
        self._new_state: dict[str, str] = {}
        # the last diagnosis and the store identity it was made on: a poll that finds
        # nothing new in the store does not diagnose again
        self._last: tuple[StoreIdentity, Diagnosis, list[Facts], list[Facts]] | None = None

    def _hold_lock(self) -> None:
        """One watcher per store: a second one (an overlapping cron run) would take the
        first one's sends in flight for interrupted ones and send them again."""
        import fcntl

        path = self.settings.home / "watch.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        fh = path.open("a+")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            pid = fh.read().strip() or "?"
            fh.close()
            raise WatcherBusyError(
                f"another riskoff watch is running on {self.settings.home} (pid {pid}); "
                "this one stops"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._lock_file = fh  # held (and the lock with it) until the process ends

    # -- store access (short: readers such as `riskoff serve` are blocked only briefly)
    def _store(self) -> Store:
        from riskoff.usecases.common import open_store

        return open_store(self.settings)

    def cycle(self) -> CycleReport:
        """One cycle: send what is due, update, diagnose, evaluate, record, send."""
        now = self.clock().replace(microsecond=0)
        rep = CycleReport(at=now)
        if not self._started:
            self._hold_lock()
            with self._store() as st:
                rep.recovered = st.recover_interrupted_sends()
            if rep.recovered:
                log.warning(
                    "%d sends were interrupted before their confirmation; sending again",
                    rep.recovered,
                )
            self._started = True
        self._deliver(now, rep)
        if self.do_update:
            self._update(now, rep)
        decisions, diag = self._evaluate(now, rep)
        if decisions:
            self._record(decisions, diag, now, rep)
        else:
            self._record_state_only(now)
        self._deliver(self.clock(), rep)
        with self._store() as st:
            st.put_watch_state(
                {
                    "health:last_cycle": now.isoformat(),
                    "health:last_cycle_summary": self.redact(rep.summary()),
                    "health:rules": f"{self.config.source} ({len(self.config.rules)} rules)",
                },
                now,
            )
        log.info("%s", self.redact(rep.summary()))
        return rep

    def run(
        self,
        *,
        once: bool = False,
        sleep: Callable[[float], None] | None = None,
        cycles: int | None = None,
    ) -> list[CycleReport]:
        """Cycle every ``config.interval`` (``once``: a single cycle)."""
        import time

        pause = sleep or time.sleep
        out: list[CycleReport] = []
        while True:
            started = self.clock()
            try:
                out.append(self.cycle())
            except WatcherBusyError:
                raise
            except Exception as exc:  # a long-running watcher outlives one bad cycle
                if once:
                    raise
                why = self.redact(f"{type(exc).__name__}: {exc}".splitlines()[0])
                log.error("cycle failed, trying again next interval: %s", why)
                out.append(CycleReport(at=started, diagnose_error=why))
            if once or (cycles is not None and len(out) >= cycles):
                return out
            spent = (self.clock() - started).total_seconds()
            pause(max(1.0, self.config.interval.total_seconds() - spent))

    # -- steps --------------------------------------------------------------------------
    def _update(self, now: dt.datetime, rep: CycleReport) -> None:
        try:
            if self.updater is not None:
                result = self.updater(now)
            else:
                from riskoff.usecases.updating import update

                result = update(settings=self.settings, today=now.date())
        except RiskoffError as exc:
            rep.update_error = self.redact(str(exc).splitlines()[0] if str(exc) else repr(exc))
            log.warning("update failed, diagnosing what the store holds: %s", rep.update_error)
            with self._store() as st:
                st.put_watch_state({"health:last_update_error": rep.update_error}, now)
            return
        rep.updated = True
        state: dict[str, str] = {}
        results = getattr(result, "results", [])
        by_provider: dict[str, dict[str, int]] = {}
        for r in results:
            prefix = str(r.symbol).split(":", 1)[0]
            c = by_provider.setdefault(prefix, {"ok": 0, "failed": 0})
            c["ok" if r.ok else "failed"] += 1
        for prefix, c in by_provider.items():
            state[f"provider:{prefix}"] = json.dumps(
                {"at": now.isoformat(), "ok": c["ok"], "failed": c["failed"]}
            )
        failed = [r for r in results if not r.ok]
        if failed:
            rep.update_error = self.redact(f"{len(failed)} series failed: {failed[0].message}")
        state["health:last_update"] = now.isoformat()
        state["health:last_update_error"] = rep.update_error
        with self._store() as st:
            st.put_watch_state(state, now)

    def _evaluate(
        self, now: dt.datetime, rep: CycleReport
    ) -> tuple[list[Decision], Diagnosis | None]:
        from riskoff.usecases.cache import load_workspace
        from riskoff.usecases.diagnosing import diagnose

        facts: list[Facts] = []
        crypto: list[Facts] = []
        diag: Diagnosis | None = None
        with self._store() as st:  # one short open: the rules' state and the store's identity
            saved = st.watch_state()
            ident = st.identity
            try:
                st.require_data()
                empty = False
            except EmptyStoreError:
                empty = True
        try:
            if empty:
                raise EmptyStoreError()
            if self._last is not None and self._last[0] == ident:
                _, diag, facts, crypto = self._last  # nothing new in the store
                crypto = list(crypto)
            else:
                ws = load_workspace(self.settings)
                day = ws.latest_complete_day()
                diag = diagnose(day, workspace=ws, settings=self.settings, with_analogs=False)
                facts = [facts_of(diag, ws)]
                crypto = [f for f in [crypto_facts_of(ws)] if f is not None]
                self._last = (ident, diag, facts, list(crypto))
            rep.day = diag.date
        except RiskoffError as exc:
            rep.diagnose_error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            log.warning("no diagnosis this cycle: %s", rep.diagnose_error)
        crypto.extend(self._hourly_facts(now))
        decisions: list[Decision] = []
        self._new_state = {}
        for rule in self.config.rules:
            state = RuleState.from_json(saved.get(f"rule:{rule.name}"))
            seen = crypto if rule.kind == "crypto_weekend" else facts
            for f in sorted(seen, key=lambda x: x.at):
                state, out = evaluate(rule, f, state, now, self.config.tz)
                decisions.extend(out)
            self._new_state[f"rule:{rule.name}"] = state.to_json()
        return decisions, diag

    def _hourly_facts(self, now: dt.datetime) -> list[Facts]:
        if self.hourly is None or not any(r.kind == "crypto_weekend" for r in self.config.rules):
            return []
        try:
            candles = self.hourly(now)
        except RiskoffError as exc:
            log.warning("hourly candles unavailable: %s", self.redact(str(exc)))
            return []
        worst: tuple[dt.datetime, float] | None = None
        for series in candles.values():
            got = crypto_sigma_hourly(list(series))
            if got is not None and (worst is None or got[1] < worst[1]):
                worst = got
        if worst is None:
            return []
        at, sigma = worst
        return [
            Facts(
                at=at,
                day=(at - dt.timedelta(hours=1)).date(),
                markets_open=(at - dt.timedelta(hours=1)).weekday() < 5,
                crypto_sigma=sigma,
                crypto_source="hourly candles",
            )
        ]

    def _record(
        self,
        decisions: list[Decision],
        diag: Diagnosis | None,
        now: dt.datetime,
        rep: CycleReport,
    ) -> None:
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
                rows, [(t.id, t.name) for t in self.targets], self._new_state, now
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

    def _record_state_only(self, now: dt.datetime) -> None:
        with self._store() as st:
            st.put_watch_state(self._new_state, now)

    def _deliver(self, now: dt.datetime, rep: CycleReport) -> None:
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


# -- reading the log ----------------------------------------------------------------------


def alerts(settings: Settings | None = None, *, limit: int | None = None) -> list[AlertRow]:
    """The alerts recorded in the store, newest first (``riskoff alerts``); none when
    there is no store yet."""
    from riskoff.store import Store
    from riskoff.usecases.common import settings_or_env

    s = settings_or_env(settings)
    if not s.store_path.exists():
        return []

    with Store(s.store_path, read_only=True) as st:
        return st.alerts(limit=limit)


def watch_status(
    settings: Settings | None = None, *, config: WatchConfig | None = None
) -> list[tuple[str, str]]:
    """The health lines of ``riskoff watch --status``: the last cycle, the last update
    and its errors, the last update per provider, the last alert and what is pending."""
    from riskoff.usecases.common import settings_or_env

    s = settings_or_env(settings)
    if not s.store_path.exists():
        cfg = config or load_config(home=s.home)
        return [
            ("rules", f"{cfg.source} ({len(cfg.rules)} rules)"),
            ("store", f"none at {s.store_path}"),
        ]
    from riskoff.store import Store

    with Store(s.store_path, read_only=True) as st:
        state = st.watch_state()
        recent = st.alerts(limit=200)
    if config is not None:
        rules = f"{config.source} ({len(config.rules)} rules)"
    else:  # the rules the watcher last ran with (it may have been given --config)
        rules = state.get("health:rules") or "(the watcher has not run yet)"
    lines: list[tuple[str, str]] = [("rules", rules)]
    lines.append(("last cycle", state.get("health:last_cycle", "never")))
    if state.get("health:last_cycle_summary"):
        lines.append(("  summary", state["health:last_cycle_summary"]))
    lines.append(("last update", state.get("health:last_update", "never")))
    if state.get("health:last_update_error"):
        lines.append(("  update error", state["health:last_update_error"]))
    for key in sorted(k for k in state if k.startswith("provider:")):
        info = json.loads(state[key])
        lines.append(
            (
                f"  {key.split(':', 1)[1]}",
                f"{info['at']} ({info['ok']} series fetched, {info['failed']} failed)",
            )
        )
    sent = [a for a in recent if a.status == "sent"]
    last = recent[0] if recent else None
    lines.append(
        (
            "last alert",
            f"{last.id} {last.status} ({last.created_at:%Y-%m-%d %H:%M} UTC): {last.title}"
            if last
            else "none",
        )
    )
    lines.append(("alerts sent", str(len(sent))))
    pending = [a for a in recent if a.status == "pending"]
    failed = [a for a in recent if a.status == "failed"]
    if pending:
        lines.append(("pending", ", ".join(a.id for a in pending[:5])))
    if failed:
        errs = {d.last_error for a in failed for d in a.deliveries if d.status == "failed"}
        lines.append(("failed", f"{', '.join(a.id for a in failed[:5])}: {'; '.join(errs)}"))
    return lines
