"""Suspect fingerprints: declarative data, loaded from TOML.

The default fingerprints ship as ``riskoff/data/suspects.toml``. A user adds or
reweights suspects in ``$RISKOFF_HOME/suspects.toml`` (same format) without touching the
engine: a ``[[suspect]]`` with a new ``id`` is added; one with a known ``id`` replaces the
fields it gives (``checks`` replaces the whole list); ``weights = {check_id = w}`` only
reweights named checks; ``enabled = false`` drops a suspect.

A check reads one number (a feature column, a derived ``dx.*`` value, or the value of a
named function from :mod:`riskoff.diagnosis.checks`) and turns it into a signed strength
with two linear ramps::

    supports    = [a, b]   # 0 at a, full support at b (b < a means lower values support)
    contradicts = [c, d]   # 0 at c, full contradiction at d

Thresholds are in the feature's own units (sigmas, percentiles, basis points, log moves);
``scale = "sqrt_days"`` widens them by the square root of the window length for raw moves.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from riskoff.errors import DataFileError

__all__ = ["Check", "Ramp", "Suspect", "load_suspects", "parse_suspects"]

Scale = Literal["none", "sqrt_days"]


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

    def strength(self, value: float, n_days: int = 1) -> float:
        """Signed strength in -1..1: positive supports the suspect, negative contradicts."""
        factor = math.sqrt(max(n_days, 1)) if self.scale == "sqrt_days" else 1.0
        s = self.supports(value, factor) if self.supports else 0.0
        c = self.contradicts(value, factor) if self.contradicts else 0.0
        return s - c


@dataclass(frozen=True)
class Suspect:
    """A suspect: who, what the story is, and the checks that test the story."""

    id: str
    label: str
    description: str
    headline: str
    checks: tuple[Check, ...]

    @property
    def total_weight(self) -> float:
        """Sum of all check weights."""
        return sum(c.weight for c in self.checks)


def _ramp(raw: Any, where: str) -> Ramp | None:
    if raw is None:
        return None
    if not (isinstance(raw, Sequence) and len(raw) == 2):
        raise DataFileError(f"{where}: a ramp must be [start, full], got {raw!r}")
    try:
        a, b = float(raw[0]), float(raw[1])
    except (TypeError, ValueError):
        raise DataFileError(f"{where}: ramp values must be numbers, got {raw!r}") from None
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
                and all(isinstance(x, int | float) and not isinstance(x, bool) for x in nums)
                and all(nums[k] != nums[k + 1] for k in range(0, len(nums), 2))
            )
        if not ok:
            raise DataFileError(
                f"{where}: a term is [feature, start, full] or "
                f"[feature, start, full, other, start, full], got {term!r}"
            )


def _check(raw: Mapping[str, Any], where: str) -> Check:
    fn = raw.get("fn")
    feature = raw.get("feature")
    if not fn and not feature:
        raise DataFileError(f"{where}: a check needs 'feature' or 'fn'")
    if fn:
        from riskoff.diagnosis.checks import CHECK_FUNCTIONS

        if fn not in CHECK_FUNCTIONS:
            known = ", ".join(sorted(CHECK_FUNCTIONS))
            raise DataFileError(f"{where}: unknown check function {fn!r} (known: {known})")
    if fn in ("any_of", "all_of"):
        _check_terms(raw.get("params", {}).get("terms"), f"{where}: {fn}")
    indicator = str(raw.get("indicator") or feature or fn)
    supports = _ramp(raw.get("supports"), where)
    contradicts = _ramp(raw.get("contradicts"), where)
    if supports is None and contradicts is None:
        raise DataFileError(f"{where}: check {indicator!r} has neither supports nor contradicts")
    scale = str(raw.get("scale", "none"))
    if scale not in ("none", "sqrt_days"):
        raise DataFileError(f"{where}: scale must be 'none' or 'sqrt_days', got {scale!r}")
    try:
        weight = float(raw.get("weight", 1.0))
    except (TypeError, ValueError):
        raise DataFileError(f"{where}: weight must be a number") from None
    if weight < 0:
        raise DataFileError(f"{where}: weight must be >= 0")
    return Check(
        id=str(raw.get("id") or indicator),
        indicator=indicator,
        weight=weight,
        supports=supports,
        contradicts=contradicts,
        baseline=str(raw.get("baseline", "")),
        text_for=str(raw.get("for", "")),
        text_against=str(raw.get("against", "")),
        fn=str(fn) if fn else None,
        feature=str(feature) if feature else None,
        params=dict(raw.get("params", {})),
        key=bool(raw.get("key", False)),
        requires=bool(raw.get("requires", False)),
        scale=scale,  # type: ignore[arg-type]
        daily_only=bool(raw.get("daily_only", False)),
        sources=tuple(str(s) for s in raw.get("sources", ())),
    )


def _suspect(raw: Mapping[str, Any], where: str) -> Suspect:
    sid = raw.get("id")
    if not sid:
        raise DataFileError(f"{where}: a suspect needs an 'id'")
    checks = raw.get("checks") or []
    return Suspect(
        id=str(sid),
        label=str(raw.get("label", sid)),
        description=str(raw.get("description", "")),
        headline=str(raw.get("headline", raw.get("label", sid))),
        checks=tuple(_check(c, f"{where}: suspect {sid!r}") for c in checks),
    )


def _merge(base: Suspect, raw: Mapping[str, Any], where: str) -> Suspect:
    out = base
    if "checks" in raw:
        out = replace(out, checks=_suspect({**raw, "id": base.id}, where).checks)
    if "label" in raw:
        out = replace(out, label=str(raw["label"]))
    if "description" in raw:
        out = replace(out, description=str(raw["description"]))
    if "headline" in raw:
        out = replace(out, headline=str(raw["headline"]))
    weights = raw.get("weights")
    if weights:
        known = {c.id for c in out.checks}
        unknown = sorted(set(weights) - known)
        if unknown:
            raise DataFileError(
                f"{where}: suspect {base.id!r} has no check(s) {', '.join(unknown)}"
            )
        out = replace(
            out,
            checks=tuple(
                replace(c, weight=float(weights[c.id])) if c.id in weights else c
                for c in out.checks
            ),
        )
    return out


def parse_suspects(
    text: str, *, where: str = "suspects.toml", base: Sequence[Suspect] = ()
) -> list[Suspect]:
    """Parse suspects TOML, adding to / overriding ``base``."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataFileError(f"{where}: {exc}") from None
    order = [s.id for s in base]
    by_id = {s.id: s for s in base}
    for raw in doc.get("suspect", []):
        sid = raw.get("id")
        if not sid:
            raise DataFileError(f"{where}: a suspect needs an 'id'")
        if raw.get("enabled", True) is False:
            by_id.pop(sid, None)
            continue
        if sid in by_id:
            by_id[sid] = _merge(by_id[sid], raw, where)
        else:
            by_id[sid] = _suspect(raw, where)
            order.append(sid)
    return [by_id[i] for i in order if i in by_id]


def load_suspects(home: Path | None = None) -> list[Suspect]:
    """The packaged fingerprints plus the user's ``$RISKOFF_HOME/suspects.toml``."""
    text = resources.files("riskoff.data").joinpath("suspects.toml").read_text("utf-8")
    suspects = parse_suspects(text, where="riskoff/data/suspects.toml")
    if home is not None:
        user = Path(home) / "suspects.toml"
        if user.is_file():
            try:
                utext = user.read_text("utf-8")
            except OSError as exc:
                raise DataFileError(f"{user}: {exc}") from None
            suspects = parse_suspects(utext, where=str(user), base=suspects)
    return suspects
