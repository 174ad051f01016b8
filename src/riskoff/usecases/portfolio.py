"""``riskoff stress PORTFOLIO``: replay historical sell-offs on a portfolio."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from riskoff.config import Settings
from riskoff.usecases.common import load_catalog, require_store, settings_or_env

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.catalog import Catalog
    from riskoff.portfolio import Portfolio, StressReport
    from riskoff.portfolio.accounts import MarginPolicy
    from riskoff.portfolio.proxies import NoHistory
    from riskoff.store import Store

__all__ = ["parse_no_history", "parse_on_call", "policy_rate_reader", "stress_portfolio"]


def stress_portfolio(
    portfolio: str | Path | Portfolio,
    *,
    episodes: list[str] | None = None,
    like: str | dt.date | None = None,
    top: int = 3,
    horizon: int | None = None,
    mode: str = "loan",
    as_of: dt.date | None = None,
    settings: Settings | None = None,
    interest: bool = True,
    on_call: str = "sell",
    no_history: str = "cash",
) -> StressReport:
    """Replay historical sell-offs on a portfolio (``docs/portfolio.md``).

    Args:
        portfolio: a portfolio CSV path, or a parsed ``riskoff.portfolio.Portfolio``.
        episodes: episode ids or names; default the catalogue's ``major`` episodes.
        like: replay the ``top`` nearest analog episodes of this day instead.
        horizon: weekdays replayed after each episode's end (default 126).
        mode: ``loan`` (a fixed margin loan, positions drift) or ``daily`` (re-levered
            at every close).
        as_of: value quantity holdings at their last price on or before this day (a
            report on a past day); default the latest stored price.
        interest: ``False`` turns off interest on the cash balance (the file's
            ``interest`` row does the same); by default the balance accrues at the
            effective fed funds rate known at each close, plus the file's ``loan_spread``
            on a loan.
        on_call: what an unmet margin call does: ``sell`` to the maintenance margin
            (default), ``close`` out, or ``reserve`` (met from cash outside the account;
            the cash it takes is ``cash_needed``).
        no_history: a holding with neither its own history nor a proxy's in an episode
            is replayed as ``cash`` (default), through a ``proxy`` of last resort (else as
            cash), or ``skip``s the episode.

    Returns:
        The replay of each episode on the portfolio.
    """
    from riskoff.analogs.episodes import load_episodes
    from riskoff.dates import parse_date
    from riskoff.errors import InputError
    from riskoff.portfolio import DEFAULT_HORIZON, Portfolio, read_portfolio, select_episodes
    from riskoff.portfolio import stress as run_stress
    from riskoff.store import Store

    if mode not in ("loan", "daily"):
        raise InputError(f"leverage mode {mode!r} is not 'loan' or 'daily'")
    policy = parse_on_call(on_call)
    missing = parse_no_history(no_history)
    if episodes is not None and like is not None:
        raise InputError("give --episodes or --like, not both")
    s = settings_or_env(settings)
    require_store(s)
    catalog = load_catalog(s)
    day = parse_date(like, what="--like") if like is not None else None
    with Store(s.store_path, read_only=True) as st:
        if isinstance(portfolio, Portfolio):
            pf = portfolio
        else:
            pf = read_portfolio(portfolio, catalog, known=st.symbols())
        if day is not None:
            keys: list[str] | None = _analog_episode_ids(day, top, s)
        else:
            keys = episodes
        chosen = select_episodes(load_episodes(s.home), keys)
        latest: dict[str, tuple[float, dt.date]] = {}
        if pf.basis == "quantity":
            long = st.read(pf.symbols, end=as_of)
            for sym, grp in long.groupby("symbol", observed=True):
                latest[str(sym)] = (float(grp["value"].iloc[-1]), grp["date"].iloc[-1].date())
        return run_stress(
            pf,
            chosen,
            st.read_wide,
            latest=latest,
            horizon=DEFAULT_HORIZON if horizon is None else horizon,
            mode="daily" if mode == "daily" else "loan",
            like=day,
            read_rates=policy_rate_reader(st, catalog),
            interest=interest,
            on_call=policy,
            no_history=missing,
        )


def policy_rate_reader(
    store: Store, catalog: Catalog
) -> Callable[[dt.date, dt.date], pd.DataFrame]:
    """``(start, end) -> frame``: the policy rates (``fred:EFFR``, ``fred:DFF``) as the
    point-in-time panel knows them at the end of each weekday from ``start`` to ``end``:
    re-dated to their release day (both are published a business day late) and carried
    no longer than the panel's staleness limit. Nothing released after ``end`` is read."""
    import pandas as pd

    from riskoff.panel import build_panel
    from riskoff.portfolio.interest import POLICY_RATES

    def read(start: dt.date, end: dt.date) -> pd.DataFrame:
        # a month of seed so a rate released before ``start`` is known on ``start``
        long = store.read(POLICY_RATES, start - dt.timedelta(days=31), end)
        if long.empty:
            return pd.DataFrame(index=pd.DatetimeIndex([], name="date"))
        levels = build_panel(long, catalog, as_of=end, start=start).levels
        return levels[[s for s in POLICY_RATES if s in levels.columns]]

    return read


def _analog_episode_ids(day: dt.date, top: int, settings: Settings) -> list[str]:
    """Ids of the ``top`` nearest analog episodes of ``day`` (``riskoff analogs``)."""
    from riskoff.usecases.analog_search import analogs

    report = analogs(day, top=top, settings=settings)
    return [a.episode for a in report.analogs if a.kind == "episode"][:top]


def parse_on_call(text: str) -> MarginPolicy:
    """``sell``, ``close`` or ``reserve``; anything else is an :class:`InputError`."""
    from riskoff.errors import InputError

    for p in ("sell", "close", "reserve"):
        if text == p:
            return p
    raise InputError(f"--on-call {text!r} is not 'sell', 'close' or 'reserve'")


def parse_no_history(text: str) -> NoHistory:
    """``cash``, ``proxy`` or ``skip``; anything else is an :class:`InputError`."""
    from riskoff.errors import InputError

    for p in ("cash", "proxy", "skip"):
        if text == p:
            return p
    raise InputError(f"--no-history {text!r} is not 'cash', 'proxy' or 'skip'")
