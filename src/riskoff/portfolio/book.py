"""A book of accounts through the episodes at once: vectorised across accounts, no I/O.

Prices and interest paths are shared by every account; only holdings and terms differ.
For each episode, the accounts are grouped by the set of holdings they list (which fixes
the replay calendar, the base, the stale checks and any truncation, exactly as the single
replay computes them); groups with the same calendar are merged; and each merged group is
replayed as accounts × rows arrays through :mod:`riskoff.portfolio.accounts`, the same
functions the single replay (:func:`riskoff.portfolio.stress.stress`) runs with one
account. So an account's numbers here are its single replay's numbers, bit for bit; a
property test compares the two on random books.

The shared inputs are a :class:`BookPanels` (built once, by the use-case, from the store;
a distributed run broadcasts it to every worker once) and a block of
:class:`BookAccount`. :func:`replay_book` answers with one row per account and episode.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from riskoff.errors import InsufficientDataError, PortfolioError
from riskoff.knowledge.episodes import Episode
from riskoff.portfolio.accounts import (
    MarginPolicy,
    holdings_value,
    measure_accounts,
    total_exposure,
    walk_daily,
    walk_loan,
)
from riskoff.portfolio.interest import POLICY_RATES, account_steps, known_rate
from riskoff.portfolio.io import Portfolio
from riskoff.portfolio.proxies import NoHistory
from riskoff.portfolio.replay import (
    DEFAULT_HORIZON,
    STALE_DAYS,
    LeverageMode,
    ReplayCalendar,
    replay_calendar,
    replay_until,
)
from riskoff.portfolio.stress import (
    LOOKBACK_DAYS,
    candidate_series,
    holding_columns,
    valuation,
)

__all__ = [
    "RESULT_COLUMNS",
    "BookAccount",
    "BookPanels",
    "BookTerms",
    "EpisodePanel",
    "replay_book",
    "typed_results",
]


@dataclass(frozen=True)
class BookAccount:
    """One account of a book: its id and its parsed portfolio."""

    id: str
    portfolio: Portfolio


@dataclass(frozen=True)
class EpisodePanel:
    """What every account shares in one episode.

    Attributes:
        episode: the episode.
        until: the replay's last day.
        prices: observed closes of every series any account may use, from
            ``LOOKBACK_DAYS`` before the episode to ``until`` (NaN where none).
        rates: the policy rates as known at each day's end (columns among
            :data:`~riskoff.portfolio.interest.POLICY_RATES`), or ``None``.
    """

    episode: Episode
    until: dt.date
    prices: pd.DataFrame
    rates: pd.DataFrame | None


@dataclass(frozen=True)
class BookPanels:
    """The shared inputs of a book run: one panel per episode, and the latest prices
    (symbol -> (price, date)) that value quantity portfolios."""

    episodes: tuple[EpisodePanel, ...]
    latest: Mapping[str, tuple[float, dt.date]] = field(default_factory=dict)


@dataclass(frozen=True)
class BookTerms:
    """How a book is replayed (the options of ``riskoff stress``)."""

    horizon: int = DEFAULT_HORIZON
    mode: LeverageMode = "loan"
    on_call: MarginPolicy = "sell"
    no_history: NoHistory = "cash"
    interest: bool = True


RESULT_COLUMNS: tuple[str, ...] = (
    "account",
    "episode",
    "status",
    "reason",
    "base",
    "until",
    "truncated_at",
    "leverage",
    "gross_exposure",
    "equity_amount",
    "max_drawdown",
    "peak_date",
    "trough_date",
    "recovery_days",
    "margin_call",
    "wiped_out",
    "cash_needed",
    "cash_needed_amount",
    "forced_sales",
    "first_sale",
    "sold",
    "final_equity",
    "interest_episode",
    "interest_replay",
    "interest_modelled",
    "as_cash",
    "proxies",
)
"""The columns of :func:`replay_book`'s answer, one row per account and episode.
Fractions are of the account's starting equity; ``*_amount`` in its currency (only when
its size is known); dates are ``datetime.date`` or ``None``; ``recovery_days`` is ``None``
when not recovered; ``status`` is ``replayed``, ``skipped`` (``reason`` says why) or
``error`` (the account could not be valued)."""


def panel_until(episode: Episode, horizon: int) -> dt.date:
    """The replay's last day of ``episode`` (its end plus ``horizon`` weekdays)."""
    return replay_until(episode.end, horizon)


