"""Regional banks beyond their beta: the trailing regression of the feature table's gaps,
point in time, outside the feature table."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import numpy as np
import pandas as pd

from riskoff.indicators.banks import REGIONAL_BANKS, regional_banks_frame


def _inputs(n: int = 400, seed: int = 5) -> tuple[Any, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2020-01-01", periods=n, name="date")
    spx = rng.normal(0, 0.01, n)
    kre = 1.5 * spx + rng.normal(0, 0.005, n)
    table = pd.DataFrame({"move.us_equities": spx, "open.us_equities": 1.0}, index=idx)
    panel = SimpleNamespace(moves=pd.DataFrame({REGIONAL_BANKS: kre}, index=idx))
    return panel, table


def test_a_regional_bank_run_reads_far_beyond_beta() -> None:
    panel, table = _inputs()
    day = table.index[350]
    table.loc[day, "move.us_equities"] = -0.01
    panel.moves.loc[day, REGIONAL_BANKS] = -0.10  # beta 1.5 explains -1.5%
    f = regional_banks_frame(cast(Any, panel), table)
    assert abs(f["beta.regional_banks"].iloc[349] - 1.5) < 0.2
    assert float(f["rel.regional_banks"].iloc[350]) < -10
    assert abs(f["rel.regional_banks"].iloc[300]) < 5
    # the regression ends the day before: the day's own crash does not move its beta
    x = table["move.us_equities"].iloc[100:350]
    y = panel.moves[REGIONAL_BANKS].iloc[100:350]
    beta = float(f["beta.regional_banks"].iloc[350])
    assert abs(beta - float(np.cov(x, y)[0, 1]) / float(x.var())) < 1e-9


def test_later_days_never_change_a_reading() -> None:
    panel, table = _inputs()
    a = regional_banks_frame(cast(Any, panel), table)
    panel.moves.iloc[360:, 0] = -0.2
    b = regional_banks_frame(cast(Any, panel), table)
    pd.testing.assert_frame_equal(a.iloc[:360], b.iloc[:360])


def test_without_the_source_the_frame_is_empty() -> None:
    _, table = _inputs()
    f = regional_banks_frame(
        cast(Any, SimpleNamespace(moves=pd.DataFrame(index=table.index))), table
    )
    assert f.columns.empty
