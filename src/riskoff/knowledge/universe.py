"""The universe: asset classes, their groups, the havens and the reference days.

Read once from ``riskoff/data/universe.toml`` (its header documents every field); every
module that needs a class list, a label, a group, the havens or the "312"/"519" days
reads it through :func:`universe` instead of keeping a copy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from riskoff.errors import DataFileError
from riskoff.knowledge._toml import (
    as_bool,
    as_str,
    as_str_list,
    as_table,
    as_tables,
    check_keys,
    parse_toml,
)

__all__ = [
    "STRESS_HOT_PCT",
    "STRESS_SEGMENTS",
    "AssetClassSpec",
    "Group",
    "MoveKind",
    "Universe",
    "parse_universe",
    "universe",
]

STRESS_SEGMENTS = ("funding", "equities", "rates", "fx", "credit", "volatility", "metals", "crypto")
"""The segments of riskoff's stress index, in the order of its columns
(``stress.<segment>``; ``stress.peak_segment`` is a position in this tuple). What each
measures: docs/stress_index.md; their names: the glossary (``stress.<segment>``)."""
STRESS_HOT_PCT = 0.9
"""A segment is "in stress" at or above this percentile of its own history to date
(``stress.breadth`` counts them)."""

MoveKind = Literal["log", "neg_diff", "neg_log", "basket"]
_KINDS: tuple[MoveKind, ...] = ("log", "neg_diff", "neg_log", "basket")

_CLASS_KEYS = (
    "id",
    "symbols",
    "kind",
    "source",
    "group",
    "heatmap",
    "price",
    "risk_price",
    "haven",
    "label",
    "name",
    "in_sentence",
    "yield_name",
    "range",
)


@dataclass(frozen=True)
class AssetClassSpec:
    """One asset class of the feature table (see ``universe.toml`` for each field)."""

    id: str
    symbols: tuple[str, ...]
    kind: MoveKind
    source: str
    group: str | None
    heatmap: str
    price: bool
    risk_price: bool
    haven: bool
    label: str
    name: str
    in_sentence: str
    yield_name: str | None = None
    range_symbols: tuple[str, ...] = ()
    """The sources of the day's range (low, high) in fallback order: series whose store
    holds ``SYMBOL@low`` siblings, each measured against its own close (``range``;
    empty: no range)."""


@dataclass(frozen=True)
class Group:
    """Classes that move as one market; ``risk``: counted as a risk market."""

    id: str
    risk: bool
    classes: tuple[str, ...]


@dataclass(frozen=True)
class Universe:
    """Everything ``universe.toml`` says, typed."""

    classes: tuple[AssetClassSpec, ...]
    groups: tuple[Group, ...]
    reference_days: Mapping[str, dt.date]

    def __getitem__(self, cls: str) -> AssetClassSpec:
        for c in self.classes:
            if c.id == cls:
                return c
        raise KeyError(cls)

    @property
    def ids(self) -> tuple[str, ...]:
        """Class ids in feature-table order."""
        return tuple(c.id for c in self.classes)

    @property
    def havens(self) -> tuple[str, ...]:
        """The haven classes, in table order."""
        return tuple(c.id for c in self.classes if c.haven)

    @property
    def price_classes(self) -> tuple[str, ...]:
        """Classes whose move is a price move (log return), in table order."""
        return tuple(c.id for c in self.classes if c.price)

    @property
    def yield_classes(self) -> frozenset[str]:
        """Classes whose move is minus a change of a yield in percentage points."""
        return frozenset(c.id for c in self.classes if not c.price)

    @property
    def risk_price_classes(self) -> tuple[str, ...]:
        """Risk assets' prices (read for the worst mover and crowded positions)."""
        return tuple(c.id for c in self.classes if c.risk_price)

    @property
    def group_members(self) -> dict[str, tuple[str, ...]]:
        """Group id to its classes, groups in file order."""
        return {g.id: g.classes for g in self.groups}

    @property
    def risk_groups(self) -> tuple[str, ...]:
        """The risk markets' groups."""
        return tuple(g.id for g in self.groups if g.risk)

    @property
    def heatmap_rows(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Heatmap row groups in order of first appearance, each with its classes."""
        rows: dict[str, list[str]] = {}
        for c in self.classes:
            rows.setdefault(c.heatmap, []).append(c.id)
        return tuple((k, tuple(v)) for k, v in rows.items())

    @property
    def labels(self) -> dict[str, str]:
        """Chart labels by class."""
        return {c.id: c.label for c in self.classes}

    @property
    def names(self) -> dict[str, str]:
        """Terse names (diagnosis lists and verdicts) by class."""
        return {c.id: c.name for c in self.classes}

    @property
    def in_sentence(self) -> dict[str, str]:
        """How the prose names each class."""
        return {c.id: c.in_sentence for c in self.classes}

    @property
    def yield_names(self) -> dict[str, str]:
        """How the prose names each yield class's yield."""
        return {c.id: c.yield_name for c in self.classes if c.yield_name}

    @property
    def sources(self) -> dict[str, str]:
        """The symbol cited as each class's source."""
        return {c.id: c.source for c in self.classes}


def _class(raw: Mapping[str, object], where: str, groups: Mapping[str, bool]) -> AssetClassSpec:
    cid = as_str(raw.get("id"), f"{where}: id")
    at = f"{where} {cid!r}"
    check_keys(raw, _CLASS_KEYS, at)
    for key in ("symbols", "kind", "heatmap", "label", "name", "in_sentence"):
        if key not in raw:
            raise DataFileError(f"{at}: missing {key!r}")
    symbols = as_str_list(raw["symbols"], f"{at}: symbols")
    if not symbols:
        raise DataFileError(f"{at}: symbols must not be empty")
    kind_raw = as_str(raw["kind"], f"{at}: kind")
    kind = next((k for k in _KINDS if k == kind_raw), None)
    if kind is None:
        raise DataFileError(f"{at}: kind must be one of {', '.join(_KINDS)}, got {kind_raw!r}")
    group = as_str(raw["group"], f"{at}: group") if "group" in raw else None
    if group is not None and group not in groups:
        raise DataFileError(f"{at}: group {group!r} is not a [[group]] ({', '.join(groups)})")
    price = as_bool(raw.get("price", True), f"{at}: price")
    yield_name = as_str(raw["yield_name"], f"{at}: yield_name") if "yield_name" in raw else None
    return AssetClassSpec(
        id=cid,
        symbols=symbols,
        kind=kind,
        source=as_str(raw.get("source", symbols[0]), f"{at}: source"),
        group=group,
        heatmap=as_str(raw["heatmap"], f"{at}: heatmap"),
        price=price,
        risk_price=as_bool(raw.get("risk_price", False), f"{at}: risk_price"),
        haven=as_bool(raw.get("haven", False), f"{at}: haven"),
        label=as_str(raw["label"], f"{at}: label"),
        name=as_str(raw["name"], f"{at}: name"),
        in_sentence=as_str(raw["in_sentence"], f"{at}: in_sentence"),
        yield_name=yield_name,
        range_symbols=as_str_list(raw["range"], f"{at}: range") if "range" in raw else (),
    )


def parse_universe(text: str, where: str = "universe.toml") -> Universe:
    """Parse and validate a universe file (one-line :class:`DataFileError` on any fault)."""
    doc = parse_toml(text, where)
    check_keys(doc, ("reference_days", "group", "class"), where)
    refs_raw = as_table(doc.get("reference_days", {}), f"{where}: [reference_days]")
    refs: dict[str, dt.date] = {}
    for name, day in refs_raw.items():
        if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
            raise DataFileError(f"{where}: reference day {name!r} must be a date, got {day!r}")
        refs[name] = day
    groups: dict[str, bool] = {}
    for i, g in enumerate(as_tables(doc.get("group"), f"{where}: [[group]]")):
        at = f"{where}: [[group]] #{i + 1}"
        check_keys(g, ("id", "risk"), at)
        gid = as_str(g.get("id"), f"{at}: id")
        if gid in groups:
            raise DataFileError(f"{at}: duplicate group {gid!r}")
        groups[gid] = as_bool(g.get("risk", False), f"{at}: risk")
    classes: list[AssetClassSpec] = []
    for i, c in enumerate(as_tables(doc.get("class"), f"{where}: [[class]]")):
        spec = _class(c, f"{where}: [[class]] #{i + 1}", groups)
        if any(x.id == spec.id for x in classes):
            raise DataFileError(f"{where}: duplicate class {spec.id!r}")
        classes.append(spec)
    if not classes:
        raise DataFileError(f"{where}: no [[class]]")
    members = {
        gid: (risk, tuple(c.id for c in classes if c.group == gid)) for gid, risk in groups.items()
    }
    return Universe(
        classes=tuple(classes),
        groups=tuple(Group(gid, risk, m) for gid, (risk, m) in members.items()),
        reference_days=refs,
    )


@cache
def universe() -> Universe:
    """The packaged universe (read once per process)."""
    text = resources.files("riskoff.data").joinpath("universe.toml").read_text("utf-8")
    return parse_universe(text, where="riskoff/data/universe.toml")
