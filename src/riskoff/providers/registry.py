"""Which live provider serves which symbol: the symbol's prefix decides.

Providers are found through the entry-point group ``riskoff.providers`` (as xarray finds
its backends): each entry's name is a symbol prefix and its value a
:class:`~riskoff.providers.base.Provider` subclass. riskoff registers its own in
``pyproject.toml``::

    [project.entry-points."riskoff.providers"]
    fred = "riskoff.providers.fred:FredProvider"
    yahoo = "riskoff.providers.yahoo:YahooProvider"
    coinbase = "riskoff.providers.exchange:CoinbaseProvider"

and any installed package can add one the same way (``docs/plugins.md``). Everything
that lists providers (prefixes, ``--provider`` names, base-URL variables, help and error
messages) asks this module. Prefixes with no provider (``ofr:``, ``nyfed:``...) come
from a data folder through ``riskoff ingest``.

The entry points are read once per process; knowing whether a prefix is live needs only
their names, so no provider module is imported until one is used.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from riskoff.errors import InputError

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

    from riskoff.providers.base import Provider

__all__ = [
    "ENTRY_POINT_GROUP",
    "ProviderInfo",
    "describe",
    "group_names",
    "groups",
    "is_live",
    "live_prefixes",
    "prefixes_for_groups",
    "provider_class",
    "providers",
]

ENTRY_POINT_GROUP = "riskoff.providers"


@functools.cache
def _entry_points() -> dict[str, EntryPoint]:
    """Entry points of ``riskoff.providers`` by prefix (the first of a repeated name wins)."""
    from importlib.metadata import entry_points

    out: dict[str, EntryPoint] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        out.setdefault(ep.name.strip().lower(), ep)
    return dict(sorted(out.items()))


def live_prefixes() -> tuple[str, ...]:
    """Every prefix a registered provider serves, sorted (``coinbase``, ``fred``...)."""
    return tuple(_entry_points())


def is_live(symbol: str) -> bool:
    """True when a registered provider serves ``symbol``."""
    return symbol.split(":", 1)[0] in _entry_points()


@functools.cache
def provider_class(prefix: str) -> type[Provider]:
    """The provider class registered for a symbol prefix.

    Raises:
        InputError: no provider serves the prefix, or its plugin cannot be loaded or is
            not a provider for that prefix.
    """
    from riskoff.providers.base import Provider

    ep = _entry_points().get(prefix)
    if ep is None:
        raise InputError(
            f"no live provider for {prefix!r} symbols (live: {', '.join(live_prefixes())}); "
            "load them with 'riskoff ingest PATH'"
        )
    try:
        cls = ep.load()
    except Exception as exc:  # a broken plugin must not look like a riskoff bug
        raise InputError(
            f"the provider plugin {ep.value!r} for {prefix!r} cannot be loaded "
            f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
        ) from None
    if not (isinstance(cls, type) and issubclass(cls, Provider)) or cls.prefix != prefix:
        raise InputError(
            f"the provider plugin {ep.value!r} is not a riskoff Provider for {prefix!r} symbols"
        )
    return cls


def providers() -> dict[str, type[Provider]]:
    """Every registered provider class by prefix (imports each provider module)."""
    return {p: provider_class(p) for p in live_prefixes()}


@functools.cache
def groups() -> dict[str, tuple[str, ...]]:
    """``riskoff update --provider`` names -> the prefixes each selects."""
    out: dict[str, list[str]] = {}
    for prefix, cls in providers().items():
        for name in (*cls.groups, prefix):
            members = out.setdefault(name.lower(), [])
            if prefix not in members:
                members.append(prefix)
    return {k: tuple(v) for k, v in sorted(out.items())}


def group_names() -> list[str]:
    """The ``--provider`` names to show: each provider's first group, sorted."""
    return sorted({cls.groups[0] for cls in providers().values()})


def prefixes_for_groups(names: Iterable[str]) -> set[str]:
    """Symbol prefixes for ``--provider`` names such as ``fred,crypto``."""
    known = groups()
    out: set[str] = set()
    for raw in names:
        name = raw.strip().lower()
        if not name:
            continue
        if name not in known:
            raise InputError(
                f"unknown provider {raw.strip()!r} for --provider "
                f"(choose from {', '.join(group_names())})"
            )
        out.update(known[name])
    return out


@dataclass(frozen=True)
class ProviderInfo:
    """What a listing shows of one registered provider."""

    prefix: str
    groups: tuple[str, ...]
    display: str
    description: str
    url_env: str
    default_url: str
    rate_limit: float | None
    origin: str  # the entry point's value, e.g. ``riskoff.providers.fred:FredProvider``


def describe() -> list[ProviderInfo]:
    """One row per registered provider, by prefix."""
    eps = _entry_points()
    return [
        ProviderInfo(
            prefix=p,
            groups=cls.groups,
            display=cls.display,
            description=cls.description,
            url_env=cls.url_env,
            default_url=cls.default_url,
            rate_limit=cls.rate_limit,
            origin=eps[p].value,
        )
        for p, cls in providers().items()
    ]


def __getattr__(name: str) -> tuple[str, ...]:
    # ``LIVE_PREFIXES`` is read from the entry points on first use, not at import.
    if name == "LIVE_PREFIXES":
        return live_prefixes()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
