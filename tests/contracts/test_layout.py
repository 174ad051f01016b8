"""The use-case package stays in small modules (issue #18): none is over 300 lines.

A module that grows past the limit is split by responsibility (each module's docstring
says what it is for); ``ALLOWED`` names the rare module let over it, with its reason.
The public names and their signatures are :mod:`tests.contracts.test_public_api`'s."""

from __future__ import annotations

from pathlib import Path

import riskoff.usecases

MAX_LINES = 300

ALLOWED: dict[str, tuple[int, str]] = {}
"""Module (path inside the package) -> (its own limit, why it may be longer). Keep it tiny."""

PACKAGE = Path(riskoff.usecases.__file__).parent


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def _modules() -> dict[str, Path]:
    return {p.relative_to(PACKAGE).as_posix(): p for p in sorted(PACKAGE.rglob("*.py"))}


def test_no_use_case_module_is_over_the_limit() -> None:
    modules = _modules()
    assert len(modules) >= 20, f"found too few modules under {PACKAGE}"
    over = {
        name: n
        for name, path in modules.items()
        if (n := _lines(path)) > ALLOWED.get(name, (MAX_LINES, ""))[0]
    }
    assert not over, (
        f"riskoff.usecases modules over {MAX_LINES} lines (split each by responsibility, "
        f"as watching.py and watch_*.py are): {over}"
    )


def test_every_exception_is_explained_and_still_needed() -> None:
    modules = _modules()
    assert len(ALLOWED) <= 2, "more than two long modules: split them rather than list them"
    for name, (limit, why) in ALLOWED.items():
        assert name in modules, f"ALLOWED names {name}, which is not in riskoff.usecases"
        assert why.strip(), f"ALLOWED gives no reason for {name}"
        assert limit <= MAX_LINES * 1.1, f"{name} may be at most ~10% over the limit"
        assert _lines(modules[name]) > MAX_LINES, f"{name} is back under the limit: unlist it"
