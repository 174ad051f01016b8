"""The point-in-time panel: every series as known at the end of each day.

``load_panel(store, catalog, as_of)`` reads the store once and builds, fully vectorised:

* ``levels``: one column per symbol, the value known at the end of day D. Each observation
  is re-dated to its **release day** (observation date + the catalogue's ``lag``) before the
  frame is built, so a weekly series enters on its publication day, not on its observation
  date. Levels are forward-filled up to a maximum staleness per frequency
  (:data:`STALENESS_DAYS`, counted in calendar days from the release day); older is ``NaN``.
* ``obs_age``: calendar days from the observation date behind each level to D (which date
  is which: ``release = observation + lag``; ``D - release`` is bounded by the staleness).
* ``moves``: per symbol, the move released on D: a log return for prices (only between
  positive values) or a difference for rates, spreads and indices quoted in percent. A
  return exists only if the market traded (a new observation was released) on D, and is
  measured from the previous observation; if that is older than the staleness limit there
  is no return. A day on which the market did not trade but its close is not stale has
  move 0 (it carried its close); ``traded`` says which.
* ``class_moves`` / ``class_open``: the same per asset class (``docs/features.md``), from the
  first available symbol of the class's fallback list on each day. Only a **same-day**
  source (catalogue lag 0) can stand for a class: the move a lagged series releases on D
  happened on an earlier day (a weekly H.10 dollar-yen fixing, a spread published the next
  morning), so reading it as D's move would put yesterday's market into today's row.

The calendar (``docs/calendar.md``): every weekday from ``start`` to ``as_of`` plus every
weekend day on which crypto traded. Day D means the US close of D for US assets, the
Asian close of D for Japanese and Hong Kong assets and the UTC daily close of D for crypto.

``papers`` holds the newspaper-based indices (catalogue ``asset_class = "news"``) by
**newspaper date**, not re-dated by their publication lag: the papers of D+1 report day
D, and a diagnosis of D made the morning after reads them (``riskoff.indicators.news``
says which papers each moment reads). A panel as of D holds papers up to D +
:data:`PAPER_DAYS`; they never extend the calendar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from riskoff.catalog import Catalog, SeriesInfo, parse_lag
from riskoff.knowledge.universe import universe

if TYPE_CHECKING:
    from riskoff.store import Store

__all__ = [
    "CLASSES",
    "DEFAULT_START",
    "PAPER_DAYS",
    "STALENESS_DAYS",
    "ClassSpec",
    "Panel",
    "build_panel",
    "load_panel",
    "range_levels",
    "range_symbols",
    "read_papers_known",
]

DEFAULT_START = dt.date(1985, 1, 1)
"""First day of the default panel: the newspaper indices start in 1985, the S&P 500,
Treasury yields, the yen and oil earlier. Many series (VIX, most FRED daily series,
the ETFs) start later; a day before them is diagnosed with what exists and the rest is
listed as missing. Earlier observations still seed forward fills and returns."""

_SEED_DAYS = 400  # calendar days read before ``start`` to seed fills of annual series

PAPER_DAYS = 1
"""Days after the panel's last day whose newspapers it holds (the morning after)."""
NEWS_CLASS = "news"
"""The catalogue asset class of the newspaper-dated indices (``Panel.papers``)."""

STALENESS_DAYS: dict[str, int] = {
    "daily": 7,
    "business-daily": 14,  # covers exchange holidays (Golden Week, Lunar New Year)
    "weekly": 21,  # one missed release
    "monthly": 70,
    "quarterly": 200,
    "annual": 400,
}
"""Maximum calendar days a level is carried after its release day, per native frequency."""

_DIFF_UNITS = frozenset({"percent", "percent_yoy", "binary", "contracts", "number"})
"""Units whose moves are differences rather than log returns."""


