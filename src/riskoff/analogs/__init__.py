"""Historical analogs: which past sell-offs look like today, and what happened next.

``episodes``   the episode catalogue (a data file users can extend)
``signature``  which features describe a day, their weights and point-in-time scaling
``forward``    forward moves after a day and the unconditional base rate
``search``     :class:`AnalogEngine`: nearest episodes and days in one matrix operation
``results``    :class:`Analog`, :class:`AnalogReport`: JSON, rich and HTML views

See ``docs/analogs.md``.
"""

from riskoff.analogs.episodes import Episode, EpisodeCatalog, Source, load_episodes
from riskoff.analogs.results import Analog, AnalogReport, Contribution, Versus
from riskoff.analogs.search import EXCLUDE_DAYS, REFERENCES, AnalogEngine

__all__ = [
    "EXCLUDE_DAYS",
    "REFERENCES",
    "Analog",
    "AnalogEngine",
    "AnalogReport",
    "Contribution",
    "Episode",
    "EpisodeCatalog",
    "Source",
    "Versus",
    "load_episodes",
]
