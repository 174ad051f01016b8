"""The episode catalogue, as the analog search imports it (the data and its loader live
in :mod:`riskoff.knowledge.episodes`, below every engine)."""

from __future__ import annotations

from riskoff.knowledge.episodes import Episode, EpisodeCatalog, Source, load_episodes

__all__ = ["Episode", "EpisodeCatalog", "Source", "load_episodes"]
