"""Fetch many live series at once: providers in parallel, failures kept per series.

:func:`fetch_many` runs one thread pool per provider (FRED, Yahoo, the exchange) at the
same time. Each provider's first series goes alone and the others follow when it is
done, so an unreachable host or a rejected key is found by one request and every later
series of that provider fails without I/O: an offline run ends in seconds. Each
provider has a time budget (:meth:`~riskoff.providers.base.Provider.budget`: a few
seconds plus what its rate limit needs for its series); ``deadline`` replaces the
budgets with one for the whole run. When it passes, nothing more is sent or waited for,
and the series not fetched yet fail with :class:`~riskoff.errors.DeadlineError` ("not
reached"); what was fetched is kept. FRED's
workers all wait on the one shared FRED token bucket, so FRED is never asked for more
than it allows however many threads run. A series that fails becomes a
:class:`FetchResult` with an error; it never stops the others.

This module fetches and nothing else: writing to the store is ``usecases.update``'s job.

:func:`sequential_baseline` is the naive loop (one series after another, no limiter, no
retry) that the benchmark compares against.
"""

from __future__ import annotations

import datetime as dt
import queue
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from riskoff.errors import EmptyDataError, ProviderError, ProviderUnavailable, UnauthorizedError
from riskoff.providers.http import (
    DEFAULT_TIMEOUT,
    Deadline,
    RetryPolicy,
    SeriesSession,
    Timeouts,
)
from riskoff.providers.registry import provider_class

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.catalog import SeriesInfo
    from riskoff.config import Settings
    from riskoff.providers.base import Provider
    from riskoff.providers.http import HttpSession, TokenBucket

__all__ = [
    "BaselineResult",
    "FetchResult",
    "FetchTask",
    "fetch_many",
    "make_provider",
    "sequential_baseline",
]


@dataclass(frozen=True)
class FetchTask:
    """One series to fetch from ``start`` (``None``: its full history)."""

    info: SeriesInfo
    start: dt.date | None = None

    @property
    def symbol(self) -> str:
        """The prefixed symbol."""
        return self.info.symbol


@dataclass
class FetchResult:
    """The outcome of one series: a canonical frame, or an error."""

    symbol: str
    source: str
    start: dt.date | None
    frame: pd.DataFrame | None = None
    error: ProviderError | None = None
    requests: int = 0
    seconds: float = 0.0
    vintage: dt.datetime | None = None
    """The source's edition of the values (naive UTC), when the provider records one in
    ``frame.attrs["vintage"]`` (the GPR workbook's ``Last-Modified``); ``None``: the
    values became known when the update wrote them."""

    @property
    def ok(self) -> bool:
        """True when the series was fetched."""
        return self.error is None and self.frame is not None

    @property
    def message(self) -> str:
        """The error as one line ('' when ok)."""
        return str(self.error).splitlines()[0] if self.error is not None else ""


def make_provider(
    prefix: str, settings: Settings, *, fred_limiter: TokenBucket | None = None
) -> Provider:
    """An instance of the provider for ``prefix`` (``fred_limiter`` replaces FRED's)."""
    limiter = fred_limiter if prefix == "fred" else None
    return provider_class(prefix)(settings, limiter=limiter)


def _fetch_one(
    provider: Provider, session: HttpSession, task: FetchTask, today: dt.date
) -> FetchResult:
    t0 = time.perf_counter()
    scoped = SeriesSession(session, task.symbol)
    result = FetchResult(symbol=task.symbol, source=provider.name, start=task.start)
    try:
        query = provider.build_query(task.info, task.start, today)
        frame = provider.fetch(scoped, query)
        if task.start is None and frame.empty:
            raise EmptyDataError(f"{provider.display} sent no observations for {task.symbol}")
        result.frame = frame
        vintage = frame.attrs.get("vintage")
        if isinstance(vintage, dt.datetime):
            result.vintage = vintage
    except UnauthorizedError as exc:
        result.error = type(exc)(session.redact(exc))
        session.abort(result.error)  # the same key will be rejected for every series
    except ProviderError as exc:
        result.error = type(exc)(session.redact(exc))
    except Exception as exc:  # one broken series must never stop the others
        result.error = ProviderError(
            f"{task.symbol}: unexpected {type(exc).__name__}: {session.redact(exc)}"
        )
    result.requests = scoped.requests
    result.seconds = time.perf_counter() - t0
    return result


