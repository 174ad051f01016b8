"""Shared fixtures.

Integration tests use the real data folder: ``$RISKOFF_TEST_DATA`` or ``../shared/data``
beside the repository. It is never skipped: a missing folder is an error, because CI
always has it and a silently skipped suite proves nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from riskoff.config import Settings
from riskoff.providers.folder import with_subfolders
from riskoff.store import Store

REPO = Path(__file__).resolve().parents[1]


def _data_dir() -> Path:
    env = os.environ.get("RISKOFF_TEST_DATA")
    path = Path(env) if env else REPO.parent / "shared" / "data"
    if not (path / "INDEX.csv").is_file():
        raise RuntimeError(
            f"the real data folder {path} (with INDEX.csv) is missing: set RISKOFF_TEST_DATA "
            "or put ../shared/data beside the repository"
        )
    return path


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real data folder (``../shared/data``)."""
    return _data_dir()


def _ingest_all(home: Path, data_dir: Path, *, warm: bool = False) -> None:
    """Ingest the whole real data folder (with news/ and banks/) into ``home``, in one
    command; ``warm``: build its workspace cache too."""
    from riskoff import usecases

    settings = Settings.from_env({"RISKOFF_HOME": str(home)})
    result = usecases.ingest(with_subfolders(data_dir), settings=settings)
    assert not result.errors, result.errors
    if warm:
        usecases.load_workspace(settings)


@pytest.fixture(scope="session")
def loaded_home(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    """A RISKOFF_HOME whose store holds the whole real data folder with its news/ and banks/
    subfolders.

    Ingested once per run: under pytest-xdist the first worker that needs it ingests into
    a seed beside the workers' temporary folders (under a file lock) and builds its
    workspace cache, and every worker copies the seed (store and cache) into its own home,
    so no worker writes into another's store or cache.
    """
    home = tmp_path_factory.mktemp("riskoff_home")
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        _ingest_all(home, data_dir)
        return home
    import fcntl
    import shutil

    run = tmp_path_factory.getbasetemp().parent  # this run's folder, shared by its workers
    seed = run / "riskoff_home_seed"
    with (run / "riskoff_home_seed.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (run / "riskoff_home_seed.ready").is_file():
            shutil.rmtree(seed, ignore_errors=True)
            seed.mkdir()
            _ingest_all(seed, data_dir, warm=True)
            (run / "riskoff_home_seed.ready").touch()
    shutil.copytree(seed, home, dirs_exist_ok=True)
    return home


@pytest.fixture(scope="session")
def loaded_settings(loaded_home: Path) -> Settings:
    """Settings pointing at the loaded store."""
    return Settings.from_env({"RISKOFF_HOME": str(loaded_home)})


@pytest.fixture
def loaded_store(loaded_settings: Settings) -> Iterator[Store]:
    """The loaded real-data store, opened read-only."""
    with Store(loaded_settings.store_path, read_only=True) as store:
        yield store


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty RISKOFF_HOME for this test, also set in the environment."""
    h = tmp_path / "home"
    monkeypatch.setenv("RISKOFF_HOME", str(h))
    monkeypatch.delenv("FRED_API_KEY", raising=False)
    return h


@pytest.fixture(scope="session")
def workspace(loaded_settings: Settings) -> Any:
    """The workspace of the loaded store (panel, feature table, relative-move parameters,
    engine), built once per worker through the on-disk cache
    (:func:`riskoff.usecases.load_workspace`): the first call builds it and writes the
    cache, so every later reader of ``loaded_home`` in this worker (the command line, the
    report, the web, MCP) reads it instead of building it again."""
    from riskoff import usecases

    return usecases.load_workspace(loaded_settings)


@pytest.fixture(scope="session")
def panel(workspace: Any) -> Any:
    """The whole-history point-in-time panel of the real data (the workspace's)."""
    return workspace.panel


@pytest.fixture(scope="session")
def table(workspace: Any) -> Any:
    """The daily feature table of :func:`panel` (the workspace's: computed once)."""
    return workspace.table


# The modules that take longest (measured with --durations on two cores), longest first.
# scripts/check runs ``--dist loadscope --no-loadscope-reorder``: each module goes whole to
# the next free worker in this order, so the long ones start first and the last minutes are
# spread over short modules instead of one worker finishing a long module alone. Only the
# order of the run depends on this list (a module missing from it runs after these, in
# collection order), never what runs or how.
SLOWEST_FIRST = (
    "tests/integration/test_narrative_audit.py",
    "tests/integration/test_watch_replay.py",
    "tests/integration/test_kill_store.py",
    "tests/integration/test_report_html.py",
    "tests/integration/test_crash_safety.py",
    "tests/integration/test_update_emulator.py",
    "tests/integration/test_update_deadline.py",
    "tests/integration/test_evaluate_real.py",
    "tests/integration/test_diagnosis_real.py",
    "tests/integration/test_page_audit.py",
    "tests/browser/test_plain_words_browser.py",
    "tests/browser/test_one_answer_browser.py",
    "tests/contracts/test_bad_input_matrix.py",
    "tests/integration/test_hardening_live.py",
    "tests/integration/test_mcp_stdio.py",
    "tests/unit/providers/test_news_providers.py",
    "tests/integration/test_analogs_real.py",
    "tests/integration/test_store_recreation.py",
    "tests/integration/test_api.py",
    "tests/browser/test_report_browser.py",
    "tests/integration/test_watch_faults.py",
    "tests/contracts/test_provider_conformance.py",
    "tests/integration/test_book_real.py",
    "tests/unit/panel/test_panel.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the modules of :data:`SLOWEST_FIRST` first, in its order (a stable sort: the
    tests of a module, and the other modules, keep their collection order)."""
    rank = {path: i for i, path in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))
