"""Interest on a replayed account's cash balance: pure maths on a rate frame, no I/O.

Over a six-month replay at a 5% policy rate, a 2× margin loan costs about 3% of the
starting equity: enough to move a margin call and the cash needed. So the replay charges
it, by these rules (``docs/portfolio.md`` says the same in prose):

* **Which rate.** The effective federal funds rate as known at each close: ``fred:EFFR``
  (from 2000-07-03), else ``fred:DFF`` (from 1954 at FRED, 1990 in the shared data). Both
  are published one business day late, so the level known at the close of D is that of
  the business day before: point in time, nothing is read before it was public.
* **When.** The balance held over the night(s) after a close accrues at the rate known at
  that close, for the calendar days to the next row of the replay: a Friday → Monday step
  accrues 3 days. Like a broker's base rate, the rate is known before the nights it
  prices.
* **Day count.** Actual/360, the money-market convention of the fed funds rate itself:
  one row's interest is ``balance × rate × days / 360``, and it compounds from row to row.
* **Loan or cash.** A negative balance (the loan) pays the policy rate plus the
  portfolio's ``loan_spread``; a positive balance earns the policy rate less its
  ``cash_haircut``, never below zero.
* **Missing rate.** Where no rate is known (before the data starts, or a store without
  these series), the balance accrues nothing and the result says so (``modelled`` is
  false, with the reason). A rate is never invented or carried from another era.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import pandas as pd

__all__ = [
    "DAY_COUNT",
    "DEFAULT_CASH_HAIRCUT",
    "DEFAULT_LOAN_SPREAD",
    "MAX_SPREAD",
    "POLICY_RATES",
    "Accrual",
    "InterestTerms",
    "account_steps",
    "accrue",
    "known_rate",
]

FloatArray: TypeAlias = np.ndarray[tuple[int, ...], np.dtype[np.float64]]
IntArray: TypeAlias = np.ndarray[tuple[int, ...], np.dtype[np.int64]]
BoolArray: TypeAlias = np.ndarray[tuple[int, ...], np.dtype[np.bool_]]

POLICY_RATES: tuple[str, ...] = ("fred:EFFR", "fred:DFF")
"""The overnight policy rate, in order of preference (percent a year in the store)."""

DAY_COUNT = 360
"""Actual/360: a year of interest is 360 days' worth (US money-market convention)."""

DEFAULT_LOAN_SPREAD = 0.01
"""What the loan pays over the policy rate, a year (1%: roughly the premium of a
low-cost broker's margin rate over fed funds on a large balance; retail rates are
higher). An assumption: set ``loan_spread`` to your broker's."""

DEFAULT_CASH_HAIRCUT = 0.0
"""What cash earns below the policy rate, a year (0: cash earns the policy rate)."""

MAX_SPREAD = 0.2
"""The largest ``loan_spread`` or ``cash_haircut`` a portfolio may give (20% a year):
anything above is a percentage written as a decimal by mistake."""


@dataclass(frozen=True)
class InterestTerms:
    """How the cash balance accrues.

    Attributes:
        loan_spread: decimal a year added to the policy rate on a negative balance.
        cash_haircut: decimal a year taken off the policy rate on a positive balance.
        disabled_by: what turned interest off (``None``: it is on), e.g. ``--no-interest``.
    """

    loan_spread: float = DEFAULT_LOAN_SPREAD
    cash_haircut: float = DEFAULT_CASH_HAIRCUT
    disabled_by: str | None = None

    @property
    def on(self) -> bool:
        """Whether interest is charged and paid at all."""
        return self.disabled_by is None


@dataclass(frozen=True)
class Accrual:
    """What one unit of cash balance accrues along a replay calendar.

    Attributes:
        step: per row, the simple interest that one unit of balance held since the
            previous row accrues (≥ 0; 0 on the base row and wherever no rate was known).
            A balance ``b`` changes by ``b × step``: a loan (``b < 0``) grows.
        policy: the policy rate known at each row's close, decimal a year (NaN: none).
        days: calendar days from the previous row (0 on the base row).
        sources: the rate series the accrual used, in order of preference.
        days_without_rate: calendar days over which a nonzero balance accrued nothing
            because no rate was known at the close before them.
        modelled: the balance accrued at a known rate on every day of the replay (or there
            was no balance to accrue on).
        reason: why ``modelled`` is false (``None`` when it is true).
        terms: the terms applied.
    """

    step: FloatArray
    policy: FloatArray
    days: IntArray
    sources: tuple[str, ...]
    days_without_rate: int
    modelled: bool
    reason: str | None
    terms: InterestTerms

    @property
    def mean_policy(self) -> float | None:
        """The day-weighted mean policy rate over the steps that had one (decimal a year)."""
        prev = self.policy[:-1]
        d = self.days[1:].astype(np.float64)
        known = ~np.isnan(prev)
        weight = float(d[known].sum())
        return float((prev[known] * d[known]).sum() / weight) if weight > 0 else None