@dataclass(frozen=True)
class ClassSpec:
    """An asset class: symbols in fallback order and how a move is measured.

    ``kind``: ``log`` (log return), ``neg_diff`` (minus the change, for yields and spreads
    in percentage points), ``neg_log`` (minus the log return, e.g. yen from USDJPY),
    ``basket`` (equal-weight basket of all available symbols, daily rebalanced).
    """

    name: str
    symbols: tuple[tuple[str, str], ...]
    price: bool = True


CLASSES: tuple[ClassSpec, ...] = tuple(
    ClassSpec(c.id, tuple((sym, c.kind) for sym in c.symbols), price=c.price)
    for c in universe().classes
)
"""The asset classes of ``riskoff/data/universe.toml`` (``docs/features.md``), in table order."""


def _freq_key(frequency: str) -> str:
    return "weekly" if frequency.startswith("weekly") else frequency


def staleness_of(info: SeriesInfo | None) -> int:
    """Maximum staleness in calendar days for a series (14 when unknown)."""
    if info is None:
        return STALENESS_DAYS["business-daily"]
    return STALENESS_DAYS.get(_freq_key(info.frequency), STALENESS_DAYS["business-daily"])


@dataclass(frozen=True, eq=False)
class Panel:
    """Everything known at the end of each day, on one calendar. See the module doc."""

    as_of: pd.Timestamp
    days: pd.DatetimeIndex
    levels: pd.DataFrame
    obs_age: pd.DataFrame
    moves: pd.DataFrame
    traded: pd.DataFrame
    class_moves: pd.DataFrame
    class_open: pd.DataFrame
    class_source: pd.DataFrame
    info: Mapping[str, SeriesInfo]
    papers: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    """Newspaper-dated indices: a calendar-day index to ``as_of + PAPER_DAYS``, one
    column per ``news`` symbol, NaN where no paper (see the module doc)."""
    paper_editions: Mapping[str, tuple[dt.datetime, ...]] = field(
        default_factory=dict, repr=False, compare=False
    )
    """When each stored edition of each newspaper index became known (``Store.editions``):
    a diagnosis made before the newest re-reads the edition known then."""
    ranges: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    """The day's range of the classes' range sources (``universe.toml`` ``range``): one
    column per ``SYMBOL@low`` on :attr:`days`, the low observed on that day and NaN on
    any other (never carried forward); empty without range data. See
    :func:`range_levels`."""

    @property
    def symbols(self) -> list[str]:
        """Every symbol in the panel."""
        return [str(c) for c in self.levels.columns]

    def level(self, symbol: str) -> pd.Series:
        """The level of one symbol as known at the end of each day (NaN if absent)."""
        if symbol in self.levels.columns:
            return self.levels[symbol]
        return pd.Series(np.nan, index=self.days, name=symbol)

    def move(self, symbol: str) -> pd.Series:
        """The move released on each day for one symbol (NaN if absent)."""
        if symbol in self.moves.columns:
            return self.moves[symbol]
        return pd.Series(np.nan, index=self.days, name=symbol)

    def weekday_mask(self) -> np.ndarray:
        """True on Monday..Friday rows."""
        return np.asarray(self.days.day_of_week < 5)


def load_panel(
    store: Store,
    catalog: Catalog,
    as_of: dt.date | None = None,
    *,
    start: dt.date | None = None,
) -> Panel:
    """Build the point-in-time panel from the store (one read).

    Args:
        store: an open store.
        catalog: the series catalogue (publication lags, frequencies, units).
        as_of: the last day D of the panel (default: the last stored date of a daily
            series). Only observations released by the end of D are used.
        start: the first day of the panel (default :data:`DEFAULT_START`).
    """
    first = start or DEFAULT_START
    lo = first - dt.timedelta(days=_SEED_DAYS)
    hi = as_of + dt.timedelta(days=PAPER_DAYS) if as_of is not None else None
    long = store.read(start=lo, end=hi)
    if as_of is not None:
        long = _papers_as_known(store, catalog, long, lo, hi, as_of)
    panel = build_panel(long, catalog, as_of=as_of, start=first)
    wanted = range_symbols(catalog)
    if wanted:
        # the day's range siblings are read only when named (Store.read), never past D
        lows = store.read(wanted, start=lo, end=as_of)
        panel = replace(panel, ranges=range_levels(lows, panel.days))
    news = [str(s) for s in panel.papers.columns]
    return replace(panel, paper_editions=store.editions(news)) if news else panel


