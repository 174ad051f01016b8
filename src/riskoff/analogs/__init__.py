"""Historical analogs: which past sell-offs look like today, and what happened next.

``episodes``  the episode catalogue (data file, user-extensible)
"""

from riskoff.analogs.episodes import SUSPECTS, Episode, EpisodeCatalog, Source, load_episodes

__all__ = ["SUSPECTS", "Episode", "EpisodeCatalog", "Source", "load_episodes"]
