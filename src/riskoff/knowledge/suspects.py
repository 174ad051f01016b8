"""Suspect fingerprints: declarative data, loaded from TOML.

The default fingerprints ship as ``riskoff/data/suspects.toml``. A user adds or
reweights suspects in ``$RISKOFF_HOME/suspects.toml`` (same format) without touching the
engine: a ``[[suspect]]`` with a new ``id`` is added; one with a known ``id`` replaces the
fields it gives (``checks`` replaces the whole list); ``weights = {check_id = w}`` only
reweights named checks; ``enabled = false`` drops a suspect.

A check reads one number (a feature column, a derived ``dx.*`` value, or the value of a
named check function, built in or from a ``riskoff.checks`` plugin) and turns it into a
signed strength with two linear ramps::

    supports    = [a, b]   # 0 at a, full support at b (b < a means lower values support)
    contradicts = [c, d]   # 0 at c, full contradiction at d

Thresholds are in the feature's own units (sigmas, percentiles, basis points, log moves);
``scale = "sqrt_days"`` widens them by the square root of the window length for raw moves.

Every fault in a file (unknown key, wrong type, a number that is not finite, a negative
weight, an unknown check function) is one :class:`~riskoff.errors.DataFileError` line
naming the file and the entry. The names and headlines the report and the dashboard
print come from here too (:func:`suspect_names`): nothing else keeps a copy.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast

from riskoff.errors import DataFileError
from riskoff.knowledge._toml import (
    as_bool,
    as_float,
    as_str,
    as_table,
    as_tables,
    check_keys,
    parse_toml,
    read_text,
)

__all__ = [
    "Check",
    "Era",
    "Ramp",
    "Suspect",
    "SuspectName",
    "load_suspects",
    "parse_suspects",
    "suspect_label",
    "suspect_names",
    "suspect_phrase",
]

Scale = Literal["none", "sqrt_days"]
Family = Literal["prices", "newspapers"]
"""What a check reads: market prices (the default) or what the newspapers wrote."""

NEWSPAPERS_REACH = 0.5
"""The default of a suspect's ``newspapers`` reach: the score its newspaper checks alone,
all at full strength, lift it to (``docs/suspects.md``, "Two kinds of evidence")."""

_SUSPECT_KEYS = (
    "id",
    "label",
    "headline",
    "phrase",
    "description",
    "checks",
    "weights",
    "enabled",
    "eras",
    "newspapers",
)
_ERA_KEYS = ("until", "label", "headline", "phrase")
_TEXT_KEYS = ("label", "description", "headline", "phrase")
_CHECK_KEYS = (
    "id",
    "feature",
    "fn",
    "indicator",
    "params",
    "key",
    "requires",
    "weight",
    "supports",
    "contradicts",
    "baseline",
    "sources",
    "for",
    "against",
    "scale",
    "daily_only",
    "family",
)


@dataclass(frozen=True)
class Ramp:
    """A linear ramp: 0 at ``start``, 1 at ``full``, clipped to 0..1 (either direction)."""

    start: float
    full: float

    def __call__(self, x: float, factor: float = 1.0) -> float:
        a, b = self.start * factor, self.full * factor
        t = (x - a) / (b - a)
        return 0.0 if t <= 0 else 1.0 if t >= 1 else t


@dataclass(frozen=True)
class Check:
    """One piece of a fingerprint: a number, how it argues, and what to say."""

    id: str
    indicator: str
    weight: float
    supports: Ramp | None
    contradicts: Ramp | None
    baseline: str
    text_for: str
    text_against: str
    fn: str | None = None
    feature: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    key: bool = False
    requires: bool = False
    scale: Scale = "none"
    daily_only: bool = False
    sources: tuple[str, ...] = ()
    family: Family = "prices"

    def strength(self, value: float, n_days: int = 1) -> float:
        """Signed strength in -1..1: positive supports the suspect, negative contradicts."""
        factor = math.sqrt(max(n_days, 1)) if self.scale == "sqrt_days" else 1.0
        s = self.supports(value, factor) if self.supports else 0.0
        c = self.contradicts(value, factor) if self.contradicts else 0.0
        return s - c


@dataclass(frozen=True)
class Era:
    """How a suspect is named up to a day (inclusive): a story has its era's words (the
    dot-com bust was tech leadership, not "AI"). The suspect's own names hold after its
    last era."""

    until: dt.date
    label: str
    headline: str
    phrase: str = ""


@dataclass(frozen=True)
class Suspect:
    """A suspect: who, what the story is, and the checks that test the story.

    ``headline`` names it in the verdict; ``phrase`` in the report's running prose
    (the headline when the file gives none).
    """

    id: str
    label: str
    description: str
    headline: str
    checks: tuple[Check, ...]
    phrase: str = ""
    eras: tuple[Era, ...] = ()
    newspapers: float = NEWSPAPERS_REACH
    """How far the newspapers alone can lift the score (0..1): see the engine."""

    def named_on(self, day: dt.date) -> Suspect:
        """The suspect with the names of the era ``day`` falls in (itself after them)."""
        for era in sorted(self.eras, key=lambda e: e.until):
            if day <= era.until:
                return replace(
                    self,
                    label=era.label,
                    headline=era.headline,
                    phrase=era.phrase or era.headline,
                )
        return self

    @property
    def total_weight(self) -> float:
        """Sum of all check weights."""
        return sum(c.weight for c in self.checks)


@dataclass(frozen=True)
class SuspectName:
    """How a suspect is named: ``label`` (charts, tables), ``phrase`` (prose)."""

    label: str
    phrase: str


def _ramp(raw: Any, where: str) -> Ramp | None:
    if raw is None:
        return None
    if not (isinstance(raw, Sequence) and not isinstance(raw, str) and len(raw) == 2):
        raise DataFileError(f"{where}: a ramp must be [start, full], got {raw!r}")
    a = as_float(raw[0], f"{where}: ramp start")
    b = as_float(raw[1], f"{where}: ramp full")
    if a == b:
        raise DataFileError(f"{where}: a ramp needs start != full, got {raw!r}")
    return Ramp(a, b)


def _check_terms(terms: Any, where: str) -> None:
    """``terms`` of a compound check: ``[feature, start, full]`` each (start != full),
    optionally followed by an "unless" ramp ``other, start2, full2``."""
    if not (isinstance(terms, Sequence) and not isinstance(terms, str) and terms):
        raise DataFileError(f"{where}: params.terms must be a non-empty list of terms")
    for term in terms:
        ok = isinstance(term, Sequence) and not isinstance(term, str) and len(term) in (3, 6)
        if ok:
            names, nums = [term[0], *term[3:4]], [*term[1:3], *term[4:6]]
            ok = (
                all(isinstance(n, str) for n in names)
                and all(
                    isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
                    for x in nums
                )
                and all(nums[k] != nums[k + 1] for k in range(0, len(nums), 2))
            )
        if not ok:
            raise DataFileError(
                f"{where}: a term is [feature, start, full] or "
                f"[feature, start, full, other, start, full], got {term!r}"
            )


def _check(raw: Mapping[str, Any], where: str, checks: Collection[str] | None) -> Check:
    check_keys(raw, _CHECK_KEYS, where)
    fn = as_str(raw["fn"], f"{where}: fn") if "fn" in raw else None
    feature = as_str(raw["feature"], f"{where}: feature") if "feature" in raw else None
    if not fn and not feature:
        raise DataFileError(f"{where}: a check needs 'feature' or 'fn'")
    if fn and checks is not None and fn not in checks:
        known = ", ".join(sorted(checks))
        raise DataFileError(f"{where}: unknown check function {fn!r} (known: {known})")
    params = dict(as_table(raw.get("params", {}), f"{where}: params"))
    if fn in ("any_of", "all_of"):
        _check_terms(params.get("terms"), f"{where}: {fn}")
    indicator = as_str(raw.get("indicator") or feature or fn, f"{where}: indicator")
    supports = _ramp(raw.get("supports"), f"{where}: supports")
    contradicts = _ramp(raw.get("contradicts"), f"{where}: contradicts")
    if supports is None and contradicts is None:
        raise DataFileError(f"{where}: check {indicator!r} has neither supports nor contradicts")
    scale = as_str(raw.get("scale", "none"), f"{where}: scale")
    if scale not in ("none", "sqrt_days"):
        raise DataFileError(f"{where}: scale must be 'none' or 'sqrt_days', got {scale!r}")
    family = as_str(raw.get("family", "prices"), f"{where}: family")
    if family not in ("prices", "newspapers"):
        raise DataFileError(f"{where}: family must be 'prices' or 'newspapers', got {family!r}")
    sources = raw.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise DataFileError(f"{where}: sources must be a list of symbols, got {sources!r}")
    return Check(
        id=as_str(raw.get("id") or indicator, f"{where}: id"),
        indicator=indicator,
        weight=as_float(raw.get("weight", 1.0), f"{where}: weight", min_value=0.0),
        supports=supports,
        contradicts=contradicts,
        baseline=as_str(raw.get("baseline", ""), f"{where}: baseline"),
        text_for=as_str(raw.get("for", ""), f"{where}: for"),
        text_against=as_str(raw.get("against", ""), f"{where}: against"),
        fn=fn or None,
        feature=feature or None,
        params=params,
        key=as_bool(raw.get("key", False), f"{where}: key"),
        requires=as_bool(raw.get("requires", False), f"{where}: requires"),
        scale=cast(Scale, scale),
        daily_only=as_bool(raw.get("daily_only", False), f"{where}: daily_only"),
        sources=tuple(sources),
        family=cast(Family, family),
    )


def _checks(
    raw: Mapping[str, Any], where: str, checks: Collection[str] | None
) -> tuple[Check, ...]:
    return tuple(
        _check(c, f"{where} check #{i + 1}", checks)
        for i, c in enumerate(as_tables(raw.get("checks"), f"{where}: checks"))
    )


def _text(raw: Mapping[str, Any], key: str, where: str, default: str) -> str:
    return as_str(raw[key], f"{where}: {key}") if key in raw else default


def _eras(raw: Mapping[str, Any], where: str) -> tuple[Era, ...]:
    out = []
    for i, e in enumerate(as_tables(raw.get("eras", []), f"{where}: eras")):
        at = f"{where}: eras #{i + 1}"
        check_keys(e, _ERA_KEYS, at)
        until = e.get("until")
        if not isinstance(until, dt.date) or isinstance(until, dt.datetime):
            raise DataFileError(f"{at}: until must be a date (YYYY-MM-DD), got {until!r}")
        if "label" not in e or "headline" not in e:
            raise DataFileError(f"{at}: an era needs a label and a headline")
        out.append(
            Era(
                until=until,
                label=as_str(e["label"], f"{at}: label"),
                headline=as_str(e["headline"], f"{at}: headline"),
                phrase=as_str(e.get("phrase", ""), f"{at}: phrase"),
            )
        )
    return tuple(out)


def _reach(raw: Mapping[str, Any], where: str, default: float) -> float:
    if "newspapers" not in raw:
        return default
    value = as_float(raw["newspapers"], f"{where}: newspapers", min_value=0.0)
    if value > 1.0:
        raise DataFileError(f"{where}: newspapers is a reach in 0..1, got {value}")
    return value


def _suspect(
    raw: Mapping[str, Any], sid: str, where: str, checks: Collection[str] | None
) -> Suspect:
    if "weights" in raw:
        raise DataFileError(f"{where}: 'weights' reweights a known suspect; {sid!r} is new")
    label = _text(raw, "label", where, sid)
    headline = _text(raw, "headline", where, label)
    return Suspect(
        id=sid,
        label=label,
        description=_text(raw, "description", where, ""),
        headline=headline,
        phrase=_text(raw, "phrase", where, ""),
        checks=_checks(raw, where, checks),
        eras=_eras(raw, where),
        newspapers=_reach(raw, where, NEWSPAPERS_REACH),
    )


def _merge(
    base: Suspect, raw: Mapping[str, Any], where: str, checks: Collection[str] | None
) -> Suspect:
    out = base
    if "checks" in raw:
        out = replace(out, checks=_checks(raw, where, checks))
    if "eras" in raw:
        out = replace(out, eras=_eras(raw, where))
    if "newspapers" in raw:
        out = replace(out, newspapers=_reach(raw, where, out.newspapers))
    texts = {k: as_str(raw[k], f"{where}: {k}") for k in _TEXT_KEYS if k in raw}
    out = replace(
        out,
        label=texts.get("label", out.label),
        description=texts.get("description", out.description),
        headline=texts.get("headline", out.headline),
        phrase=texts.get("phrase", out.phrase),
    )
    weights = as_table(raw.get("weights", {}), f"{where}: weights")
    if weights:
        known = {c.id for c in out.checks}
        unknown = sorted(set(weights) - known)
        if unknown:
            raise DataFileError(
                f"{where}: suspect {base.id!r} has no check(s) {', '.join(unknown)}"
            )
        new = {k: as_float(w, f"{where}: weights.{k}", min_value=0.0) for k, w in weights.items()}
        out = replace(
            out,
            checks=tuple(replace(c, weight=new[c.id]) if c.id in new else c for c in out.checks),
        )
    return out


def parse_suspects(
    text: str,
    *,
    where: str = "suspects.toml",
    base: Sequence[Suspect] = (),
    checks: Collection[str] | None = None,
) -> list[Suspect]:
    """Parse suspects TOML, adding to / overriding ``base``.

    ``checks``: the check function names a ``fn`` may use (``None``: not checked here).
    """
    doc = parse_toml(text, where)
    check_keys(doc, ("suspect",), where)
    order = [s.id for s in base]
    by_id = {s.id: s for s in base}
    for i, raw in enumerate(as_tables(doc.get("suspect"), f"{where}: [[suspect]]")):
        at = f"{where}: [[suspect]] #{i + 1}"
        check_keys(raw, _SUSPECT_KEYS, at)
        if "id" not in raw:
            raise DataFileError(f"{at}: a suspect needs an 'id'")
        sid = as_str(raw["id"], f"{at}: id")
        if not sid:
            raise DataFileError(f"{at}: a suspect needs an 'id'")
        at = f"{where}: suspect {sid!r}"
        if not as_bool(raw.get("enabled", True), f"{at}: enabled"):
            by_id.pop(sid, None)
            continue
        if sid in by_id:
            by_id[sid] = _merge(by_id[sid], raw, at, checks)
        else:
            by_id[sid] = _suspect(raw, sid, at, checks)
            order.append(sid)
    return [by_id[i] for i in order if i in by_id]


def load_suspects(home: Path | None = None, checks: Collection[str] | None = None) -> list[Suspect]:
    """The packaged fingerprints plus the user's ``$RISKOFF_HOME/suspects.toml``."""
    text = resources.files("riskoff.data").joinpath("suspects.toml").read_text("utf-8")
    suspects = list(_packaged(text, None if checks is None else frozenset(checks)))
    if home is not None:
        user = Path(home) / "suspects.toml"
        if user.is_file():
            suspects = parse_suspects(
                read_text(user), where=str(user), base=suspects, checks=checks
            )
    return suspects


