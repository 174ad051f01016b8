"""``riskoff watch``: keep the store current, re-diagnose, alert when the rules fire.

One cycle (:meth:`Watcher.cycle`):

1. send what is due from the store's outbox (:mod:`riskoff.usecases.watch_outbox`:
   alerts recorded but not yet confirmed, retries whose back-off has passed, alerts held
   by quiet hours that have ended);
2. update what is due from the live providers (``riskoff update``), unless
   ``--no-update``; a provider fault (429, 500, a timeout, no network) is recorded
   and the cycle goes on with what the store holds;
3. diagnose the latest complete day, read the stress percentile, the funding spread
   and the crypto moves (the exchange's hourly candles when it answers:
   :mod:`riskoff.usecases.watch_facts`), and evaluate every rule
   (:mod:`riskoff.usecases.watch_rules`, pure);
4. record the alerts, a delivery per target and the rules' new state in one transaction,
   then send (each send recorded before, confirmed after, retried with back-off).

:meth:`Watcher.run` repeats cycles every ``interval``. The clock, the updater and the
hourly-candle reader are injected, so a test can replay past days in seconds. What a
cycle did and the watcher's health are read back through :mod:`riskoff.usecases.watch_log`.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from typing import IO, TYPE_CHECKING

from riskoff.config import Settings
from riskoff.errors import EmptyStoreError, RiskoffError, StoreBusyError
from riskoff.usecases.notify import Redactor, Target, make_targets, send_one
from riskoff.usecases.watch_config import WatchConfig
from riskoff.usecases.watch_facts import (
    Facts,
    HourlyReader,
    crypto_facts_of,
    facts_of,
    hourly_facts,
)
from riskoff.usecases.watch_log import CycleReport, update_health
from riskoff.usecases.watch_outbox import BACKOFF, Outbox
from riskoff.usecases.watch_rules import Decision, RuleState, evaluate

if TYPE_CHECKING:
    from riskoff.diagnosis import Diagnosis
    from riskoff.store import Store, StoreIdentity
    from riskoff.usecases.notify import SendOutcome

__all__ = ["Watcher", "WatcherBusyError"]

log = logging.getLogger("riskoff.watch")


class WatcherBusyError(StoreBusyError):
    """Another watcher holds this store's watch lock."""


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


Updater = Callable[[dt.datetime], object]


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
        sender: sends one message to one target.
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
        self.targets: list[Target]
        self.redact: Redactor
        self.targets, self.redact = make_targets(config.notify, config.secrets_file, environ)
        self.outbox = Outbox(
            config,
            self.settings,
            self.targets,
            self.redact,
            clock,
            backoff=tuple(backoff),
            send_timeout=send_timeout,
            sender=sender,
        )
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
        self.outbox.deliver(now, rep)
        if self.do_update:
            self._update(now, rep)
        decisions, diag = self._evaluate(now, rep)
        if decisions:
            self.outbox.record(decisions, diag, self._new_state, now, rep)
        else:
            self._record_state_only(now)
        self.outbox.deliver(self.clock(), rep)
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
        state = update_health(result, now, self.redact)
        rep.update_error = state["health:last_update_error"]
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
        return hourly_facts(candles)

    def _record_state_only(self, now: dt.datetime) -> None:
        with self._store() as st:
            st.put_watch_state(self._new_state, now)
