"""The episode catalogue: notable sell-offs with their window, suspect and published source.

The catalogue is data (``riskoff/data/episodes.toml``), not code. A user adds episodes, or
overrides one by ``id``, with ``$RISKOFF_HOME/episodes.toml`` in the same format. An
episode's ``suspect`` must be one of the suspects actually loaded (the packaged ones plus
the user's ``suspects.toml``). It lives below the engines: the analog search and the
portfolio stress test both read it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from riskoff.errors import DataFileError
from riskoff.knowledge._toml import as_str, as_table, as_tables, check_keys, parse_toml, read_text
from riskoff.knowledge.suspects import load_suspects

_REQUIRED_KEYS = ("id", "name", "start", "end", "category", "suspect", "description", "source")

__all__ = ["Episode", "EpisodeCatalog", "Source", "load_episodes"]

_EPISODE_KEYS = (*_REQUIRED_KEYS, "major")
_SOURCE_KEYS = ("author", "title", "year", "kind", "where")

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_CATEGORY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_REQUIRED = _REQUIRED_KEYS


@dataclass(frozen=True)
class Source:
    """Where an episode's explanation was published."""

    author: str
    title: str
    year: int
    kind: str = "other"
    where: str = ""

    def cite(self) -> str:
        """One-line citation: ``Author (year), "Title", where``."""
        text = f'{self.author} ({self.year}), "{self.title}"'
        return f"{text}, {self.where}" if self.where else text

    def to_dict(self) -> dict[str, Any]:
        """JSON view."""
        out: dict[str, Any] = {
            "author": self.author,
            "title": self.title,
            "year": self.year,
            "kind": self.kind,
        }
        if self.where:
            out["where"] = self.where
        return out


@dataclass(frozen=True)
class Episode:
    """One notable sell-off."""

    id: str
    name: str
    start: dt.date
    end: dt.date
    category: str
    suspect: str
    description: str
    source: Source
    major: bool = False

    def overlaps(self, start: dt.date, end: dt.date, *, margin_days: int = 0) -> bool:
        """True when this episode's window comes within ``margin_days`` of ``start..end``."""
        margin = dt.timedelta(days=margin_days)
        return self.start <= end + margin and self.end >= start - margin

    def to_dict(self) -> dict[str, Any]:
        """JSON view."""
        return {
            "id": self.id,
            "name": self.name,
            "window": {"start": self.start.isoformat(), "end": self.end.isoformat()},
            "category": self.category,
            "suspect": self.suspect,
            "description": self.description,
            "source": self.source.to_dict(),
            "major": self.major,
        }


