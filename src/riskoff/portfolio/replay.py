"""Replaying a price history on a portfolio: pure maths on a price frame, no I/O.

Conventions (``docs/portfolio.md`` says the same in prose):

* **Base.** A replay starts at the *base*: the last close before the episode's first day on
  which any holding traded, so the first day's move counts. Every holding must have a
  close at most ``stale_days`` calendar days before the base; that close is its base price.
* **Calendar.** The rows are the base plus every day in ``start..until`` on which at least
  one holding traded (the union of the holdings' calendars). On a row where a holding's
  market was closed, its level is carried (value unchanged); its next return is measured
  from its last real close. No return is ever computed across, or invented for, a gap.
* **Buy and hold.** Quantities are fixed at the base: positions drift with prices, nothing
  is rebalanced. With ``mode="loan"`` leverage is a fixed loan: the cash balance starts at
  ``1 − Σ exposure`` (negative means borrowed) and only accrues interest, so leverage rises
  as prices fall, which is what brings a margin call. With ``mode="daily"`` the account is
  instead re-levered at every close to its starting gross exposure (a leveraged-ETF style
  account): each day's equity return is ``gross × basket return`` plus the interest on the
  balance ``(1 − gross) × equity`` held since the previous close, and compounds.
* **Interest** (:mod:`riskoff.portfolio.interest`). The balance held after a close accrues
  at the policy rate known at that close (the effective fed funds rate, published a
  business day late), actual/360 over the calendar days to the next row; a loan pays the
  rate plus ``loan_spread``, cash earns it less ``cash_haircut``. In loan mode the balance
  is ``b₀ × ∏(1 + step)``; in daily mode each growth factor is
  ``1 + gross × r + (1 − gross) × step``. Where no rate is known nothing accrues and the
  path says so (``accrual.modelled``); no rate is invented.
* **Units.** Equity is a fraction of the starting equity (1 at the base); so are the gross
  exposure, contributions, cash needed and dry powder.
* **Point in time.** The price and rate frames are cut at ``until`` before anything else:
  nothing after the replay's last day is read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd

from riskoff.errors import InsufficientDataError
from riskoff.portfolio.accounts import (
    AccountWalk,
    MarginPolicy,
    holdings_value,
    measure_accounts,
    total_exposure,
    walk_daily,
    walk_loan,
)
from riskoff.portfolio.interest import Accrual, InterestTerms, account_steps, accrue

__all__ = [
    "DEFAULT_HORIZON",
    "STALE_DAYS",
    "DryPowder",
    "ForcedSale",
    "LeverageMode",
    "ReplayCalendar",
    "ReplayPath",
    "ReplayStats",
    "base_date",
    "calc_drawdown_depth",
    "measure_replay",
    "replay",
    "replay_calendar",
    "replay_path",
    "replay_until",
]

LeverageMode: TypeAlias = Literal["loan", "daily"]

DEFAULT_HORIZON = 126
"""Weekdays after an episode's end that the replay continues, to measure recovery and what
a purchase at the trough returned (126 weekdays ≈ six months)."""

STALE_DAYS = 10
"""A base price may be at most this many calendar days older than the base (long holidays
such as Golden Week or Lunar New Year fit; a series that stopped does not)."""

FloatArray: TypeAlias = np.ndarray[tuple[int, ...], np.dtype[np.float64]]
BoolArray: TypeAlias = np.ndarray[tuple[int, ...], np.dtype[np.bool_]]


def replay_until(end: dt.date, horizon: int = DEFAULT_HORIZON) -> dt.date:
    """The replay's last day: ``horizon`` weekdays after the episode's ``end``."""
    if horizon < 0:
        raise ValueError("horizon must be ≥ 0")
    day = np.busday_offset(np.datetime64(end, "D"), horizon, roll="forward")
    return pd.Timestamp(day).date()


def calc_drawdown_depth(values: FloatArray) -> FloatArray:
    """Depth below the running peak, ``1 − value / peak`` (>= 0; 0 at a new high).

    Not :func:`riskoff.indicators.moves.calc_drawdown`, which is the same fall as a
    signed fraction (<= 0) over a rolling 52-week high of cumulated log moves.

    Example:
        >>> calc_drawdown_depth(np.array([1.0, 2.0, 1.0, 3.0])).tolist()
        [0.0, 0.0, 0.5, 0.0]
    """
    peak = np.maximum.accumulate(values)
    with np.errstate(divide="ignore", invalid="ignore"):
        dd = np.where(peak > 0, 1.0 - values / peak, 0.0)
    return np.asarray(dd, dtype=np.float64)


def base_date(prices: pd.DataFrame, start: dt.date) -> pd.Timestamp | None:
    """The last day before ``start`` on which any column has a value (``None`` if none)."""
    before = prices.loc[prices.index < pd.Timestamp(start)]
    rows = before.notna().to_numpy().any(axis=1)
    if not rows.any():
        return None
    return pd.Timestamp(before.index[np.flatnonzero(rows)[-1]])


def _last_seen(frame: pd.DataFrame) -> list[pd.Timestamp | None]:
    """Per column, the date of its last value (``None`` if it has none)."""
    seen = frame.notna().to_numpy()
    if not len(seen):
        return [None] * frame.shape[1]
    pos = len(seen) - 1 - np.argmax(seen[::-1], axis=0)
    has: BoolArray = np.asarray(seen.any(axis=0), dtype=np.bool_)
    return [
        pd.Timestamp(frame.index[int(p)]) if h else None
        for p, h in zip(pos.tolist(), has.tolist(), strict=True)
    ]


@dataclass(frozen=True)
class ReplayPath:
    """A portfolio's path through one window.

    Attributes:
        dates: the replay calendar; ``dates[0]`` is the base.
        labels: the holdings, in column order.
        exposure: each holding's starting exposure (fraction of starting equity).
        equity: equity, 1 at the base.
        gross: gross exposure at each close (before any re-levering).
        values: per-holding value at each close (T × n), fractions of starting equity;
            in ``daily`` mode the unlevered basket scaled to the starting exposure.
        basket: the buy-and-hold basket of holdings, 1 at the base (all cash: constant 1).
        returns: per-holding return on each row (T × n), NaN where its market was closed
            (and on the base row).
        end_pos: the row of the episode's last day (drawdowns are measured up to here).
        truncated_at: set when a holding's data stopped before ``until`` (the replay
            ends there).
        mode: ``loan`` or ``daily``.
        interest: net interest accrued on the cash balance from the base to each close,
            fraction of starting equity (+ earned, − paid); zeros when none accrued.
        accrual: the rates behind ``interest`` and whether they were known (see
            :class:`~riskoff.portfolio.interest.Accrual`).
        on_call: what a margin call did (``sell``, ``close`` or ``reserve``; see
            :mod:`riskoff.portfolio.accounts`).
        sold: what a forced sale sold at each close (fraction of starting equity).
        held: the fraction of the starting quantities held after each close.
        with_sales: per holding, its value plus what its forced sales raised (T × n);
            its change is the holding's profit or loss.
        unsold_equity, unsold_gross: the path with every call met from a reserve.
        growth: what one unit of cash kept in the account from the base is worth.
    """

    dates: pd.DatetimeIndex
    labels: tuple[str, ...]
    exposure: FloatArray
    equity: FloatArray
    gross: FloatArray
    values: FloatArray
    basket: FloatArray
    returns: FloatArray
    end_pos: int
    truncated_at: dt.date | None
    mode: LeverageMode
    interest: FloatArray
    accrual: Accrual
    on_call: MarginPolicy
    sold: FloatArray
    held: FloatArray
    with_sales: FloatArray
    unsold_equity: FloatArray
    unsold_gross: FloatArray
    growth: FloatArray

    @property
    def balance_growth(self) -> FloatArray:
        """What one unit of cash kept in the account from the base is worth at each close.

        In loan mode it shrinks the loan (or adds to the cash), so it accrues at the
        balance's own rate; in daily mode re-levering would spend it, so it stays 1.
        """
        return self.growth

    def walk(self) -> AccountWalk:
        """The path as a one-account :class:`~riskoff.portfolio.accounts.AccountWalk`."""
        return AccountWalk(
            equity=self.equity[None, :],
            gross=self.gross[None, :],
            balance=(self.equity - self.gross)[None, :],
            sold=self.sold[None, :],
            held=self.held[None, :],
            unsold_equity=self.unsold_equity[None, :],
            unsold_gross=self.unsold_gross[None, :],
            growth=self.growth[None, :],
        )


@dataclass(frozen=True)
class ReplayCalendar:
    """The rows of a replay of some holdings, and their levels on those rows.

    Attributes:
        dates: the base, then every day of ``start..until`` on which a holding traded.
        levels: rows × holdings, each holding's last close at or before the row.
        traded: rows × holdings, whether the holding traded on the row.
        truncated_at: set when a holding's data stopped before ``until``.
    """

    dates: pd.DatetimeIndex
    levels: FloatArray
    traded: BoolArray
    truncated_at: dt.date | None


def replay_calendar(
    prices: pd.DataFrame,
    labels: Sequence[str],
    *,
    start: dt.date,
    until: dt.date,
    stale_days: int = STALE_DAYS,
) -> ReplayCalendar:
    """The calendar and levels of a replay of ``labels`` (columns of ``prices``).

    Raises:
        InsufficientDataError: no base price for a holding, or no day to replay.
    """
    frame = prices.loc[prices.index <= pd.Timestamp(until), list(labels)]
    base = base_date(frame, start)
    if base is None:
        raise InsufficientDataError(f"no prices before {start}")
    before = frame.loc[frame.index <= base]
    stale = [
        k
        for k, seen in zip(labels, _last_seen(before), strict=True)
        if seen is None or (base - seen).days > stale_days
    ]
    if stale:
        raise InsufficientDataError(
            f"no price for {', '.join(stale)} within {stale_days} days before {start}"
        )
    window = frame.loc[frame.index >= pd.Timestamp(start)]
    window = window.loc[pd.Series(window.notna().to_numpy().any(axis=1), index=window.index)]

    # a holding whose data stops before `until` ends the replay at its last close
    truncated_at: dt.date | None = None
    if len(window):
        cut = pd.Timestamp(until)
        for seen in _last_seen(window):
            seen_ts = base if seen is None else seen
            if (pd.Timestamp(until) - seen_ts).days > stale_days and seen_ts < cut:
                cut = seen_ts
        if cut < pd.Timestamp(until):
            truncated_at = cut.date()
            window = window.loc[window.index <= cut]
    if not len(window):
        raise InsufficientDataError(f"no prices from {start} on")

    base_row = before.ffill().iloc[[-1]]
    base_row.index = pd.DatetimeIndex([base])
    observed = pd.concat([base_row, window])
    levels = observed.ffill().to_numpy(dtype=np.float64)
    traded = observed.notna().to_numpy()
    if (levels <= 0).any():
        raise InsufficientDataError("a price is zero or negative; returns are undefined")

    return ReplayCalendar(
        dates=pd.DatetimeIndex(observed.index),
        levels=levels,
        traded=np.asarray(traded, dtype=np.bool_),
        truncated_at=truncated_at,
    )


def replay_path(
    prices: pd.DataFrame,
    exposure: Mapping[str, float],
    *,
    start: dt.date,
    end: dt.date,
    until: dt.date,
    mode: LeverageMode = "loan",
    stale_days: int = STALE_DAYS,
    rates: pd.DataFrame | None = None,
    interest: InterestTerms | None = None,
    maintenance_margin: float | None = None,
    on_call: MarginPolicy = "sell",
) -> ReplayPath:
    """Replay the holdings over ``start..until``.

    Args:
        prices: observed closes, a sorted DatetimeIndex and one column per holding (NaN
            where nothing was observed). Rows after ``until`` are ignored unread.
        exposure: holding (column) -> starting exposure as a fraction of equity
            (``leverage × weight``). The cash balance is ``1 − Σ exposure``.
        start: the episode's first day (the base is the last close before it).
        end: the episode's last day.
        until: the replay's last day (``end`` plus the recovery horizon).
        mode: ``loan`` (fixed loan, positions drift) or ``daily`` (re-levered at every
            close); identical without leverage and cash.
        stale_days: how old a base price may be (and a policy rate).
        rates: the policy rate as known at the end of each day, percent a year, one
            column per series in order of preference (``fred:EFFR``, ``fred:DFF``); rows
            after ``until`` are ignored unread. ``None``: no rate is known, so interest is
            not modelled and the path says so.
        interest: spread, haircut, on or off (default: the default spread, on).
        maintenance_margin: equity / gross below which a call comes (``None``: calls
            are not acted on; the path is the ``reserve`` one).
        on_call: what an unmet call does: ``sell`` to the maintenance margin (default),
            ``close`` out, or ``reserve`` (met from cash outside the account); see
            :mod:`riskoff.portfolio.accounts`.

    Raises:
        InsufficientDataError: no base price for a holding, or no day to replay.
    """
    if not (start <= end <= until):
        raise ValueError(f"need start ≤ end ≤ until, got {start}, {end}, {until}")
    labels = tuple(exposure)
    x = np.array([exposure[k] for k in labels], dtype=np.float64)
    cal = replay_calendar(prices, labels, start=start, until=until, stale_days=stale_days)
    levels, traded, truncated_at = cal.levels, cal.traded, cal.truncated_at

    rel = levels / levels[0]
    values = rel * x
    # sums over holdings run in symbol order: the book (riskoff.portfolio.book) adds the
    # same terms in the same order, so its numbers equal this replay's to the last bit
    order = sorted(range(len(labels)), key=lambda i: labels[i])
    u = holdings_value(rel[:, order], x[None, order])
    g = float(total_exposure(x[None, order])[0])
    basket = u[0] / g if g > 0 else np.ones(len(rel))
    step = np.empty_like(levels)
    step[0] = np.nan
    step[1:] = levels[1:] / levels[:-1] - 1.0
    returns = np.where(traded, step, np.nan)
    returns[0] = np.nan

    dates = cal.dates
    if rates is not None:
        rates = rates.loc[rates.index <= pd.Timestamp(until)]
    balance0 = 1.0 - g
    terms = interest or InterestTerms()
    accrual = accrue(dates, rates, balance=balance0, terms=terms, stale_days=stale_days)
    loan_step, cash_step = account_steps(
        accrual.policy,
        accrual.days,
        loan_spread=np.array([terms.loan_spread]),
        cash_haircut=np.array([terms.cash_haircut]),
        on=np.array([terms.on]),
    )
    b0 = np.array([balance0])
    margin = np.array([maintenance_margin if maintenance_margin is not None else 0.0])
    policy: MarginPolicy = on_call if maintenance_margin is not None else "reserve"
    if mode == "loan":
        walk = walk_loan(u, b0, loan_step, cash_step, margin, policy)
        held = walk.held[0]
        # each holding's value after the close's sale; plus what its sales raised, its
        # value-with-sales moves by its profit or loss (the contributions use it)
        values = held[:, None] * values
        held_before = np.ones(len(held))
        held_before[1:] = held[:-1]
        proceeds = np.cumsum((held_before - held)[:, None] * rel * x, axis=0)
        with_sales = values + proceeds
        earned = (walk.balance[0] - balance0) - np.cumsum(walk.sold[0])
    else:
        walk = walk_daily(basket[None, :], np.array([g]), b0, loan_step, cash_step, margin, policy)
        with_sales = values
        eq = walk.equity[0]
        closed = walk.held[0][:-1] == 0
        accrued = accrual.step
        # each close re-levers: the balance since the previous close is (1 − g) × equity;
        # after a close-out the equity is cash
        per_row = np.where(closed, eq[:-1] * cash_step[0, 1:], balance0 * eq[:-1] * accrued[1:])
        earned = np.zeros(len(rel))
        earned[1:] = np.cumsum(per_row) + 0.0  # no −0.0
    equity = walk.equity[0]
    gross = walk.gross[0]

    end_pos = int(np.searchsorted(dates.to_numpy(), np.datetime64(end, "ns"), side="right")) - 1
    return ReplayPath(
        dates=dates,
        labels=labels,
        exposure=x,
        equity=np.asarray(equity, dtype=np.float64),
        gross=np.asarray(gross, dtype=np.float64),
        values=values,
        basket=np.asarray(basket, dtype=np.float64),
        returns=returns,
        end_pos=end_pos,
        truncated_at=truncated_at,
        mode=mode,
        interest=np.asarray(earned, dtype=np.float64),
        accrual=accrual,
        on_call=policy,
        sold=walk.sold[0],
        held=walk.held[0],
        with_sales=np.asarray(with_sales, dtype=np.float64),
        unsold_equity=walk.unsold_equity[0],
        unsold_gross=walk.unsold_gross[0],
        growth=walk.growth[0],
    )


@dataclass(frozen=True)
class DryPowder:
    """Cash kept aside at the start and spent at the trough.

    Rule: enough cash to bring the gross exposure back to its starting level at the
    trough's close, spent on the same holdings in their trough proportions, held to the
    replay's last day. It assumes perfect timing (the trough is known only afterwards):
    an upper bound on what ammunition could have earned.

    Attributes:
        cash: the cash needed, as a fraction of starting equity.
        bought_on: the trough day.
        value_at_end: what that purchase was worth on ``end`` (fraction of starting equity).
        ret: the purchase's return from the trough to ``end`` (``None`` if nothing to buy).
        end: the replay's last day.
    """

    cash: float
    bought_on: dt.date
    value_at_end: float
    ret: float | None
    end: dt.date


@dataclass(frozen=True)
class ForcedSale:
    """A sale the broker forced at a close after an unmet margin call.

    Attributes:
        date: the close of the sale.
        sold: what was sold, a fraction of starting equity.
        held_after: the fraction of the starting quantities still held after it.
    """

    date: dt.date
    sold: float
    held_after: float


@dataclass(frozen=True)
class ReplayStats:
    """What one replay measured. Fractions are of starting equity unless stated.

    Attributes:
        max_drawdown: the largest peak-to-trough fall within the episode (positive; above 1
            when a leveraged account lost more than its equity).
        peak_date, trough_date: where that drawdown began and bottomed.
        recovery_date: the first close at or above the peak after the trough, or ``None``.
        recovery_days: replay-calendar rows from trough to recovery, or ``None``.
        days_after_trough: rows from the trough to the replay's end (the recovery horizon
            actually available).
        worst_day, worst_return: the episode day with the lowest equity return.
        worst_holdings: each holding's return on that day (``None`` = market closed).
        contributions: each holding's share of the drawdown; with ``interest_share`` they
            sum to ``max_drawdown`` (positive = lost money).
        margin_call: the first close on which equity / gross < maintenance margin.
        wiped_out: the first close on which equity ≤ 0.
        cash_needed: the smallest cash top-up at the start that keeps every close of the
            episode at or above maintenance (0 when no margin call would come). In loan
            mode the top-up shrinks the loan, so it grows at the loan's rate.
        dry_powder: see :class:`DryPowder`.
        final_equity: equity on the replay's last day.
        interest_episode: net interest on the cash balance from the base to the
            episode's last day (+ earned, − paid).
        interest_replay: the same to the replay's last day.
        interest_share: the interest's share of the drawdown (positive = it deepened it).
        on_call: what a margin call did (``sell``, ``close``, ``reserve``).
        forced_sales: each forced sale of the replay, in order.
        sold: all that forced sales sold over the replay (fraction of starting equity).
    """

    max_drawdown: float
    peak_date: dt.date
    trough_date: dt.date
    recovery_date: dt.date | None
    recovery_days: int | None
    days_after_trough: int
    worst_day: dt.date
    worst_return: float
    worst_holdings: dict[str, float | None]
    contributions: dict[str, float]
    margin_call: dt.date | None
    wiped_out: dt.date | None
    cash_needed: float
    dry_powder: DryPowder
    final_equity: float
    interest_episode: float = 0.0
    interest_replay: float = 0.0
    interest_share: float = 0.0
    on_call: MarginPolicy = "sell"
    forced_sales: tuple[ForcedSale, ...] = ()
    sold: float = 0.0


def measure_replay(path: ReplayPath, *, maintenance_margin: float) -> ReplayStats:
    """Drawdown, recovery, worst day, contributions, margin and dry powder of a path."""
    if path.end_pos < 1:
        raise InsufficientDataError("no trading day inside the episode window")
    day = [d.date() for d in path.dates]
    eq = path.equity
    m = measure_accounts(path.walk(), np.array([maintenance_margin]), path.end_pos)
    trough, peak = int(m.trough[0]), int(m.peak[0])
    mdd = float(m.max_drawdown[0])
    rec = int(m.recovery[0])
    worst = int(m.worst[0])
    worst_holdings = {
        k: (None if np.isnan(v) else float(v))
        for k, v in zip(path.labels, path.returns[worst], strict=True)
    }

    # the interest accrued from peak to trough is part of the fall; the holdings share the rest
    share = 0.0
    if mdd > 0:
        share = float(path.interest[peak] - path.interest[trough]) / float(eq[peak]) + 0.0
    if path.mode == "loan":
        contrib = -(path.with_sales[trough] - path.with_sales[peak]) / eq[peak]
    else:
        moved = path.values[trough] - path.values[peak]
        total = float(moved.sum())
        contrib = (mdd - share) * moved / total if total != 0 else np.zeros_like(moved)
    contributions = {k: float(v) for k, v in zip(path.labels, contrib, strict=True)}

    call, wiped = int(m.margin_call[0]), int(m.wiped_out[0])
    last = len(eq) - 1
    powder = max(0.0, float(path.gross[0] - path.gross[trough]))
    b0, b1 = path.basket[trough], path.basket[last]
    ret = float(b1 / b0 - 1.0) if powder > 0 and b0 > 0 else None
    dry = DryPowder(
        cash=powder,
        bought_on=day[trough],
        value_at_end=powder * (1.0 + ret) if ret is not None else powder,
        ret=ret,
        end=day[last],
    )
    sales = tuple(
        ForcedSale(day[int(i)], float(path.sold[i]), float(path.held[i]))
        for i in np.flatnonzero(path.sold > 0)
    )
    return ReplayStats(
        max_drawdown=mdd,
        peak_date=day[peak],
        trough_date=day[trough],
        recovery_date=None if rec < 0 else day[rec],
        recovery_days=None if rec < 0 else rec - trough,
        days_after_trough=last - trough,
        worst_day=day[worst],
        worst_return=float(m.worst_return[0]),
        worst_holdings=worst_holdings,
        contributions=contributions,
        margin_call=None if call < 0 else day[call],
        wiped_out=None if wiped < 0 else day[wiped],
        cash_needed=float(m.cash_needed[0]),
        dry_powder=dry,
        final_equity=float(m.final_equity[0]),
        interest_episode=float(path.interest[path.end_pos]),
        interest_replay=float(path.interest[last]),
        interest_share=share,
        on_call=path.on_call,
        forced_sales=sales,
        sold=float(m.sold[0]),
    )


def replay(
    prices: pd.DataFrame,
    exposure: Mapping[str, float],
    *,
    start: dt.date,
    end: dt.date,
    until: dt.date,
    maintenance_margin: float,
    mode: LeverageMode = "loan",
    stale_days: int = STALE_DAYS,
    rates: pd.DataFrame | None = None,
    interest: InterestTerms | None = None,
    on_call: MarginPolicy = "sell",
) -> tuple[ReplayPath, ReplayStats]:
    """:func:`replay_path` then :func:`measure_replay`."""
    path = replay_path(
        prices,
        exposure,
        start=start,
        end=end,
        until=until,
        mode=mode,
        stale_days=stale_days,
        rates=rates,
        interest=interest,
        maintenance_margin=maintenance_margin,
        on_call=on_call,
    )
    return path, measure_replay(path, maintenance_margin=maintenance_margin)
