"""The DuckDB store: every observation riskoff has, with its metadata and a load log."""

from riskoff.store.duckdb_store import LoadReport, Store, StoreIdentity

__all__ = ["LoadReport", "Store", "StoreIdentity"]
