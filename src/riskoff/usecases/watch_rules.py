"""The watcher's rules as pure functions of what they read
(:class:`~riskoff.usecases.watch_facts.Facts`): a rule's state kept in the store
(:class:`RuleState`) and what it decides to send (:class:`Decision`).

Evaluation is a pure function of what the diagnosis of the latest day says, the rule's
state and the time: :func:`evaluate` returns the rule's next state and its decisions,
nothing else. One event gives one alert; a follow-up when it deepens or its cause
changes; an all-clear once the rule has been calm for ``clear_after`` market days.
Evaluating the same observation twice changes nothing (a restart re-evaluates safely).
The rules file itself is :mod:`riskoff.usecases.watch_config`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from riskoff.usecases.watch_config import Rule
from riskoff.usecases.watch_facts import Facts

__all__ = ["Decision", "RuleState", "evaluate"]

AlertKind = Literal["alert", "follow_up", "all_clear"]


@dataclass(frozen=True)
class RuleState:
    """A rule's memory between cycles (kept in the store as JSON)."""

    active: bool = False
    event: str = ""
    last_at: str = ""
    """ISO time of the last observation evaluated (the same one is never evaluated twice)."""
    last_sent_at: str = ""
    """ISO time of the last alert of the rule that was not held back."""
    sent_level: float = 0.0
    sent_cause: str = ""
    seq: int = 0
    calm_days: int = 0
    last_day: str = ""
    prev_primary: str = ""

    def to_json(self) -> str:
        """As stored."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> RuleState:
        """From the store (unknown keys ignored: an older or newer state still reads)."""
        if not text:
            return cls()
        raw = json.loads(text)
        known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass(frozen=True)
class Decision:
    """One alert a rule decided to raise.

    ``key`` is unique for the alert (rule, event, sequence): recording it twice is a
    no-op. ``held`` says why it is recorded but not sent (the cool-down), ``not_before``
    when it may be sent (the end of quiet hours).
    """

    rule: str
    kind: AlertKind
    event: str
    seq: int
    day: dt.date
    at: dt.datetime
    level: float
    cause: str
    reason: str
    held: str = ""
    not_before: dt.datetime | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The alert's identity (``selloff/2024-08-02/1``)."""
        return f"{self.event}/{self.seq}"


def _level(rule: Rule, f: Facts) -> tuple[bool, float, str]:
    """(firing, level, cause) of ``rule`` on ``f``."""
    kind = rule.kind
    if kind in ("selloff", "suspect_change"):
        return f.is_selloff and f.severity >= rule.threshold, f.severity, f.primary
    if kind == "cross_asset":
        firing = f.is_selloff and f.scope == "cross_asset" and f.severity >= rule.threshold
        return firing, f.severity, f.primary
    if kind == "stress_percentile":
        p = f.stress_percentile
        return p is not None and p >= rule.threshold, p or 0.0, ""
    if kind == "market_stress":
        p = f.segment_percentile
        return p is not None and p >= rule.threshold, p or 0.0, f.segment
    if kind == "funding_spread":
        b = f.funding_bp
        return b is not None and b >= rule.threshold, b or 0.0, ""
    # crypto_weekend: a fall of N sigmas while stock markets are shut
    s = f.crypto_sigma
    firing = s is not None and s <= -rule.threshold and f.weekend and not f.markets_open
    return firing, -(s or 0.0), ""


def _describe(rule: Rule, f: Facts, level: float) -> str:
    kind = rule.kind
    if kind in ("selloff", "cross_asset", "suspect_change"):
        what = "cross-asset sell-off" if kind == "cross_asset" else "sell-off"
        return f"{what} of severity {level:.2f} on {f.day} (rule: at least {rule.threshold:g})"
    if kind == "stress_percentile":
        return (
            f"riskoff's stress index at the {level:.1f}th percentile of its history on "
            f"{f.day} (rule: at least {rule.threshold:g})"
        )
    if kind == "market_stress":
        return (
            f"the {f.segment} segment of riskoff's stress index at the {level:.1f}th "
            f"percentile of its own history on {f.day} (rule: at least {rule.threshold:g})"
        )
    if kind == "funding_spread":
        return (
            f"SOFR minus IORB at {level:+.0f} bp on {f.day} (rule: at least {rule.threshold:+g} bp)"
        )
    when = f"{f.at:%a %Y-%m-%d %H:%M} UTC" if f.crypto_source != "daily closes" else str(f.day)
    return (
        f"crypto fell {level:.1f} sigma ({f.crypto_source}) to {when} while stock markets "
        f"were shut (rule: at least {rule.threshold:g})"
    )


def _in_quiet(rule: Rule, now: dt.datetime, tz: dt.tzinfo) -> dt.datetime | None:
    """The end of the quiet period ``now`` falls in (UTC), or None."""
    if rule.quiet_hours is None:
        return None
    start, end = rule.quiet_hours
    local = now.astimezone(tz)
    t = local.time()
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    end_day = local.date() if t < end else local.date() + dt.timedelta(days=1)
    until = dt.datetime.combine(end_day, end, tzinfo=tz)
    return until.astimezone(dt.UTC)


