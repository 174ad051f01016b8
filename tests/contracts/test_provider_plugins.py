"""Providers are plugins: found through the ``riskoff.providers`` entry points.

The development environment installs ``tests/plugins/riskoff_testplugin`` (``make
venv``), which adds the ``demo:`` provider; it must be discovered, listed wherever
riskoff lists providers, and pass the conformance test (test_provider_conformance.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from riskoff.errors import InputError
from riskoff.providers import registry
from riskoff.providers.registry import (
    describe,
    group_names,
    is_live,
    live_prefixes,
    prefixes_for_groups,
    provider_class,
)
from tests.helpers import run_cli

BUILT_IN = {"fred", "yahoo", "coinbase"}


def test_the_built_in_providers_come_from_riskoffs_own_entry_points() -> None:
    rows = {row.prefix: row for row in describe()}
    assert set(rows) >= BUILT_IN
    for prefix in BUILT_IN:
        assert rows[prefix].origin.startswith("riskoff.providers.")
    assert rows["coinbase"].groups == ("crypto", "coinbase")
    assert prefixes_for_groups(["crypto"]) == {"coinbase"}
    assert prefixes_for_groups(["coinbase"]) == {"coinbase"}


def test_the_test_plugin_provider_is_discovered() -> None:
    from riskoff_testplugin import DemoProvider

    assert "demo" in live_prefixes()
    assert provider_class("demo") is DemoProvider
    assert is_live("demo:ALPHA")
    assert "demo" in group_names()
    assert prefixes_for_groups(["demo", "fred"]) == {"demo", "fred"}
    row = next(r for r in describe() if r.prefix == "demo")
    assert row.origin == "riskoff_testplugin:DemoProvider"
    assert row.url_env == "RISKOFF_DEMO_URL"


def test_update_help_and_errors_list_the_plugin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RISKOFF_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = run_cli(["update", "--help"], capsys)
    assert code == 0
    assert "comma-separated: crypto, demo, fred, news, yahoo." in out
    code, _, err = run_cli(["update", "--provider", "bloomberg"], capsys)
    assert code == 2
    assert err.strip().splitlines() == [
        "riskoff: error: unknown provider 'bloomberg' for --provider "
        "(choose from crypto, demo, fred, news, yahoo)"
    ]
    assert not (tmp_path / "home" / "riskoff.duckdb").exists()


@pytest.fixture
def fake_entry_points(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, EntryPoint]]:
    real = dict(registry._entry_points())
    fake = dict(real)
    monkeypatch.setattr(registry, "_entry_points", lambda: fake)
    registry.provider_class.cache_clear()
    registry.groups.cache_clear()
    yield fake
    registry.provider_class.cache_clear()
    registry.groups.cache_clear()


def _ep(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=registry.ENTRY_POINT_GROUP)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("riskoff_no_such_module:Provider", r"cannot be loaded \(ModuleNotFoundError"),
        ("riskoff.providers.fred:FRED_MAX_RATE", "is not a riskoff Provider for 'broken'"),
        ("riskoff.providers.fred:FredProvider", "is not a riskoff Provider for 'broken'"),
    ],
)
def test_a_broken_plugin_is_a_clear_input_error(
    fake_entry_points: dict[str, EntryPoint], value: str, message: str
) -> None:
    fake_entry_points["broken"] = _ep("broken", value)
    assert is_live("broken:X")
    with pytest.raises(InputError, match=message):
        provider_class("broken")
    assert provider_class("fred").prefix == "fred"  # the others still work


def test_a_prefix_without_provider_points_to_ingest() -> None:
    with pytest.raises(InputError, match="riskoff ingest"):
        provider_class("ofr")
    assert not is_live("ofr:FSI")


def test_the_test_plugin_check_is_found_with_the_built_in_signature() -> None:
    import inspect
    import math

    from riskoff_testplugin import demo_gap

    from riskoff.diagnosis.checks import CHECK_FUNCTIONS, check_functions

    found = check_functions()
    assert found["demo_gap"] is demo_gap
    built_in = inspect.signature(CHECK_FUNCTIONS["relative_move"])
    assert inspect.signature(demo_gap).parameters.keys() == built_in.parameters.keys()
    assert demo_gap({"x": 3.0, "y": 1.0}, {"a": "x", "b": "y"}, 1) == 2.0
    assert math.isnan(demo_gap({"x": 3.0}, {"a": "x", "b": "y"}, 1))