def panel_symbols(portfolios: Sequence[Portfolio], no_history: NoHistory) -> list[str]:
    """Every series the portfolios may read (holdings and proxies), in first-seen order."""
    out: dict[str, None] = {}
    for pf in portfolios:
        for s in candidate_series(pf, no_history):
            out.setdefault(s, None)
    return list(out)


@dataclass(frozen=True)
class _Accounts:
    """The valued accounts of a block as arrays (episode-independent)."""

    ids: list[str]
    pos: IntArray  # position of each in the block (ordering)
    keys: list[tuple[tuple[str, str], ...]]  # (symbol, asset class) of each holding
    weights: FloatArray  # accounts × symbols (0 where not held)
    leverage: FloatArray
    margin: FloatArray
    spread: FloatArray
    haircut: FloatArray
    on: BoolArray
    equity: FloatArray  # NaN where unknown
    gross: FloatArray
    held: BoolArray  # accounts × symbols: listed in the account


IntArray = np.ndarray[Any, np.dtype[np.int64]]
FloatArray = np.ndarray[Any, np.dtype[np.float64]]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]


def _value(
    accounts: Sequence[BookAccount], panels: BookPanels, terms: BookTerms
) -> tuple[_Accounts, list[str], list[dict[str, Any]]]:
    """Value every account; those that cannot be valued become error rows."""
    symbols: dict[str, int] = {}
    ok: list[tuple[int, BookAccount, dict[str, float], float | None, float]] = []
    errors: list[dict[str, Any]] = []
    for i, acc in enumerate(accounts):
        pf = acc.portfolio
        try:
            weights, _, equity = valuation(pf, panels.latest)
        except PortfolioError as exc:
            errors += [
                _row(acc.id, i, k, p.episode.id, "error", str(exc))
                for k, p in enumerate(panels.episodes)
            ]
            continue
        lev = pf.leverage
        gross = sum(lev * w for w in weights.values())
        if gross > 0 and 1.0 / gross < pf.maintenance_margin:
            msg = (
                f"{pf.source}: gross exposure {gross:.3g} × equity is already below "
                f"maintenance_margin {pf.maintenance_margin:g} at the start"
            )
            errors += [
                _row(acc.id, i, k, p.episode.id, "error", msg)
                for k, p in enumerate(panels.episodes)
            ]
            continue
        for h in pf.holdings:
            symbols.setdefault(h.symbol, len(symbols))
        ok.append((i, acc, weights, equity, gross))
    n, m = len(ok), len(symbols)
    w = np.zeros((n, m))
    held = np.zeros((n, m), dtype=np.bool_)
    for r, (_, _, weights, _, _) in enumerate(ok):
        for sym, x in weights.items():
            w[r, symbols[sym]] = x
            held[r, symbols[sym]] = True
    pfs = [acc.portfolio for _, acc, _, _, _ in ok]
    tt = [p.interest_terms(disabled_by=None if terms.interest else "--no-interest") for p in pfs]
    arrays = _Accounts(
        ids=[acc.id for _, acc, _, _, _ in ok],
        pos=np.array([i for i, *_ in ok], dtype=np.int64),
        keys=[tuple((h.symbol, h.asset_class) for h in p.holdings) for p in pfs],
        weights=w,
        leverage=np.array([p.leverage for p in pfs], dtype=np.float64),
        margin=np.array([p.maintenance_margin for p in pfs], dtype=np.float64),
        spread=np.array([t.loan_spread for t in tt], dtype=np.float64),
        haircut=np.array([t.cash_haircut for t in tt], dtype=np.float64),
        on=np.array([t.on for t in tt], dtype=np.bool_),
        equity=np.array([np.nan if e is None else e for *_, e, _ in ok], dtype=np.float64),
        gross=np.array([g for *_, g in ok], dtype=np.float64),
        held=held,
    )
    return arrays, list(symbols), errors


def _row(
    account: str, pos: int, ep_pos: int, episode: str, status: str, reason: str
) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(RESULT_COLUMNS)
    row.update(account=account, episode=episode, status=status, reason=reason)
    row["_pos"], row["_ep"] = pos, ep_pos
    return row


