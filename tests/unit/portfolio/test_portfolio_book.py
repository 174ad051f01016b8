"""The vectorised book gives each account exactly its single-account replay."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskoff.analogs.episodes import load_episodes
from riskoff.catalog import Catalog
from riskoff.errors import InsufficientDataError
from riskoff.knowledge.episodes import Episode
from riskoff.portfolio.book import (
    BookAccount,
    BookTerms,
    make_panels,
    panel_symbols,
    replay_book,
)
from riskoff.portfolio.io import Portfolio, parse_portfolio
from riskoff.portfolio.stress import stress

CATALOG = Catalog.default()
SYMBOLS = ("yahoo:SPY", "yahoo:QQQ", "yahoo:IEF", "yahoo:BTC-USD", "yahoo:GLD")
DAYS = pd.date_range("2021-01-04", "2021-12-31", freq="D")


def _prices(seed: int) -> pd.DataFrame:
    """Random walks with big falls; stocks closed at weekends, bitcoin open; IEF starts
    in April (so the first episode has no IEF: proxy, cash or skip), GLD has holes."""
    rng = np.random.default_rng(seed)
    out = {}
    weekday = DAYS.day_of_week < 5
    for k, s in enumerate(("yahoo:SPY", "yahoo:QQQ", "yahoo:^NDX", *SYMBOLS[2:])):
        vol = 0.06 if s == "yahoo:BTC-USD" else 0.025
        crash = DAYS.month == 2  # a February crash
        drift = np.where(crash, -0.02, 0.001)
        p = 100 * (1 + k) * np.cumprod(1 + drift + rng.normal(0, vol, len(DAYS)))
        p = np.where(weekday | (s == "yahoo:BTC-USD"), p, np.nan)
        out[s] = p
    frame = pd.DataFrame(out, index=DAYS)
    frame.loc[frame.index < "2021-04-01", "yahoo:IEF"] = np.nan
    frame.loc[(frame.index > "2021-06-01") & (frame.index < "2021-06-20"), "yahoo:GLD"] = np.nan
    return frame


def _episodes() -> list[Episode]:
    base = load_episodes().major()[0]
    return [
        replace(base, id="one", start=dt.date(2021, 2, 1), end=dt.date(2021, 2, 26)),
        replace(base, id="two", start=dt.date(2021, 5, 10), end=dt.date(2021, 6, 11)),
    ]


def _readers(wide: pd.DataFrame) -> tuple[Any, Any]:
    def prices(symbols: Any, start: dt.date, end: dt.date) -> pd.DataFrame:
        cols = [c for c in wide.columns if c in set(symbols)]
        rows = (wide.index >= pd.Timestamp(start)) & (wide.index <= pd.Timestamp(end))
        return wide.loc[rows, cols]

    def rates(start: dt.date, end: dt.date) -> pd.DataFrame:
        idx = pd.bdate_range(start, end)
        r = pd.DataFrame({"fred:EFFR": 4.0 + 0.001 * np.arange(len(idx))}, index=idx)
        r.loc[(r.index > "2021-05-20") & (r.index < "2021-05-27")] = np.nan  # a gap
        return r

    return prices, rates


@st.composite
def books(draw: st.DrawFn) -> list[Portfolio]:
    n = draw(st.integers(1, 6))
    out = []
    for i in range(n):
        held = draw(st.lists(st.sampled_from(SYMBOLS), min_size=1, max_size=4, unique=True))
        raw = [draw(st.integers(1, 100)) for _ in held]
        cash = draw(st.sampled_from([0, 0, 5, 20]))
        scale = (100 - cash) / sum(raw)
        w = [round(r * scale / 100, 6) for r in raw]
        cash_w = round(1 - sum(w), 6)
        margin = draw(st.sampled_from([0.2, 0.25, 0.3, 0.4]))
        lev_max = 0.95 / margin / max(1e-9, 1 - max(cash_w, 0))
        lev = round(draw(st.floats(0.5, min(4.0, lev_max))), 3)
        lines = ["symbol,weight", *(f"{s},{x}" for s, x in zip(held, w, strict=True))]
        if cash_w > 0:
            lines.append(f"cash,{cash_w}")
        lines += [f"leverage,{lev}", f"maintenance_margin,{margin}"]
        lines.append(f"loan_spread,{draw(st.sampled_from([0, 0.01, 0.03]))}")
        lines.append(f"interest,{draw(st.sampled_from([1, 1, 0]))}")
        out.append(parse_portfolio("\n".join(lines), CATALOG, source=f"a{i}"))
    return out


FIELDS = (
    "max_drawdown",
    "peak_date",
    "trough_date",
    "recovery_days",
    "margin_call",
    "wiped_out",
    "cash_needed",
    "final_equity",
    "sold",
    "interest_episode",
    "interest_replay",
)


def _single(ep: Any) -> dict[str, Any]:
    s = ep.stats
    return {
        "max_drawdown": s.max_drawdown,
        "peak_date": s.peak_date,
        "trough_date": s.trough_date,
        "recovery_days": s.recovery_days,
        "margin_call": s.margin_call,
        "wiped_out": s.wiped_out,
        "cash_needed": s.cash_needed,
        "final_equity": s.final_equity,
        "sold": s.sold,
        "interest_episode": s.interest_episode,
        "interest_replay": s.interest_replay,
    }


def check_book_equals_single(
    pfs: list[Portfolio], terms: BookTerms, book: pd.DataFrame, wide: pd.DataFrame
) -> None:
    prices, rates = _readers(wide)
    eps = _episodes()
    for i, pf in enumerate(pfs):
        rows = book[book["account"] == f"acc{i}"].set_index("episode")
        try:
            rep = stress(
                pf,
                eps,
                prices,
                horizon=terms.horizon,
                mode=terms.mode,
                read_rates=rates,
                interest=terms.interest,
                on_call=terms.on_call,
                no_history=terms.no_history,
            )
        except InsufficientDataError:
            assert (rows["status"] == "skipped").all()
            continue
        for e in rep.episodes:
            got = rows.loc[e.id]
            assert got["status"] == "replayed"
            for k, want in _single(e).items():
                if want is None:
                    assert pd.isna(got[k]), (i, e.id, k)
                elif isinstance(want, dt.date):
                    assert pd.Timestamp(str(got[k])).date() == want, (i, e.id, k)
                else:
                    assert got[k] == want, (i, e.id, k, got[k], want)
            assert got["forced_sales"] == len(e.stats.forced_sales)
            assert got["as_cash"] == ",".join(sorted(e.as_cash))
            proxies = ",".join(f"{k}->{v}" for k, v in sorted(e.proxies.items()))
            assert got["proxies"] == proxies
        for sk in rep.skipped:
            assert rows.loc[sk.id, "status"] == "skipped"
            assert rows.loc[sk.id, "reason"] == sk.reason


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pfs=books(),
    seed=st.integers(0, 3),
    mode=st.sampled_from(["loan", "loan", "daily"]),
    on_call=st.sampled_from(["sell", "close", "reserve"]),
    no_history=st.sampled_from(["cash", "proxy", "skip"]),
)
def test_the_book_replays_each_account_exactly_as_alone(
    pfs: list[Portfolio], seed: int, mode: str, on_call: str, no_history: str
) -> None:
    wide = _prices(seed)
    prices, rates = _readers(wide)
    terms = BookTerms(horizon=40, mode=mode, on_call=on_call, no_history=no_history)  # type: ignore[arg-type]
    accounts = [BookAccount(f"acc{i}", pf) for i, pf in enumerate(pfs)]
    panels = make_panels(
        _episodes(), panel_symbols(pfs, terms.no_history), prices, rates, horizon=terms.horizon
    )
    book = replay_book(accounts, panels, terms)
    assert len(book) == len(pfs) * 2
    check_book_equals_single(pfs, terms, book, wide)


def test_a_book_has_margin_calls_sales_and_cash_rows() -> None:
    """The random books above must reach the interesting branches: check one does."""
    wide = _prices(0)
    prices, rates = _readers(wide)
    text = "symbol,weight\nspy,0.5\nqqq,0.3\nief,0.2\nleverage,3.5\nmaintenance_margin,0.25\n"
    pfs = [parse_portfolio(text, CATALOG, source="x"), parse_portfolio(text, CATALOG, source="y")]
    terms = BookTerms(horizon=40)
    panels = make_panels(
        _episodes(), panel_symbols(pfs, "cash"), prices, rates, horizon=terms.horizon
    )
    book = replay_book([BookAccount("acc0", pfs[0]), BookAccount("acc1", pfs[1])], panels, terms)
    one = book[book["episode"] == "one"].iloc[0]
    assert one["as_cash"] == "yahoo:IEF"
    assert not pd.isna(one["margin_call"])
    assert one["sold"] > 0
    check_book_equals_single(pfs, terms, book, wide)


def test_an_account_that_cannot_be_valued_is_an_error_row_and_the_rest_run() -> None:
    wide = _prices(1)
    prices, rates = _readers(wide)
    q = parse_portfolio("symbol,quantity\nspy,10\n", CATALOG, source="q")
    w = parse_portfolio("symbol,weight\nspy,1\n", CATALOG, source="w")
    panels = make_panels(_episodes(), ["yahoo:SPY"], prices, rates, horizon=10)
    book = replay_book([BookAccount("q", q), BookAccount("w", w)], panels, BookTerms(horizon=10))
    assert list(book["status"]) == ["error", "error", "replayed", "replayed"]
    assert "no price in the store to value yahoo:SPY" in book["reason"].iloc[0]


@pytest.mark.parametrize("n", [1, 50])
def test_results_do_not_depend_on_the_other_accounts(n: int) -> None:
    wide = _prices(2)
    prices, rates = _readers(wide)
    text = "symbol,weight\nspy,0.6\nbtc,0.4\nleverage,2.5\nmaintenance_margin,0.3\n"
    pf = parse_portfolio(text, CATALOG, source="p")
    other = parse_portfolio("symbol,weight\ngld,1\nleverage,2\n", CATALOG, source="o")
    accounts = [BookAccount("p", pf)] + [BookAccount(f"o{k}", other) for k in range(n)]
    panels = make_panels(_episodes(), panel_symbols([pf, other], "cash"), prices, rates, horizon=30)
    alone = replay_book([BookAccount("p", pf)], panels, BookTerms(horizon=30))
    crowd = replay_book(accounts, panels, BookTerms(horizon=30))
    pd.testing.assert_frame_equal(alone, crowd[crowd["account"] == "p"].reset_index(drop=True))
