"""Replay maths over many accounts at once: arrays of accounts × rows, numpy only, no I/O.

The single-account replay (:mod:`riskoff.portfolio.replay`: one account) and the book
(:mod:`riskoff.portfolio.book`: thousands) both run through these functions, so an
account's numbers in a book are its single replay's numbers by construction (the tests
check it on random books anyway). Two habits keep that exact to the last bit:

* every sum over holdings is a loop over columns in the order given (never a numpy
  reduction, whose pairwise order depends on the array's shape); adding a column of zero
  exposure adds ``+0.0`` and changes nothing;
* every step is element-wise along accounts, so a row's result does not depend on which
  other rows are computed beside it.

**Margin calls** (``docs/portfolio.md``, "Margin calls"). At each close of a ``loan``
account, a call comes when equity / gross exposure < the maintenance margin. What happens
then is the ``on_call`` policy:

* ``sell`` (the default): the broker sells holdings pro rata (every position by the same
  fraction) until equity / gross is back at the maintenance margin, and the proceeds pay
  down the loan. The account is replayed from there with the smaller positions; a further
  fall brings a further sale. An account whose equity is at or below zero is closed out.
* ``close``: the broker sells everything at the call; the equity left is cash.
* ``reserve``: every call is met with cash from a reserve held outside the account, and
  nothing is sold. This is riskoff 0.1's replay; its cost is ``cash_needed``, the reserve
  that meets every call of the episode (reported under every policy).

A ``daily`` account is re-levered at every close: that re-levering already sells it back
to its starting leverage, above maintenance, so ``sell`` and ``reserve`` give the same
path and only ``close`` differs (everything sold at the first call).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

import numpy as np

__all__ = [
    "CALL_TOLERANCE",
    "MARGIN_POLICIES",
    "AccountMeasures",
    "AccountWalk",
    "MarginPolicy",
    "first_true",
    "holdings_value",
    "measure_accounts",
    "total_exposure",
    "walk_daily",
    "walk_loan",
]

FloatArray: TypeAlias = np.ndarray[tuple[int, ...], np.dtype[np.float64]]
IntArray: TypeAlias = np.ndarray[tuple[int, ...], np.dtype[np.int64]]
BoolArray: TypeAlias = np.ndarray[tuple[int, ...], np.dtype[np.bool_]]

MarginPolicy: TypeAlias = Literal["sell", "close", "reserve"]
MARGIN_POLICIES: tuple[MarginPolicy, ...] = ("sell", "close", "reserve")

CALL_TOLERANCE = 1e-12
"""A shortfall (maintenance × gross − equity) at or below this is no call (rounding)."""


def first_true(mask: BoolArray) -> IntArray:
    """Per row of a 2-D mask, the first column that is true; −1 where none is."""
    hit = mask.any(axis=1)
    pos = np.argmax(mask, axis=1)
    return np.asarray(np.where(hit, pos, -1), dtype=np.int64)


def total_exposure(x: FloatArray) -> FloatArray:
    """Per account (row of ``x``: accounts × holdings), the sum of its exposures, added
    in column order."""
    out = np.zeros(x.shape[0])
    for k in range(x.shape[1]):
        out = out + x[:, k]
    return out


def holdings_value(rel: FloatArray, x: FloatArray) -> FloatArray:
    """Accounts × rows: Σₖ xₖ × relₖ, the holdings' value at fixed starting quantities.

    Args:
        rel: rows × holdings, each holding's level relative to the base (1 on row 0).
        x: accounts × holdings, each account's starting exposure per holding.
    """
    out = np.zeros((x.shape[0], rel.shape[0]))
    for k in range(x.shape[1]):
        out = out + x[:, k, None] * rel[None, :, k]
    return out


@dataclass(frozen=True)
class AccountWalk:
    """Accounts × rows paths of one replay calendar (fractions of starting equity).

    Attributes:
        equity: equity at each close (a forced sale does not change it that close).
        gross: gross exposure at each close, before any sale or re-levering.
        balance: the cash balance after each close (negative: the loan).
        sold: what a forced sale sold at each close (0 on most rows).
        held: the fraction of the starting quantities still held after each close.
        unsold_equity, unsold_gross: the same account never sold (calls met from a
            reserve); ``cash_needed`` is measured on it.
        growth: what one unit of cash kept in the account from the base is worth at each
            close (it accrues at the balance's own rate in loan mode; 1 in daily mode).
    """

    equity: FloatArray
    gross: FloatArray
    balance: FloatArray
    sold: FloatArray
    held: FloatArray
    unsold_equity: FloatArray
    unsold_gross: FloatArray
    growth: FloatArray


def _start_step(b0: FloatArray, loan_step: FloatArray, cash_step: FloatArray) -> FloatArray:
    """The step of a balance that keeps the sign of ``b0`` (zero balance: nothing)."""
    zero = np.zeros_like(loan_step)
    sign = b0[:, None]
    return np.asarray(
        np.where(sign < 0, loan_step, np.where(sign > 0, cash_step, zero)), dtype=np.float64
    )


def walk_loan(
    u: FloatArray,
    b0: FloatArray,
    loan_step: FloatArray,
    cash_step: FloatArray,
    margin: FloatArray,
    on_call: MarginPolicy,
) -> AccountWalk:
    """Loan-mode paths: fixed quantities and a fixed loan that accrues, until a call.

    Args:
        u: accounts × rows, the holdings' value at the starting quantities
            (:func:`holdings_value`).
        b0: the starting cash balance, ``1 − Σ exposure`` (negative: a loan).
        loan_step, cash_step: accounts × rows, the interest one unit of negative or
            positive balance held since the previous row accrues (0 on row 0).
        margin: the maintenance margin of each account.
        on_call: what a call does (see the module doc).
    """
    n_acc, n_rows = u.shape
    step0 = _start_step(b0, loan_step, cash_step)
    growth: FloatArray = np.asarray(np.cumprod(1.0 + step0, axis=1), dtype=np.float64)
    unsold_balance = b0[:, None] * growth
    unsold_equity = u + unsold_balance
    equity = unsold_equity.copy()
    gross = u.copy()
    balance = unsold_balance.copy()
    sold = np.zeros((n_acc, n_rows))
    held = np.ones((n_acc, n_rows))
    if on_call != "reserve":
        called = first_true(margin[:, None] * u - unsold_equity > CALL_TOLERANCE)
        idx = np.flatnonzero(called >= 0)
        if idx.size:
            _sell_from_call(
                idx,
                called[idx],
                u,
                b0,
                growth,
                loan_step,
                cash_step,
                margin,
                close=on_call == "close",
                out=(equity, gross, balance, sold, held),
            )
    return AccountWalk(
        equity=equity,
        gross=gross,
        balance=balance,
        sold=sold,
        held=held,
        unsold_equity=unsold_equity,
        unsold_gross=u,
        growth=growth,
    )


def _sell_from_call(
    idx: IntArray,
    call: IntArray,
    u: FloatArray,
    b0: FloatArray,
    growth: FloatArray,
    loan_step: FloatArray,
    cash_step: FloatArray,
    margin: FloatArray,
    *,
    close: bool,
    out: tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray],
) -> None:
    """Replay the called accounts ``idx`` from their first call ``call``, row by row."""
    equity, gross, balance, sold, held = out
    sub_u = u[idx]
    m = margin[idx]
    b_start = b0[idx]
    q = np.ones(len(idx))
    b = np.zeros(len(idx))
    with np.errstate(divide="ignore", invalid="ignore"):
        for t in range(int(call.min()), u.shape[1]):
            started = t > call
            step = np.where(b < 0, loan_step[idx, t], cash_step[idx, t])
            b = np.where(started, b * (1.0 + step), b_start * growth[idx, t])
            g = q * sub_u[:, t]
            e = g + b
            short = (t >= call) & (m * g - e > CALL_TOLERANCE)
            out_all = short & ((e <= 0) | close)
            s = np.where(out_all, g, np.where(short, g - e / m, 0.0))
            q = np.where(out_all, 0.0, np.where(short, q * ((e / m) / g), q))
            b = b + s
            equity[idx, t] = e
            gross[idx, t] = g
            balance[idx, t] = b
            sold[idx, t] = s
            held[idx, t] = q


def walk_daily(
    basket: FloatArray,
    g: FloatArray,
    b0: FloatArray,
    loan_step: FloatArray,
    cash_step: FloatArray,
    margin: FloatArray,
    on_call: MarginPolicy,
) -> AccountWalk:
    """Daily-mode paths: re-levered to the starting gross exposure at every close.

    Args:
        basket: accounts × rows, the buy-and-hold basket (1 on row 0).
        g: the starting gross exposure; ``b0 = 1 − g``.
        b0, loan_step, cash_step, margin, on_call: as in :func:`walk_loan`.
    """
    n_acc, n_rows = basket.shape
    step0 = _start_step(b0, loan_step, cash_step)
    r = np.zeros((n_acc, n_rows))
    r[:, 1:] = basket[:, 1:] / basket[:, :-1] - 1.0
    factor = np.maximum(1.0 + g[:, None] * r + b0[:, None] * step0, 0.0)
    factor[:, 0] = 1.0
    unsold_equity: FloatArray = np.asarray(np.cumprod(factor, axis=1), dtype=np.float64)
    unsold_gross = np.empty((n_acc, n_rows))
    unsold_gross[:, 0] = g
    unsold_gross[:, 1:] = g[:, None] * unsold_equity[:, :-1] * (1.0 + r[:, 1:])
    equity, gross = unsold_equity, unsold_gross
    sold = np.zeros((n_acc, n_rows))
    held = np.ones((n_acc, n_rows))
    if on_call == "close":
        called = first_true(margin[:, None] * unsold_gross - unsold_equity > CALL_TOLERANCE)
        rows = np.arange(n_rows)[None, :]
        after = (called[:, None] >= 0) & (rows > called[:, None])
        factor = np.where(after, 1.0 + cash_step, factor)
        equity = np.asarray(np.cumprod(factor, axis=1), dtype=np.float64)
        gross = np.where(after, 0.0, unsold_gross)
        at_call = (called[:, None] >= 0) & (rows == called[:, None])
        sold = np.where(at_call, unsold_gross, 0.0)
        held = np.where(rows >= np.where(called >= 0, called, n_rows)[:, None], 0.0, 1.0)
    balance = equity - gross
    return AccountWalk(
        equity=np.asarray(equity, dtype=np.float64),
        gross=np.asarray(gross, dtype=np.float64),
        balance=np.asarray(balance, dtype=np.float64),
        sold=np.asarray(sold, dtype=np.float64),
        held=np.asarray(held, dtype=np.float64),
        unsold_equity=unsold_equity,
        unsold_gross=unsold_gross,
        growth=np.ones((n_acc, n_rows)),
    )


@dataclass(frozen=True)
class AccountMeasures:
    """Per account (arrays over accounts): what a replay measured. Row positions index
    the replay calendar; −1 means none.

    Attributes:
        max_drawdown: the largest fall from a running peak within the episode.
        peak, trough: where it began and bottomed.
        recovery: the first row after the trough back at the peak's equity (−1: none).
        worst, worst_return: the episode row with the lowest equity return.
        margin_call: the first close of the episode with equity / gross < maintenance.
        wiped_out: the first close of the episode with equity ≤ 0.
        cash_needed: the smallest cash top-up at the start, kept in the account, that
            keeps every close of the episode at or above maintenance with nothing sold.
        first_sale: the first forced sale (anywhere in the replay).
        sold: all that forced sales sold over the replay.
        final_equity: equity on the replay's last row.
    """

    max_drawdown: FloatArray
    peak: IntArray
    trough: IntArray
    recovery: IntArray
    worst: IntArray
    worst_return: FloatArray
    margin_call: IntArray
    wiped_out: IntArray
    cash_needed: FloatArray
    first_sale: IntArray
    sold: FloatArray
    final_equity: FloatArray


def measure_accounts(walk: AccountWalk, margin: FloatArray, end_pos: int) -> AccountMeasures:
    """Drawdown, recovery, worst day, margin and cash needed of each account's path;
    drawdown, worst day and margin within the episode (rows ``0..end_pos``)."""
    eq = walk.equity
    n_acc, n_rows = eq.shape
    n_ep = end_pos + 1
    acc = np.arange(n_acc)
    e = eq[:, :n_ep]
    running = np.maximum.accumulate(e, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        dd = np.where(running > 0, 1.0 - e / running, 0.0)
        daily = np.where(eq[:, :-1] != 0, eq[:, 1:] / eq[:, :-1] - 1.0, 0.0)[:, :end_pos]
    trough = np.argmax(dd, axis=1)
    mdd = dd[acc, trough]
    cols = np.arange(n_ep)[None, :]
    peak = np.argmax(np.where(cols <= trough[:, None], e, -np.inf), axis=1)
    later = np.arange(n_rows)[None, :] > trough[:, None]
    hit = first_true(later & (eq >= eq[acc, peak][:, None]))
    recovery = np.where(mdd <= 0, trough, hit)
    worst = np.argmin(daily, axis=1) + 1
    shortfall = margin[:, None] * walk.gross[:, :n_ep] - e
    unsold_short = margin[:, None] * walk.unsold_gross[:, :n_ep] - walk.unsold_equity[:, :n_ep]
    need = (unsold_short / walk.growth[:, :n_ep]).max(axis=1)
    return AccountMeasures(
        max_drawdown=np.asarray(mdd, dtype=np.float64),
        peak=np.asarray(peak, dtype=np.int64),
        trough=np.asarray(trough, dtype=np.int64),
        recovery=np.asarray(recovery, dtype=np.int64),
        worst=np.asarray(worst, dtype=np.int64),
        worst_return=np.asarray(daily[acc, worst - 1], dtype=np.float64),
        margin_call=first_true(shortfall > CALL_TOLERANCE),
        wiped_out=first_true(e <= 0),
        cash_needed=np.maximum(need, 0.0) + 0.0,  # never −0.0
        first_sale=first_true(walk.sold > 0),
        sold=np.cumsum(walk.sold, axis=1)[:, -1],
        final_equity=np.asarray(eq[:, -1], dtype=np.float64),
    )
