"""An eleventh suspect is one file: a user ``suspects.toml`` in ``$RISKOFF_HOME`` adds a
suspect, and it appears in the diagnose JSON, the terminal view, the HTML report and the
dashboard, with no other change. An episode may name it. Counts come from the loaded
suspects, never from a constant."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest

from riskoff.config import Settings
from riskoff.diagnosis import load_suspects
from tests.helpers import run_cli

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

DAY = "2020-03-12"
LABEL = "Tariff shockwave"

USER_SUSPECTS = f'''
[[suspect]]
id = "tariff_shock"
label = "{LABEL}"
headline = "a tariff shockwave"
description = "A trade war: exporters' equities fall against the S&P 500."

[[suspect.checks]]
feature = "sigma.china_equities"
key = true
weight = 1.5
supports = [-1.0, -3.0]
contradicts = [0.5, 1.5]
baseline = "60d vol"
for = "The Hang Seng fell {{move.china_equities|pct}}"
against = "The Hang Seng held"

[[suspect.checks]]
id = "hk_vs_spx"
fn = "relative_move"
params = {{ asset = "move.china_equities" }}
weight = 1.0
supports = [-0.01, -0.04]
contradicts = [0.01, 0.03]
baseline = "log move beyond the S&P 500"
for = "Hong Kong fell more than New York"
against = "Hong Kong fell less than New York"
'''

USER_EPISODE = """
[[episode]]
id = "tariff-test"
name = "A tariff episode of this test"
start = 2019-05-06
end = 2019-05-13
category = "policy_shock"
suspect = "tariff_shock"
description = "Named by the test's own suspect."
source = { author = "Test", title = "Test", year = 2019 }
"""


@pytest.fixture(scope="module")
def user_home(tmp_path_factory: pytest.TempPathFactory, loaded_home: Path) -> Path:
    """A copy of the loaded store with a user suspects.toml beside it."""
    home = tmp_path_factory.mktemp("home11")
    shutil.copy2(loaded_home / "riskoff.duckdb", home / "riskoff.duckdb")
    (home / "suspects.toml").write_text(USER_SUSPECTS, encoding="utf-8")
    (home / "episodes.toml").write_text(USER_EPISODE, encoding="utf-8")
    return home


def test_the_user_file_adds_one_suspect(user_home: Path) -> None:
    packaged = load_suspects()
    mine = load_suspects(user_home)
    assert [s.id for s in mine] == [*(s.id for s in packaged), "tariff_shock"]
    assert mine[-1].label == LABEL


def test_it_is_scored_in_the_json_and_the_terminal_view(
    user_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RISKOFF_HOME", str(user_home))
    code, out, err = run_cli(["diagnose", DAY, "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    ids = [s["id"] for s in doc["suspects"]]
    assert ids.count("tariff_shock") == 1
    assert len(ids) == len(load_suspects(user_home))
    mine = next(s for s in doc["suspects"] if s["id"] == "tariff_shock")
    assert {e["indicator"] for e in mine["evidence"]} == {"sigma.china_equities", "relative_move"}

    code, out, err = run_cli(["diagnose", DAY], capsys)
    assert code == 0, err
    assert LABEL in out


def test_it_is_in_the_html_report(
    user_home: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RISKOFF_HOME", str(user_home))
    page = tmp_path / "r.html"
    code, _out, err = run_cli(["report", DAY, "-o", str(page)], capsys)
    assert code == 0, err
    assert LABEL in page.read_text("utf-8")


def test_it_is_on_the_dashboard(user_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from riskoff.web import create_app

    monkeypatch.delenv("RISKOFF_HOME", raising=False)  # the app's own settings decide
    settings = Settings.from_env({"RISKOFF_HOME": str(user_home)})
    with TestClient(
        create_app(settings), raise_server_exceptions=False, base_url="http://127.0.0.1"
    ) as client:
        r = client.get(f"/day/{DAY}")
        assert r.status_code == 200, r.text
        assert LABEL in r.text
        api = client.get(f"/api/diagnose/{DAY}")
        assert api.status_code == 200, api.text
        assert "tariff_shock" in [s["id"] for s in api.json()["suspects"]]
        overview = client.get("/")
        assert overview.status_code == 200
        assert LABEL in overview.text  # the user's episode names the user's suspect


def test_an_episode_may_not_name_a_suspect_that_is_not_loaded(tmp_path: Path) -> None:
    from riskoff.analogs.episodes import load_episodes
    from riskoff.errors import DataFileError

    (tmp_path / "episodes.toml").write_text(USER_EPISODE, encoding="utf-8")
    with pytest.raises(DataFileError, match="tariff_shock"):
        load_episodes(tmp_path)
