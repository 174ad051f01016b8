"""riskoff's exceptions and warnings.

Every error a user can cause, or a provider can send, is a :class:`RiskoffError`.
The command line prints such errors as one line and exits with code 2 (bad input)
or 1 (a failure that is not the user's fault). Anything else is a bug.

Tree::

    RiskoffError
    ├── InputError               bad input from the user (exit 2)
    │   ├── BadDateError         a malformed, impossible or reversed date or window
    │   ├── UnknownSymbolError   a symbol the catalogue and the store do not know
    │   ├── DataFileError        a data file or INDEX.csv that cannot be read
    │   └── PortfolioError       a malformed portfolio file
    ├── StoreError               the DuckDB store cannot be opened, read or written
    │   ├── StoreBusyError       another process holds the write lock (exit 2)
    │   └── EmptyStoreError      the store file holds no riskoff data (exit 2)
    ├── ProviderError            a live provider failed (network, HTTP, payload)
    │   ├── ProviderUnavailable  no network / connection refused
    │   ├── RateLimitedError     429 after all retries
    │   ├── UnauthorizedError    the API key was rejected
    │   ├── DeadlineError        not reached before the update's deadline
    │   └── EmptyDataError       the provider answered with no observations
    └── InsufficientDataError    not enough history to compute what was asked

    RiskoffWarning               our own warnings (errors inside the test suite)
"""

from __future__ import annotations

__all__ = [
    "BadDateError",
    "DataFileError",
    "DeadlineError",
    "EmptyDataError",
    "EmptyStoreError",
    "InputError",
    "InsufficientDataError",
    "PortfolioError",
    "ProviderError",
    "ProviderUnavailable",
    "RateLimitedError",
    "RiskoffError",
    "RiskoffWarning",
    "StoreBusyError",
    "StoreError",
    "UnauthorizedError",
    "UnknownSymbolError",
]


class RiskoffError(Exception):
    """Base of every error riskoff raises on purpose."""

    exit_code: int = 1


class InputError(RiskoffError):
    """The user gave riskoff something it cannot use."""

    exit_code = 2


class BadDateError(InputError):
    """A malformed, impossible, out-of-range or reversed date or window."""


class UnknownSymbolError(InputError):
    """A symbol neither the catalogue nor the store knows."""


class DataFileError(InputError):
    """A data file (or INDEX.csv) that cannot be read; the message names file and reason."""


class PortfolioError(InputError):
    """A portfolio file that cannot be used."""


class StoreError(RiskoffError):
    """The store cannot be opened, read or written."""


class StoreBusyError(StoreError):
    """Another process is writing to the store."""

    exit_code = 2


EMPTY_STORE = "the store is empty: load data with 'riskoff ingest PATH' or 'riskoff update'"
"""The one wording of "there is nothing to read yet", used by every face."""


class EmptyStoreError(StoreError):
    """The store holds no riskoff data: no file yet, a new store, an empty or foreign
    DuckDB file, or a file that is not a riskoff store at all.

    Exit code 2 with the hint to load data; the web API answers 503 like any store error.
    """

    exit_code = 2

    def __init__(self, message: str = EMPTY_STORE) -> None:
        super().__init__(message)


class ProviderError(RiskoffError):
    """A live data provider failed."""


class ProviderUnavailable(ProviderError):
    """The provider cannot be reached at all (no network, connection refused)."""


class RateLimitedError(ProviderError):
    """The provider kept answering 429 after every retry."""


class UnauthorizedError(ProviderError):
    """The provider rejected the API key."""

    exit_code = 2


class DeadlineError(ProviderError):
    """The series was not fetched before the provider's or the update's deadline."""


class EmptyDataError(ProviderError):
    """The provider answered, but with no observations."""


class InsufficientDataError(RiskoffError):
    """Not enough history to compute what was asked."""

    exit_code = 2


class RiskoffWarning(UserWarning):
    """A warning from riskoff (turned into an error in the test suite)."""
