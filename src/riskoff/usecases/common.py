"""What every use-case shares: the settings, the catalogue, the store, and the one message
for a store that holds nothing yet."""

from __future__ import annotations

from typing import TYPE_CHECKING

from riskoff.config import Settings
from riskoff.errors import StoreError

if TYPE_CHECKING:
    from riskoff.catalog import Catalog
    from riskoff.store import Store

__all__ = [
    "EMPTY_STORE",
    "EmptyStoreError",
    "load_catalog",
    "open_store",
    "require_store",
    "settings_or_env",
]

EMPTY_STORE = "the store is empty: load data with 'riskoff ingest PATH' or 'riskoff update'"
"""The one wording of "there is nothing to read yet", used by every face."""


class EmptyStoreError(StoreError):
    """The store holds nothing yet: a one-line exit 2 on the command line, 503 on the API."""

    exit_code = 2

    def __init__(self, message: str = EMPTY_STORE) -> None:
        super().__init__(message)


def settings_or_env(settings: Settings | None) -> Settings:
    """``settings``, or the environment's."""
    return settings or Settings.from_env()


def require_store(settings: Settings) -> None:
    """Raise :class:`EmptyStoreError` when there is no store file to read."""
    if not settings.store_path.exists():
        raise EmptyStoreError()


def open_store(settings: Settings | None = None, *, read_only: bool = False) -> Store:
    """Open the store at ``$RISKOFF_HOME/riskoff.duckdb``."""
    from riskoff.store import Store

    return Store(settings_or_env(settings).store_path, read_only=read_only)


def load_catalog(settings: Settings | None = None) -> Catalog:
    """The packaged catalogue plus the user's additions."""
    from riskoff.catalog import Catalog

    return Catalog.default(settings_or_env(settings).home)
