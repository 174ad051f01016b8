"""What every use-case shares: the settings, the catalogue, the store, and the one message
for a store that holds nothing yet."""

from __future__ import annotations

from typing import TYPE_CHECKING

from riskoff.config import Settings

# One class and one wording, defined beside the store's other errors (the store raises
# it too, for empty and foreign store files); re-exported here for the faces.
from riskoff.errors import EMPTY_STORE, EmptyStoreError

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
