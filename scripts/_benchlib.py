"""Helpers shared by the bench scripts (run as ``python scripts/bench_*.py``)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def bench_settings(home: str | None) -> Any:
    """Settings for a store holding the data folder: ``home`` (or ``$RISKOFF_HOME``) when
    it already has one, else a fresh temporary store ingested from the data folder."""
    from riskoff import usecases
    from riskoff.config import Settings

    env = dict(os.environ)
    if home:
        env["RISKOFF_HOME"] = home
    s = Settings.from_env(env)
    if not s.store_path.exists():
        data = Path(env.get("RISKOFF_TEST_DATA") or REPO.parent / "shared" / "data")
        tmp = tempfile.mkdtemp(prefix="riskoff_bench_")
        s = Settings.from_env({**env, "RISKOFF_HOME": tmp})
        usecases.ingest(data, settings=s)
    return s
