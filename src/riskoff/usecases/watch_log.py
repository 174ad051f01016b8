"""What the watcher leaves to read: the alerts recorded in the store (``riskoff alerts``),
the health lines of ``riskoff watch --status``, and the report of one cycle
(:class:`CycleReport`), whose summary is logged and kept for ``--status``."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from riskoff.config import Settings
from riskoff.usecases.watch_config import WatchConfig, load_config

if TYPE_CHECKING:
    from riskoff.store.alerts import AlertRow
    from riskoff.usecases.notify import Redactor

__all__ = ["CycleReport", "alerts", "update_health", "watch_status"]


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


def update_health(result: object, now: dt.datetime, redact: Redactor) -> dict[str, str]:
    """The health an update leaves for :func:`watch_status`: the series fetched and failed
    per provider, the time of the update and its error ("" when every series came)."""
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
    error = redact(f"{len(failed)} series failed: {failed[0].message}") if failed else ""
    state["health:last_update"] = now.isoformat()
    state["health:last_update_error"] = error
    return state


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