def range_symbols(catalog: Mapping[str, SeriesInfo]) -> list[str]:
    """The ``SYMBOL@low`` series of every class's range sources (``universe.toml``
    ``range``) whose parent is published the same day (catalogue lag 0): a lagged
    source's low would belong to an earlier day."""
    out: list[str] = []
    for c in universe().classes:
        for sym in c.range_symbols:
            info = catalog.get(sym)
            if info is not None and parse_lag(info.lag)[0] == 0:
                out.append(f"{sym}@low")
    return list(dict.fromkeys(out))


def range_levels(long: pd.DataFrame, days: pd.DatetimeIndex) -> pd.DataFrame:
    """The day's lows of a long frame ``symbol, date, value`` (``SYMBOL@low`` rows of
    ``Store.read``) on the panel's ``days``: each low on its own observation day, NaN on
    every other day, nothing after the panel's last day (pure)."""
    if long.empty or len(days) == 0:
        return pd.DataFrame(index=days)
    wide = long.assign(symbol=long["symbol"].astype(str)).pivot_table(
        index="date", columns="symbol", values="value", aggfunc="last"
    )
    wide.columns.name = None
    wide.index = pd.DatetimeIndex(wide.index).normalize()
    return wide.reindex(days).astype(float)


def _papers_as_known(
    store: Store,
    catalog: Catalog,
    long: pd.DataFrame,
    lo: dt.date,
    hi: dt.date | None,
    as_of: dt.date,
) -> pd.DataFrame:
    """Replace each newspaper index by the edition (vintage) the store knew the morning
    after ``as_of``, the moment its papers are read (:func:`read_papers_known`)."""
    news = [
        s
        for s in store.symbols()
        if (i := catalog.get(s)) is not None and i.asset_class == NEWS_CLASS
    ]
    if not news:
        return long
    moment = dt.datetime.combine(as_of + dt.timedelta(days=PAPER_DAYS), dt.time.max)
    known = read_papers_known(store, news, lo, hi, moment)
    rest = long[~long["symbol"].astype(str).isin(news)]
    both = pd.concat([rest.astype({"symbol": str}), known.astype({"symbol": str})])
    return both.reset_index(drop=True)


def read_papers_known(
    store: Store, symbols: list[str], lo: dt.date, hi: dt.date | None, at: dt.datetime
) -> pd.DataFrame:
    """The newspaper indices ``symbols`` as the store knew them at ``at``: each in the
    newest edition known by then or, when none of its stored editions existed yet, in
    the oldest one it holds (the first edition that printed those papers; a later one
    has had longer to rewrite them). Long frame ``symbol, date, value``."""
    eds = store.editions(symbols)
    parts = []
    for sym in symbols:
        first = eds.get(sym, ())
        t = max(at, first[0]) if first else at
        parts.append(store.read([sym], start=lo, end=hi, as_known_at=t).astype({"symbol": str}))
    if not parts:
        return pd.DataFrame({"symbol": [], "date": pd.to_datetime([]), "value": []})
    return pd.concat(parts).reset_index(drop=True)


def _release_dates(
    dates: np.ndarray, codes: np.ndarray, symbols: list[str], catalog: Mapping[str, SeriesInfo]
) -> np.ndarray:
    """Observation dates (datetime64[D]) re-dated to their release day."""
    out = dates.copy()
    for k, sym in enumerate(symbols):
        info = catalog.get(sym)
        n, unit = parse_lag(info.lag) if info is not None else (0, "D")
        if n == 0:
            continue
        sel = codes == k
        if unit == "D":
            out[sel] = dates[sel] + np.timedelta64(n, "D")
        else:  # business days: a weekend observation rolls back to Friday, then moves on
            out[sel] = np.busday_offset(dates[sel], n, roll="backward")
    return out