def fetch_many(
    tasks: Iterable[FetchTask],
    settings: Settings,
    *,
    today: dt.date | None = None,
    on_result: Callable[[FetchResult], None] | None = None,
    fred_limiter: TokenBucket | None = None,
    retry: RetryPolicy | None = None,
    timeouts: Timeouts = DEFAULT_TIMEOUT,
    deadline: float | None = None,
) -> list[FetchResult]:
    """Fetch every task, providers in parallel; return one result per task, in order.

    Args:
        tasks: the series and where each starts.
        settings: base URLs and the FRED key.
        today: the last day to ask for (default: today, UTC).
        on_result: called in the calling thread as each series finishes.
        fred_limiter: a token bucket replacing the process-wide FRED limiter.
        retry: the retry policy for every request.
        timeouts: connect/read timeouts.
        deadline: seconds the whole run may take, replacing each provider's own budget
            (``None``: the budgets).
    """
    todo = list(tasks)
    end = today or dt.datetime.now(dt.UTC).date()
    by_prefix: dict[str, list[FetchTask]] = {}
    for task in todo:
        by_prefix.setdefault(task.info.provider, []).append(task)
    providers = {p: make_provider(p, settings, fred_limiter=fred_limiter) for p in by_prefix}
    sessions: dict[str, HttpSession] = {}
    pools: list[ThreadPoolExecutor] = []
    finished: queue.Queue[FetchResult] = queue.Queue()
    done: dict[str, FetchResult] = {}

    def run(provider: Provider, session: HttpSession, task: FetchTask) -> None:
        try:
            res = _fetch_one(provider, session, task, end)
        except BaseException as exc:  # never leave the collecting loop waiting
            res = FetchResult(task.symbol, provider.name, task.start)
            res.error = ProviderError(f"{task.symbol}: interrupted ({type(exc).__name__})")
        finished.put(res)

    try:
        for prefix, group in by_prefix.items():
            provider = providers[prefix]
            if deadline is not None:
                stop = Deadline.after(deadline, "--deadline")
            else:
                budget = provider.budget(len(group))
                stop = Deadline.after(
                    budget, f"{provider.display}'s budget for {len(group)} series"
                )
            session = provider.open_session(retry=retry, timeouts=timeouts, deadline=stop)
            sessions[prefix] = session
            pool = ThreadPoolExecutor(
                max_workers=max(1, min(provider.workers, len(group))),
                thread_name_prefix=f"riskoff-{prefix}",
            )
            pools.append(pool)

            # One series goes first; the others start when it is done. An unreachable
            # host (or a rejected key) is then found by one request, not by every worker
            # at once, and the rest of the provider's series fail without any I/O.
            def start_rest(
                _: object,
                pool: ThreadPoolExecutor = pool,
                provider: Provider = provider,
                session: HttpSession = session,
                rest: list[FetchTask] = group[1:],
            ) -> None:
                for t in rest:
                    try:
                        pool.submit(run, provider, session, t)
                    except RuntimeError:  # the pool is shutting down (interrupted)
                        return

            pool.submit(run, provider, session, group[0]).add_done_callback(start_rest)
        for _ in range(len(todo)):
            res = finished.get()
            done[res.symbol] = res
            if on_result is not None:
                on_result(res)
    finally:
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)
        for session in sessions.values():
            session.close()
    return [done[t.symbol] for t in todo if t.symbol in done]


def all_unreachable(results: Sequence[FetchResult]) -> bool:
    """True when there were results and every one failed because a host was unreachable."""
    return bool(results) and all(isinstance(r.error, ProviderUnavailable) for r in results)


@dataclass
class BaselineResult:
    """What the naive sequential loop did."""

    seconds: float
    requests: int
    ok: int
    failed: int
    errors: dict[str, str] = field(default_factory=dict)
    status_counts: dict[int, int] = field(default_factory=dict)


def sequential_baseline(
    settings: Settings,
    symbols: Iterable[SeriesInfo],
    *,
    today: dt.date | None = None,
) -> BaselineResult:
    """The naive loop: each series' full history, one after another, no limiter, no retry.

    Paged sources (the exchange) still need one request per page.
    """
    end = today or dt.datetime.now(dt.UTC).date()
    infos = list(symbols)
    t0 = time.perf_counter()
    sessions: dict[str, HttpSession] = {}
    providers: dict[str, Provider] = {}
    out = BaselineResult(seconds=0.0, requests=0, ok=0, failed=0)
    try:
        for info in infos:
            prefix = info.provider
            if prefix not in providers:
                providers[prefix] = make_provider(prefix, settings)
                sessions[prefix] = providers[prefix].open_session(
                    limiter=None, retry=RetryPolicy(attempts=1), max_connections=1
                )
            provider, session = providers[prefix], sessions[prefix]
            try:
                query = provider.build_query(info, None, end)
                provider.fetch(SeriesSession(session, info.symbol), query)
                out.ok += 1
            except ProviderError as exc:
                out.failed += 1
                out.errors[info.symbol] = str(exc).splitlines()[0]
    finally:
        for session in sessions.values():
            out.requests += session.requests
            for k, v in session.status_counts.items():
                out.status_counts[k] = out.status_counts.get(k, 0) + v
            session.close()
    out.seconds = time.perf_counter() - t0
    return out
