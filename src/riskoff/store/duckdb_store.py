"""All of riskoff's SQL lives here.

Tables
------
``meta``          key/value: ``schema_version``, ``store_id`` (a random uuid4 written when
                  the store is created) and ``data_version`` (bumped by every committed
                  load that changed data); together they are :attr:`Store.identity`
``series``        one row per symbol: catalogue metadata plus where it came from
``observations``  (symbol, date, value, source, loaded_at), primary key (symbol, date)
``load_log``      one row per load (ingest or update): when, what, how many rows, outcome
``revisions``     every value a load replaced or removed: the old value, its source, when
                  it became known (``known_at``), when and by which source it was
                  replaced (``replaced_at``, ``replaced_by``) and why (``changed`` or
                  ``removed``)
``alerts``, ``alert_deliveries``, ``watch_state``  the watcher's (``riskoff watch``) alerts,
                  their sends and its rules' state: :mod:`riskoff.store.alerts`

``observations`` also records ``known_at`` (when its value became known: the load that
wrote it, or the vintage its source declared) and ``vanished_at`` (set when a later
snapshot of the same source no longer has the row; the value is kept).

Every load runs in one transaction: a crash or an error leaves the previous data intact,
and loading the same data twice changes nothing: no row, no ``updated_at`` and no
version is rewritten. A value is never overwritten or deleted without its old value
going to ``revisions``, and nothing is deleted unless the caller says ``force``.

Vintages: the value of (symbol, date) known at a moment T is the current row if its
``known_at`` <= T, else the revision with ``known_at`` <= T < ``replaced_at``: the
intervals of one key chain without overlap, so ``read(as_known_at=T)`` is one UNION.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riskoff.errors import (
    EMPTY_STORE,
    EmptyStoreError,
    InputError,
    StoreBusyError,
    StoreError,
)
from riskoff.store.alerts import ALERT_TABLES, AlertTables

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

    from riskoff.catalog import SeriesInfo

__all__ = ["SCHEMA_VERSION", "LoadReport", "Revision", "Store", "StoreIdentity"]

SCHEMA_VERSION = 4

EMPTY_HINT = EMPTY_STORE.split(": ", 1)[1]

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
    3: (
        "ALTER TABLE observations ADD COLUMN IF NOT EXISTS known_at TIMESTAMP",
        "ALTER TABLE observations ADD COLUMN IF NOT EXISTS vanished_at TIMESTAMP",
        """CREATE TABLE IF NOT EXISTS revisions (
            symbol VARCHAR NOT NULL, date DATE NOT NULL, value DOUBLE NOT NULL,
            source VARCHAR, known_at TIMESTAMP,
            replaced_at TIMESTAMP NOT NULL, replaced_by VARCHAR, reason VARCHAR NOT NULL)""",
    ),
    # 4: the watcher's alerts, their deliveries and its state (riskoff.store.alerts)
    4: ALERT_TABLES,
}

# The empty schema a read-only connection to a file without riskoff tables sees (as
# TEMP tables, so nothing is written): such a file reads exactly as an empty store.
_EMPTY_READ_SCHEMA: tuple[str, ...] = (
    "CREATE TEMP TABLE meta (key VARCHAR, value VARCHAR)",
    """CREATE TEMP TABLE series (symbol VARCHAR, name VARCHAR, description VARCHAR,
       asset_class VARCHAR, role VARCHAR, units VARCHAR, frequency VARCHAR, lag VARCHAR,
       adjusted VARCHAR, source VARCHAR, updated_at TIMESTAMP)""",
    """CREATE TEMP TABLE observations (symbol VARCHAR, date DATE, value DOUBLE,
       source VARCHAR, loaded_at TIMESTAMP, known_at TIMESTAMP, vanished_at TIMESTAMP)""",
    """CREATE TEMP TABLE load_log (id BIGINT, kind VARCHAR, source VARCHAR,
       started_at TIMESTAMP, finished_at TIMESTAMP, symbols INTEGER, rows_written BIGINT,
       status VARCHAR, message VARCHAR)""",
    """CREATE TEMP TABLE revisions (symbol VARCHAR, date DATE, value DOUBLE,
       source VARCHAR, known_at TIMESTAMP, replaced_at TIMESTAMP, replaced_by VARCHAR,
       reason VARCHAR)""",
)

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
    """What one load wrote, per symbol: rows in the batch, rows new or changed, of those
    the stored values it revised (old value kept in ``revisions``), rows removed after
    ``replace_after`` (kept in ``revisions`` too), and stored rows of the same source
    the batch no longer has (kept and marked ``vanished_at``)."""

    kind: str
    source: str
    rows_in: dict[str, int] = field(default_factory=dict)
    rows_changed: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    revised: dict[str, int] = field(default_factory=dict)
    vanished: dict[str, int] = field(default_factory=dict)

    @property
    def total_changed(self) -> int:
        """Rows inserted or updated across all symbols."""
        return sum(self.rows_changed.values())

    def summary(self, cut: dt.date | None = None) -> str:
        """One line: symbols, observations, new or changed, and what was revised,
        removed (after ``cut``) or found vanished."""
        parts = [
            f"{len(self.rows_in)} symbols",
            f"{sum(self.rows_in.values()):,} observations",
            f"{self.total_changed:,} new or changed",
        ]
        if self.revised:
            parts.append(f"{sum(self.revised.values()):,} revised (old values kept)")
        if self.removed or cut is not None:
            after = f" after {cut}" if cut is not None else ""
            kept = " (kept as revisions)" if self.removed else ""
            parts.append(f"{sum(self.removed.values()):,} removed{after}{kept}")
        if self.vanished:
            names = ", ".join(sorted(self.vanished)[:5])
            names += ", ..." if len(self.vanished) > 5 else ""
            parts.append(
                f"{sum(self.vanished.values()):,} stored rows no longer in the source, kept "
                f"({names})"
            )
        return ", ".join(parts)


@dataclass(frozen=True)
class Revision:
    """One value a load replaced (``changed``) or removed (``removed``)."""

    symbol: str
    date: dt.date
    value: float
    source: str | None
    known_at: dt.datetime | None
    replaced_at: dt.datetime
    replaced_by: str | None
    reason: str


def _one_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [""])[0]


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


class Store(AlertTables):
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
        self._legacy_columns = False
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
            if p.is_file() and p.stat().st_size == 0:
                # A file created and killed before DuckDB wrote its header holds nothing:
                # a reader sees an empty store, a writer starts a new one in its place.
                if read_only:
                    self._open_empty()
                    return
                p.unlink()
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
                if "not a valid duckdb database" in str(exc).lower():
                    raise EmptyStoreError(
                        f"{self.path} is not a riskoff store (not a DuckDB file); riskoff "
                        "will not overwrite it: move it away (or set RISKOFF_HOME), then "
                        + EMPTY_HINT
                    ) from None
                raise StoreError(f"cannot open the store {self.path}: {_one_line(exc)}") from None
            except duckdb.Error as exc:
                raise StoreError(f"cannot open the store {self.path}: {_one_line(exc)}") from None
        if not read_only:
            self._migrate()
        else:
            self._check_version()
            if not self._has_table("observations"):
                # A DuckDB file without riskoff tables (empty, foreign, or killed before
                # its first write committed) reads as an empty store.
                for stmt in _EMPTY_READ_SCHEMA:
                    self._con.execute(stmt)
            elif not self._has_table("revisions"):
                # A store from before schema 3, read before its next write migrates it.
                self._con.execute(_EMPTY_READ_SCHEMA[-1])
                self._legacy_columns = True

    def _open_empty(self) -> None:
        """Read as an empty store: an in-memory connection with the empty schema."""
        import duckdb

        self._con = duckdb.connect(":memory:")
        for stmt in _EMPTY_READ_SCHEMA:
            self._con.execute(stmt)

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

    def _legacy_identity(self) -> StoreIdentity | None:
        """The identity derived from a legacy store's first load (None: no load yet)."""
        if self._has_table("load_log"):
            first = self._con.execute(
                "SELECT started_at, source FROM load_log ORDER BY id LIMIT 1"
            ).fetchall()
            if first:
                last = self._con.execute("SELECT max(id) FROM load_log").fetchall()[0][0]
                key = f"{first[0][0].isoformat() if first[0][0] else ''}|{first[0][1] or ''}"
                return StoreIdentity(str(uuid.uuid5(_LEGACY_NAMESPACE, key)), int(last))
        return None

    def _derived_identity(self) -> StoreIdentity:
        """The identity a store gets when it has none stored: derived from its first
        load if it has one (see :class:`StoreIdentity`), else a new uuid4."""
        return self._legacy_identity() or StoreIdentity(str(uuid.uuid4()), 0)

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
        # No identity stored: a legacy store reads as its derived identity; a file with
        # no riskoff data (read-only) holds nothing, so every such file is the same store.
        return self._legacy_identity() or StoreIdentity("", 0)

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
        force: bool = False,
        snapshot: bool = False,
        known_at: dt.datetime | Mapping[str, dt.datetime] | None = None,
        fail_after: int | None = None,
        sources: Mapping[str, str] | None = None,
    ) -> LoadReport:
        """Upsert many series in one transaction, keeping every value it replaces.

        Args:
            frames: symbol -> frame with columns ``date`` and ``value`` (finite).
            infos: symbol -> metadata written to ``series``.
            kind: ``ingest`` or ``update``; recorded in the load log.
            source: where the data came from (a folder path or a provider name).
            replace_after: also remove stored observations of these symbols dated after
                this day (``ingest --until D --force``: the store is cut at that day);
                the removed values go to ``revisions``.
            force: let ``replace_after`` remove stored observations. Without it, a load
                that would remove any raises :class:`InputError` saying how many, and
                writes nothing.
            snapshot: each frame is the source's whole series (a folder): stored rows
                last written by the same source that the frame no longer has are marked
                ``vanished_at`` (and kept). Otherwise (an incremental update) only the
                stored rows inside the frame's date range are compared.
            known_at: when these values became known, if the source declares a vintage
                (one time or per symbol; naive UTC); default: the load's start time.
            fail_after: testing hook: raise after writing this many symbols, to prove
                that a failed load leaves the store as it was.
            sources: per-symbol source overriding ``source`` in ``observations`` and
                ``series`` (one update writes FRED, Yahoo and exchange series at once);
                the load log keeps ``source``.

        Returns:
            A :class:`LoadReport`. Nothing is written unless every symbol succeeds; a
            load that changes nothing writes nothing but its load-log row (an update
            also refreshes ``series.updated_at``, the time of its last fetch) and leaves
            :attr:`identity` as it was.
        """
        import numpy as np
        import pandas as pd

        if self.read_only:
            raise StoreError("the store is open read-only")
        if replace_after is not None and not force:
            doomed = self.count_after(frames, replace_after)
            if doomed:
                raise InputError(
                    f"this would remove {sum(doomed.values()):,} stored observations dated "
                    f"after {replace_after} ({len(doomed)} series); nothing was changed: "
                    "add --force to remove them (their values are kept as revisions)"
                )
        report = LoadReport(kind=kind, source=source)
        started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        parts: list[pd.DataFrame] = []
        scopes: list[tuple[str, str, dt.date | None, dt.date | None]] = []
        for symbol, frame in frames.items():
            src = (sources or {}).get(symbol, source)
            if isinstance(known_at, Mapping):
                vintage = known_at.get(symbol, started)
            else:
                vintage = known_at or started
            batch = pd.DataFrame(
                {
                    "symbol": symbol,
                    "date": pd.to_datetime(frame["date"]).dt.date,
                    "value": frame["value"].astype("float64"),
                    "src": src,
                    "known": pd.Timestamp(vintage),
                }
            )
            finite = np.isfinite(batch["value"].to_numpy())
            if not finite.all():
                bad = batch.loc[~finite].iloc[0]
                raise InputError(
                    f"{symbol}: value {bad['value']} on {bad['date']} is not a finite "
                    "number; nothing was loaded"
                )
            parts.append(batch)
            report.rows_in[symbol] = len(batch)
            report.rows_changed[symbol] = 0
            # Which stored rows this batch speaks for (the rest is not compared): all of
            # the source's rows for a snapshot, else those inside the batch's dates.
            if snapshot:
                scopes.append((symbol, src, None, replace_after))
            elif len(batch):
                scopes.append((symbol, src, batch["date"].min(), batch["date"].max()))
        columns = {"symbol": "str", "date": "object", "value": "float64", "src": "str"}
        incoming = (
            pd.concat(parts, ignore_index=True)
            if parts
            else pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()}).assign(
                known=pd.Series(dtype="datetime64[us]")
            )
        )
        scope = pd.DataFrame(scopes, columns=["symbol", "src", "lo", "hi"])
        con = self._con
        data_changed = False
        con.execute("BEGIN TRANSACTION")
        con.register("incoming", incoming)
        con.register("scope", scope)
        try:
            con.execute(
                """CREATE OR REPLACE TEMP TABLE changed AS
                   SELECT i.symbol, i.date, i.value, i.src, i.known,
                          o.value AS old_value, o.source AS old_source,
                          coalesce(o.known_at, o.loaded_at) AS old_known
                   FROM incoming i LEFT JOIN observations o
                     ON o.symbol = i.symbol AND o.date = i.date
                   WHERE o.value IS NULL OR o.value <> i.value"""
            )
            # Vintages never mix: an older edition of a source may not replace values a
            # newer edition of the same source wrote (their as-of intervals would cross).
            older = con.execute(
                """SELECT symbol, known, old_known FROM changed
                   WHERE old_value IS NOT NULL AND old_source = src AND known < old_known
                   ORDER BY symbol, date LIMIT 1"""
            ).fetchall()
            if older:
                sym, new_known, old_known = older[0]
                raise InputError(
                    f"{sym}: vintage {new_known:%Y-%m-%d %H:%M} of its source is older than "
                    f"the stored vintage {old_known:%Y-%m-%d %H:%M}; an older edition never "
                    "replaces a newer one: nothing was loaded"
                )
            for sym, n, revised in con.execute(
                """SELECT symbol, count(*), count(old_value) FROM changed GROUP BY symbol"""
            ).fetchall():
                report.rows_changed[sym] = int(n)
                if revised:
                    report.revised[sym] = int(revised)
            # replaced when the new value became known (its vintage; by default the
            # load's start), so as-of intervals of one key chain without overlap
            con.execute(
                """INSERT INTO revisions
                   SELECT symbol, date, old_value, old_source, old_known, known, src, 'changed'
                   FROM changed WHERE old_value IS NOT NULL"""
            )
            con.execute(
                """INSERT OR REPLACE INTO observations
                       (symbol, date, value, source, loaded_at, known_at, vanished_at)
                   SELECT symbol, date, value, src, ?, known, NULL FROM changed""",
                [started],
            )
            con.execute("DROP TABLE changed")
            back = self._count(
                """UPDATE observations o SET vanished_at = NULL FROM incoming i
                   WHERE o.vanished_at IS NOT NULL AND o.symbol = i.symbol
                     AND o.date = i.date""",
                [],
            )
            gone = con.execute(
                """UPDATE observations o SET vanished_at = ? FROM scope s
                   WHERE o.vanished_at IS NULL AND o.symbol = s.symbol AND o.source = s.src
                     AND (s.lo IS NULL OR o.date >= s.lo) AND (s.hi IS NULL OR o.date <= s.hi)
                     AND NOT EXISTS (SELECT 1 FROM incoming i
                                     WHERE i.symbol = o.symbol AND i.date = o.date)
                   RETURNING o.symbol""",
                [started],
            ).fetchall()
            for (sym,) in gone:
                report.vanished[sym] = report.vanished.get(sym, 0) + 1
            if replace_after is not None and frames:
                report.removed.update(self.count_after(frames, replace_after))
                names = list(report.removed)
                if names:
                    marks = ", ".join("?" * len(names))
                    con.execute(
                        f"""INSERT INTO revisions
                            SELECT o.symbol, o.date, o.value, o.source,
                                   coalesce(o.known_at, o.loaded_at), ?, s.src, 'removed'
                            FROM observations o
                            JOIN (SELECT DISTINCT symbol, src FROM incoming) s USING (symbol)
                            WHERE o.symbol IN ({marks}) AND o.date > ?""",
                        [started, *names, replace_after],
                    )
                    con.execute(
                        f"DELETE FROM observations WHERE symbol IN ({marks}) AND date > ?",
                        [*names, replace_after],
                    )
            data_changed = bool(report.total_changed or report.removed or report.vanished or back)
            stored_meta = {
                r[0]: list(r[1:])
                for r in con.execute(f"SELECT {', '.join(_SERIES_COLS)} FROM series").fetchall()
            }
            for symbol in frames:
                info = infos.get(symbol)
                if info is None:
                    continue
                values = [getattr(info, c) for c in _SERIES_COLS]
                meta_changed = stored_meta.get(symbol) != values[1:] or symbol not in stored_meta
                wrote = bool(
                    report.rows_changed.get(symbol)
                    or report.removed.get(symbol)
                    or report.vanished.get(symbol)
                )
                data_changed |= meta_changed
                if meta_changed or wrote or kind == "update":
                    con.execute(
                        f"""INSERT OR REPLACE INTO series
                            ({", ".join(_SERIES_COLS)}, source, updated_at)
                            VALUES ({", ".join("?" * len(_SERIES_COLS))}, ?, ?)""",
                        [*values, (sources or {}).get(symbol, source), started],
                    )
            if fail_after is not None and len(frames) > fail_after:
                raise StoreError(f"injected failure after {fail_after} symbols")
            if data_changed:
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
        finally:
            con.unregister("incoming")
            con.unregister("scope")
        return report

    def _count(self, sql: str, params: Sequence[object]) -> int:
        """Run an INSERT, UPDATE or DELETE and return the number of rows it touched."""
        row = self._con.execute(sql, params).fetchone()
        return int(row[0]) if row else 0

    def count_after(self, symbols: Iterable[str], day: dt.date) -> dict[str, int]:
        """Stored observations dated after ``day``, per symbol (those that have any):
        what ``load(replace_after=day, force=True)`` would remove."""
        wanted = list(symbols)
        if not wanted:
            return {}
        rows = self._con.execute(
            f"""SELECT symbol, count(*) FROM observations
                WHERE symbol IN ({", ".join("?" * len(wanted))}) AND date > ?
                GROUP BY symbol""",
            [*wanted, day],
        ).fetchall()
        return {r[0]: int(r[1]) for r in rows}

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
    def require_data(self) -> None:
        """Raise :class:`EmptyStoreError` (exit 2, 503 on the API) when the store holds
        no observation: a new store, an empty or foreign DuckDB file."""
        if not self._con.execute("SELECT 1 FROM observations LIMIT 1").fetchall():
            raise EmptyStoreError(EMPTY_STORE)

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
        *,
        as_known_at: dt.datetime | None = None,
    ) -> pd.DataFrame:
        """Long frame ``symbol, date, value`` sorted by symbol and date; without
        ``symbols``, every series but the day's range siblings (``SYMBOL@low``: read
        only when named).

        With ``as_known_at``, the values the store knew at that moment (naive UTC, or
        aware): each row's value as it was before any later revision, without rows
        that became known later and with rows removed later (vintages).
        """
        import pandas as pd

        where, params = self._filters(symbols, start, end)
        table = "observations"
        if as_known_at is not None:
            t = as_known_at
            if t.tzinfo is not None:
                t = t.astimezone(dt.UTC).replace(tzinfo=None)
            known = "loaded_at" if self._legacy_columns else "coalesce(known_at, loaded_at)"
            table = f"""(SELECT symbol, date, value FROM observations
                         WHERE {known} IS NULL OR {known} <= ?
                         UNION ALL
                         SELECT symbol, date, value FROM revisions
                         WHERE (known_at IS NULL OR known_at <= ?) AND replaced_at > ?)"""
            params = [t, t, t, *params]
        res = self._con.execute(
            f"SELECT symbol, date, value FROM {table} {where} ORDER BY symbol, date",
            params,
        ).fetchnumpy()
        return pd.DataFrame(
            {
                "symbol": pd.Categorical(res["symbol"]),
                "date": pd.to_datetime(res["date"]),
                "value": res["value"].astype("float64"),
            }
        )

    def newest_vintages(self, sources: Mapping[str, str]) -> dict[str, dt.datetime]:
        """For each ``symbol -> source``, when the newest values that source wrote became
        known (its newest stored edition); symbols the source never wrote are absent. An
        update compares a fetched edition with it before loading (an older edition never
        replaces a newer one of the same source)."""
        if not sources:
            return {}
        known = "loaded_at" if self._legacy_columns else "coalesce(known_at, loaded_at)"
        where = " OR ".join(["(symbol = ? AND source = ?)"] * len(sources))
        rows = self._con.execute(
            f"""SELECT symbol, max({known}) FROM observations WHERE {where} GROUP BY symbol""",
            [v for pair in sources.items() for v in pair],
        ).fetchall()
        return {str(sym): t for sym, t in rows if t is not None}

    def editions(self, symbols: Iterable[str]) -> dict[str, tuple[dt.datetime, ...]]:
        """When each edition (vintage) of each symbol became known, oldest first: the
        moments ``read(as_known_at=)`` can tell apart (symbols without data are absent)."""
        syms = list(symbols)
        if not syms:
            return {}
        marks = ", ".join("?" * len(syms))
        known = "loaded_at" if self._legacy_columns else "coalesce(known_at, loaded_at)"
        rows = self._con.execute(
            f"""SELECT DISTINCT symbol, t FROM (
                    SELECT symbol, {known} AS t FROM observations WHERE symbol IN ({marks})
                    UNION ALL
                    SELECT symbol, known_at AS t FROM revisions
                    WHERE symbol IN ({marks}) AND known_at IS NOT NULL)
                WHERE t IS NOT NULL ORDER BY symbol, t""",
            [*syms, *syms],
        ).fetchall()
        out: dict[str, list[dt.datetime]] = {}
        for sym, t in rows:
            out.setdefault(str(sym), []).append(t)
        return {k: tuple(v) for k, v in out.items()}

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
        else:
            # the day's range series (SYMBOL@high, @low, @open) are read only when named
            clauses.append("NOT contains(symbol, '@')")
        if start is not None:
            clauses.append("date >= ?")
            params.append(start)
        if end is not None:
            clauses.append("date <= ?")
            params.append(end)
        return ("WHERE " + " AND ".join(clauses) if clauses else ""), params

    def revisions(self, symbol: str) -> list[Revision]:
        """Every stored value of ``symbol`` that a load replaced or removed, newest first."""
        rows = self._con.execute(
            """SELECT symbol, date, value, source, known_at, replaced_at, replaced_by, reason
               FROM revisions WHERE symbol = ? ORDER BY replaced_at DESC, date""",
            [symbol],
        ).fetchall()
        return [Revision(*r) for r in rows]

    def vanished(self, symbol: str) -> list[tuple[dt.date, float, str | None, dt.datetime]]:
        """Rows of ``symbol`` kept although their source no longer has them:
        (date, value, source, when that was noticed), by date."""
        if self._legacy_columns:
            return []
        rows = self._con.execute(
            """SELECT date, value, source, vanished_at FROM observations
               WHERE symbol = ? AND vanished_at IS NOT NULL ORDER BY date""",
            [symbol],
        ).fetchall()
        return [(r[0], float(r[1]), r[2], r[3]) for r in rows]

    def revision_rows(self, symbol: str) -> list[dict[str, str | float | None]]:
        """What ``riskoff series SYMBOL --revisions`` shows, JSON-ready: every replaced
        or removed value (reason ``changed`` or ``removed``) and every row kept although
        its source no longer has it (reason ``vanished``), newest first."""

        def iso(t: dt.date | dt.datetime | None) -> str | None:
            return None if t is None else t.isoformat()

        rows: list[dict[str, str | float | None]] = [
            {
                "date": iso(r.date),
                "value": r.value,
                "source": r.source,
                "known_at": iso(r.known_at),
                "replaced_at": iso(r.replaced_at),
                "replaced_by": r.replaced_by,
                "reason": r.reason,
            }
            for r in self.revisions(symbol)
        ]
        for day, value, source, when in self.vanished(symbol):
            rows.append(
                {
                    "date": iso(day),
                    "value": value,
                    "source": source,
                    "known_at": None,
                    "replaced_at": iso(when),
                    "replaced_by": None,
                    "reason": "vanished",
                }
            )
        rows.sort(key=lambda r: (str(r["replaced_at"]), str(r["date"])), reverse=True)
        return rows

    def coverage(self) -> pd.DataFrame:
        """Per symbol: first and last date, count, source, and catalogue metadata."""
        return self._con.execute(
            """SELECT o.symbol, s.name, s.asset_class, s.role, s.units, s.frequency, s.lag,
                      min(o.date) AS first, max(o.date) AS last, count(*) AS count,
                      any_value(s.source) AS source
               FROM observations o LEFT JOIN series s USING (symbol)
               WHERE NOT contains(o.symbol, '@')
               GROUP BY o.symbol, s.name, s.asset_class, s.role, s.units, s.frequency, s.lag
               ORDER BY o.symbol"""
        ).df()

    def version(self) -> int:
        """The id of the last load (0 for a new store), failed loads included.

        Not a cache key: it restarts at 1 in a recreated store and moves on loads that
        changed nothing; key caches on :attr:`identity` instead."""
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
