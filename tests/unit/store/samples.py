"""A one-series catalogue entry and frames for the store's unit tests."""

from __future__ import annotations

import pandas as pd

from riskoff.catalog import SeriesInfo

INFO = SeriesInfo(
    symbol="t:A",
    name="a",
    asset_class="equity",
    role="risk_asset",
    units="index",
    frequency="daily",
)


def series_frame(days: list[str], values: list[float]) -> pd.DataFrame:
    """A canonical ``date, value`` frame."""
    return pd.DataFrame({"date": pd.to_datetime(days), "value": values})
