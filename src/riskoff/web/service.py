"""What the web app knows: short-lived read-only store access, the per-process panel, and
an LRU of results.

Every answer comes from a :mod:`riskoff.usecases` function, so the JSON served is the JSON
the command line prints with ``--json``. This module only decides *when* to call them:

* The store is opened read-only, briefly, and only when its files changed on disk (a
  ``stat`` per request is the cheap check). A writer (``riskoff update`` / ``ingest``) is
  therefore never blocked for longer than one short read. When a writer holds the lock,
  opening retries for ``store_wait`` seconds, then :class:`~riskoff.errors.StoreBusyError`
  (HTTP 503).
* The store's *generation* is its key (the store's identity and version) with the code
  fingerprint (:mod:`riskoff.usecases.cache`). The workspace and every cached result
  belong to one generation and are dropped when it changes; a store deleted and created
  again is a new generation.
* Results for a day are kept in an LRU keyed by ``(kind, arguments, generation)``.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from riskoff.config import Settings
from riskoff.dates import Window, parse_date
from riskoff.errors import BadDateError, UnknownSymbolError

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.analogs import AnalogEngine, AnalogReport, Episode
    from riskoff.diagnosis import Diagnosis
    from riskoff.panel import Panel
    from riskoff.store import Store
    from riskoff.usecases import CoverageRow, Workspace

__all__ = ["Generation", "LRUCache", "Service", "dumps"]

T = TypeVar("T")


class LRUCache:
    """A small thread-safe least-recently-used cache."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._data: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[Any, ...]) -> tuple[bool, Any]:
        """``(True, value)`` when cached, else ``(False, None)``."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return True, self._data[key]
            self.misses += 1
            return False, None

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        """Store ``value``, evicting the least recently used entry when full."""
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


@dataclass
class Generation:
    """One version of one store: its key (the store's identity and version, with the code
    fingerprint), and the workspace built on it."""

    key: str
    stamp: str
    symbols: frozenset[str]
    workspace: Workspace | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class Service:
    """The web app's access to riskoff: cached use-case calls over a read-only store.

    Args:
        settings: where the store is.
        store_wait: seconds to retry opening a store locked by a writer before a 503.
        cache_size: results kept in the LRU.
        today: the last day that can be asked for (default: today).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        store_wait: float = 3.0,
        cache_size: int = 256,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.settings = settings
        self.store_wait = store_wait
        self.cache = LRUCache(cache_size)
        self._today = today
        self._gen: Generation | None = None
        self._gen_lock = threading.Lock()

    # -- the store ------------------------------------------------------------------------
    def _stamp(self) -> str:
        """The store files' identity on disk: changes whenever a writer writes, and when
        the store is deleted and created again."""
        from riskoff.usecases.cache import file_stamp

        return file_stamp(self.settings.store_path)

    @contextmanager
    def store(self) -> Iterator[Store]:
        """A short-lived read-only connection (retries while a writer holds the lock)."""
        from riskoff.store import Store

        st = Store(self.settings.store_path, read_only=True, wait=self.store_wait)
        try:
            yield st
        finally:
            st.close()

    def generation(self) -> Generation:
        """The store's current generation (re-read only when its files changed)."""
        from riskoff.usecases.cache import code_fingerprint, store_key
        from riskoff.usecases.common import EmptyStoreError

        stamp = self._stamp()
        gen = self._gen
        if gen is not None and gen.stamp == stamp:
            return gen
        with self._gen_lock:
            gen = self._gen
            if gen is not None and gen.stamp == stamp:
                return gen
            if not self.settings.store_path.exists():
                raise EmptyStoreError()
            with self.store() as st:
                key = f"{store_key(st)}-{code_fingerprint(self.settings)}"
                if gen is not None and gen.key == key:
                    gen.stamp = stamp
                    return gen
                symbols = st.symbols()
            if not symbols:
                raise EmptyStoreError()
            new = Generation(key=key, stamp=stamp, symbols=frozenset(symbols))
            self._gen = new
            self.cache.clear()
            return new

    def workspace(self, gen: Generation | None = None) -> Workspace:
        """The workspace of this generation (the on-disk cache shared with the CLI)."""
        g = gen or self.generation()
        if g.workspace is None:
            with g.lock:
                if g.workspace is None:
                    from riskoff.usecases.cache import load_workspace

                    g.workspace = load_workspace(self.settings)
        return g.workspace

    def panel(self, gen: Generation | None = None) -> Panel:
        """The point-in-time panel of this generation."""
        return self.workspace(gen).panel

    def first_day(self, gen: Generation | None = None) -> dt.date:
        """The first day with data."""
        return self.workspace(gen).first_day

    def last_day(self, gen: Generation | None = None) -> dt.date:
        """The last day that can be asked for: the panel's last day, as on the command
        line (never today when the history ends earlier)."""
        return self.workspace(gen).as_of

    def latest_day(self, gen: Generation | None = None) -> dt.date:
        """The day the overview diagnoses: the latest complete day, as everywhere
        (:meth:`riskoff.usecases.Workspace.latest_complete_day`)."""
        return self.workspace(gen).latest_complete_day()

    def cached(self, key: tuple[Any, ...], compute: Callable[[Generation], T]) -> T:
        """``compute(generation)`` through the LRU (keyed by ``key`` and the generation)."""
        gen = self.generation()
        full = (*key, gen.key)
        hit, value = self.cache.get(full)
        if hit:
            out: T = value
            return out
        result = compute(gen)
        self.cache.put(full, result)
        return result

    # -- input ------------------------------------------------------------------------------
    def day(self, text: str, *, what: str = "date") -> dt.date:
        """Parse a day and check it lies within the store's history; ``today``, ``latest``
        and ``yesterday`` are the latest complete day (:mod:`riskoff.usecases.latest`)."""
        from riskoff.usecases.latest import is_relative_day, resolve_day

        gen = self.generation()
        if text and is_relative_day(text):
            return resolve_day(text, self.workspace(gen), today=self._today()).day
        d = parse_date(text, what=what)
        if d > self._today():
            raise BadDateError(f"{what} {d} is in the future")
        first, last = self.first_day(gen), self.last_day(gen)
        if d < first or d > last:
            raise BadDateError(f"{what} {d} is outside the stored history ({first} to {last})")
        return d

    def window(self, text: str | None, day: dt.date) -> Window | None:
        """Parse ``START:END``; its end must be ``day`` or earlier, its start in the history."""
        if text is None or text == "":
            return None
        from riskoff.dates import parse_window

        w = parse_window(text)
        self.day(w.start.isoformat(), what="window start")
        self.day(w.end.isoformat(), what="window end")
        return w

    def symbol(self, text: str) -> str:
        """A stored symbol, or a catalogue name resolving to one."""
        from riskoff.usecases.series_data import resolve_symbol

        gen = self.generation()
        try:
            return resolve_symbol(text, gen.symbols, self.settings)
        except UnknownSymbolError:
            raise UnknownSymbolError(
                f"unknown symbol {text!r}: see /api/series for the stored ones"
            ) from None

    # -- answers ------------------------------------------------------------------------------
    def coverage(self) -> list[CoverageRow]:
        """``riskoff series --json``."""
        from riskoff.usecases import coverage

        return self.cached(("series",), lambda g: coverage(self.settings))

    def series_frame(self, symbol: str, start: dt.date | None, end: dt.date | None) -> pd.DataFrame:
        """One stored series between two days (long frame ``date, value``)."""

        def compute(g: Generation) -> pd.DataFrame:
            with self.store() as st:
                df = st.read([symbol], start, end)
            return df[["date", "value"]].reset_index(drop=True)

        return self.cached(("series", symbol, start, end), compute)

    def episodes(self) -> list[Episode]:
        """The episode catalogue (packaged plus ``$RISKOFF_HOME/episodes.toml``)."""
        from riskoff.analogs.episodes import load_episodes

        return self.cached(("episodes",), lambda g: load_episodes(self.settings.home).episodes)

    def features(self, gen: Generation | None = None) -> pd.DataFrame:
        """The daily feature table of the workspace."""
        return self.workspace(gen).table

    def analog_engine(self, gen: Generation | None = None) -> AnalogEngine:
        """The analog search engine over the whole store (a search uses only rows up to its
        own day, so it answers exactly like ``riskoff analogs``)."""
        return self.workspace(gen).engine

    def analogs(self, date: str, top: int = 5) -> AnalogReport:
        """``riskoff analogs DATE --top TOP``: the report object."""
        from riskoff.usecases import analogs

        day = self.day(date)
        return self.cached(
            ("analogs", day, top),
            lambda g: analogs(day, top=top, settings=self.settings, workspace=self.workspace(g)),
        )

    def analogs_json(self, date: str, top: int = 5) -> dict[str, Any]:
        """``riskoff analogs DATE --top TOP --json``."""
        day = self.day(date)
        out: dict[str, Any] = self.cached(
            ("analogs.json", day, top), lambda g: self.analogs(date, top).to_dict()
        )
        return out

    def stress(self) -> pd.DataFrame:
        """riskoff's stress index over the whole history (``riskoff stress-index``)."""
        from riskoff.usecases import stress_index

        return self.cached(
            ("stress",), lambda g: stress_index(settings=self.settings, workspace=self.workspace(g))
        )

    def stress_json(self, start: str | None, end: str | None) -> list[dict[str, Any]]:
        """Rows ``{"date", "stress_index", <segment>...}`` rounded like ``--csv`` (4 decimals)."""
        d0 = self.day(start, what="start") if start else None
        d1 = self.day(end, what="end") if end else None
        if d0 and d1 and d1 < d0:
            raise BadDateError(f"end {d1} is before start {d0}")

        def compute(g: Generation) -> list[dict[str, Any]]:
            import numpy as np
            import pandas as pd

            df = self.stress()
            if d0 is not None:
                df = df.loc[df.index >= pd.Timestamp(d0)]
            if d1 is not None:
                df = df.loc[df.index <= pd.Timestamp(d1)]
            values = np.round(df.to_numpy(dtype="float64"), 4)
            cols = [str(c) for c in df.columns]
            dates = pd.DatetimeIndex(df.index).strftime("%Y-%m-%d")
            return [
                {
                    "date": d,
                    **{
                        c: (None if np.isnan(v) else float(v))
                        for c, v in zip(cols, row, strict=True)
                    },
                }
                for d, row in zip(dates, values, strict=True)
            ]

        return self.cached(("stress.json", d0, d1), compute)

    def series_json(self, symbol: str, start: str | None, end: str | None) -> dict[str, Any]:
        """One stored series: its catalogue row and its observations between two days."""
        from riskoff.usecases.series_data import parse_range, series_of

        sym = self.symbol(symbol)
        d0, d1 = parse_range(start, end)

        def compute(g: Generation) -> dict[str, Any]:
            data = series_of(sym, self.series_frame(sym, d0, d1), self.coverage(), d0, d1)
            return dict(data.to_dict())

        return self.cached(("series.json", sym, d0, d1), compute)

    def diagnose(self, date: str, window: str | None = None) -> Diagnosis:
        """``riskoff diagnose DATE [--window START:END]``: the diagnosis object."""
        from riskoff.usecases import diagnose

        day = self.day(date)
        win = self.window(window, day)
        key = ("diagnose", day, (win.start, win.end) if win else None)
        return self.cached(
            key,
            lambda g: diagnose(
                day, window=win, settings=self.settings, workspace=self.workspace(g)
            ),
        )

    def diagnose_json(self, date: str, window: str | None = None) -> dict[str, Any]:
        """``riskoff diagnose DATE [--window START:END] --json``."""
        day = self.day(date)
        win = self.window(window, day)
        key = ("diagnose.json", day, (win.start, win.end) if win else None)
        out: dict[str, Any] = self.cached(key, lambda g: self.diagnose(date, window).to_dict())
        return out

    # -- the JSON API's fast path ---------------------------------------------------------------
    def peek(self, key: tuple[Any, ...]) -> Any:
        """A cached value without any blocking work (no store access, no computation):
        ``None`` unless the store is unchanged since its generation was read and ``key`` is
        cached. Safe to call on the event loop."""
        gen = self._gen
        if gen is None or gen.stamp != self._stamp():
            return None
        hit, value = self.cache.get((*key, gen.key))
        return value if hit else None

    def body(self, key: tuple[Any, ...], answer: Callable[[], Any]) -> bytes:
        """``answer()`` serialised as the command line prints it, cached under ``key``
        (the raw request parameters: a repeated request is one dictionary lookup)."""
        return self.cached(key, lambda g: dumps(answer()))


def dumps(obj: Any) -> bytes:
    """JSON as ``riskoff ... --json`` writes it (``default=str``), compact, UTF-8; NaN and
    infinities, which JSON cannot carry, become null."""
    import json

    try:
        text = json.dumps(obj, ensure_ascii=False, default=str, allow_nan=False)
    except ValueError:
        text = json.dumps(_finite(obj), ensure_ascii=False, default=str, allow_nan=False)
    return text.encode("utf-8")


def _finite(obj: Any) -> Any:
    import math

    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj
