"""The one place that wires layers together. The CLI, the web app and the public API
call only this module.

Data flows one way: providers -> store -> panel -> indicators -> diagnosis -> render.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from riskoff.config import Settings
from riskoff.errors import DataFileError
from riskoff.providers.schedule import RECHECK_DAYS

if TYPE_CHECKING:
    from riskoff.catalog import Catalog, SeriesInfo
    from riskoff.providers.http import RetryPolicy, TokenBucket
    from riskoff.providers.update import FetchResult
    from riskoff.store import LoadReport, Store

T = TypeVar("T")

__all__ = [
    "IngestResult",
    "UpdateResult",
    "analog_engine",
    "analog_engine_from",
    "analogs",
    "analogs_for",
    "coverage",
    "ingest",
    "load_panel",
    "open_store",
    "relative_params_of",
    "report",
    "stress_index",
    "stress_portfolio",
    "update",
]


def open_store(settings: Settings | None = None, *, read_only: bool = False) -> Store:
    """Open the store at ``$RISKOFF_HOME/riskoff.duckdb``."""
    from riskoff.store import Store

    s = settings or Settings.from_env()
    return Store(s.store_path, read_only=read_only)


def load_catalog(settings: Settings | None = None) -> Catalog:
    """The packaged catalogue plus the user's additions."""
    from riskoff.catalog import Catalog

    s = settings or Settings.from_env()
    return Catalog.default(s.home)


@dataclass
class IngestResult:
    """What ``ingest`` did: the store load report and the files that could not be read."""

    report: LoadReport
    errors: list[str] = field(default_factory=list)
    first: dict[str, dt.date] = field(default_factory=dict)
    last: dict[str, dt.date] = field(default_factory=dict)


def ingest(
    path: str | Path,
    *,
    until: dt.date | None = None,
    settings: Settings | None = None,
    store: Store | None = None,
    on_symbol: Callable[[str], None] | None = None,
    fail_after: int | None = None,
) -> IngestResult:
    """Load a folder with INDEX.csv into the store, in one transaction.

    Symbols whose files cannot be read are reported in ``errors`` and not written; the
    others load. With ``until``, the store keeps nothing after that day for the symbols
    loaded.
    """
    from riskoff.providers.folder import read_folder

    folder = Path(path).expanduser()
    catalog = load_catalog(settings)
    data = read_folder(folder, until=until, on_symbol=on_symbol, catalog=catalog)
    if not data.frames and data.errors:
        raise DataFileError(data.errors[0])
    infos: dict[str, SeriesInfo] = {}
    for symbol, row in data.meta.items():
        infos[symbol] = catalog.with_unknown(
            symbol, units=row.units, frequency=row.frequency, adjusted=row.adjusted
        )
    own = store is None
    st = store or open_store(settings)
    try:
        report = st.load(
            data.frames,
            infos,
            kind="ingest",
            source=f"folder:{folder.resolve()}",
            replace_after=until,
            fail_after=fail_after,
        )
        if data.errors:
            st.log_failure("ingest", f"folder:{folder.resolve()}", "; ".join(data.errors))
    finally:
        if own:
            st.close()
    result = IngestResult(report=report, errors=data.errors)
    for symbol, frame in data.frames.items():
        if len(frame):
            result.first[symbol] = frame["date"].iloc[0].date()
            result.last[symbol] = frame["date"].iloc[-1].date()
    return result


REVISION_DAYS = 7
"""An update re-reads this many days before the last stored date (late revisions)."""


@dataclass
class UpdateResult:
    """What ``update`` did: the store load (``None`` when nothing was fetched), one fetch
    result per series asked for, failures included, and the series skipped as not due."""

    report: LoadReport | None
    results: list[FetchResult] = field(default_factory=list)
    skipped: dict[str, dt.date] = field(default_factory=dict)
    """Series not asked for because they cannot have news yet: symbol -> the first day
    each is due (see ``riskoff.providers.schedule``)."""

    @property
    def failed(self) -> list[FetchResult]:
        """The series that could not be fetched (their stored data is untouched)."""
        return [r for r in self.results if not r.ok]

    @property
    def requests(self) -> int:
        """HTTP requests sent, retries included."""
        return sum(r.requests for r in self.results)

    def changed(self, symbol: str) -> int:
        """Rows the update inserted or changed for ``symbol``."""
        return self.report.rows_changed.get(symbol, 0) if self.report else 0


def update(
    *,
    providers: str | None = None,
    symbols: list[str] | None = None,
    settings: Settings | None = None,
    store: Store | None = None,
    on_plan: Callable[[list[str]], None] | None = None,
    on_result: Callable[[FetchResult], None] | None = None,
    revision_days: int = REVISION_DAYS,
    today: dt.date | None = None,
    fred_limiter: TokenBucket | None = None,
    retry: RetryPolicy | None = None,
    fetch_all: bool = False,
    recheck_days: int = RECHECK_DAYS,
) -> UpdateResult:
    """Fetch what is new from the live providers and write it in one transaction.

    Every catalogue series with a live source (``fred:``, ``yahoo:``, ``coinbase:``) that
    is due is fetched from its last stored date minus ``revision_days`` (its full history
    when it is not stored yet), providers in parallel. A series is due when its next
    observation could have been published by ``today``, when it is not stored yet, or
    when its last fetch is ``recheck_days`` old (``riskoff.providers.schedule``); the
    others are skipped and listed in ``UpdateResult.skipped``. ``symbols`` and
    ``fetch_all`` fetch every series named or matched, due or not. The series that
    succeed are written together in one transaction; the ones that fail are reported in
    the result and left untouched.

    Args:
        providers: comma-separated ``--provider`` names (``fred,yahoo,crypto``).
        symbols: only these symbols or logical names (comma-separated items allowed).
        settings: base URLs, key and store location (default: the environment).
        store: an open store to write to (default: the one in ``settings``).
        on_plan: called once with the symbols about to be fetched.
        on_result: called as each series finishes.
        revision_days: days re-read before the last stored date.
        today: the last day to ask for (default: today, UTC).
        fred_limiter: a token bucket replacing the process-wide FRED limiter.
        retry: the retry policy (default: 5 tries, backoff from 0.5 s).
        fetch_all: fetch every matching series, due or not (``riskoff update --all``).
        recheck_days: fetch a stored series at least this often, due or not (revisions).

    Raises:
        InputError: an unknown provider or symbol, or a symbol with no live source.
        ProviderUnavailable: no provider could be reached at all (no network).
    """
    from riskoff.errors import InputError, ProviderUnavailable
    from riskoff.providers.registry import LIVE_PREFIXES, is_live, prefixes_for_groups
    from riskoff.providers.schedule import due_date
    from riskoff.providers.update import FetchTask, all_unreachable, fetch_many

    s = settings or Settings.from_env()
    catalog = load_catalog(s)
    wanted = prefixes_for_groups(providers.split(",")) if providers else set(LIVE_PREFIXES)
    if symbols:
        names = [n.strip() for item in symbols for n in item.split(",") if n.strip()]
        infos = [catalog.resolve(n) for n in names]
        for info in infos:
            if not is_live(info.symbol):
                raise InputError(
                    f"{info.symbol} has no live provider; load it with 'riskoff ingest PATH'"
                )
        infos = [i for i in dict.fromkeys(infos) if i.provider in wanted]
    else:
        infos = [i for i in catalog.values() if is_live(i.symbol) and i.provider in wanted]
    if not infos:
        raise InputError("nothing to update: no catalogue series matches --provider/--symbols")
    # The write lock is held only for the one transaction at the end, never while the
    # network answers: readers (riskoff serve, diagnose) are blocked for milliseconds.
    fetched: dict[str, dt.datetime] = {}
    if store is not None:
        last = store.last_dates()
        fetched = store.fetched_at(LIVE_PREFIXES)
    elif s.store_path.exists():
        from riskoff.store import Store

        with Store(s.store_path, read_only=True) as reader:
            last = reader.last_dates()
            fetched = reader.fetched_at(LIVE_PREFIXES)
    else:
        last = {}
    skipped: dict[str, dt.date] = {}
    if not (symbols or fetch_all):
        ref = today or dt.datetime.now(dt.UTC).date()
        due: list[SeriesInfo] = []
        for info in infos:
            when = due_date(
                info,
                last.get(info.symbol),
                fetched=fetched[info.symbol].date() if info.symbol in fetched else None,
                recheck_days=recheck_days,
            )
            if when is None or when <= ref:
                due.append(info)
            else:
                skipped[info.symbol] = when
        infos = due
    if on_plan is not None:
        on_plan([i.symbol for i in infos])
    tasks = [
        FetchTask(
            info,
            None
            if info.symbol not in last
            else last[info.symbol] - dt.timedelta(days=revision_days),
        )
        for info in infos
    ]
    results = fetch_many(
        tasks,
        s,
        today=today,
        on_result=on_result,
        fred_limiter=fred_limiter,
        retry=retry,
    )
    good = [r for r in results if r.ok and r.frame is not None]
    failed = [r for r in results if not r.ok]
    report = None
    if good or failed:
        own = store is None
        st = store or open_store(s)
        try:
            if good:
                frames = {
                    r.symbol: catalog[r.symbol].redate(r.frame)
                    for r in good
                    if r.frame is not None and len(r.frame)
                }
                names_used = sorted({r.source for r in good})
                report = st.load(
                    frames,
                    {r.symbol: catalog[r.symbol] for r in good},
                    kind="update",
                    source="update:" + ",".join(names_used),
                    sources={r.symbol: r.source for r in good},
                )
                for r in good:
                    report.rows_in.setdefault(r.symbol, 0)
                    report.rows_changed.setdefault(r.symbol, 0)
            for r in failed:
                st.log_failure("update", r.source, f"{r.symbol}: {r.message}")
        finally:
            if own:
                st.close()
    if all_unreachable(results):
        down = sorted({r.message for r in results})
        raise ProviderUnavailable(
            f"{'; '.join(down)}: no network? Load offline data with 'riskoff ingest PATH'"
        )
    return UpdateResult(report=report, results=results, skipped=skipped)


