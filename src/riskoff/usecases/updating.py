"""``riskoff update``: fetch what is new from the live providers, in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from riskoff.config import Settings
from riskoff.errors import ProviderError
from riskoff.providers.schedule import RECHECK_DAYS
from riskoff.usecases.common import load_catalog, open_store

if TYPE_CHECKING:
    from riskoff.catalog import SeriesInfo
    from riskoff.providers.http import RetryPolicy, TokenBucket
    from riskoff.providers.update import FetchResult
    from riskoff.store import LoadReport, Store

__all__ = ["REVISION_DAYS", "UpdateResult", "update"]


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
    def not_reached(self) -> list[str]:
        """The series not fetched before the deadline, sorted."""
        from riskoff.errors import DeadlineError

        return sorted(r.symbol for r in self.results if isinstance(r.error, DeadlineError))

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
    deadline: float | None = None,
) -> UpdateResult:
    """Fetch what is new from the live providers and write it in one transaction.

    Every catalogue series with a live source (a registered provider: ``fred:``,
    ``yahoo:``, ``coinbase:``, plugins) that is due is fetched from its last stored date
    minus ``revision_days`` (its full history when it is not stored yet), providers in
    parallel. A series is due when its next
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
        deadline: seconds the fetching may take in all (default: ``settings.deadline``,
            i.e. ``$RISKOFF_DEADLINE``, else each provider's own budget); the series not
            reached by then are failures (``UpdateResult.not_reached``), the others kept.

    Raises:
        InputError: an unknown provider or symbol, or a symbol with no live source.
        ProviderUnavailable: no provider could be reached at all (no network).
    """
    from riskoff.errors import InputError, ProviderUnavailable
    from riskoff.providers.registry import is_live, live_prefixes, prefixes_for_groups
    from riskoff.providers.schedule import due_date
    from riskoff.providers.update import FetchTask, all_unreachable, fetch_many

    s = settings or Settings.from_env()
    catalog = load_catalog(s)
    wanted = prefixes_for_groups(providers.split(",")) if providers else set(live_prefixes())
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
        fetched = store.fetched_at(live_prefixes())
    elif s.store_path.exists():
        from riskoff.store import Store

        with Store(s.store_path, read_only=True) as reader:
            last = reader.last_dates()
            fetched = reader.fetched_at(live_prefixes())
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
        deadline=deadline if deadline is not None else s.deadline,
    )
    good = [r for r in results if r.ok and r.frame is not None]
    failed = [r for r in results if not r.ok]
    report = None
    if good or failed:
        own = store is None
        st = store or open_store(s)
        try:
            stale = _older_editions(st, good)
            if stale:
                good = [r for r in good if r.symbol not in stale]
                failed = failed + list(stale.values())
                results = [stale.get(r.symbol, r) for r in results]
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
                    known_at={r.symbol: r.vintage for r in good if r.vintage is not None},
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


def _older_editions(st: Store, good: list[FetchResult]) -> dict[str, FetchResult]:
    """Fetched series whose source served an older edition than the one it already wrote
    (a stale mirror or cache): each becomes a failed result with a one-line reason, so the
    other series of the update still load and the stored edition stays."""
    dated = {r.symbol: r for r in good if r.vintage is not None}
    if not dated:
        return {}
    newest = st.newest_vintages({sym: r.source for sym, r in dated.items()})
    out: dict[str, FetchResult] = {}
    for sym, r in dated.items():
        stored = newest.get(sym)
        if stored is not None and r.vintage is not None and r.vintage < stored:
            out[sym] = replace(
                r,
                frame=None,
                error=ProviderError(
                    f"{sym}: the source served an older edition ({r.vintage:%Y-%m-%d %H:%M})"
                    f" than the stored one ({stored:%Y-%m-%d %H:%M}); the stored edition is kept"
                ),
            )
    return out