def build_panel(
    long: pd.DataFrame,
    catalog: Mapping[str, SeriesInfo],
    *,
    as_of: dt.date | None = None,
    start: dt.date | None = None,
) -> Panel:
    """Build the panel from a long frame ``symbol, date, value`` (as ``Store.read`` returns).

    Pure: the same observations give the same panel. Observations dated after ``as_of``
    and observations released after ``as_of`` are ignored.
    """
    first = np.datetime64(start or DEFAULT_START, "D")
    frame = long.sort_values(["symbol", "date"], kind="stable")
    sym_cat = pd.Categorical(frame["symbol"].astype(str))
    symbols = [str(s) for s in sym_cat.categories]
    codes = np.asarray(sym_cat.codes, dtype=np.int64)
    obs = frame["date"].to_numpy().astype("datetime64[D]")
    values = frame["value"].to_numpy(dtype=np.float64)
    # sort by (symbol, observation date) in code order
    order = np.lexsort((obs, codes))
    codes, obs, values = codes[order], obs[order], values[order]
    is_paper = np.array(
        [(i := catalog.get(s)) is not None and i.asset_class == NEWS_CLASS for s in symbols],
        dtype=bool,
    )
    if as_of is not None:
        end = np.datetime64(as_of, "D")
    else:
        # the last stored day of a daily series (forecast-dated annual series such as
        # fred:FEDTARMD carry future observation dates and must not extend the calendar;
        # newspapers, dated the morning after, do not either)
        daily = np.array([(i := catalog.get(s)) is None or i.is_daily for s in symbols], dtype=bool)
        dmask = (daily & ~is_paper)[codes] if len(codes) else np.zeros(0, bool)
        end = obs[dmask].max() if dmask.any() else (obs.max() if len(obs) else first)
    papers = _papers(codes, obs, values, symbols, is_paper, first, end)
    rel = _release_dates(obs, codes, symbols, catalog)
    keep = (obs <= end) & (rel <= end)
    codes, obs, values, rel = codes[keep], obs[keep], values[keep], rel[keep]

    n_sym = len(symbols)
    stale = np.array([staleness_of(catalog.get(s)) for s in symbols], dtype=np.int64)
    units = [info.units if (info := catalog.get(s)) is not None else "" for s in symbols]
    diff_kind = np.array([u in _DIFF_UNITS for u in units], dtype=bool)

    # per-observation moves, measured on observation dates within each symbol
    same = np.zeros(len(codes), dtype=bool)
    same[1:] = codes[1:] == codes[:-1]
    prev_val = np.empty_like(values)
    prev_val[0] = np.nan
    prev_val[1:] = values[:-1]
    gap = np.zeros(len(codes), dtype=np.int64)
    gap[1:] = (obs[1:] - obs[:-1]).astype(np.int64)
    ok = same & (gap <= stale[codes])
    is_diff = diff_kind[codes]
    with np.errstate(divide="ignore", invalid="ignore"):
        logret = np.where((values > 0) & (prev_val > 0), np.log(values / prev_val), np.nan)
    mv = np.where(is_diff, values - prev_val, logret)
    mv = np.where(ok, mv, np.nan)

    # the full calendar-day grid (seed days included), then the panel's rows
    grid0 = min(first, rel.min()) if len(rel) else first
    n_days = int((end - grid0).astype(np.int64)) + 1
    row = (rel - grid0).astype(np.int64)

    # levels: the last observation released on or before each day (by observation date)
    last_of_day = np.ones(len(codes), dtype=bool)
    last_of_day[:-1] = ~((codes[1:] == codes[:-1]) & (row[1:] == row[:-1]))
    lv = np.full((n_days, n_sym), np.nan)
    ob = np.full((n_days, n_sym), -1, dtype=np.int64)
    lv[row[last_of_day], codes[last_of_day]] = values[last_of_day]
    ob[row[last_of_day], codes[last_of_day]] = (obs[last_of_day] - grid0).astype(np.int64)
    # moves released the same day add up (e.g. Friday..Sunday fixings released Monday)
    msum = np.zeros((n_days, n_sym))
    mbad = np.zeros((n_days, n_sym), dtype=bool)
    fresh = np.zeros((n_days, n_sym), dtype=bool)
    np.add.at(msum, (row, codes), np.nan_to_num(mv))
    np.logical_or.at(mbad, (row, codes), np.isnan(mv))
    fresh[row, codes] = True

    # forward fill with the staleness limit
    day_idx = np.arange(n_days, dtype=np.int64)[:, None]
    last_rel = np.maximum.accumulate(np.where(fresh, day_idx, -1), axis=0)
    age = day_idx - last_rel
    alive = (last_rel >= 0) & (age <= stale[None, :])
    src = np.where(last_rel >= 0, last_rel, 0)
    cols = np.arange(n_sym)[None, :]
    lv_f = np.where(alive, lv[src, cols], np.nan)
    ob_age = np.where(alive, day_idx - ob[src, cols], -1)

    # the panel's rows: weekdays from ``start`` plus weekend days on which crypto traded
    cal = grid0 + np.arange(n_days).astype("timedelta64[D]")
    weekday = np.is_busday(cal, weekmask="1111100")
    crypto_cols = [
        k
        for k, s in enumerate(symbols)
        if (info := catalog.get(s)) is not None and info.asset_class == "crypto"
    ]
    crypto_day = fresh[:, crypto_cols].any(axis=1) if crypto_cols else np.zeros(n_days, bool)
    in_panel = (weekday | crypto_day) & (cal >= first)
    rows = np.flatnonzero(in_panel)

    # moves between consecutive panel rows: sum of moves released in (previous row, row]
    cs = np.cumsum(msum, axis=0)
    cbad = np.cumsum(mbad, axis=0)
    cfr = np.cumsum(fresh, axis=0)
    prev = np.concatenate([[-1], rows[:-1]])
    prev_rows = np.where(prev >= 0, prev, 0)

    def _between(c: np.ndarray) -> np.ndarray:
        base = np.where((prev >= 0)[:, None], c[prev_rows], 0)
        return np.asarray(c[rows] - base)

    m_between = _between(cs)
    bad_between = _between(cbad) > 0
    fr_between = _between(cfr) > 0
    alive_rows = alive[rows]
    moves = np.where(fr_between, np.where(bad_between, np.nan, m_between), 0.0)
    moves = np.where(alive_rows, moves, np.nan)
    traded = fr_between & alive_rows

    days = pd.DatetimeIndex(cal[rows].astype("datetime64[ns]"), name="date")
    levels = pd.DataFrame(lv_f[rows], index=days, columns=symbols)
    obs_age = pd.DataFrame(
        np.where(ob_age[rows] >= 0, ob_age[rows], np.nan), index=days, columns=symbols
    )
    moves_df = pd.DataFrame(moves, index=days, columns=symbols)
    traded_df = pd.DataFrame(traded, index=days, columns=symbols)
    same_day = {s for s in symbols if (i := catalog.get(s)) is None or parse_lag(i.lag)[0] == 0}
    cm, co, csrc = _class_frames(levels, moves_df, traded_df, same_day)
    return Panel(
        as_of=pd.Timestamp(end),
        days=days,
        levels=levels,
        obs_age=obs_age,
        moves=moves_df,
        traded=traded_df,
        class_moves=cm,
        class_open=co,
        class_source=csrc,
        info={s: catalog[s] for s in symbols if s in catalog},
        papers=papers,
    )