def coverage(
    settings: Settings | None = None, *, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """The catalogue with coverage: one dict per stored symbol.

    Keys: symbol, name, asset_class, role, units, frequency, lag, row_holds (what a
    provider row dated D holds, and row_holds_from: since when), first, last, count,
    source, stale_days (calendar days from the last observation to ``today``), description.
    """
    from riskoff.store import Store

    s = settings or Settings.from_env()
    if not s.store_path.exists():
        return []
    catalog = load_catalog(s)
    with Store(s.store_path, read_only=True) as st:
        cov = st.coverage()
    ref = today or dt.date.today()
    rows: list[dict[str, Any]] = []
    for rec in cov.to_dict(orient="records"):
        sym = str(rec["symbol"])
        info = catalog.get(sym)
        first = rec["first"].date() if hasattr(rec["first"], "date") else rec["first"]
        last = rec["last"].date() if hasattr(rec["last"], "date") else rec["last"]
        rows.append(
            {
                "symbol": sym,
                "name": rec["name"] or (info.name if info else sym),
                "description": info.description if info else "",
                "asset_class": rec["asset_class"] or "other",
                "role": rec["role"] or "reference",
                "units": rec["units"] or "",
                "frequency": rec["frequency"] or "",
                "lag": rec["lag"] or "0D",
                "row_holds": info.row_holds if info else "own_day",
                "row_holds_from": info.row_holds_from if info else "",
                "first": first.isoformat(),
                "last": last.isoformat(),
                "count": int(rec["count"]),
                "source": rec["source"] or "",
                "stale_days": (ref - last).days,
            }
        )
    return rows


def load_panel(
    settings: Settings | None = None,
    *,
    as_of: dt.date | None = None,
    start: dt.date | None = None,
) -> Any:
    """The point-in-time panel (``riskoff.panel.Panel``) from the store at
    ``$RISKOFF_HOME``, as known at the end of ``as_of`` (default: the last stored day)."""
    from riskoff import panel as panel_mod
    from riskoff.store import Store

    s = settings or Settings.from_env()
    if not s.store_path.exists():
        raise DataFileError("the store is empty: run 'riskoff ingest PATH' first")
    catalog = load_catalog(s)
    with Store(s.store_path, read_only=True) as st:
        return panel_mod.load_panel(st, catalog, as_of, start=start)


_CACHE_SOURCES = (
    "panel.py",
    "catalog.py",
    "data/catalog.toml",
    "indicators",
    "diagnosis/relative.py",
    "analogs",
)


def _code_fingerprint(settings: Settings) -> str:
    """A hash of the code and catalogues that shape the panel, the feature table and what
    is derived from them and kept with them (relative-move parameters, the analog engine)."""
    import hashlib

    root = Path(__file__).parent
    digest = hashlib.sha256()
    for name in _CACHE_SOURCES:
        path = root / name
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for f in files:
            digest.update(f.relative_to(root).as_posix().encode())
            digest.update(f.read_bytes())
    user = settings.home / "catalog.toml"
    if user.is_file():
        digest.update(user.read_bytes())
    return digest.hexdigest()[:16]


def _store_stamp(path: Path) -> str:
    """The identity of the store's files as the file system sees them (inode, size, and
    modification and change times of the database and its write-ahead log). Any write
    changes it; a read-only open does not."""
    parts = []
    for f in (path, path.with_name(path.name + ".wal")):
        try:
            st = f.stat()
        except OSError:
            parts.append("-")
            continue
        parts.append(f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}")
    return "|".join(parts)


def _load_pickle(target: Path) -> tuple[Any, Any] | None:
    import pickle

    if not target.is_file():
        return None
    try:
        with target.open("rb") as fh:
            cached = pickle.load(fh)
    except Exception:
        target.unlink(missing_ok=True)
        return None
    if isinstance(cached, tuple) and len(cached) == 2:
        return cached[0], cached[1]
    return None


def _atomic_write(target: Path, write: Callable[[Any], None], mode: str = "wb") -> None:
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    with tmp.open(mode) as fh:
        write(fh)
    tmp.replace(target)  # atomic: a reader sees the old file or the new one


def panel_and_features(settings: Settings | None = None) -> tuple[Any, Any]:
    """The whole-history panel and its daily feature table, cached on disk.

    Every feature for day D uses only what was public by the end of D (the point-in-time
    tests prove it), so one table built from the full store serves every day. The cache
    lives in ``$RISKOFF_HOME/cache/``, keyed by the store's last load and a hash of the
    code that builds it; any ingest or update, or a code change, rebuilds it. A cache that
    cannot be read or written is simply rebuilt (it is never a source of truth).

    Reading the last load's id means opening the database; ``cache/store.stamp`` remembers
    it next to the store files' identity (:func:`_store_stamp`, taken *before* the id is
    read, so a write in between can only make the stamp look older). While the files are
    unchanged a warm start reads the cache without opening the database at all.
    """
    import pickle

    from riskoff import panel as panel_mod
    from riskoff.indicators.features import daily_features
    from riskoff.store import Store

    s = settings or Settings.from_env()
    if not s.store_path.exists():
        raise DataFileError("the store is empty: run 'riskoff ingest PATH' first")
    code = _code_fingerprint(s)
    cache_dir = s.home / "cache"
    stamp_file = cache_dir / "store.stamp"
    stamp = _store_stamp(s.store_path)
    try:
        known_stamp, known_version = stamp_file.read_text("utf-8").split("\n")[:2]
    except (OSError, ValueError):
        known_stamp = known_version = ""
    if known_stamp == stamp and known_version.isdigit():
        hit = _load_pickle(cache_dir / f"features-{known_version}-{code}.pkl")
        if hit is not None:
            return hit
    with Store(s.store_path, read_only=True) as st:
        version = st.version()
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            _atomic_write(stamp_file, lambda fh: fh.write(f"{stamp}\n{version}\n"), "w")
        except OSError:
            pass  # a read-only home still works, only slower
        target = cache_dir / f"features-{version}-{code}.pkl"
        hit = _load_pickle(target)
        if hit is not None:
            return hit
        pnl = panel_mod.load_panel(st, load_catalog(s), None)
    table = daily_features(pnl)
    # derived once and kept with the panel, so a warm diagnosis only reads them
    relative_params_of(pnl, table)
    analog_engine_from(pnl, table, settings=s)
    try:
        _atomic_write(
            target,
            lambda fh: pickle.dump((pnl, table), fh, protocol=pickle.HIGHEST_PROTOCOL),
        )
        for old in cache_dir.glob("features-*.pkl"):
            if old != target:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only home still works, only slower
    return pnl, table


def stress_index(
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    settings: Settings | None = None,
) -> Any:
    """riskoff's daily stress index (``docs/stress_index.md``) as a DataFrame indexed by
    date with columns ``stress_index`` and one per segment, for ``start..end``. Every value
    uses only data public by the end of its day."""
    from riskoff.indicators.stress import stress_components

    pnl = load_panel(settings, as_of=end)
    comp = stress_components(pnl)
    comp = comp.rename(columns=lambda c: "stress_index" if c == "stress.index" else c[7:])
    if start is not None:
        comp = comp.loc[comp.index >= dt.datetime.combine(start, dt.time())]
    return comp.dropna(subset=["stress_index"])


def stress_portfolio(
    portfolio: str | Path | Any,
    *,
    episodes: list[str] | None = None,
    like: str | dt.date | None = None,
    top: int = 3,
    horizon: int | None = None,
    mode: str = "loan",
    as_of: dt.date | None = None,
    settings: Settings | None = None,
    interest: bool = True,
) -> Any:
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

    Returns:
        A ``riskoff.portfolio.StressReport``.
    """
    from riskoff.analogs.episodes import load_episodes
    from riskoff.dates import parse_date
    from riskoff.errors import InputError
    from riskoff.portfolio import DEFAULT_HORIZON, Portfolio, read_portfolio, select_episodes
    from riskoff.portfolio import stress as run_stress
    from riskoff.store import Store

    if mode not in ("loan", "daily"):
        raise InputError(f"leverage mode {mode!r} is not 'loan' or 'daily'")
    if episodes is not None and like is not None:
        raise InputError("give --episodes or --like, not both")
    s = settings or Settings.from_env()
    if not s.store_path.exists():
        raise DataFileError("the store is empty: run 'riskoff ingest PATH' first")
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
            read_rates=_policy_rate_reader(st, catalog),
            interest=interest,
        )


def _policy_rate_reader(store: Store, catalog: Catalog) -> Callable[[dt.date, dt.date], Any]:
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
    report = analogs(day, top=top, settings=settings)
    return [a.episode for a in report.analogs if a.kind == "episode"][:top]


def analog_engine(settings: Settings | None = None, *, as_of: dt.date | None = None) -> Any:
    """The analog search engine (``riskoff.analogs.AnalogEngine``) over the daily feature
    table of the store, as known at the end of ``as_of`` (default: everything stored).

    Build it once and call ``engine.search(day)`` for many days: a search uses only rows up
    to its day, so an engine built on the whole store answers exactly like one built at
    ``day`` (``docs/analogs.md``).
    """
    from riskoff import panel as panel_mod
    from riskoff.indicators.features import daily_features
    from riskoff.store import Store

    s = settings or Settings.from_env()
    if as_of is None:
        pnl, table = panel_and_features(s)
        return analog_engine_from(pnl, table, settings=s)
    if not s.store_path.exists():
        raise DataFileError("the store is empty: run 'riskoff ingest PATH' first")
    with Store(s.store_path, read_only=True) as st:
        pnl = panel_mod.load_panel(st, load_catalog(s), as_of)
    return analog_engine_from(pnl, daily_features(pnl), settings=s)


def _memo(panel: Any, table: Any, key: str, build: Callable[[], T]) -> T:
    """``build()``, kept in ``panel.cache`` when ``table`` is the panel's own daily feature
    table (and so saved with it in the on-disk cache); recomputed for any other table."""
    from riskoff.indicators.features import DAILY_CACHE_KEY

    if table is not panel.cache.get(DAILY_CACHE_KEY):
        return build()
    if key not in panel.cache:
        panel.cache[key] = build()
    out: T = panel.cache[key]
    return out


def relative_params_of(panel: Any, table: Any) -> Any:
    """``riskoff.diagnosis.relative.relative_params`` of the panel's daily feature table."""
    from riskoff.diagnosis.relative import relative_params

    return _memo(panel, table, "relative_params", lambda: relative_params(table))


def analog_engine_from(panel: Any, table: Any, *, settings: Settings | None = None) -> Any:
    """An analog engine from an already built panel and daily feature table (kept with the
    panel for the episode catalogue it was built with)."""
    import hashlib

    from riskoff.analogs.episodes import load_episodes
    from riskoff.analogs.forward import FORWARD_SYMBOLS
    from riskoff.analogs.search import AnalogEngine

    s = settings or Settings.from_env()
    episodes = load_episodes(s.home)
    cols = [c for c in FORWARD_SYMBOLS if c in panel.levels.columns]

    def build() -> Any:
        closes = panel.levels[cols].where(panel.traded[cols].astype(bool))
        return AnalogEngine(table, closes, episodes)

    catalogue = hashlib.sha256(repr(episodes.episodes).encode()).hexdigest()[:16]
    return _memo(panel, table, f"analog_engine-{catalogue}", build)


def engine_last_day(engine: Any) -> dt.date | None:
    """The last day of an analog engine's feature table."""
    dates = getattr(engine, "dates", None)
    if dates is None or len(dates) == 0:
        return None
    return dt.date.fromisoformat(str(dates[-1])[:10])


def analogs(date: str | dt.date, *, top: int = 5, settings: Settings | None = None) -> Any:
    """Nearest historical episodes and days of ``date`` and what happened next
    (``riskoff analogs``): a ``riskoff.analogs.AnalogReport`` computed only from data
    public by the end of ``date``."""
    from riskoff.dates import parse_date
    from riskoff.errors import InputError, InsufficientDataError
    from riskoff.panel import DEFAULT_START

    day = parse_date(date)
    if top < 1:
        raise InputError(f"--top must be at least 1 (got {top})")
    if day < DEFAULT_START:
        raise InsufficientDataError(f"{day} is before riskoff's history (from {DEFAULT_START})")
    # an engine over the whole store answers a search for ``day`` exactly like one built
    # from a store cut at ``day`` (tests/integration/test_analogs_real.py), so the cached one serves
    engine = analog_engine(settings)
    last = engine_last_day(engine)
    if last is not None and day > last:
        from riskoff.errors import BadDateError

        raise BadDateError(f"{day} is after the last data in the store ({last})")
    return engine.search(day, top=top)


def analogs_for(
    date: str | dt.date,
    *,
    top: int = 3,
    panel: Any = None,
    table: Any = None,
    settings: Settings | None = None,
) -> list[dict[str, Any]]:
    """The ``analogs`` block of ``diagnose --json``: ``[{"episode", "name", "similarity"}]``.

    Pass the diagnosis's own ``panel`` and daily feature ``table`` to avoid rebuilding
    them; without them they are loaded as of ``date``.
    """
    from riskoff.dates import parse_date

    day = parse_date(date)
    if panel is None or table is None:
        engine = analog_engine(settings)
    else:
        engine = analog_engine_from(panel, table, settings=settings)
    report = engine.search(day, top=top)
    return [dict(item) for item in report.brief()]


def report(
    date: str | dt.date | None = None,
    *,
    out: str | Path,
    window: str | Any = None,
    png_dir: str | Path | None = None,
    portfolio: str | Path | None = None,
    settings: Settings | None = None,
) -> Any:
    """Write the self-contained HTML report of a day or a window (``riskoff report``).

    Gathers the panel (as known at the end of the day), the feature table, the diagnosis,
    the analogs and, with ``portfolio``, the replay of past sell-offs on it, and renders
    them with :mod:`riskoff.render`. ``date`` defaults to the latest day on which most
    markets published a close. Returns a ``riskoff.render.report.ReportResult``.
    """
    import time

    import pandas as pd

    from riskoff.analogs.episodes import load_episodes
    from riskoff.dates import Window, parse_date, parse_window
    from riskoff.errors import BadDateError, InsufficientDataError, RiskoffError
    from riskoff.indicators.features import daily_features, window_features
    from riskoff.panel import DEFAULT_START
    from riskoff.render.html import ReportInput, coverage_rows
    from riskoff.render.report import check_writable, write_report

    t0 = time.perf_counter()
    s = settings or Settings.from_env()
    out_path = Path(out).expanduser()
    png_path = Path(png_dir).expanduser() if png_dir is not None else None
    check_writable(out_path)
    if png_path is not None:
        check_writable(png_path, directory=True)
    win: Window | None = parse_window(window) if isinstance(window, str) else window
    day = parse_date(date) if date is not None else (win.end if win is not None else None)
    if win is not None and day is not None and not (win.start <= day <= win.end):
        raise BadDateError(f"date {day} is outside the window {win.start}:{win.end}")
    cov = coverage(s)
    first_data = min((dt.date.fromisoformat(r["first"]) for r in cov), default=None)
    if first_data is None:
        raise DataFileError("the store is empty: run 'riskoff ingest PATH' first")
    first_day = max(first_data, DEFAULT_START)  # the panel starts there
    asked = win.start if win is not None else day
    if asked is not None and asked < first_day:
        raise BadDateError(f"{asked} is before the first day riskoff covers ({first_day})")
    # A report on the latest data uses the whole-history panel and feature table (cached
    # on disk; everything below is cut at the day). A report on an earlier day builds the
    # panel as known at the end of that day, so that nothing published later (not even a
    # later reference day of the diagnosis's 312/519 comparison) can reach the page.
    last_close = max(
        (dt.date.fromisoformat(r["last"]) for r in cov if r.get("role") == "risk_asset"),
        default=None,
    )
    asked_end = win.end if win is not None else day
    latest = asked_end is None or (
        last_close is not None and asked_end >= last_close - dt.timedelta(days=7)
    )
    if latest:
        pnl, table = panel_and_features(s)
    else:
        pnl = load_panel(s, as_of=asked_end)
        table = daily_features(pnl)
    if len(pnl.days) == 0:
        raise BadDateError("the store holds no data to report on")
    if day is None:
        # the latest day on which most markets published a close (the store's very last
        # day often holds only the first series of a day still being published)
        n_open = pnl.class_open.fillna(0).sum(axis=1)
        recent = n_open.iloc[-30:]
        full = recent[recent >= 0.8 * recent.max()] if len(recent) else recent
        day = (full.index[-1] if len(full) else pnl.as_of).date()
    assert day is not None
    if day < pnl.days[0].date():
        raise BadDateError(f"{day} is before the first data in the store ({pnl.days[0].date()})")
    # the last day a market published a close (some series, such as FOMC projections,
    # carry dates in the future)
    fresh = pnl.class_open.fillna(0).to_numpy().any(axis=1)
    last_data = pnl.days[fresh][-1].date() if fresh.any() else pnl.days[0].date()
    if day > last_data:
        raise BadDateError(f"{day} is after the last data in the store ({last_data})")
    start = win.start if win is not None else day
    cut = pd.Timestamp(day)
    row = window_features(pnl, Window(start, day))
    if not row:
        raise BadDateError(f"{start}:{day} holds no day of data")
    unavailable: dict[str, str] = {}
    diag_dict: dict[str, Any] | None = None
    try:
        diag = diagnose(day, window=Window(start, day), settings=s, with_analogs=False, panel=pnl)
        diag_dict = diag.to_dict()
    except RiskoffError as exc:
        unavailable["diagnosis"] = f"The diagnosis could not be computed: {exc}"
    analogs_dict: dict[str, Any] | None = None
    try:
        engine = analog_engine_from(pnl, table, settings=s)
        found = engine.search(day, top=5)
        analogs_dict = found.to_dict()
        if diag_dict is not None:
            diag_dict["analogs"] = found.brief()
    except RiskoffError as exc:
        unavailable["analogs"] = f"The analog search could not run for this day: {exc}"
    catalog = load_catalog(s)
    known_episodes = load_episodes(s.home)
    episodes = [
        {"id": e.id, "name": e.name, "start": e.start, "end": e.end}
        for e in known_episodes.episodes
    ]
    portfolio_html: str | None = None
    portfolio_note: str | None = None
    if portfolio is not None:
        from riskoff.portfolio import DEFAULT_HORIZON

        # point in time: only the major episodes whose replay (the episode and its
        # aftermath) was over by the report day
        done = [
            e.id
            for e in known_episodes.major()
            if pd.Timestamp(e.end) + pd.offsets.BDay(DEFAULT_HORIZON) <= cut
        ]
        if done:
            try:
                replay = stress_portfolio(portfolio, episodes=done, as_of=day, settings=s)
                portfolio_html = replay.to_html()
            except InsufficientDataError as exc:
                portfolio_note = f"The replay could not run: {exc}."
        else:
            portfolio_note = (
                f"No major past sell-off and its {DEFAULT_HORIZON}-weekday aftermath had "
                f"ended by {day}: there is nothing to replay without later data."
            )
    levels = pnl.levels.loc[pnl.levels.index <= cut]
    inp = ReportInput(
        day=day,
        start=start,
        as_of=day,
        row=row,
        table=table.loc[table.index <= cut],
        levels=levels,
        traded=pnl.traded.loc[pnl.traded.index <= cut],
        class_moves=pnl.class_moves.loc[pnl.class_moves.index <= cut],
        diagnosis=diag_dict,
        analogs=analogs_dict,
        episodes=episodes,
        coverage=coverage_rows(levels, pnl.obs_age, day=day, info=catalog),
        portfolio_html=portfolio_html,
        portfolio_note=portfolio_note,
        unavailable=unavailable,
    )
    return write_report(inp, out_path, png_dir=png_path, started=t0)


def _diagnosis_row(table: Any, day: dt.date) -> dict[str, float]:
    """The feature row of ``day``; a day the calendar lacks (a weekend before crypto
    traded) is every market closed, carrying the last closes."""
    import pandas as pd

    ts = pd.Timestamp(day)
    if ts in table.index:
        return {str(k): float(v) for k, v in table.loc[ts].items()}
    prev = table.loc[:ts]
    row = {str(k): float(v) for k, v in prev.iloc[-1].items()}
    for k in row:
        if k.split(".", 1)[0] in ("move", "sigma", "open"):
            row[k] = 0.0
    return row


def diagnose(
    date: str | dt.date,
    *,
    window: str | Any = None,
    settings: Settings | None = None,
    with_analogs: bool = True,
    panel: Any = None,
) -> Any:
    """Diagnose a day, or the window ``START:END`` (``riskoff diagnose``).

    Returns a ``riskoff.diagnosis.Diagnosis``. Uses only data public by the end of the
    day (or the window's end); the two reference days of "a new 312 or a new 519?" are
    read from the same feature table when the store holds them. Pass an already loaded
    ``panel`` (``load_panel``) to diagnose many days without reloading the store.
    """
    import contextlib

    import pandas as pd

    from riskoff.dates import Window, parse_date, parse_window
    from riskoff.diagnosis import REFERENCE_DAYS, diagnose_row, load_suspects
    from riskoff.diagnosis.relative import relative_values
    from riskoff.errors import BadDateError, RiskoffError
    from riskoff.indicators.features import daily_features, window_features

    s = settings or Settings.from_env()
    day = parse_date(date)
    win: Window | None = parse_window(window) if isinstance(window, str) else window
    if win is not None and not (win.start <= day <= win.end):
        raise BadDateError(f"date {day} is outside the window {win.start}:{win.end}")
    end = win.end if win is not None else day
    start = win.start if win is not None else day
    suspects = load_suspects(s.home)
    if panel is not None:
        pnl, table = panel, None
    else:
        pnl, table = panel_and_features(s)
    days = pnl.days
    if len(days) == 0:
        raise BadDateError("the store holds no data to diagnose")
    first, last = days[0].date(), pnl.as_of.date()
    if end > last:
        raise BadDateError(f"{end} is after the last data in the store ({last})")
    if start < first:
        raise BadDateError(f"{start} is before the first data in the store ({first})")
    if table is None:
        table = daily_features(pnl)
    params = relative_params_of(pnl, table)
    if win is not None and win.start != win.end:
        row = window_features(pnl, win)
        if not row:
            raise BadDateError(f"window {win.start}:{win.end} holds no trading day")
        sel = (days >= pd.Timestamp(win.start)) & (days <= pd.Timestamp(win.end))
        n_days = max(1, int((sel & (days.day_of_week < 5)).sum()))
        p_row = params.loc[days[sel][0]].to_dict()
    else:
        row = _diagnosis_row(table, end)
        n_days = 1
        p_row = params.loc[: pd.Timestamp(end)].iloc[-1].to_dict()
    refs: dict[str, dict[str, float] | None] = {}
    for name, ref_day in REFERENCE_DAYS.items():
        ts = pd.Timestamp(ref_day)
        # a reference day after the diagnosed day was not known then: never compare with it
        known = ref_day <= end and ts in table.index
        refs[name] = _diagnosis_row(table, ref_day) if known else None
    extra = relative_values(row, p_row, n_days)
    diag = diagnose_row(
        row,
        suspects=suspects,
        date=end,
        start=start,
        as_of=end,
        n_days=n_days,
        references=refs,
        extra=extra,
    )
    if win is not None and win.start != win.end:
        diag = _window_path(diag, {**row, **extra}, table, params, win, suspects, n_days)
    if with_analogs:
        # the analog search may have too little history for this day: then no analogs
        with contextlib.suppress(RiskoffError):
            diag = diag.with_analogs(analogs_for(end, panel=pnl, table=table, settings=s))
    return diag


def _window_path(
    whole: Any,
    row: dict[str, float],
    table: Any,
    params: Any,
    win: Any,
    suspects: Any,
    n_days: int,
) -> Any:
    """Re-score a window diagnosis along its path: every session of the window scored by
    the day engine, aggregated by severity (``riskoff.diagnosis.path``)."""
    import pandas as pd

    from riskoff.diagnosis import diagnose_row
    from riskoff.diagnosis.path import diagnose_path, score_days
    from riskoff.diagnosis.relative import relative_values

    sel = (table.index >= pd.Timestamp(win.start)) & (table.index <= pd.Timestamp(win.end))
    days: list[tuple[dt.date, dict[str, float]]] = []
    for ts in table.index[sel]:
        r = {str(k): float(v) for k, v in table.loc[ts].items()}
        r.update(relative_values(r, params.loc[ts].to_dict()))
        days.append((ts.date(), r))
    if not days:
        return whole
    scored = score_days(days, suspects=suspects)
    worst_day, worst_row = max(zip(days, scored, strict=True), key=lambda p: p[1].severity)[0]
    worst = diagnose_row(worst_row, suspects=suspects, date=worst_day, as_of=worst_day)
    return diagnose_path(whole, row, scored, suspects=suspects, worst=worst, n_days=n_days)


def scan(
    start: str | dt.date,
    end: str | dt.date,
    *,
    settings: Settings | None = None,
) -> list[Any]:
    """One ``riskoff.diagnosis.ScanRow`` per day from ``start`` to ``end`` (``riskoff scan``):
    severity, scope, the primary suspect and its score. The feature table is computed once."""
    from riskoff.dates import Window, parse_date
    from riskoff.diagnosis import load_suspects, scan_table
    from riskoff.errors import BadDateError

    s = settings or Settings.from_env()
    a, b = parse_date(start, what="START"), parse_date(end, what="END")
    Window(a, b)  # raises on a reversed range
    pnl, table = panel_and_features(s)
    if len(pnl.days) == 0:
        raise BadDateError("the store holds no data to scan")
    first, last = pnl.days[0].date(), pnl.as_of.date()
    if a > last or b < first:
        raise BadDateError(f"{a}:{b} is outside the data in the store ({first} to {last})")
    return scan_table(
        table,
        suspects=load_suspects(s.home),
        start=a,
        end=b,
        params=relative_params_of(pnl, table),
    )
