"""All of riskoff's SQL lives here.

Tables
------
``meta``          key/value: ``schema_version``, ``store_id`` (a random uuid4 written when
                  the store is created) and ``data_version`` (bumped by every committed
                  load that changed data); together they are :attr:`Store.identity`
``series``        one row per symbol: catalogue metadata plus where it came from
``observations``  (symbol, date, value, source, loaded_at), primary key (symbol, date)
``load_log``      one row per load (ingest or update): when, what, how many rows, outcome

Every load runs in one transaction: a crash or an error leaves the previous data intact,
and loading the same data twice changes nothing (upsert on symbol + date).
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riskoff.errors import StoreBusyError, StoreError

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

    from riskoff.catalog import SeriesInfo

__all__ = ["SCHEMA_VERSION", "LoadReport", "Store", "StoreIdentity"]

SCHEMA_VERSION = 2

# Migration k brings a store from version k-1 to version k. Append, never edit.
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
        """CREATE TABLE IF NOT EXISTS series (
            symbol VARCHAR PRIMARY KEY,
            name VARCHAR, description VARCHAR, asset_class VARCHAR, role VARCHAR,
            units VARCHAR, frequency VARCHAR, lag VARCHAR, adjusted VARCHAR,
            source VARCHAR, updated_at TIMESTAMP)""",
        """CREATE TABLE IF NOT EXISTS observations (
            symbol VARCHAR NOT NULL, date DATE NOT NULL, value DOUBLE NOT NULL,
            source VARCHAR, loaded_at TIMESTAMP,
            PRIMARY KEY (symbol, date))""",
        "CREATE SEQUENCE IF NOT EXISTS load_log_id START 1",
        """CREATE TABLE IF NOT EXISTS load_log (
            id BIGINT PRIMARY KEY DEFAULT nextval('load_log_id'),
            kind VARCHAR, source VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP,
            symbols INTEGER, rows_written BIGINT, status VARCHAR, message VARCHAR)""",
    ),
    # 2: the store's identity (store_id, data_version) lives in meta; its values are
    # written by Store._migrate, since a legacy store keeps its derived identity.
    2: (),
}

# uuid5 namespace of the identity derived for a store written before schema version 2.
_LEGACY_NAMESPACE = uuid.UUID("5b0f3c1e-8a53-4c7e-9a1e-2f4b6d7c8e90")


@dataclass(frozen=True)
class StoreIdentity:
    """Which store, at which state of its data: the key of every cache built on it.

    ``store_id`` is a random uuid4 written when the store file is created, so a store
    deleted and recreated at the same path is a different store. ``version`` grows by
    one with every committed load that changed data (an observation inserted, changed
    or removed, or a series' metadata changed); loading identical data leaves it alone.

    A store written before schema version 2 has no stored identity until its next
    read-write open; until then it reads as a *derived* identity: ``store_id`` is a
    uuid5 of the first load's start time and source (stable for that file, different
    for a recreated one) and ``version`` is the last load-log id. The migration writes
    exactly these values, so a cache keyed on the derived identity stays valid.
    A file with no riskoff tables at all (opened read-only) reads as
    ``StoreIdentity("", 0)``: it holds nothing.
    """

    store_id: str
    version: int


_SERIES_COLS = (
    "symbol",
    "name",
    "description",
    "asset_class",
    "role",
    "units",
    "frequency",
    "lag",
    "adjusted",
)


@dataclass
class LoadReport:
    """What one load wrote: per symbol, rows in the batch and rows that were new or changed."""

    kind: str
    source: str
    rows_in: dict[str, int] = field(default_factory=dict)
    rows_changed: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)

    @property
    def total_changed(self) -> int:
        """Rows inserted or updated across all symbols."""
        return sum(self.rows_changed.values())


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


class Store:
    """A DuckDB file (or ``":memory:"``) holding observations and their metadata.

    Args:
        path: the database file, or ``":memory:"``.
        read_only: open without the write lock (several readers may share a file).
        wait: seconds to wait for another process's lock before giving up.

    Example:
        >>> with Store(":memory:") as store:
        ...     store.symbols()
        []
    """

    def __init__(self, path: str | Path, *, read_only: bool = False, wait: float = 10.0) -> None:
        import duckdb

        self.path = str(path)
        self.read_only = read_only
        if self.path != ":memory:":
            p = Path(self.path)
            if read_only and not p.exists():
                raise StoreError(
                    f"no store at {p}: load data first with 'riskoff ingest PATH' "
                    "or 'riskoff update'"
                )
            try:
                p.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"cannot create the store folder {p.parent}: {exc.strerror}"
                ) from None
        deadline = time.monotonic() + wait
        while True:
            try:
                self._con: duckdb.DuckDBPyConnection = duckdb.connect(
                    self.path, read_only=read_only
                )
                break
            except duckdb.IOException as exc:
                if _is_lock_error(exc) and time.monotonic() < deadline:
                    time.sleep(0.2)
                    continue
                if _is_lock_error(exc):
                    raise StoreBusyError(
                        f"the store {self.path} is in use by another riskoff process "
                        f"(waited {wait:.0f} s); try again when it has finished"
                    ) from None
                raise StoreError(f"cannot open the store {self.path}: {exc}") from None
            except duckdb.Error as exc:
                raise StoreError(f"cannot open the store {self.path}: {exc}") from None
        if not read_only:
            self._migrate()
        else:
            self._check_version()

    # -- lifecycle -------------------------------------------------------------------
    def close(self) -> None:
        """Close the connection."""
        self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ----------------------------------------------------------------------
    def _version(self) -> int:
        has_meta = self._con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
        ).fetchall()[0][0]
        if not has_meta:
            return 0
        rows = self._con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        return int(rows[0][0]) if rows else 0

    def _check_version(self) -> None:
        v = self._version()
        if v > SCHEMA_VERSION:
            raise StoreError(
                f"the store {self.path} has schema version {v}, newer than this riskoff "
                f"({SCHEMA_VERSION}); upgrade riskoff"
            )

    def _migrate(self) -> None:
        self._check_version()
        current = self._version()
        if current == SCHEMA_VERSION:
            return
        self._con.execute("BEGIN TRANSACTION")
        try:
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for stmt in _MIGRATIONS[version]:
                    self._con.execute(stmt)
            if current < 2:
                ident = self._derived_identity()
                self._con.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('store_id', ?), ('data_version', ?)",
                    [ident.store_id, str(ident.version)],
                )
            self._con.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
            )
            self._con.execute("COMMIT")
        except Exception:
            self._con.execute("ROLLBACK")
            raise

    def _has_table(self, name: str) -> bool:
        return bool(
            self._con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
            ).fetchall()[0][0]
        )

    def _derived_identity(self) -> StoreIdentity:
        """The identity of a store with none stored: new (uuid4) if it holds no load,
        else derived from its first load (see :class:`StoreIdentity`)."""
        if self._has_table("load_log"):
            first = self._con.execute(
                "SELECT started_at, source FROM load_log ORDER BY id LIMIT 1"
            ).fetchall()
            if first:
                last = self._con.execute("SELECT max(id) FROM load_log").fetchall()[0][0]
                key = f"{first[0][0].isoformat() if first[0][0] else ''}|{first[0][1] or ''}"
                return StoreIdentity(str(uuid.uuid5(_LEGACY_NAMESPACE, key)), int(last))
        return StoreIdentity(str(uuid.uuid4()), 0)

    @property
    def identity(self) -> StoreIdentity:
        """This store's :class:`StoreIdentity` (read fresh from the file on every call)."""
        if self._has_table("meta"):
            rows = dict(
                self._con.execute(
                    "SELECT key, value FROM meta WHERE key IN ('store_id', 'data_version')"
                ).fetchall()
            )
            if "store_id" in rows and "data_version" in rows:
                return StoreIdentity(str(rows["store_id"]), int(rows["data_version"]))
        if not self._has_table("load_log"):
            # No riskoff tables at all (an empty or foreign DuckDB file, read-only):
            # nothing is stored, so every such file is the same empty store.
            return StoreIdentity("", 0)
        return self._derived_identity()

    def _bump_version(self) -> None:
        """Inside a load's transaction: the data changed, so the version grows by one."""
        self._con.execute(
            """UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR)
               WHERE key = 'data_version'"""
        )

    @property
    def schema_version(self) -> int:
        """The schema version of the open store."""
        return self._version()

    # -- writing ---------------------------------------------------------------------
    def load(
        self,
        frames: Mapping[str, pd.DataFrame],
        infos: Mapping[str, SeriesInfo],
        *,
        kind: str,
        source: str,
        replace_after: dt.date | None = None,
        fail_after: int | None = None,
        sources: Mapping[str, str] | None = None,
    ) -> LoadReport:
        """Upsert many series in one transaction.

        Args:
            frames: symbol -> frame with columns ``date`` and ``value``.
            infos: symbol -> metadata written to ``series``.
            kind: ``ingest`` or ``update``; recorded in the load log.
            source: where the data came from (a folder path or a provider name).
            replace_after: also delete stored observations of these symbols dated after
                this day (``ingest --until``: the store is cut at that day).
            fail_after: testing hook: raise after writing this many symbols, to prove
                that a failed load leaves the store as it was.
            sources: per-symbol source overriding ``source`` in ``observations`` and
                ``series`` (one update writes FRED, Yahoo and exchange series at once);
                the load log keeps ``source``.

        Returns:
            A :class:`LoadReport`. Nothing is written unless every symbol succeeds.
        """
        import pandas as pd

        if self.read_only:
            raise StoreError("the store is open read-only")
        report = LoadReport(kind=kind, source=source)
        started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        con = self._con
        con.execute("BEGIN TRANSACTION")
        try:
            for i, (symbol, frame) in enumerate(frames.items()):
                if fail_after is not None and i >= fail_after:
                    raise StoreError(f"injected failure after {fail_after} symbols")
                batch = pd.DataFrame(
                    {
                        "date": pd.to_datetime(frame["date"]).dt.date,
                        "value": frame["value"].astype("float64"),
                    }
                )
                con.register("incoming", batch)
                try:
                    changed = con.execute(
                        """SELECT count(*) FROM incoming i
                           LEFT JOIN observations o ON o.symbol = ? AND o.date = i.date
                           WHERE o.value IS NULL OR o.value <> i.value""",
                        [symbol],
                    ).fetchall()[0][0]
                    if changed:
                        con.execute(
                            """INSERT OR REPLACE INTO observations
                               SELECT ?, i.date, i.value, ?, ? FROM incoming i""",
                            [symbol, (sources or {}).get(symbol, source), started],
                        )
                finally:
                    con.unregister("incoming")
                if replace_after is not None:
                    removed = con.execute(
                        "DELETE FROM observations WHERE symbol = ? AND date > ? RETURNING 1",
                        [symbol, replace_after],
                    ).fetchall()
                    if removed:
                        report.removed[symbol] = len(removed)
                report.rows_in[symbol] = len(batch)
                report.rows_changed[symbol] = int(changed)
                info = infos.get(symbol)
                if info is not None:
                    values = [getattr(info, c) for c in _SERIES_COLS]
                    con.execute(
                        f"""INSERT OR REPLACE INTO series
                            ({", ".join(_SERIES_COLS)}, source, updated_at)
                            VALUES ({", ".join("?" * len(_SERIES_COLS))}, ?, ?)""",
                        [*values, (sources or {}).get(symbol, source), started],
                    )
            if report.total_changed or report.removed:
                self._bump_version()
            con.execute(
                """INSERT INTO load_log (kind, source, started_at, finished_at, symbols,
                   rows_written, status, message) VALUES (?, ?, ?, ?, ?, ?, 'ok', '')""",
                [
                    kind,
                    source,
                    started,
                    dt.datetime.now(dt.UTC).replace(tzinfo=None),
                    len(frames),
                    report.total_changed,
                ],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return report

    def log_failure(self, kind: str, source: str, message: str) -> None:
        """Record a failed load in the log (the data itself is untouched)."""
        if self.read_only:
            return
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        self._con.execute(
            """INSERT INTO load_log (kind, source, started_at, finished_at, symbols,
               rows_written, status, message) VALUES (?, ?, ?, ?, 0, 0, 'failed', ?)""",
            [kind, source, now, now, message[:500]],
        )

    # -- reading ---------------------------------------------------------------------
    def symbols(self) -> list[str]:
        """Every symbol with at least one observation."""
        rows = self._con.execute(
            "SELECT DISTINCT symbol FROM observations ORDER BY symbol"
        ).fetchall()
        return [r[0] for r in rows]

    def read(
        self,
        symbols: Iterable[str] | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> pd.DataFrame:
        """Long frame ``symbol, date, value`` sorted by symbol and date."""
        import pandas as pd

        where, params = self._filters(symbols, start, end)
        res = self._con.execute(
            f"SELECT symbol, date, value FROM observations {where} ORDER BY symbol, date",
            params,
        ).fetchnumpy()
        return pd.DataFrame(
            {
                "symbol": pd.Categorical(res["symbol"]),
                "date": pd.to_datetime(res["date"]),
                "value": res["value"].astype("float64"),
            }
        )

    def read_wide(
        self,
        symbols: Sequence[str] | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> pd.DataFrame:
        """Wide frame: a DatetimeIndex of every date any series has, one column per symbol."""
        long = self.read(symbols, start, end)
        wide = long.pivot(index="date", columns="symbol", values="value")
        wide.columns = wide.columns.astype(str)
        wide.columns.name = None
        wide.index.name = "date"
        if symbols is not None:
            wide = wide.reindex(columns=[s for s in symbols if s in wide.columns])
        return wide

    def _filters(
        self,
        symbols: Iterable[str] | None,
        start: dt.date | None,
        end: dt.date | None,
    ) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if symbols is not None:
            syms = list(symbols)
            if not syms:
                clauses.append("FALSE")
            else:
                clauses.append(f"symbol IN ({', '.join('?' * len(syms))})")
                params.extend(syms)
        if start is not None:
            clauses.append("date >= ?")
            params.append(start)
        if end is not None:
            clauses.append("date <= ?")
            params.append(end)
        return ("WHERE " + " AND ".join(clauses) if clauses else ""), params

    def coverage(self) -> pd.DataFrame:
        """Per symbol: first and last date, count, source, and catalogue metadata."""
        return self._con.execute(
            """SELECT o.symbol, s.name, s.asset_class, s.role, s.units, s.frequency, s.lag,
                      min(o.date) AS first, max(o.date) AS last, count(*) AS count,
                      any_value(s.source) AS source
               FROM observations o LEFT JOIN series s USING (symbol)
               GROUP BY o.symbol, s.name, s.asset_class, s.role, s.units, s.frequency, s.lag
               ORDER BY o.symbol"""
        ).df()

    def version(self) -> int:
        """The id of the last load (0 for a new store): changes whenever data may have."""
        row = self._con.execute("SELECT coalesce(max(id), 0) FROM load_log").fetchall()[0]
        return int(row[0])

    def last_dates(self) -> dict[str, dt.date]:
        """Last stored date per symbol (what an incremental update starts from)."""
        rows = self._con.execute(
            "SELECT symbol, max(date) FROM observations GROUP BY symbol"
        ).fetchall()
        return {r[0]: r[1] for r in rows}

    def fetched_at(self, sources: Iterable[str] | None = None) -> dict[str, dt.datetime]:
        """When each series was last written by a successful load (``series.updated_at``,
        naive UTC), by symbol; with ``sources``, only series last loaded from one of them
        (``update`` passes the live providers, so a series only ingested from a folder
        is not counted as fetched)."""
        if sources is None:
            rows = self._con.execute(
                "SELECT symbol, updated_at FROM series WHERE updated_at IS NOT NULL"
            ).fetchall()
        else:
            wanted = list(sources)
            if not wanted:
                return {}
            rows = self._con.execute(
                f"""SELECT symbol, updated_at FROM series WHERE updated_at IS NOT NULL
                    AND source IN ({", ".join("?" * len(wanted))})""",
                wanted,
            ).fetchall()
        return {r[0]: r[1] for r in rows}

    def series_meta(self) -> dict[str, dict[str, str]]:
        """The ``series`` table as symbol -> column -> value."""
        cur = self._con.execute(f"SELECT {', '.join(_SERIES_COLS)}, source FROM series")
        cols = [*_SERIES_COLS, "source"]
        return {row[0]: dict(zip(cols, row, strict=True)) for row in cur.fetchall()}

    def load_log(self, limit: int = 20) -> list[dict[str, Any]]:
        """The most recent loads, newest first."""
        cur = self._con.execute(
            """SELECT id, kind, source, started_at, finished_at, symbols, rows_written,
                      status, message FROM load_log ORDER BY id DESC LIMIT ?""",
            [limit],
        )
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]

    def count(self, symbol: str | None = None) -> int:
        """Number of stored observations (of one symbol, or all)."""
        if symbol is None:
            return int(self._con.execute("SELECT count(*) FROM observations").fetchall()[0][0])
        return int(
            self._con.execute(
                "SELECT count(*) FROM observations WHERE symbol = ?", [symbol]
            ).fetchall()[0][0]
        )

    def checksum(self) -> tuple[int, int]:
        """(row count, XOR of row hashes): an exact fingerprint to prove a store did not change.

        Integer XOR is order-independent, unlike a floating-point sum, so the fingerprint
        does not depend on how DuckDB parallelises the scan.
        """
        row = self._con.execute(
            "SELECT count(*), coalesce(bit_xor(hash(symbol, date, value)), 0) FROM observations"
        ).fetchall()[0]
        return int(row[0]), int(row[1])