def _papers(
    codes: np.ndarray,
    obs: np.ndarray,
    values: np.ndarray,
    symbols: list[str],
    is_paper: np.ndarray,
    first: np.datetime64,
    end: np.datetime64,
) -> pd.DataFrame:
    """The newspaper-dated indices on a calendar-day grid, from a year before ``first``
    (their trailing baselines need it) to ``end + PAPER_DAYS``."""
    cols = [k for k in range(len(symbols)) if is_paper[k]]
    last = end + np.timedelta64(PAPER_DAYS, "D")
    lo = min(first - np.timedelta64(_SEED_DAYS, "D"), end)
    if not cols:
        return pd.DataFrame(index=pd.DatetimeIndex([], name="date"))
    sel = is_paper[codes] & (obs <= last) & (obs >= lo) if len(codes) else np.zeros(0, bool)
    grid = pd.date_range(pd.Timestamp(lo), pd.Timestamp(last), freq="D", name="date")
    out = np.full((len(grid), len(cols)), np.nan)
    pos = {k: j for j, k in enumerate(cols)}
    rows = (obs[sel] - lo).astype(np.int64)
    out[rows, [pos[int(c)] for c in codes[sel]]] = values[sel]
    return pd.DataFrame(out, index=grid, columns=[symbols[k] for k in cols])


