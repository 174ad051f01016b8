""" "Today" as a default: which day ``today``, ``latest``, ``yesterday`` or no date at all
stand for, and what is not yet published.

Every face resolves them here, over the one definition of the latest complete day
(:meth:`riskoff.usecases.workspace.Workspace.latest_complete_day`): ``riskoff diagnose``
and ``riskoff report`` without a date, the dashboard's pre-filled day, the JSON API
(``/api/diagnose/latest``) and the demo.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from riskoff.usecases.workspace import Workspace

__all__ = ["RELATIVE_DAYS", "DayChoice", "is_relative_day", "resolve_day"]

RELATIVE_DAYS = ("today", "latest", "yesterday")
"""The words a command takes in place of a date."""

_SHOWN = 8
"""Missing inputs named per day before "and N more"."""


def is_relative_day(date: object) -> bool:
    """True for no date at all or one of :data:`RELATIVE_DAYS` (any case)."""
    return date is None or (isinstance(date, str) and date.strip().lower() in RELATIVE_DAYS)


@dataclass(frozen=True)
class DayChoice:
    """The day a relative date stands for and what is not yet published around it.

    Attributes:
        day: the chosen day.
        asked: the word asked for (``today``, ``latest``, ``yesterday``; ``""`` when no
            date was given).
        last_data_day: the store's last day with any close.
        missing: the asset classes (labels) without a close on ``day``.
        pending: the later days the store holds, each with the labels of the markets
            that have not published their close for it yet (weekdays only).
    """

    day: dt.date
    asked: str
    last_data_day: dt.date
    missing: tuple[str, ...] = ()
    pending: tuple[tuple[dt.date, tuple[str, ...]], ...] = ()

    def note(self) -> str:
        """One or two plain sentences: which day, and what is not yet published."""
        what = f"'{self.asked}'" if self.asked else "No date given"
        out = (
            f"{what}: {self.day.isoformat()} ({self.day:%A}), the latest day on which most "
            "markets have published their close"
        )
        if self.asked == "yesterday":
            out += " before today"
        out += "."
        if self.missing:
            out += f" No close on that day from {_names(self.missing)}."
        for day, names in self.pending:
            out += f" {day.isoformat()} is not complete yet; not yet published: {_names(names)}."
        return out

    def to_dict(self) -> dict[str, object]:
        """JSON view."""
        return {
            "day": self.day.isoformat(),
            "asked": self.asked,
            "last_data_day": self.last_data_day.isoformat(),
            "missing": list(self.missing),
            "pending": {d.isoformat(): list(n) for d, n in self.pending},
            "note": self.note(),
        }


def _names(names: tuple[str, ...]) -> str:
    shown = ", ".join(names[:_SHOWN])
    return shown + (f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else "")


def resolve_day(
    date: str | None, workspace: Workspace, *, today: dt.date | None = None
) -> DayChoice:
    """The day ``date`` (None, ``today``, ``latest`` or ``yesterday``) stands for in
    ``workspace``: the latest complete day, for ``yesterday`` the latest complete day
    before ``today`` (default: the calendar's)."""
    import pandas as pd

    from riskoff.errors import BadDateError
    from riskoff.knowledge.universe import universe

    word = (date or "").strip().lower()
    if date is not None and word not in RELATIVE_DAYS:
        raise BadDateError(f"{date!r} is not one of {', '.join(RELATIVE_DAYS)}")
    before = (today or dt.date.today()) if word == "yesterday" else None
    day = workspace.latest_complete_day(before=before)
    labels = universe().labels
    _, missing = workspace.closes_on(day)
    last = workspace.last_data_day()
    pending: list[tuple[dt.date, tuple[str, ...]]] = []
    for ts in workspace.panel.days[workspace.panel.days > pd.Timestamp(day)]:
        d = ts.date()
        if d > last or d.weekday() >= 5:
            continue
        _, later = workspace.closes_on(d)
        if later:
            pending.append((d, tuple(labels.get(c, c) for c in later)))
    return DayChoice(
        day=day,
        asked=word,
        last_data_day=last,
        missing=tuple(labels.get(c, c) for c in missing),
        pending=tuple(pending),
    )
