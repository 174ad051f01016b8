"""The cache's code fingerprint follows the import graph, however indirect."""

from __future__ import annotations

from pathlib import Path

from riskoff.usecases import cache
from riskoff.usecases.fingerprint import code_fingerprint, module_closure


def _package(tmp_path: Path) -> Path:
    root = tmp_path / "pkg"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "sub" / "__init__.py").write_text("")
    (root / "top.py").write_text("from pkg.sub import mid\n")
    # mid imports leaf only inside a function, relatively
    (root / "sub" / "mid.py").write_text("def f():\n    from . import leaf\n    return leaf\n")
    (root / "sub" / "leaf.py").write_text("X = 1\n")
    (root / "typing_only.py").write_text("X = 1\n")
    (root / "unrelated.py").write_text("X = 1\n")
    return root


def test_a_module_imported_only_indirectly_changes_the_fingerprint(tmp_path: Path) -> None:
    root = _package(tmp_path)
    before = code_fingerprint(["pkg.top"], root=root, package="pkg")
    (root / "sub" / "leaf.py").write_text("X = 2\n")
    assert code_fingerprint(["pkg.top"], root=root, package="pkg") != before


def test_modules_outside_the_graph_do_not_change_it(tmp_path: Path) -> None:
    root = _package(tmp_path)
    (root / "top.py").write_text(
        "from typing import TYPE_CHECKING\nfrom pkg.sub import mid\n"
        "if TYPE_CHECKING:\n    from pkg import typing_only\n"
    )
    before = code_fingerprint(["pkg.top"], root=root, package="pkg")
    (root / "unrelated.py").write_text("X = 2\n")
    (root / "typing_only.py").write_text("X = 2\n")
    assert code_fingerprint(["pkg.top"], root=root, package="pkg") == before
    closure = module_closure(["pkg.top"], root=root, package="pkg")
    assert set(closure) == {"pkg", "pkg.top", "pkg.sub", "pkg.sub.mid", "pkg.sub.leaf"}


def test_the_real_cache_depends_on_every_module_the_features_reach() -> None:
    root = Path(cache.__file__).resolve().parent.parent
    closure = module_closure(cache.CACHE_ROOTS, root=root, package="riskoff")
    # the relative-move sigmas (once diagnosis/relative.py, whose diagnosis/classes.py a
    # hand-kept list forgot) and the universe file's loader are reached only indirectly
    for name in (
        "riskoff.panel",
        "riskoff.catalog",
        "riskoff.indicators.features",
        "riskoff.indicators.stress",
        "riskoff.indicators.relative",
        "riskoff.knowledge.universe",
        "riskoff.analogs.search",
    ):
        assert name in closure, name