@lru_cache(maxsize=4)
def _packaged(text: str, checks: frozenset[str] | None) -> tuple[Suspect, ...]:
    """The packaged file parsed once per text (read on every call, so an edited file is
    parsed again) and set of check names: parsing it was a third of a day's diagnosis.
    Suspects are frozen, so every caller may share them."""
    return tuple(parse_suspects(text, where="riskoff/data/suspects.toml", checks=checks))


def _stamp(home: Path | None) -> tuple[str, int]:
    if home is None:
        return "", 0
    user = Path(home) / "suspects.toml"
    try:
        return str(user), user.stat().st_mtime_ns
    except OSError:
        return str(user), 0


@lru_cache(maxsize=32)
def _names(path: str, mtime: int, on: dt.date | None = None) -> dict[str, SuspectName]:
    home = Path(path).parent if path else None
    named = [s.named_on(on) if on is not None else s for s in load_suspects(home)]
    return {s.id: SuspectName(label=s.label, phrase=s.phrase or s.headline) for s in named}


def suspect_names(home: Path | None = None, *, on: dt.date | None = None) -> dict[str, SuspectName]:
    """Labels and prose phrases of the suspects loaded from ``home`` (default: the
    ``RISKOFF_HOME`` of the environment), packaged ones first; ``on``: as named on that
    day (a suspect's ``eras``). Read again when the user's file changes."""
    if home is None:
        from riskoff.config import Settings

        home = Settings.from_env().home
    return _names(*_stamp(home), on)


def suspect_label(
    sid: str, home: Path | None = None, *, names: Mapping[str, SuspectName] | None = None
) -> str:
    """A suspect's label (charts, tables, the dashboard); the id when unknown. ``names``:
    the loaded suspects' names (default: :func:`suspect_names` of ``home``)."""
    name = (suspect_names(home) if names is None else names).get(sid)
    return name.label if name else sid


def suspect_phrase(
    sid: str, home: Path | None = None, *, names: Mapping[str, SuspectName] | None = None
) -> str:
    """How the report's prose names a suspect; the id when unknown."""
    name = (suspect_names(home) if names is None else names).get(sid)
    return name.phrase if name else sid