def known_rate(
    rates: pd.DataFrame | None, dates: pd.DatetimeIndex, *, stale_days: int
) -> tuple[FloatArray, IntArray]:
    """The policy rate known at each date's close and the column that gave it.

    Args:
        rates: levels as known at the end of each day (percent a year), one column per
            series in order of preference; NaN where a series had nothing current.
        dates: the days to look up (a replay calendar; weekends included).
        stale_days: a row of ``rates`` more than this many calendar days before a date
            is not used for it.

    Returns:
        (rate as a decimal a year, NaN where none is known; column position, −1 where
        none).
    """
    n = len(dates)
    rate = np.full(n, np.nan)
    col = np.full(n, -1, dtype=np.int64)
    if rates is None or rates.empty or not n:
        return rate, col
    levels = rates.to_numpy(dtype=np.float64)
    have = ~np.isnan(levels)
    # the first column with a value on each row of ``rates``
    first = np.argmax(have, axis=1)
    any_ = have.any(axis=1)
    row_rate = np.where(any_, levels[np.arange(len(levels)), first], np.nan)
    row_col = np.where(any_, first, -1)
    idx = pd.DatetimeIndex(rates.index).to_numpy().astype("datetime64[D]")
    day = dates.to_numpy().astype("datetime64[D]")
    pos = np.searchsorted(idx, day, side="right") - 1
    safe = np.maximum(pos, 0)
    age = (day - idx[safe]).astype(np.int64)
    ok = (pos >= 0) & (age <= stale_days)
    rate = np.where(ok, row_rate[safe] / 100.0, np.nan)
    col = np.where(ok & ~np.isnan(rate), row_col[safe], -1).astype(np.int64)
    return np.asarray(rate, dtype=np.float64), col


def account_steps(
    policy: FloatArray,
    days: IntArray,
    *,
    loan_spread: FloatArray,
    cash_haircut: FloatArray,
    on: BoolArray,
) -> tuple[FloatArray, FloatArray]:
    """Per account and row, the interest one unit of balance accrues since the row before.

    Args:
        policy: the policy rate known at each row's close, decimal a year (NaN: none).
        days: calendar days from the previous row (0 on row 0).
        loan_spread, cash_haircut: each account's terms (decimals a year).
        on: whether each account accrues interest at all.

    Returns:
        (loan step, cash step), accounts × rows: what a negative balance (the loan, at the
        rate plus the spread) and a positive one (cash, the rate less the haircut, never
        below 0) accrue; 0 on row 0, wherever no rate was known at the previous close, and
        for an account with interest off.
    """
    n = len(days)
    loan = np.zeros((len(loan_spread), n))
    cash = np.zeros((len(loan_spread), n))
    if n < 2:
        return loan, cash
    prev = policy[:-1]
    known = ~np.isnan(prev)[None, :]
    d = days[None, 1:]
    loan_yearly = np.maximum(prev[None, :] + loan_spread[:, None], 0.0)
    cash_yearly = np.maximum(prev[None, :] - cash_haircut[:, None], 0.0)
    loan[:, 1:] = np.where(known, loan_yearly * d / DAY_COUNT, 0.0)
    cash[:, 1:] = np.where(known, cash_yearly * d / DAY_COUNT, 0.0)
    loan[~on] = 0.0
    cash[~on] = 0.0
    return loan, cash


def accrue(
    dates: pd.DatetimeIndex,
    rates: pd.DataFrame | None,
    *,
    balance: float,
    terms: InterestTerms,
    stale_days: int,
) -> Accrual:
    """The accrual of a balance of sign ``balance`` along ``dates`` (see the module doc).

    Args:
        dates: the replay calendar, sorted; ``dates[0]`` is the base.
        rates: policy rates as known at the end of each day (see :func:`known_rate`), or
            ``None`` when there is no source.
        balance: the starting cash balance; its sign chooses the loan or the cash rate
            (a replay's balance keeps its sign: it compounds, and re-levering keeps it a
            fixed share of equity). Zero: nothing accrues and nothing is missing.
        terms: spread, haircut, on or off.
        stale_days: see :func:`known_rate`.
    """
    n = len(dates)
    day = dates.to_numpy().astype("datetime64[D]")
    days = np.zeros(n, dtype=np.int64)
    if n > 1:
        days[1:] = (day[1:] - day[:-1]).astype(np.int64)
    policy, col = known_rate(rates, dates, stale_days=stale_days)
    names = [str(c) for c in rates.columns] if rates is not None else []
    step = np.zeros(n)
    if not terms.on:
        return Accrual(
            step=step,
            policy=policy,
            days=days,
            sources=(),
            days_without_rate=0,
            modelled=False,
            reason=f"interest is turned off ({terms.disabled_by}): the balance accrues nothing",
            terms=terms,
        )
    if balance == 0.0 or n < 2:
        return Accrual(step, policy, days, (), 0, True, None, terms)

    prev = policy[:-1]
    loan, cash = account_steps(
        policy,
        days,
        loan_spread=np.array([terms.loan_spread]),
        cash_haircut=np.array([terms.cash_haircut]),
        on=np.array([True]),
    )
    step = loan[0] if balance < 0 else cash[0]
    known = ~np.isnan(prev)
    used = sorted({int(c) for c in col[:-1][known]})
    sources = tuple(names[c] for c in used)
    missing = int(days[1:][~known].sum())
    total = int(days[1:].sum())
    reason: str | None = None
    if missing:
        wanted = ", ".join(names) if names else ", ".join(POLICY_RATES)
        if missing == total:
            reason = (
                f"no policy rate ({wanted}) is known over this replay: interest is not "
                "modelled and counts as zero"
            )
        else:
            gap = int(np.flatnonzero(~known)[0])
            reason = (
                f"no policy rate ({wanted}) known for {missing} of {total} days of the "
                f"replay (from {pd.Timestamp(dates[gap]).date().isoformat()}): no interest "
                "is counted on those days"
            )
    return Accrual(
        step=step,
        policy=policy,
        days=days,
        sources=sources,
        days_without_rate=missing,
        modelled=not missing,
        reason=reason,
        terms=terms,
    )
