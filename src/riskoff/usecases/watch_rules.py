"""The watcher's rules: the TOML file, and their evaluation as pure functions.

A rules file (``docs/watch.md``; the packaged defaults are ``riskoff/data/watch.toml``)
names the notification targets (``notify``: Apprise URLs) and one ``[[rule]]`` table per
rule. Evaluation is a pure function of what the diagnosis of the latest day says
(:class:`Facts`), the rule's state kept in the store (:class:`RuleState`) and the time:
:func:`evaluate` returns the rule's next state and what to send (:class:`Decision`),
nothing else. One event gives one alert; a follow-up when it deepens or its cause
changes; an all-clear once the rule has been calm for ``clear_after`` market days.
Evaluating the same observation twice changes nothing (a restart re-evaluates safely).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from riskoff.errors import DataFileError
from riskoff.knowledge._toml import (
    as_bool,
    as_float,
    as_str,
    as_str_list,
    as_tables,
    check_keys,
    parse_toml,
    read_text,
)

__all__ = [
    "KINDS",
    "Decision",
    "Facts",
    "Rule",
    "RuleKind",
    "RuleState",
    "WatchConfig",
    "default_config_path",
    "evaluate",
    "load_config",
    "parse_config",
    "parse_duration",
    "parse_quiet_hours",
]

RuleKind = Literal[
    "selloff", "cross_asset", "suspect_change", "stress_percentile", "market_stress",
    "crypto_weekend", "funding_spread",
]  # fmt: skip
AlertKind = Literal["alert", "follow_up", "all_clear"]

KINDS: dict[str, tuple[str, float, float]] = {
    # kind: (its threshold key, default threshold, default deepen_by)
    "selloff": ("min_severity", 0.5, 0.15),
    "cross_asset": ("min_severity", 0.3, 0.15),
    "suspect_change": ("min_severity", 0.5, 0.0),
    "stress_percentile": ("min_percentile", 95.0, 2.0),
    "market_stress": ("min_percentile", 99.0, 0.5),
    "crypto_weekend": ("min_sigma", 3.0, 1.5),
    "funding_spread": ("min_bp", 10.0, 10.0),
}
"""Every rule kind, the key of its threshold, its default, and the default ``deepen_by``."""

_TITLES = {
    "selloff": "sell-off",
    "cross_asset": "cross-asset sell-off",
    "suspect_change": "new primary suspect",
    "stress_percentile": "stress index high",
    "market_stress": "one market in stress",
    "crypto_weekend": "weekend crypto fall",
    "funding_spread": "funding spread (SOFR-IORB) high",
}

_RULE_KEYS = {
    "kind",
    "name",
    "cooldown",
    "quiet_hours",
    "urgent",
    "clear_after",
    "deepen_by",
    "min_score",
}
_TOP_KEYS = {
    "notify",
    "secrets_file",
    "dashboard",
    "interval",
    "timezone",
    "attach_report",
    "rule",
}

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: object, where: str) -> dt.timedelta:
    """``"90s"``, ``"15m"``, ``"12h"``, ``"2d"`` (or a number of seconds) as a timedelta."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        seconds = as_float(text, where, min_value=0)
    else:
        m = _DURATION.match(as_str(text, where))
        if not m:
            raise DataFileError(f"{where}: expected a duration such as 90s, 15m, 12h or 2d")
        seconds = float(m.group(1)) * _UNIT[m.group(2)]
    return dt.timedelta(seconds=seconds)


