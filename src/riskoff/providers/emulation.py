"""What a provider ships so that the local emulator can stand in for it.

:class:`riskoff.testing.emulator.Emulator` knows no provider by name: for every provider
registered under ``riskoff.providers`` it loads the class named by the provider's
``emulator`` attribute (a :class:`Routes` subclass, usually in the provider's own module)
and asks it

- which requests are its own (:meth:`Routes.route`: URL -> endpoint and symbol),
- what a good answer looks like (:meth:`Routes.serve`),
- and how the source says "no such series", "bad key" and "too many requests".

Faults (429, 500, reset, truncate, malformed, empty, hang...) are applied by the emulator
itself, the same way for every provider. This module is light (no numpy, no server):
provider modules import it only inside their emulator classes.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    import numpy as np
    import numpy.typing as npt


__all__ = [
    "Answer",
    "EmulatedSeries",
    "Emulator",
    "Routes",
    "day_number",
    "hour_number",
    "json_answer",
]


class Emulator(Protocol):
    """What a provider's routes may ask of the running emulator.

    :class:`riskoff.testing.emulator.Emulator` implements it; the protocol keeps the
    providers below the test harness in the layers of ``.importlinter``.
    """

    reject_keys: set[str]
    until: dt.date | None

    def folder_file(self, symbol: str) -> Path | None:
        """The data-folder file ``symbol`` is read from (its last INDEX row), or ``None``:
        routes that serve a source's own file format may send it as it is."""
        ...

    def folder_series(self, symbol: str) -> EmulatedSeries | None:
        """The data-folder series the emulator serves for ``symbol``."""
        ...

    def hourly_series(self, symbol: str) -> EmulatedSeries | None:
        """An hourly series a test set for ``symbol`` (``days`` hold hours since
        1970-01-01 00:00 UTC), or ``None``."""
        ...


_EPOCH = dt.date(1970, 1, 1)


def day_number(text: str | None) -> int | None:
    """Days since 1970-01-01 of an ISO date or date-time (``None`` when absent, ``-1``
    when it does not parse)."""
    if not text:
        return None
    try:
        if len(text) > 10:
            stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            return (stamp.date() - _EPOCH).days
        return (dt.date.fromisoformat(text) - _EPOCH).days
    except ValueError:
        return -1


def hour_number(text: str | None) -> int | None:
    """Hours since 1970-01-01 00:00 UTC of an ISO date-time (``None`` when absent, ``-1``
    when it does not parse); a date alone is its midnight."""
    if not text:
        return None
    try:
        stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return -1
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    return int(stamp.timestamp() // 3600)


@dataclass
class Answer:
    """One HTTP answer of the emulator."""

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def json_answer(status: int, obj: object, **headers: str) -> Answer:
    """A compact JSON answer."""
    return Answer(status, json.dumps(obj, separators=(",", ":")).encode(), headers=headers)


@dataclass
class EmulatedSeries:
    """One series as the emulator holds it: days since 1970-01-01 and values, sorted.

    ``memo`` is the routes' own cache (payload pieces built once per series).
    """

    symbol: str
    days: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]
    adjusted: bool = False
    business_daily: bool = True
    memo: dict[str, Any] = field(default_factory=dict)


class Routes:
    """A provider's emulator: subclass it and set :attr:`prefix`.

    Attributes:
        prefix: the symbol prefix these routes serve (the provider's prefix).
        limit: requests per sliding second the emulator allows before answering 429
            (``None``: unlimited), as the real source would.
    """

    prefix: ClassVar[str]
    limit: ClassVar[int | None] = None

    def route(self, path: str, query: Mapping[str, str]) -> tuple[str, str] | None:
        """``(endpoint, prefixed symbol)`` when the request is for this source, else None."""
        raise NotImplementedError

    def serve(
        self, emu: Emulator, endpoint: str, symbol: str, query: Mapping[str, str], *, empty: bool
    ) -> Answer:
        """The normal answer (``empty``: the same with no observations)."""
        raise NotImplementedError

    def series(self, emu: Emulator, symbol: str) -> EmulatedSeries | None:
        """The data served for ``symbol`` (default: the emulator's data folder)."""
        return emu.folder_series(symbol)

    def prepare(self, series: EmulatedSeries) -> None:
        """Called once when a series is read from the data folder (e.g. to stamp bars)."""

    def unknown(self, endpoint: str) -> Answer:
        """The source's "no such series" answer."""
        return json_answer(404, {"message": "NotFound"})

    def unauthorized(self, endpoint: str) -> Answer:
        """The source's "bad key" answer."""
        return json_answer(401, {"message": "Unauthorized."})

    def too_many(self, endpoint: str, headers: dict[str, str]) -> Answer:
        """The source's 429 answer, with ``headers`` (``Retry-After``) set."""
        return json_answer(429, {"message": "Too Many Requests"}, **headers)

    def malformed(
        self, emu: Emulator, endpoint: str, symbol: str, query: Mapping[str, str]
    ) -> Answer:
        """A 200 whose body does not parse (default: a third of the good body, then junk)."""
        good = self.serve(emu, endpoint, symbol, query, empty=False)
        return Answer(200, good.body[: max(1, len(good.body) // 3)] + b"}{,]", good.content_type)
