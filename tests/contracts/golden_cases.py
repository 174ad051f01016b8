"""The commands whose output is pinned byte for byte (``tests/contracts/golden/``).

The architecture work promised that moving code changes no answer. These cases were
recorded before the move with ``scripts/record_golden.py``; a deliberate change of an
answer re-records them in the same commit and says why in its message.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

# Sell-offs of every kind, calm days, up days, weekends and windows: not a tuning set,
# a regression net (each is compared whole, not scored).
DAYS = [
    "1990-08-06",
    "1998-08-31",
    "2001-09-17",
    "2008-10-10",
    "2008-10-15",
    "2010-05-06",
    "2011-08-08",
    "2013-06-20",
    "2015-08-24",
    "2016-06-24",
    "2017-07-14",
    "2018-02-05",
    "2019-07-03",
    "2019-09-17",
    "2020-03-12",
    "2020-03-16",
    "2020-03-24",
    "2021-05-19",
    "2022-06-13",
    "2022-11-09",
    "2023-03-10",
    "2024-08-05",
    "2025-01-27",
    "2025-04-04",
    "2025-04-09",
    "2026-01-30",
    "2026-01-31",
    "2026-02-01",
    "2026-08-21",
]
WINDOWS = [
    ("2020-03-19", "2020-03-09:2020-03-19"),
    ("2019-09-20", "2019-09-16:2019-09-20"),
    ("2021-05-23", "2021-05-12:2021-05-23"),
    ("2022-11-11", "2022-11-07:2022-11-11"),
    ("2026-02-06", "2026-01-28:2026-02-06"),
    ("2025-04-10", "2025-04-02:2025-04-10"),
]


def commands() -> dict[str, list[str]]:
    """Golden file name -> the ``riskoff`` arguments that produce it."""
    out: dict[str, list[str]] = {}
    for day in DAYS:
        out[f"diagnose_{day}.json"] = ["diagnose", day, "--json"]
    for end, window in WINDOWS:
        out[f"diagnose_window_{window.replace(':', '_')}.json"] = [
            "diagnose",
            end,
            "--window",
            window,
            "--json",
        ]
    for day in ("2020-03-12", "2024-08-05", "2021-05-19"):
        out[f"analogs_{day}.json"] = ["analogs", day, "--top", "5", "--json"]
    out["stress_index_2019_2021.csv"] = [
        "stress-index",
        "--start",
        "2019-06-01",
        "--end",
        "2021-06-30",
        "--csv",
    ]
    out["stress_portfolio.json"] = ["stress", "examples/portfolio.csv", "--json"]
    out["scan_2020.csv"] = ["scan", "2020-01-01", "2020-12-31", "--csv"]
    return out


# The terminal views at two widths (issue 20: readable at 80 and 120 columns): the table
# when it fits, stacked rows when it does not (riskoff.tables.FitTable).
WIDTHS = (80, 120)
FROZEN_TODAY = (2026, 12, 1)
"""``riskoff series`` counts staleness from the calendar's today: pinned for its golden."""


def terminal_commands() -> dict[str, tuple[list[str], int]]:
    """Golden file name (``tests/contracts/golden_terminal/``) -> arguments and width."""
    views = {
        "stress": ["stress", "examples/portfolio.csv"],
        "series": ["series"],
        "analogs": ["analogs", "2020-03-12", "--top", "3"],
        "stress_index": ["stress-index", "--start", "2020-03-02", "--end", "2020-03-20"],
        "episodes": ["episodes"],
    }
    return {f"{name}_{w}.txt": (args, w) for name, args in views.items() for w in WIDTHS}


@contextlib.contextmanager
def frozen_today() -> Iterator[None]:
    """The calendar's today as seen by ``riskoff series``, pinned to FROZEN_TODAY."""
    import datetime as dt

    from riskoff.usecases import series_data

    real = series_data.calendar_today
    series_data.calendar_today = lambda: dt.date(*FROZEN_TODAY)
    try:
        yield
    finally:
        series_data.calendar_today = real