def _class_frames(
    levels: pd.DataFrame,
    moves: pd.DataFrame,
    traded: pd.DataFrame,
    same_day: set[str] | frozenset[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Per-class moves, open flags (1/0, NaN without data) and source index per day.

    ``same_day``: the symbols published by the end of their observation day (all when
    None); any other source is skipped, its moves belong to earlier days.
    """
    n = len(levels)
    out_m: dict[str, np.ndarray] = {}
    out_o: dict[str, np.ndarray] = {}
    out_s: dict[str, np.ndarray] = {}
    for spec in CLASSES:
        usable = {s for s, _ in spec.symbols if s in levels.columns}
        if same_day is not None:
            usable &= same_day
        syms = [s for s, _ in spec.symbols if s in usable]
        m = np.full(n, np.nan)
        o = np.full(n, np.nan)
        srcs = np.full(n, -1.0)
        if syms and spec.symbols[0][1] == "basket":
            mv: np.ndarray = moves[syms].to_numpy()
            tr = traded[syms].to_numpy()
            use = tr & ~np.isnan(mv)
            with np.errstate(invalid="ignore", divide="ignore"):
                simple = np.where(use, np.expm1(np.where(use, mv, 0.0)), 0.0)
                cnt = use.sum(axis=1)
                basket = np.log1p(simple.sum(axis=1) / np.maximum(cnt, 1))
            any_alive = (~np.isnan(levels[syms].to_numpy())).any(axis=1)
            m = np.where(cnt > 0, basket, np.where(any_alive, 0.0, np.nan))
            o = np.where(any_alive, (cnt > 0).astype(float), np.nan)
            srcs = np.where(any_alive, 0.0, -1.0)
        else:
            for k, (sym, kind) in reversed(list(enumerate(spec.symbols))):
                if sym not in usable:
                    continue
                lv_ok = ~np.isnan(levels[sym].to_numpy())
                mv = moves[sym].to_numpy()
                if kind in ("neg_diff", "neg_log"):
                    mv = 0.0 - mv  # no negative zeros on closed days
                m = np.where(lv_ok, mv, m)
                o = np.where(lv_ok, traded[sym].to_numpy().astype(float), o)
                srcs = np.where(lv_ok, float(k), srcs)
        out_m[spec.name] = m
        out_o[spec.name] = o
        out_s[spec.name] = srcs
    idx = levels.index
    return (
        pd.DataFrame(out_m, index=idx),
        pd.DataFrame(out_o, index=idx),
        pd.DataFrame(out_s, index=idx),
    )
