"""Settings read from the environment. Nothing here does I/O at import time.

- ``RISKOFF_HOME``: folder holding ``riskoff.duckdb`` (default ``~/.riskoff``)
- ``RISKOFF_DATA``: an offline data folder with ``INDEX.csv``
- ``RISKOFF_<PROVIDER>_URL``: moves a live provider, e.g. to the bundled emulator; each
  provider declares its own variable (``riskoff.providers.registry.describe`` lists them:
  ``RISKOFF_FRED_URL``, ``RISKOFF_YAHOO_URL``, ``RISKOFF_EXCHANGE_URL``...)
- ``RISKOFF_DEADLINE``: seconds the whole ``riskoff update`` may take (default: each
  provider's own budget)
- ``FRED_API_KEY``: FRED API key (optional; the keyless CSV download otherwise)

The API key is kept out of ``repr`` so it never reaches a log or an error message.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from riskoff.errors import InputError

__all__ = ["Settings"]


@dataclass(frozen=True)
class Settings:
    """Where riskoff keeps its store and where its providers live."""

    home: Path
    data_dir: Path | None = None
    urls: Mapping[str, str] = field(default_factory=dict, hash=False)
    """Provider base URLs by environment variable (``RISKOFF_FRED_URL`` -> URL); a
    provider not named here uses its public default."""
    fred_api_key: str | None = field(default=None, repr=False)
    deadline: float | None = None
    """Seconds the whole update may take (``None``: each provider's own budget)."""

    def url(self, variable: str, default: str) -> str:
        """The base URL set for ``variable`` (without a trailing ``/``), else ``default``."""
        return (self.urls.get(variable) or default).rstrip("/")

    @property
    def store_path(self) -> Path:
        """The DuckDB file."""
        return self.home / "riskoff.duckdb"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Read the settings from ``os.environ`` (or a given mapping).

        Raises:
            InputError: ``RISKOFF_HOME`` names something that is not a folder.
        """
        env = dict(os.environ if environ is None else environ)
        home = Path(env.get("RISKOFF_HOME") or Path.home() / ".riskoff").expanduser()
        if home.exists() and not home.is_dir():
            from riskoff.errors import InputError

            raise InputError(f"RISKOFF_HOME {home} is a file, not a folder")
        data = env.get("RISKOFF_DATA")
        return cls(
            home=home,
            data_dir=Path(data).expanduser() if data else None,
            urls={
                k: v.rstrip("/")
                for k, v in env.items()
                if k.startswith("RISKOFF_") and k.endswith("_URL") and v.strip()
            },
            fred_api_key=env.get("FRED_API_KEY") or None,
            deadline=parse_deadline(env.get("RISKOFF_DEADLINE"), "RISKOFF_DEADLINE"),
        )


def parse_deadline(text: str | float | None, what: str) -> float | None:
    """Seconds from ``--deadline`` or ``RISKOFF_DEADLINE`` (``None`` or empty: no cap).

    Raises:
        InputError: not a finite number above zero.
    """
    import math

    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{what} must be a number of seconds, not {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"{what} must be a number of seconds above 0, not {text!r}")
    return value
