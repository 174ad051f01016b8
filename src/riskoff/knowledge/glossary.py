"""riskoff's plain words: a human name and one line of explanation for every feature,
derived value and concept, read once from ``riskoff/data/glossary.toml``.

The one place this knowledge lives: ``riskoff explain TERM``, the hover texts of the
report and the dashboard (:func:`hover_terms`) and the generated ``docs/glossary.md``
(:func:`glossary_markdown`) all read it. A term is found by its id (``sigma.gold``),
its human name (``Gold: move in sigmas``) or an alias (``haven failure``), in any case.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources

from riskoff.errors import DataFileError
from riskoff.knowledge._toml import (
    as_str,
    as_str_list,
    as_table,
    as_tables,
    check_keys,
    parse_toml,
)
from riskoff.knowledge.universe import universe

__all__ = [
    "Glossary",
    "Term",
    "glossary",
    "glossary_markdown",
    "parse_glossary",
    "stress_segment_name",
]

_WHERE = "riskoff/data/glossary.toml"


@dataclass(frozen=True)
class Term:
    """One entry: ``id`` (the internal name), ``name`` (what a person reads), ``explain``
    (one line), ``aliases`` (other words for it) and ``family`` (the pattern it was
    expanded from, "" for a single term)."""

    id: str
    name: str
    explain: str
    aliases: tuple[str, ...] = ()
    family: str = ""


def _norm(text: str) -> str:
    return " ".join(text.strip().lower().replace("_", " ").split())


@dataclass(frozen=True)
class Glossary:
    """Every term, in file order, with lookup by id, name and alias."""

    terms: tuple[Term, ...]

    @cached_property
    def _hash(self) -> int:
        return hash(self.terms)

    def __hash__(self) -> int:
        # computed once: the caches keyed by a glossary (its index, the hover pattern) are
        # read for every name a diagnosis prints, and the dataclass's own hash would hash
        # every term on each read (most of the whole-history narrative audit's time)
        return self._hash

    @property
    def _index(self) -> Mapping[str, Term]:
        return _index_of(self)

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self.get(term) is not None

    def get(self, term: str) -> Term | None:
        """The term with this id, name or alias (any case), or None."""
        idx = self._index
        return idx.get(term.strip()) or idx.get(_norm(term))

    def suggest(self, term: str, n: int = 3) -> list[str]:
        """Up to ``n`` ids close to ``term`` (for "did you mean")."""
        q = _norm(term)
        keys = list(self._index)
        out: list[str] = []
        for k in difflib.get_close_matches(q, keys, n=n * 3, cutoff=0.6):
            tid = self._index[k].id
            if tid not in out:
                out.append(tid)
        if not out:  # a fragment: every id containing it
            out = [t.id for t in self.terms if q and q in _norm(t.id + " " + t.name)]
        return out[:n]

    def name_of(self, term: str) -> str:
        """The human name of ``term`` (the term itself when unknown)."""
        t = self.get(term)
        return t.name if t is not None else term


@cache
def _index_of(g: Glossary) -> dict[str, Term]:
    idx: dict[str, Term] = {}
    for t in g.terms:
        idx.setdefault(t.id, t)
        for key in (t.id, t.name, *t.aliases):
            idx.setdefault(_norm(key), t)
    return idx


def _members(raw: object, where: str) -> list[tuple[str, str]]:
    u = universe()
    if raw == "classes":
        return [(c.id, c.label) for c in u.classes]
    if raw == "price_classes":
        return [(c, u.labels[c]) for c in u.price_classes]
    if raw == "groups":
        return [(g.id, g.id.replace("_", " ").capitalize()) for g in u.groups]
    if raw == "range_classes":  # the classes with a day's range source (``range``)
        return [(c.id, c.label) for c in u.classes if c.range_symbols]
    if not isinstance(raw, list):
        raise DataFileError(
            f"{where}: members must be 'classes', 'price_classes', 'groups', "
            "'range_classes' or a list"
        )
    out = []
    for pair in raw:
        if not (
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)
        ):
            raise DataFileError(f"{where}: each member is a [key, label] pair")
        out.append((pair[0], pair[1]))
    return out


def parse_glossary(text: str, where: str = _WHERE) -> Glossary:
    """Parse a glossary file (families expanded per member); one-line errors."""
    raw = parse_toml(text, where)
    check_keys(raw, ("family", "term"), where)
    terms: list[Term] = []
    for k, fam in enumerate(as_tables(raw.get("family", []), f"{where}: family")):
        w = f"{where}: family {k + 1}"
        check_keys(fam, ("pattern", "members", "name", "explain"), w)
        pattern = as_str(fam.get("pattern"), f"{w}: pattern")
        name = as_str(fam.get("name"), f"{w}: name")
        explain = as_str(fam.get("explain"), f"{w}: explain")
        for key, label in _members(fam.get("members"), w):
            fill = {"key": key, "label": label}
            terms.append(
                Term(
                    id=pattern.format(**fill),
                    name=name.format(**fill),
                    explain=explain.format(**fill),
                    family=pattern,
                )
            )
    for k, entry in enumerate(as_tables(raw.get("term", []), f"{where}: term")):
        w = f"{where}: term {k + 1}"
        check_keys(as_table(entry, w), ("id", "name", "explain", "aliases"), w)
        terms.append(
            Term(
                id=as_str(entry.get("id"), f"{w}: id"),
                name=as_str(entry.get("name"), f"{w}: name"),
                explain=as_str(entry.get("explain"), f"{w}: explain"),
                aliases=as_str_list(entry.get("aliases", []), f"{w}: aliases"),
            )
        )
    seen: set[str] = set()
    for t in terms:
        if t.id in seen:
            raise DataFileError(f"{where}: term {t.id!r} is defined twice")
        if "\n" in t.explain or not t.explain.strip():
            raise DataFileError(f"{where}: term {t.id!r} needs one line of explanation")
        seen.add(t.id)
    return Glossary(tuple(terms))


@cache
def glossary() -> Glossary:
    """The packaged glossary (read once per process)."""
    text = resources.files("riskoff.data").joinpath("glossary.toml").read_text("utf-8")
    return parse_glossary(text)


def glossary_markdown(g: Glossary | None = None) -> str:
    """``docs/glossary.md``: every term, families grouped, generated from the data file."""
    g = g or glossary()
    lines = [
        "# Glossary",
        "",
        "Every name riskoff computes or prints, in plain words. Generated from",
        "`src/riskoff/data/glossary.toml` by `scripts/glossary.py` (a test keeps it in step);",
        "`riskoff explain TERM` prints one entry, the report and the dashboard show them on",
        "hover. Source symbols (`yahoo:HG=F`) are named by the series catalogue",
        "(`src/riskoff/data/catalog.toml`: a series' `label`, else its description up to the",
        "first comma, semicolon or parenthesis): `riskoff explain yahoo:HG=F` prints",
        '"COMEX copper futures"; the JSON outputs keep the symbols.',
        "",
    ]
    families: dict[str, list[Term]] = {}
    singles: list[Term] = []
    for t in g.terms:
        if t.family:
            families.setdefault(t.family, []).append(t)
        else:
            singles.append(t)
    lines += ["## Per asset class", "", "| pattern | for example | meaning |", "|---|---|---|"]
    for pattern, members in families.items():
        first = members[0]
        lines.append(f"| `{pattern}` | {first.name} (`{first.id}`) | {first.explain} |")
    lines += ["", "## Terms", "", "| term | name | meaning |", "|---|---|---|"]
    for t in singles:
        also = f" Also: {', '.join(t.aliases)}." if t.aliases else ""
        lines.append(f"| `{t.id}` | {t.name} | {t.explain}{also} |")
    lines.append("")
    return "\n".join(lines)


def stress_segment_name(segment: str) -> str:
    """A segment of the stress index as a sentence names it ("metals", "currencies"):
    its glossary name (``stress.<segment>``, "Stress: metals") without the prefix."""
    return glossary().name_of(f"stress.{segment}").removeprefix("Stress: ")