def replay_book(
    accounts: Sequence[BookAccount],
    panels: BookPanels,
    terms: BookTerms = BookTerms(),
) -> pd.DataFrame:
    """Replay every account through every episode of ``panels``.

    Returns:
        One row per account and episode (columns :data:`RESULT_COLUMNS`), accounts in the
        given order, episodes in panel order within each account. Dates are timestamps
        (``NaT``: none); ``recovery_days`` and ``forced_sales`` are nullable integers.
    """
    arrays, symbols, error_rows = _value(accounts, panels, terms)
    parts: list[pd.DataFrame] = []
    rows: list[dict[str, Any]] = list(error_rows)
    for k, panel in enumerate(panels.episodes):
        _replay_episode(arrays, symbols, panel, k, terms, parts, rows)
    if rows:
        parts.append(pd.DataFrame(rows))
    if not parts:
        return typed_results(pd.DataFrame(columns=[*RESULT_COLUMNS, "_pos", "_ep"]))
    frame = pd.concat([p for p in parts if len(p)], ignore_index=True) if parts else None
    assert frame is not None
    order = np.lexsort((frame["_ep"].to_numpy(), frame["_pos"].to_numpy()))
    frame = frame.iloc[order].reset_index(drop=True)
    return typed_results(frame)


_DATE_COLUMNS = (
    "base",
    "until",
    "truncated_at",
    "peak_date",
    "trough_date",
    "margin_call",
    "wiped_out",
    "first_sale",
)
_FLOAT_COLUMNS = (
    "leverage",
    "gross_exposure",
    "equity_amount",
    "max_drawdown",
    "cash_needed",
    "cash_needed_amount",
    "sold",
    "final_equity",
    "interest_episode",
    "interest_replay",
)
_STRING_COLUMNS = ("account", "episode", "status", "reason", "as_cash", "proxies")


def typed_results(frame: pd.DataFrame, *, keep_others: bool = False) -> pd.DataFrame:
    """The results' columns in order with one fixed type each, whatever rows a block
    has (so partitions agree, and a column that is all empty still has its type).
    ``keep_others`` keeps any other column after them (e.g. a partition's file name)."""
    others = [c for c in frame.columns if c not in RESULT_COLUMNS] if keep_others else []
    out = frame.reindex(columns=[*RESULT_COLUMNS, *others])
    for col in _DATE_COLUMNS:
        out[col] = pd.to_datetime(out[col]).astype("datetime64[us]")
    for col in _FLOAT_COLUMNS:
        out[col] = pd.to_numeric(out[col]).astype("float64")
    for col in _STRING_COLUMNS:
        out[col] = out[col].astype("string")
    for col in ("recovery_days", "forced_sales"):
        out[col] = out[col].astype("Int64")
    out["interest_modelled"] = out["interest_modelled"].astype("boolean")
    return out


