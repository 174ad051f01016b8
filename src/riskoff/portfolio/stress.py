"""Replaying a portfolio through a list of episodes.

This module knows portfolios, episodes and proxies, but not the store: prices come
through ``read_prices(symbols, start, end) -> wide frame`` (the store's ``read_wide``
in production, a dict of frames in tests), and the policy rate for interest on the cash
balance through ``read_rates(start, end) -> frame`` (the point-in-time panel's levels of
``fred:EFFR`` and ``fred:DFF`` in production). ``usecases.stress_portfolio`` wires both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence

import pandas as pd

from riskoff.errors import InputError, InsufficientDataError, PortfolioError
from riskoff.knowledge.episodes import Episode, EpisodeCatalog
from riskoff.portfolio.accounts import MarginPolicy
from riskoff.portfolio.interest import POLICY_RATES
from riskoff.portfolio.io import Holding, Portfolio
from riskoff.portfolio.proxies import (
    NoHistory,
    choose_series,
    has_base_price,
    last_resort_chain,
    proxy_chain,
)
from riskoff.portfolio.replay import DEFAULT_HORIZON, LeverageMode, replay, replay_until
from riskoff.portfolio.results import EpisodeReplay, HoldingValue, SkippedEpisode, StressReport

__all__ = [
    "LOOKBACK_DAYS",
    "PriceReader",
    "RateReader",
    "candidate_series",
    "holding_columns",
    "select_episodes",
    "stress",
    "valuation",
]

PriceReader = Callable[[Sequence[str], dt.date, dt.date], pd.DataFrame]
"""``(symbols, start, end) -> wide frame`` of observed closes (DatetimeIndex, one column
per symbol that has data, NaN where nothing was observed)."""

RateReader = Callable[[dt.date, dt.date], pd.DataFrame]
"""``(start, end) -> frame`` of the policy rate as known at the end of each day from
``start`` to ``end`` (DatetimeIndex; columns among :data:`POLICY_RATES`, in that order of
preference; percent a year; NaN where nothing current was published). Nothing released
after ``end`` may be in it."""

LOOKBACK_DAYS = 30
"""Calendar days read before an episode to find every base price."""


def select_episodes(catalog: EpisodeCatalog, keys: Iterable[str] | None) -> list[Episode]:
    """Episodes by id or name (case-insensitive); ``None`` → the catalogue's major ones."""
    if keys is None:
        return catalog.major()
    by_name = {e.name.lower(): e for e in catalog.episodes}
    out: list[Episode] = []
    for raw in keys:
        key = raw.strip()
        if not key:
            continue
        ep = catalog.get(key) or catalog.get(key.lower()) or by_name.get(key.lower())
        if ep is None:
            raise InputError(
                f"unknown episode {key!r}: give an id such as "
                f"{', '.join(e.id for e in catalog.major()[:3])} (see the episode catalogue)"
            )
        if ep not in out:
            out.append(ep)
    if not out:
        raise InputError("no episode given")
    return out


def valuation(
    portfolio: Portfolio, latest: Mapping[str, tuple[float, dt.date]] | None
) -> tuple[dict[str, float], float, float | None]:
    """(weights, cash weight, equity in currency or None) of a portfolio; quantities are
    valued at ``latest`` (symbol -> (price, date))."""
    if portfolio.basis == "weight":
        weights, cash = portfolio.weights()
        return weights, cash, portfolio.equity()
    latest = latest or {}
    missing = [h.symbol for h in portfolio.holdings if h.symbol not in latest]
    if missing:
        raise PortfolioError(
            f"{portfolio.source}: no price in the store to value {', '.join(missing)}; "
            "load its data first or give weights"
        )
    prices = {s: p for s, (p, _) in latest.items()}
    weights, cash = portfolio.weights(prices)
    return weights, cash, portfolio.equity(prices)


