"""Check functions are pluggable: a package that declares a function in the
``riskoff.checks`` entry-point group can be named by ``fn`` in a user's suspects.toml.

The plugin here is a real distribution found by ``importlib.metadata`` (a ``.dist-info``
with an ``entry_points.txt`` on ``sys.path``), written to a temporary folder so the test
needs no install step; the development environment's own test plugin package
(``tests/plugins/riskoff_testplugin``) is discovered the same way once installed.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from riskoff.diagnosis.checks import CHECK_FUNCTIONS, check_functions
from riskoff.errors import InputError
from tests.helpers import run_cli

pytestmark = pytest.mark.integration

PLUGIN_CODE = '''
from collections.abc import Mapping
from typing import Any


def gold_minus_oil(row: Mapping[str, float], params: Mapping[str, Any], n_days: int) -> float:
    """Gold's sigma-move minus oil's: a flight to safety that is not a supply shock."""
    return float(row.get("sigma.gold", float("nan"))) - float(row.get("sigma.oil", float("nan")))
'''

SUSPECTS = """
[[suspect]]
id = "plugged"
label = "Plugged-in suspect"
headline = "a suspect whose check comes from a plugin"

[[suspect.checks]]
id = "gold_minus_oil"
fn = "gold_minus_oil_plugin"
key = true
supports = [0.5, 3.0]
contradicts = [-0.5, -3.0]
baseline = "sigmas"
for = "Gold beat oil"
against = "Oil beat gold"
"""


def _plugin(root: Path, entries: dict[str, str], dist: str = "riskoff_toyplugin") -> Path:
    """A distribution in ``root``: module ``riskoff_toychecks`` and its entry points."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "riskoff_toychecks.py").write_text(PLUGIN_CODE, encoding="utf-8")
    info = root / f"{dist}-0.1.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    lines = "".join(f"{name} = {value}\n" for name, value in entries.items())
    (info / "entry_points.txt").write_text(f"[riskoff.checks]\n{lines}")
    return root


@pytest.fixture
def on_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Path]]:
    """Folders put on ``sys.path`` for one test; the check registry is re-read after."""
    roots: list[Path] = []
    check_functions.cache_clear()
    yield roots
    for r in roots:
        if str(r) in sys.path:
            sys.path.remove(str(r))
    sys.modules.pop("riskoff_toychecks", None)
    check_functions.cache_clear()


@pytest.fixture(scope="module")
def plugin_home(tmp_path_factory: pytest.TempPathFactory, loaded_home: Path) -> Path:
    """A copy of the loaded store with a suspects.toml that names the plugin's check."""
    home = tmp_path_factory.mktemp("pluginhome")
    shutil.copy2(loaded_home / "riskoff.duckdb", home / "riskoff.duckdb")
    (home / "suspects.toml").write_text(SUSPECTS, encoding="utf-8")
    return home


def _install(on_path: list[Path], root: Path) -> None:
    sys.path.insert(0, str(root))
    on_path.append(root)
    check_functions.cache_clear()


def test_a_plugin_check_is_found_beside_the_built_ins(tmp_path: Path, on_path: list[Path]) -> None:
    _install(
        on_path,
        _plugin(tmp_path / "p", {"gold_minus_oil_plugin": "riskoff_toychecks:gold_minus_oil"}),
    )
    fns = check_functions()
    assert set(CHECK_FUNCTIONS) < set(fns)
    fn = fns["gold_minus_oil_plugin"]
    assert fn({"sigma.gold": 2.0, "sigma.oil": -1.0}, {}, 1) == 3.0


def test_a_suspects_file_uses_the_plugin_check(
    tmp_path: Path,
    on_path: list[Path],
    plugin_home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _install(
        on_path,
        _plugin(tmp_path / "p", {"gold_minus_oil_plugin": "riskoff_toychecks:gold_minus_oil"}),
    )
    monkeypatch.setenv("RISKOFF_HOME", str(plugin_home))
    code, out, err = run_cli(["diagnose", "2020-03-12", "--json"], capsys)
    assert code == 0, err
    mine = next(s for s in json.loads(out)["suspects"] if s["id"] == "plugged")
    (ev,) = mine["evidence"]
    assert ev["indicator"] == "gold_minus_oil_plugin"
    assert ev["observed"] is not None


def test_without_the_plugin_the_check_name_is_unknown(
    tmp_path: Path,
    on_path: list[Path],
    plugin_home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RISKOFF_HOME", str(plugin_home))
    code, _out, err = run_cli(["diagnose", "2020-03-12"], capsys)
    assert code == 2, err
    assert [ln for ln in err.splitlines() if ln.strip()] == [err.strip()]
    assert "unknown check function 'gold_minus_oil_plugin'" in err
    assert "suspects.toml" in err


@pytest.mark.parametrize(
    "entries",
    [
        {"relative_move": "riskoff_toychecks:gold_minus_oil"},  # a built-in's name
        {"broken_plugin": "riskoff_toychecks:no_such_function"},  # cannot be loaded
    ],
    ids=["clash with a built-in", "broken entry point"],
)
def test_a_bad_plugin_is_one_line(
    entries: dict[str, str], tmp_path: Path, on_path: list[Path]
) -> None:
    _install(on_path, _plugin(tmp_path / "p", entries))
    with pytest.raises(InputError) as exc:
        check_functions()
    msg = str(exc.value)
    assert "\n" not in msg
    assert next(iter(entries)) in msg
    assert "riskoff.checks" in msg


def test_two_plugins_with_one_name_clash(tmp_path: Path, on_path: list[Path]) -> None:
    _install(
        on_path,
        _plugin(tmp_path / "a", {"same_name": "riskoff_toychecks:gold_minus_oil"}, "a_plugin"),
    )
    other = _plugin(tmp_path / "b", {"same_name": "riskoff_toychecks:other"}, "b_plugin")
    _install(on_path, other)
    with pytest.raises(InputError, match=r"same_name.*taken"):
        check_functions()