def _replay_episode(
    arrays: _Accounts,
    symbols: list[str],
    panel: EpisodePanel,
    ep_pos: int,
    terms: BookTerms,
    parts: list[pd.DataFrame],
    rows: list[dict[str, Any]],
) -> None:
    ep = panel.episode
    wide = panel.prices
    series = {c: wide[c] for c in wide.columns}
    chosen: dict[tuple[str, str], str | None] = {}
    per_key: dict[tuple[tuple[str, str], ...], tuple[dict[str, str], tuple[str, ...], str | None]]
    per_key = {}
    groups: dict[tuple[str, ...], list[int]] = {}
    columns_of: dict[str, str] = {}
    for r, key in enumerate(arrays.keys):
        got = per_key.get(key)
        if got is None:
            holdings = [_Holding(sym, cls) for sym, cls in key]
            got = holding_columns(holdings, series, ep.start, terms.no_history, chosen)  # type: ignore[arg-type]
            per_key[key] = got
        columns, _, reason = got
        if reason is not None:
            rows.append(_row(arrays.ids[r], int(arrays.pos[r]), ep_pos, ep.id, "skipped", reason))
            continue
        columns_of.update(columns)
        groups.setdefault(tuple(sorted(columns)), []).append(r)

    frame = pd.DataFrame({s: wide[c] for s, c in columns_of.items()}, index=wide.index)
    rates = panel.rates
    if rates is not None:
        rates = rates.loc[rates.index <= pd.Timestamp(panel.until)]
        rates = rates.reindex(columns=[c for c in POLICY_RATES if c in rates.columns])
    # one calendar per holding set; sets with the same calendar are replayed together
    merged: dict[tuple[bytes, dt.date | None], tuple[ReplayCalendar, dict[str, Any], list[int]]]
    merged = {}
    for labels, members in groups.items():
        try:
            cal = replay_calendar(
                frame, labels, start=ep.start, until=panel.until, stale_days=STALE_DAYS
            )
        except InsufficientDataError as exc:
            rows += [
                _row(arrays.ids[r], int(arrays.pos[r]), ep_pos, ep.id, "skipped", str(exc))
                for r in members
            ]
            continue
        same = (cal.dates.asi8.tobytes(), cal.truncated_at)
        _, levels, accs = merged.setdefault(same, (cal, {}, []))
        for j, label in enumerate(labels):
            levels.setdefault(label, cal.levels[:, j])
        accs += members
    for cal, levels, members in merged.values():
        _replay_group(
            cal,
            levels,
            np.array(members, dtype=np.int64),
            arrays,
            symbols,
            columns_of,
            panel,
            ep_pos,
            rates,
            terms,
            parts,
            rows,
        )


@dataclass(frozen=True)
class _Holding:
    """What :func:`holding_columns` reads of a holding."""

    symbol: str
    asset_class: str


def _replay_group(
    cal: ReplayCalendar,
    stash: Mapping[str, Any],
    members: IntArray,
    arrays: _Accounts,
    symbols: list[str],
    columns_of: Mapping[str, str],
    panel: EpisodePanel,
    ep_pos: int,
    rates: pd.DataFrame | None,
    terms: BookTerms,
    parts: list[pd.DataFrame],
    rows: list[dict[str, Any]],
) -> None:
    ep = panel.episode
    labels = sorted(stash)
    levels = np.column_stack([stash[k] for k in labels])
    rel = levels / levels[0]
    index = {s: i for i, s in enumerate(symbols)}
    cols = np.array([index[k] for k in labels], dtype=np.int64)
    x = arrays.leverage[members, None] * arrays.weights[np.ix_(members, cols)]
    u = holdings_value(rel, x)
    g = total_exposure(x)
    b0 = 1.0 - g
    dates = cal.dates
    policy, _ = known_rate(rates, dates, stale_days=STALE_DAYS)
    day = dates.to_numpy().astype("datetime64[D]")
    days = np.zeros(len(dates), dtype=np.int64)
    days[1:] = (day[1:] - day[:-1]).astype(np.int64)
    on = arrays.on[members]
    loan_step, cash_step = account_steps(
        policy,
        days,
        loan_spread=arrays.spread[members],
        cash_haircut=arrays.haircut[members],
        on=on,
    )
    margin = arrays.margin[members]
    end_pos = int(np.searchsorted(dates.to_numpy(), np.datetime64(ep.end, "ns"), side="right")) - 1
    if end_pos < 1:
        rows += [
            _row(
                arrays.ids[r],
                int(arrays.pos[r]),
                ep_pos,
                ep.id,
                "skipped",
                "no trading day inside the episode window",
            )
            for r in members
        ]
        return
    with np.errstate(divide="ignore", invalid="ignore"):
        basket = np.where(g[:, None] > 0, u / g[:, None], 1.0)
    if terms.mode == "loan":
        walk = walk_loan(u, b0, loan_step, cash_step, margin, terms.on_call)
        earned = (walk.balance - b0[:, None]) - np.cumsum(walk.sold, axis=1)
    else:
        walk = walk_daily(basket, g, b0, loan_step, cash_step, margin, terms.on_call)
        eq = walk.equity
        closed = walk.held[:, :-1] == 0
        accrued = np.where(b0[:, None] < 0, loan_step, np.where(b0[:, None] > 0, cash_step, 0.0))
        per_row = np.where(
            closed, eq[:, :-1] * cash_step[:, 1:], b0[:, None] * eq[:, :-1] * accrued[:, 1:]
        )
        earned = np.zeros_like(eq)
        earned[:, 1:] = np.cumsum(per_row, axis=1) + 0.0
    m = measure_accounts(walk, margin, end_pos)
    missing = int(days[1:][np.isnan(policy[:-1])].sum()) if len(days) > 1 else 0
    modelled = on & ((b0 == 0.0) | (missing == 0))
    stamps = dates.to_numpy().astype("datetime64[us]")
    last = len(dates) - 1

    def at(pos: IntArray) -> Any:
        return np.where(pos >= 0, stamps[np.maximum(pos, 0)], np.datetime64("NaT", "us"))

    # per symbol, what the episode replays it as; per account, its own holdings' part
    held = arrays.held[members]
    as_cash_sym = sorted(s for s in symbols if s not in columns_of)
    proxy_sym = sorted((s, c) for s, c in columns_of.items() if s != c)
    as_cash = _joined(held, [index[s] for s in as_cash_sym], as_cash_sym)
    proxies = _joined(held, [index[s] for s, _ in proxy_sym], [f"{s}->{c}" for s, c in proxy_sym])
    equity = arrays.equity[members]
    cash = m.cash_needed
    rec = m.recovery
    n = len(members)
    parts.append(
        pd.DataFrame(
            {
                "account": [arrays.ids[r] for r in members],
                "episode": [ep.id] * n,
                "status": ["replayed"] * n,
                "reason": [None] * n,
                "base": np.repeat(stamps[0], n),
                "until": np.repeat(stamps[last], n),
                "truncated_at": [cal.truncated_at] * n,
                "leverage": arrays.leverage[members],
                "gross_exposure": arrays.gross[members],
                "equity_amount": equity,
                "max_drawdown": m.max_drawdown,
                "peak_date": stamps[m.peak],
                "trough_date": stamps[m.trough],
                "recovery_days": _nullable(rec >= 0, rec - m.trough),
                "margin_call": at(m.margin_call),
                "wiped_out": at(m.wiped_out),
                "cash_needed": cash,
                "cash_needed_amount": cash * equity,
                "forced_sales": (walk.sold > 0).sum(axis=1),
                "first_sale": at(m.first_sale),
                "sold": m.sold,
                "final_equity": m.final_equity,
                "interest_episode": earned[:, end_pos],
                "interest_replay": earned[:, last],
                "interest_modelled": modelled,
                "as_cash": as_cash,
                "proxies": proxies,
                "_pos": arrays.pos[members],
                "_ep": np.full(n, ep_pos),
            }
        )
    )