def candidate_series(portfolio: Portfolio, no_history: NoHistory) -> list[str]:
    """Every series a replay of ``portfolio`` may read: holdings, then their proxies."""
    candidates: list[str] = []
    for h in portfolio.holdings:
        last = last_resort_chain(h.asset_class) if no_history == "proxy" else ()
        for s in (h.symbol, *proxy_chain(h.symbol, h.asset_class), *last):
            if s not in candidates:
                candidates.append(s)
    return candidates


def holding_columns(
    holdings: Sequence[Holding],
    series: Mapping[str, pd.Series],
    start: dt.date,
    no_history: NoHistory,
    cache: dict[tuple[str, str], str | None] | None = None,
) -> tuple[dict[str, str], tuple[str, ...], str | None]:
    """Which series replays each holding from ``start``.

    Returns:
        (holding -> series, holdings replayed as cash, why the episode is skipped or
        ``None``). A holding with no history uses its proxies; with neither, ``no_history``
        decides (see :data:`~riskoff.portfolio.proxies.NoHistory`). An episode where every
        holding would be cash is skipped: there is nothing to replay.
    """
    columns: dict[str, str] = {}
    as_cash: list[str] = []
    for h in holdings:
        key = (h.symbol, h.asset_class)
        if cache is not None and key in cache:
            col = cache[key]
        else:
            col = choose_series(h.symbol, h.asset_class, series, start)
            if col is None and no_history == "proxy":
                last = last_resort_chain(h.asset_class)
                col = next((c for c in last if has_base_price_in(series, c, start)), None)
            if cache is not None:
                cache[key] = col
        if col is None:
            if no_history == "skip":
                chain = proxy_chain(h.symbol, h.asset_class)
                tried = f" nor its proxies {', '.join(chain)}" if chain else " and no proxy"
                return (
                    {},
                    (),
                    f"{h.symbol} has no price before {start.isoformat()}{tried} "
                    f"({h.asset_class.replace('_', ' ')})",
                )
            as_cash.append(h.symbol)
            continue
        columns[h.symbol] = col
    if not columns:
        return {}, (), f"no holding has a price before {start.isoformat()} (nor a proxy)"
    return columns, tuple(as_cash), None


def has_base_price_in(series: Mapping[str, pd.Series], symbol: str, start: dt.date) -> bool:
    """True when ``series`` holds ``symbol`` with a base price for ``start``."""
    s = series.get(symbol)
    return s is not None and has_base_price(s, start)