def evaluate(
    rule: Rule,
    facts: Facts,
    state: RuleState,
    now: dt.datetime,
    tz: dt.tzinfo = dt.UTC,
) -> tuple[RuleState, list[Decision]]:
    """The rule's next state and its decisions for a new observation (pure).

    An observation no newer than the last one evaluated changes nothing. A rule that
    starts firing opens an event (one alert); while it fires, a follow-up is raised when
    its level grows by ``deepen_by`` over the last alert sent or its cause (the primary
    suspect) changes; once it has not fired for ``clear_after`` market days (any day for
    the crypto rule), an all-clear closes the event. ``suspect_change`` raises one alert
    per change of the primary suspect between sell-off days, and has no all-clear.

    The cool-down holds back (records, never sends) an alert or follow-up raised within
    ``cooldown`` of the rule's last alert sent; an all-clear is never held back. During
    quiet hours an alert waits until they end, unless its level reaches ``urgent``.
    """
    at = facts.at.isoformat()
    if state.last_at and at <= state.last_at:
        return state, []
    firing, level, cause = _level(rule, facts)
    new_day = str(facts.day) != state.last_day
    counts = facts.markets_open or rule.kind == "crypto_weekend"
    st = replace(state, last_at=at, last_day=str(facts.day))
    out: list[Decision] = []

    def decide(kind: AlertKind, event: str, seq: int, reason: str) -> Decision:
        held = ""
        if kind != "all_clear" and st.last_sent_at:
            ends = dt.datetime.fromisoformat(st.last_sent_at) + rule.cooldown
            if now < ends:
                held = f"cool-down until {ends:%Y-%m-%d %H:%M} UTC"
        quiet_end = _in_quiet(rule, now, tz)
        urgent = rule.urgent is not None and level >= rule.urgent and kind != "all_clear"
        not_before = quiet_end if quiet_end is not None and not urgent else None
        return Decision(
            rule=rule.name,
            kind=kind,
            event=event,
            seq=seq,
            day=facts.day,
            at=facts.at,
            level=level,
            cause=cause,
            reason=reason,
            held=held,
            not_before=not_before,
        )

    if rule.kind == "suspect_change":
        if firing and facts.primary_score >= rule.min_score:
            prev = st.prev_primary
            st = replace(st, prev_primary=facts.primary)
            if prev and prev != facts.primary:
                event = f"{rule.name}/{facts.day}"
                d = decide(
                    "alert",
                    event,
                    0,
                    f"the primary suspect changed from {prev} to {facts.primary} "
                    f"({facts.primary_score:.2f}) on a {_describe(rule, facts, level)}",
                )
                out.append(d)
                if not d.held:
                    st = replace(st, last_sent_at=now.isoformat(), sent_cause=facts.primary)
        return st, out

    if firing:
        st = replace(st, calm_days=0)
        if not st.active:
            event = f"{rule.name}/{facts.day}"
            d = decide("alert", event, 0, _describe(rule, facts, level))
            out.append(d)
            st = replace(st, active=True, event=event, seq=0, sent_level=level, sent_cause=cause)
            if not d.held:
                st = replace(st, last_sent_at=now.isoformat())
        else:
            deeper = level >= st.sent_level + rule.deepen_by and rule.deepen_by > 0
            moved = bool(cause) and bool(st.sent_cause) and cause != st.sent_cause
            if deeper or moved:
                why = []
                if deeper:
                    why.append(f"deepened from {st.sent_level:.2f} to {level:.2f}")
                if moved:
                    what = (
                        "the most stressed segment"
                        if rule.kind == "market_stress"
                        else "the primary suspect"
                    )
                    why.append(f"{what} changed from {st.sent_cause} to {cause}")
                seq = st.seq + 1
                d = decide(
                    "follow_up",
                    st.event,
                    seq,
                    f"{' and '.join(why)}: {_describe(rule, facts, level)}",
                )
                out.append(d)
                st = replace(st, seq=seq)
                if not d.held:
                    st = replace(
                        st, last_sent_at=now.isoformat(), sent_level=level, sent_cause=cause
                    )
    elif st.active and new_day and counts:
        calm = st.calm_days + 1
        st = replace(st, calm_days=calm)
        if calm >= rule.clear_after:
            seq = st.seq + 1
            reason = (
                f"all clear: no {rule.title} for {calm} market day{'s' if calm > 1 else ''} "
                f"(last checked {facts.day}; the event opened "
                f"{st.event.rsplit('/', 1)[-1]})"
            )
            out.append(decide("all_clear", st.event, seq, reason))
            st = replace(st, active=False, seq=seq, calm_days=0, sent_level=0.0, sent_cause="")
    return st, out
