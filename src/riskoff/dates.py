"""Parsing user-supplied dates and windows into clear errors."""

from __future__ import annotations

import datetime as dt
import re

from riskoff.errors import BadDateError

__all__ = ["Window", "parse_date", "parse_window"]

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def parse_date(text: str | dt.date, *, what: str = "date") -> dt.date:
    """Parse ``YYYY-MM-DD`` (or pass a date through), raising :class:`BadDateError`."""
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    s = str(text).strip()
    try:
        # exactly YYYY-MM-DD: fromisoformat also takes ISO week dates (2020-W11-4)
        if not _DAY.fullmatch(s):
            raise ValueError
        return dt.date.fromisoformat(s)
    except ValueError:
        raise BadDateError(f"{what} {s!r} is not a valid YYYY-MM-DD date") from None


class Window:
    """An inclusive range of days ``start..end``."""

    __slots__ = ("end", "start")

    def __init__(self, start: dt.date, end: dt.date) -> None:
        if end < start:
            raise BadDateError(f"window {start}:{end} is reversed (end before start)")
        self.start = start
        self.end = end

    def __repr__(self) -> str:
        return f"Window({self.start.isoformat()}:{self.end.isoformat()})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Window) and (self.start, self.end) == (other.start, other.end)

    def __hash__(self) -> int:
        return hash((self.start, self.end))

    def to_dict(self) -> dict[str, str]:
        """JSON view."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def parse_window(text: str) -> Window:
    """Parse ``START:END`` into a :class:`Window`."""
    if ":" not in text:
        raise BadDateError(f"window {text!r} is not START:END (e.g. 2020-03-09:2020-03-19)")
    a, _, b = text.partition(":")
    return Window(parse_date(a, what="window start"), parse_date(b, what="window end"))
