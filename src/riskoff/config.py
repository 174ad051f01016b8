"""Settings read from the environment. Nothing here does I/O at import time.

- ``RISKOFF_HOME``: folder holding ``riskoff.duckdb`` (default ``~/.riskoff``)
- ``RISKOFF_DATA``: an offline data folder with ``INDEX.csv``
- ``RISKOFF_FRED_URL``: base URL of the FRED API and graph CSV (default FRED's own)
- ``RISKOFF_YAHOO_URL``: base URL of the Yahoo chart API (default Yahoo's own)
- ``RISKOFF_EXCHANGE_URL``: base URL of the exchange's public API (default Coinbase Exchange)
- ``FRED_API_KEY``: FRED API key (optional; the keyless CSV download otherwise)

The API key is kept out of ``repr`` so it never reaches a log or an error message.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Settings"]

DEFAULT_FRED_URL = "https://api.stlouisfed.org"
DEFAULT_FRED_CSV_URL = "https://fred.stlouisfed.org"
DEFAULT_YAHOO_URL = "https://query2.finance.yahoo.com"
DEFAULT_EXCHANGE_URL = "https://api.exchange.coinbase.com"


@dataclass(frozen=True)
class Settings:
    """Where riskoff keeps its store and where its providers live."""

    home: Path
    data_dir: Path | None = None
    fred_url: str = DEFAULT_FRED_URL
    fred_csv_url: str = DEFAULT_FRED_CSV_URL
    yahoo_url: str = DEFAULT_YAHOO_URL
    exchange_url: str = DEFAULT_EXCHANGE_URL
    fred_api_key: str | None = field(default=None, repr=False)

    @property
    def store_path(self) -> Path:
        """The DuckDB file."""
        return self.home / "riskoff.duckdb"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Read the settings from ``os.environ`` (or a given mapping)."""
        env = dict(os.environ if environ is None else environ)
        home = Path(env.get("RISKOFF_HOME") or Path.home() / ".riskoff").expanduser()
        data = env.get("RISKOFF_DATA")
        fred = env.get("RISKOFF_FRED_URL")
        return cls(
            home=home,
            data_dir=Path(data).expanduser() if data else None,
            fred_url=(fred or DEFAULT_FRED_URL).rstrip("/"),
            # a local emulator answers both the API and the CSV download on one base URL
            fred_csv_url=(fred or DEFAULT_FRED_CSV_URL).rstrip("/"),
            yahoo_url=(env.get("RISKOFF_YAHOO_URL") or DEFAULT_YAHOO_URL).rstrip("/"),
            exchange_url=(env.get("RISKOFF_EXCHANGE_URL") or DEFAULT_EXCHANGE_URL).rstrip("/"),
            fred_api_key=env.get("FRED_API_KEY") or None,
        )
