"""When a live series can have news: the "is this series due?" rule of ``riskoff update``.

A series is **due** on ``today`` when its next observation could have been published:

* next observation = last stored observation + one period of its native frequency:
  ``business-daily``: the next weekday; ``daily``: the next calendar day (daily series
  such as crypto and the fed funds rate have weekend observations); ``weekly-*``: 7 days
  later; ``monthly``, ``quarterly``, ``annual``: 1, 3 or 12 months later on the same day
  of the month (FRED dates these on the 1st, which stays the 1st), clipped to the
  month's length: a day 31 becomes the 30th or the 28th, never a later day, so the rule
  errs towards asking early (one wasted request) rather than late (missed news). An
  unknown frequency counts as daily.
* its expected publication = that date + the catalogue ``lag`` (``"45D"`` calendar days;
  ``"1B"`` business days, a weekend date first rolling back to Friday, exactly as the
  panel dates a release: see docs/calendar.md).
* due when the expected publication is on or before ``today``.

A series is also due when it was never stored, and at least every :data:`RECHECK_DAYS`
days after its last successful fetch, so that late revisions still arrive. Holidays are
not modelled: on a holiday a series may be due and bring nothing, which costs one request.

Everything here is pure: no I/O, no clock (``today`` is always an argument).
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import TYPE_CHECKING

from riskoff.catalog import parse_lag

if TYPE_CHECKING:
    from riskoff.catalog import SeriesInfo

__all__ = [
    "RECHECK_DAYS",
    "add_business_days",
    "due_date",
    "is_due",
    "next_observation",
    "release_day",
]

RECHECK_DAYS = 7
"""A stored series is fetched at least this often (calendar days), for late revisions."""

_MONTHS = {"monthly": 1, "quarterly": 3, "annual": 12}
_DAY = dt.timedelta(days=1)


def add_business_days(day: dt.date, n: int) -> dt.date:
    """``day`` plus ``n`` business days (Monday..Friday); a weekend day first rolls back
    to Friday (``numpy.busday_offset(day, n, roll="backward")``)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    while day.weekday() >= 5:
        day -= _DAY
    while n:
        day += _DAY
        if day.weekday() < 5:
            n -= 1
    return day


def _add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved ``months`` later on the same day of the month, clipped to the month's
    length (the 1st stays the 1st; Jan 31 + 1 month is Feb 28 or 29)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    length = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, length))


def next_observation(last: dt.date, frequency: str) -> dt.date:
    """The date of the observation after ``last`` for a series of ``frequency``."""
    if frequency == "business-daily":
        nxt = last + _DAY
        while nxt.weekday() >= 5:
            nxt += _DAY
        return nxt
    if frequency.startswith("weekly"):
        return last + dt.timedelta(days=7)
    if frequency in _MONTHS:
        return _add_months(last, _MONTHS[frequency])
    return last + _DAY  # daily, and anything unknown: ask again tomorrow


def release_day(observation: dt.date, lag: str) -> dt.date:
    """The day an observation is expected to be public: its date plus the ``lag``."""
    n, unit = parse_lag(lag)
    if n == 0:
        return observation
    if unit == "D":
        return observation + dt.timedelta(days=n)
    return add_business_days(observation, n)


def due_date(
    info: SeriesInfo,
    last: dt.date | None,
    *,
    fetched: dt.date | None,
    recheck_days: int = RECHECK_DAYS,
) -> dt.date | None:
    """The first day ``info`` is due, or ``None`` when it is due whatever the day.

    Args:
        info: the catalogue entry (its ``frequency`` and ``lag``).
        last: the last stored observation date (``None``: never stored, always due).
        fetched: the day of its last successful fetch from its live source (``None``:
            never fetched live, e.g. only ingested from a folder: due for a re-check).
        recheck_days: re-check a stored series at least this often, for revisions.
    """
    if last is None or fetched is None:
        return None
    news = release_day(next_observation(last, info.frequency), info.lag)
    return min(news, fetched + dt.timedelta(days=recheck_days))


def is_due(
    info: SeriesInfo,
    last: dt.date | None,
    today: dt.date,
    *,
    fetched: dt.date | None,
    recheck_days: int = RECHECK_DAYS,
) -> bool:
    """True when ``info`` should be fetched on ``today`` (see :func:`due_date`)."""
    when = due_date(info, last, fetched=fetched, recheck_days=recheck_days)
    return when is None or when <= today