def parse_quiet_hours(text: object, where: str) -> tuple[dt.time, dt.time] | None:
    """``"22:00-07:00"`` as (start, end) local times; ``""`` means none."""
    raw = as_str(text, where).strip()
    if not raw:
        return None
    m = re.match(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$", raw)
    if not m:
        raise DataFileError(f"{where}: expected quiet hours as HH:MM-HH:MM, got {raw!r}")
    h1, m1, h2, m2 = map(int, m.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise DataFileError(f"{where}: {raw!r} is not a time of day")
    start, end = dt.time(h1, m1), dt.time(h2, m2)
    if start == end:
        raise DataFileError(f"{where}: quiet hours {raw!r} start and end at the same time")
    return start, end


@dataclass(frozen=True)
class Rule:
    """One ``[[rule]]``: its kind, threshold and timing."""

    name: str
    kind: RuleKind
    threshold: float
    cooldown: dt.timedelta = dt.timedelta(hours=12)
    quiet_hours: tuple[dt.time, dt.time] | None = None
    urgent: float | None = None
    clear_after: int = 2
    deepen_by: float = 0.0
    min_score: float = 0.0

    @property
    def title(self) -> str:
        """What the rule watches, in a few words."""
        return _TITLES[self.kind]

    def describe(self) -> str:
        """The rule in one line (for ``--status`` and the alerts page)."""
        key = KINDS[self.kind][0]
        parts = [f"{self.name}: {self.kind} {key}={self.threshold:g}"]
        parts.append(f"cooldown {_fmt_delta(self.cooldown)}")
        if self.quiet_hours:
            a, b = self.quiet_hours
            parts.append(f"quiet {a:%H:%M}-{b:%H:%M}")
        if self.urgent is not None:
            parts.append(f"urgent {self.urgent:g}")
        return ", ".join(parts)


def _fmt_delta(d: dt.timedelta) -> str:
    s = int(d.total_seconds())
    for unit, n in (("d", 86400), ("h", 3600), ("m", 60)):
        if s and s % n == 0:
            return f"{s // n}{unit}"
    return f"{s}s"


@dataclass(frozen=True)
class WatchConfig:
    """A parsed rules file."""

    notify: tuple[str, ...]
    rules: tuple[Rule, ...]
    dashboard: str = "http://127.0.0.1:8765"
    interval: dt.timedelta = dt.timedelta(minutes=15)
    timezone: str = "UTC"
    attach_report: bool = False
    secrets_file: Path | None = None
    source: str = "(defaults)"

    @property
    def tz(self) -> ZoneInfo:
        """The time zone of the quiet hours."""
        return ZoneInfo(self.timezone)


def default_config_path() -> Path:
    """The packaged default rules file."""
    return Path(__file__).resolve().parent.parent / "data" / "watch.toml"


def load_config(path: Path | None = None, *, home: Path | None = None) -> WatchConfig:
    """Read ``path``; without one, ``$RISKOFF_HOME/watch.toml`` if it exists, else the
    packaged defaults. Every error is one line naming the file and the entry."""
    if path is None and home is not None and (home / "watch.toml").is_file():
        path = home / "watch.toml"
    src = path or default_config_path()
    if path is not None and not path.is_file():
        raise DataFileError(f"{path}: no such rules file")
    return parse_config(read_text(src), str(src))


def parse_config(text: str, where: str) -> WatchConfig:
    """Parse the TOML text of a rules file (``where`` names it in errors)."""
    raw = parse_toml(text, where)
    check_keys(raw, _TOP_KEYS, where)
    notify = as_str_list(raw.get("notify", []), f"{where}: notify")
    tz = as_str(raw.get("timezone", "UTC"), f"{where}: timezone")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise DataFileError(f"{where}: timezone {tz!r} is not an IANA time zone") from None
    interval = parse_duration(raw.get("interval", "15m"), f"{where}: interval")
    if interval.total_seconds() <= 0:
        raise DataFileError(f"{where}: interval must be above 0")
    secrets = raw.get("secrets_file")
    rules: list[Rule] = []
    for i, table in enumerate(as_tables(raw.get("rule"), f"{where}: [[rule]]")):
        rules.append(_parse_rule(table, f"{where}: [[rule]] #{i + 1}"))
    names = [r.name for r in rules]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise DataFileError(
            f'{where}: two rules are named {dup[0]!r}; give one a name = "..." of its own'
        )
    return WatchConfig(
        notify=notify,
        rules=tuple(rules),
        dashboard=as_str(raw.get("dashboard", "http://127.0.0.1:8765"), f"{where}: dashboard")
        .strip()
        .rstrip("/"),
        interval=interval,
        timezone=tz,
        attach_report=as_bool(raw.get("attach_report", False), f"{where}: attach_report"),
        secrets_file=Path(as_str(secrets, f"{where}: secrets_file")).expanduser()
        if secrets is not None
        else None,
        source=where,
    )


def _parse_rule(table: Mapping[str, Any], where: str) -> Rule:
    kind = as_str(table.get("kind"), f"{where}: kind") if "kind" in table else ""
    if kind not in KINDS:
        raise DataFileError(
            f"{where}: kind must be one of {', '.join(KINDS)}"
            + (f", not {kind!r}" if kind else " (missing)")
        )
    key, default, deepen = KINDS[kind]
    check_keys(table, _RULE_KEYS | {key}, where)
    threshold = as_float(table.get(key, default), f"{where}: {key}")
    if kind in ("selloff", "cross_asset", "suspect_change") and not 0 <= threshold <= 1:
        raise DataFileError(f"{where}: {key} is a severity between 0 and 1, got {threshold:g}")
    if kind in ("stress_percentile", "market_stress") and not 0 < threshold <= 100:
        raise DataFileError(f"{where}: {key} is a percentile above 0 and up to 100")
    if kind == "crypto_weekend" and threshold <= 0:
        raise DataFileError(f"{where}: {key} is a number of sigmas above 0")
    clear_after = as_float(table.get("clear_after", 2), f"{where}: clear_after", min_value=1)
    if clear_after != int(clear_after):
        raise DataFileError(f"{where}: clear_after is a whole number of days")
    urgent = table.get("urgent")
    return Rule(
        name=as_str(table.get("name", kind), f"{where}: name"),
        kind=kind,  # type: ignore[arg-type]  # checked against KINDS above
        threshold=threshold,
        cooldown=parse_duration(table.get("cooldown", "12h"), f"{where}: cooldown"),
        quiet_hours=parse_quiet_hours(table.get("quiet_hours", ""), f"{where}: quiet_hours"),
        urgent=as_float(urgent, f"{where}: urgent") if urgent is not None else None,
        clear_after=int(clear_after),
        deepen_by=as_float(table.get("deepen_by", deepen), f"{where}: deepen_by", min_value=0),
        min_score=as_float(table.get("min_score", 0.0), f"{where}: min_score", min_value=0),
    )


# -- what the rules read ---------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the rules read about one observation (a day's diagnosis, or an hour's candle
    for the crypto rule).

    Attributes:
        at: the moment observed: the day's close (the end of ``day``, UTC) or the
            candle's end; a rule reacts once to each new ``at``.
        day: the market day of the observation.
        markets_open: a market other than crypto traded that day (weekends and holidays
            are not market days: they neither open nor clear a market rule).
        severity, scope, is_selloff, primary, primary_name, primary_score: the diagnosis.
        stress_percentile: riskoff's stress index on the day as a percentile (0..100) of
            its own history up to the day.
        segment_percentile, segment: the stress index's most stressed segment on the day
            and its reading as a percentile (0..100) of that segment's own history.
        funding_bp: SOFR minus IORB in basis points, as published by the day.
        crypto_sigma: the worst fall of Bitcoin and Ether, in sigmas of their own
            trailing volatility (negative: a fall), over the day or the last 24 hours.
        crypto_source: where ``crypto_sigma`` comes from ("daily closes", "hourly candles").
    """

    at: dt.datetime
    day: dt.date
    markets_open: bool = True
    is_selloff: bool = False
    severity: float = 0.0
    scope: str = "none"
    primary: str = ""
    primary_name: str = ""
    primary_score: float = 0.0
    stress_percentile: float | None = None
    segment_percentile: float | None = None
    segment: str = ""
    funding_bp: float | None = None
    crypto_sigma: float | None = None
    crypto_source: str = "daily closes"

    @property
    def weekend(self) -> bool:
        """Saturday or Sunday (UTC day of ``at``): stock markets are shut."""
        return (
            self.at.weekday() >= 5
            if self.crypto_source != "daily closes"
            else (self.day.weekday() >= 5)
        )


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