def _as_date(value: Any, where: str, key: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise DataFileError(f"{where}: {key} {value!r} is not a date (write e.g. 2020-03-12)")


def _source(raw: Any, where: str) -> Source:
    if not isinstance(raw, Mapping):
        raise DataFileError(f"{where}: source must be a table {{ author, title, year }}")
    check_keys(raw, _SOURCE_KEYS, f"{where}: source")
    missing = [k for k in ("author", "title", "year") if not raw.get(k)]
    if missing:
        raise DataFileError(f"{where}: source lacks {', '.join(missing)}")
    try:
        if isinstance(raw["year"], bool | float):
            raise TypeError
        year = int(raw["year"])
    except (TypeError, ValueError):
        raise DataFileError(f"{where}: source year {raw['year']!r} is not a year") from None
    return Source(
        author=str(raw["author"]),
        title=str(raw["title"]),
        year=year,
        kind=str(raw.get("kind", "other")),
        where=str(raw.get("where", "")),
    )


def _episode(raw: Mapping[str, Any], where: str, suspects: Collection[str]) -> Episode:
    check_keys(raw, _EPISODE_KEYS, where)
    missing = [k for k in _REQUIRED if k not in raw or raw[k] in ("", None)]
    if missing:
        raise DataFileError(f"{where}: episode lacks {', '.join(missing)}")
    for key in ("id", "name", "category", "suspect", "description"):
        as_str(raw[key], f"{where}: {key}")
    eid = str(raw["id"])
    where = f"{where} ({eid})"
    if not _ID_RE.match(eid):
        raise DataFileError(f"{where}: id must be lowercase letters, digits, '-', '_' or '.'")
    start = _as_date(raw["start"], where, "start")
    end = _as_date(raw["end"], where, "end")
    if end < start:
        raise DataFileError(f"{where}: window {start}:{end} is reversed")
    suspect = str(raw["suspect"])
    if suspect not in suspects:
        raise DataFileError(
            f"{where}: suspect {suspect!r} is not one of the loaded suspects "
            f"({', '.join(suspects)})"
        )
    category = str(raw["category"])
    if not _CATEGORY_RE.match(category):
        raise DataFileError(f"{where}: category {category!r} must be a snake_case word")
    major = raw.get("major", False)
    if not isinstance(major, bool):
        raise DataFileError(f"{where}: major must be true or false")
    return Episode(
        id=eid,
        name=str(raw["name"]),
        start=start,
        end=end,
        category=category,
        suspect=suspect,
        description=" ".join(str(raw["description"]).split()),
        source=_source(raw["source"], where),
        major=major,
    )


class EpisodeCatalog(Mapping[str, Episode]):
    """Every known episode keyed by id, in chronological order."""

    def __init__(self, episodes: Sequence[Episode] | Mapping[str, Episode]) -> None:
        items = list(episodes.values()) if isinstance(episodes, Mapping) else list(episodes)
        items.sort(key=lambda e: (e.start, e.end, e.id))
        self._by_id = {e.id: e for e in items}

    def __getitem__(self, key: str) -> Episode:
        return self._by_id[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    @property
    def episodes(self) -> list[Episode]:
        """The episodes, oldest first."""
        return list(self._by_id.values())

    def major(self) -> list[Episode]:
        """The episodes marked ``major = true`` (the default stress-replay set)."""
        return [e for e in self._by_id.values() if e.major]

    def with_episodes(self, extra: Sequence[Episode]) -> EpisodeCatalog:
        """A new catalogue with ``extra`` added, replacing same-id entries."""
        merged = dict(self._by_id)
        merged.update({e.id: e for e in extra})
        return EpisodeCatalog(merged)

    @classmethod
    def from_toml(
        cls,
        text: str,
        where: str = "episodes.toml",
        suspects: Collection[str] | None = None,
    ) -> EpisodeCatalog:
        """Parse episode TOML (a list of ``[[episode]]`` tables); each ``suspect`` must be
        in ``suspects`` (default: the packaged suspects' ids)."""
        if suspects is None:
            suspects = [s.id for s in load_suspects()]
        doc = parse_toml(text, where)
        check_keys(doc, ("episode",), where)
        raw = as_tables(doc.get("episode"), f"{where}: [[episode]]")
        seen: set[str] = set()
        out: list[Episode] = []
        for i, item in enumerate(raw):
            ep = _episode(as_table(item, where), f"{where} episode {i + 1}", suspects)
            if ep.id in seen:
                raise DataFileError(f"{where}: episode id {ep.id!r} appears twice")
            seen.add(ep.id)
            out.append(ep)
        return cls(out)

    @classmethod
    def default(cls, home: Path | None = None) -> EpisodeCatalog:
        """The packaged catalogue, extended or overridden by ``home/episodes.toml``; each
        episode's suspect must be one loaded from ``home`` (packaged plus the user's)."""
        ids = [s.id for s in load_suspects(home)]
        text = resources.files("riskoff.data").joinpath("episodes.toml").read_text("utf-8")
        cat = cls.from_toml(text, "riskoff/data/episodes.toml", ids)
        if home is not None:
            user = Path(home) / "episodes.toml"
            if user.is_file():
                extra = cls.from_toml(read_text(user), str(user), ids)
                cat = cat.with_episodes(extra.episodes)
        return cat


def load_episodes(home: Path | None = None) -> EpisodeCatalog:
    """The episode catalogue: packaged episodes plus ``$RISKOFF_HOME/episodes.toml``."""
    return EpisodeCatalog.default(home)