def stress(
    portfolio: Portfolio,
    episodes: Sequence[Episode],
    read_prices: PriceReader,
    *,
    latest: Mapping[str, tuple[float, dt.date]] | None = None,
    horizon: int = DEFAULT_HORIZON,
    mode: LeverageMode = "loan",
    like: dt.date | None = None,
    read_rates: RateReader | None = None,
    interest: bool = True,
    on_call: MarginPolicy = "sell",
    no_history: NoHistory = "cash",
) -> StressReport:
    """Replay ``portfolio`` through each episode.

    Args:
        portfolio: the parsed portfolio.
        episodes: the episodes to replay.
        read_prices: where prices come from (see :data:`PriceReader`).
        latest: symbol -> (latest price, its date); values quantities.
        horizon: weekdays after each episode's end that the replay continues.
        mode: ``loan`` (a fixed margin loan) or ``daily`` (re-levered every close).
        like: the day whose analogs chose the episodes (shown in the report).
        read_rates: where the policy rate comes from (see :data:`RateReader`); ``None``:
            nowhere, so interest is not modelled and each replay says so.
        interest: ``False`` turns interest off whatever the file says (``--no-interest``).
        on_call: what an unmet margin call does: ``sell`` to the maintenance margin,
            ``close`` out, or ``reserve`` (met from cash outside the account).
        no_history: a holding with neither history nor a proxy in an episode is replayed
            as ``cash``, through a ``proxy`` of last resort (else as cash), or ``skip``s
            the episode.

    Raises:
        PortfolioError: the portfolio cannot be valued or breaches maintenance at once.
        InsufficientDataError: no episode could be replayed.
    """
    if horizon < 0:
        raise InputError(f"horizon {horizon} must be 0 or more weekdays")
    weights, cash, equity = valuation(portfolio, latest)
    terms = portfolio.interest_terms(disabled_by=None if interest else "--no-interest")
    lev = portfolio.leverage
    exposure = {s: lev * w for s, w in weights.items()}
    gross = sum(exposure.values())
    if gross > 0 and 1.0 / gross < portfolio.maintenance_margin:
        raise PortfolioError(
            f"{portfolio.source}: gross exposure {gross:.3g} × equity is already below "
            f"maintenance_margin {portfolio.maintenance_margin:g} at the start"
        )
    holdings = tuple(
        HoldingValue(
            symbol=h.symbol,
            given=h.given,
            asset_class=h.asset_class,
            weight=weights[h.symbol],
            exposure=exposure[h.symbol],
            quantity=h.amount if portfolio.basis == "quantity" else None,
            price=latest[h.symbol][0] if latest and h.symbol in latest else None,
            price_date=latest[h.symbol][1] if latest and h.symbol in latest else None,
        )
        for h in portfolio.holdings
    )
    candidates = candidate_series(portfolio, no_history)

    done: list[EpisodeReplay] = []
    skipped: list[SkippedEpisode] = []
    for ep in episodes:
        until = replay_until(ep.end, horizon)
        wide = read_prices(candidates, ep.start - dt.timedelta(days=LOOKBACK_DAYS), until)
        series = {c: wide[c] for c in wide.columns}
        columns, as_cash, reason = holding_columns(portfolio.holdings, series, ep.start, no_history)
        if reason is not None:
            skipped.append(SkippedEpisode(ep.id, ep.name, reason))
            continue
        held = {s: x for s, x in exposure.items() if s in columns}
        frame = pd.DataFrame({s: wide[c] for s, c in columns.items()}, index=wide.index)
        rates = None
        if read_rates is not None and terms.on:
            got = read_rates(ep.start - dt.timedelta(days=LOOKBACK_DAYS), until)
            rates = got.reindex(columns=[c for c in POLICY_RATES if c in got.columns])
        try:
            path, stats = replay(
                frame,
                held,
                start=ep.start,
                end=ep.end,
                until=until,
                maintenance_margin=portfolio.maintenance_margin,
                mode=mode,
                rates=rates,
                interest=terms,
                on_call=on_call,
            )
        except InsufficientDataError as exc:
            skipped.append(SkippedEpisode(ep.id, ep.name, str(exc)))
            continue
        notes: list[str] = []
        if path.truncated_at is not None:
            part = " (the episode itself is incomplete)" if path.truncated_at < ep.end else ""
            notes.append(f"data ends {path.truncated_at.isoformat()}: the replay stops there{part}")
        done.append(
            EpisodeReplay(
                id=ep.id,
                name=ep.name,
                start=ep.start,
                end=ep.end,
                until=until,
                horizon=horizon,
                path=path,
                stats=stats,
                proxies={s: c for s, c in columns.items() if s != c},
                equity_amount=equity,
                notes=tuple(notes),
                as_cash=as_cash,
            )
        )
    if episodes and not done:
        raise InsufficientDataError(
            f"no episode could be replayed: {skipped[0].id}: {skipped[0].reason}"
        )
    return StressReport(
        source=portfolio.source,
        basis=portfolio.basis,
        holdings=holdings,
        cash=cash,
        leverage=lev,
        maintenance_margin=portfolio.maintenance_margin,
        gross_exposure=gross,
        mode=mode,
        horizon=horizon,
        episodes=tuple(done),
        skipped=tuple(skipped),
        equity_amount=equity,
        like=like,
        interest=terms,
        on_call=on_call,
        no_history=no_history,
    )
