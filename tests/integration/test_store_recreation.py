"""A store deleted and created again at the same path is a different store: neither the
warm on-disk cache nor a running web app answers from the old one (issue 25)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import warnings
from pathlib import Path

import pytest

with warnings.catch_warnings():  # starlette suggests httpx2; httpx is what riskoff uses
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from riskoff import usecases
from riskoff.config import Settings
from riskoff.web import create_app
from tests.helpers import run_cli

LOCAL = "http://127.0.0.1"
"""The dashboard answers only to the names it serves (``Host`` is checked)."""

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

DAY = "2020-03-12"


def test_a_recreated_store_is_never_answered_from_the_old_one(
    loaded_settings: Settings,
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(loaded_settings.store_path, home / "riskoff.duckdb")
    settings = Settings.from_env({"RISKOFF_HOME": str(home)})
    monkeypatch.setenv("RISKOFF_HOME", str(home))
    with TestClient(create_app(settings), raise_server_exceptions=False, base_url=LOCAL) as client:
        # warm: the command line's on-disk cache and the server's generation
        code, out, err = run_cli(["diagnose", DAY, "--json"], capsys)
        assert code == 0, err
        assert json.loads(out)["date"] == DAY
        assert client.get(f"/api/diagnose/{DAY}").status_code == 200
        assert client.get(f"/api/analogs/{DAY}").status_code == 200

        # the store is deleted and created again from a folder cut in 2012
        for f in home.glob("riskoff.duckdb*"):
            f.unlink()
        usecases.ingest(data_dir, until=dt.date(2012, 12, 31), settings=settings)

        code, out, err = run_cli(["diagnose", DAY, "--json"], capsys)
        assert code == 2, out
        assert "after the last data" in err
        assert len(err.strip().splitlines()) == 1

        for url in (f"/api/diagnose/{DAY}", f"/api/analogs/{DAY}"):
            r = client.get(url)
            assert r.status_code == 422, (url, r.text)
            assert "2012-12-31" in r.json()["error"] or "2013-01-0" in r.json()["error"]
        r = client.get("/api/series/yahoo:SPY", params={"start": DAY})
        assert r.status_code == 200
        assert r.json()["count"] == 0
