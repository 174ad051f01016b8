"""Ammunition: replay historical sell-offs on a portfolio.

``io``       reading the portfolio file (``docs/portfolio.md``)
``proxies``  stand-ins for holdings without history in an episode
``interest`` interest on the cash balance: policy rate, loan spread, actual/360
``replay``   pure replay maths on a price frame: path, drawdown, margin, dry powder
``results``  result objects: JSON, rich table, HTML fragment
``stress``   a portfolio through a list of episodes (prices through an injected reader)
"""

from riskoff.portfolio.interest import POLICY_RATES, InterestTerms
from riskoff.portfolio.io import Holding, Portfolio, parse_portfolio, read_portfolio
from riskoff.portfolio.replay import (
    DEFAULT_HORIZON,
    LeverageMode,
    ReplayPath,
    ReplayStats,
    calc_drawdown_depth,
    measure_replay,
    replay,
    replay_path,
    replay_until,
)
from riskoff.portfolio.results import EpisodeReplay, StressReport
from riskoff.portfolio.stress import select_episodes, stress

__all__ = [
    "DEFAULT_HORIZON",
    "POLICY_RATES",
    "EpisodeReplay",
    "Holding",
    "InterestTerms",
    "LeverageMode",
    "Portfolio",
    "ReplayPath",
    "ReplayStats",
    "StressReport",
    "calc_drawdown_depth",
    "measure_replay",
    "parse_portfolio",
    "read_portfolio",
    "replay",
    "replay_path",
    "replay_until",
    "select_episodes",
    "stress",
]