def _nullable(ok: BoolArray, values: IntArray) -> Any:
    """Integers where ``ok``, missing elsewhere (a pandas nullable integer array)."""
    return pd.arrays.IntegerArray(np.where(ok, values, 0).astype(np.int64), ~ok)


def _joined(held: BoolArray, cols: list[int], names: list[str]) -> list[str]:
    """Per account, the ``names`` of the columns ``cols`` it holds, joined by commas (in
    the order given: sorted by the caller)."""
    if not cols:
        return [""] * len(held)
    sub = held[:, cols]
    cache: dict[bytes, str] = {}
    out = []
    for row in sub:
        k = row.tobytes()
        if k not in cache:
            cache[k] = ",".join(n for n, h in zip(names, row, strict=True) if h)
        out.append(cache[k])
    return out


def make_panels(
    episodes: Sequence[Episode],
    symbols: Sequence[str],
    read_prices: Any,
    read_rates: Any | None,
    *,
    horizon: int,
    latest: Mapping[str, tuple[float, dt.date]] | None = None,
) -> BookPanels:
    """Read the shared panels once: ``read_prices(symbols, start, end)`` and
    ``read_rates(start, end)`` as in :func:`riskoff.portfolio.stress.stress`."""
    out = []
    for ep in episodes:
        until = panel_until(ep, horizon)
        start = ep.start - dt.timedelta(days=LOOKBACK_DAYS)
        wide = read_prices(list(symbols), start, until)
        rates = read_rates(start, until) if read_rates is not None else None
        out.append(EpisodePanel(ep, until, wide, rates))
    return BookPanels(tuple(out), dict(latest or {}))
