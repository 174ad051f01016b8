"""The watcher's rules file: the TOML (``docs/watch.md``; the packaged defaults are
``riskoff/data/watch.toml``) parsed into a :class:`WatchConfig` of notification targets
(``notify``: Apprise URLs) and one :class:`Rule` per ``[[rule]]`` table.

Every error is one line naming the file and the entry. What a rule does with what it reads
is :mod:`riskoff.usecases.watch_rules`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
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
    "Rule",
    "RuleKind",
    "WatchConfig",
    "default_config_path",
    "load_config",
    "parse_config",
    "parse_duration",
    "parse_quiet_hours",
]

RuleKind = Literal[
    "selloff", "cross_asset", "suspect_change", "stress_percentile", "market_stress",
    "crypto_weekend", "funding_spread",
]  # fmt: skip

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
