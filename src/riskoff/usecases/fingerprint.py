"""A hash of the code a cached object depends on, found from the import graph.

Starting from a few root modules, every ``riskoff`` module they import (at the top of the
file or inside a function, absolute or relative, and the packages above each) is followed
through the source files, without importing anything. Hashing the files of that closure
means a change to any module a cached object's code reaches, however indirectly,
invalidates the cache: no hand-kept list of files can forget one.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path

__all__ = ["code_fingerprint", "module_closure"]


def _module_file(root: Path, package: str, name: str) -> Path | None:
    """The source file of module ``name`` inside ``package`` (rooted at ``root``)."""
    if name != package and not name.startswith(package + "."):
        return None
    parts = name.split(".")[1:]
    base = root.joinpath(*parts) if parts else root
    if base.is_dir() and (base / "__init__.py").is_file():
        return base / "__init__.py"
    as_file = base.with_suffix(".py") if parts else None
    if as_file is not None and as_file.is_file():
        return as_file
    return None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node of ``tree`` except the bodies of ``if TYPE_CHECKING:`` (never run)."""
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))


def _imports(tree: ast.AST, name: str, is_package: bool) -> set[str]:
    """Every module name ``tree`` (module ``name``) imports, candidates included."""
    here = name if is_package else name.rpartition(".")[0]
    out: set[str] = set()
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = here.split(".")
                if node.level > 1:
                    base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts)
                mod = f"{base}.{node.module}" if node.module else base
            else:
                mod = node.module or ""
            out.add(mod)
            # ``from pkg import sub`` may name a submodule
            out.update(f"{mod}.{alias.name}" for alias in node.names)
    return out


def module_closure(roots: Iterable[str], *, root: Path, package: str) -> dict[str, Path]:
    """Module name -> source file of ``roots`` and every ``package`` module they reach."""
    seen: dict[str, Path] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        path = _module_file(root, package, name)
        if path is None:
            continue
        seen[name] = path
        # importing a.b.c runs a/__init__ and a/b/__init__ first
        parent = name.rpartition(".")[0]
        if parent:
            todo.append(parent)
        todo.extend(_file_imports(path, name) - seen.keys())
    return seen


_PARSED: dict[tuple[str, bytes], frozenset[str]] = {}
"""(module name, SHA-256 of its source) -> what it imports: parsing is most of a walk's
cost, and a source with the same bytes imports the same modules, so a long-running
process (or a test suite) parses each version of each file once."""


def _file_imports(path: Path, name: str) -> frozenset[str]:
    source = path.read_bytes()
    key = (name if path.name != "__init__.py" else f"{name}/", hashlib.sha256(source).digest())
    found = _PARSED.get(key)
    if found is None:
        tree = ast.parse(source, filename=str(path))
        found = frozenset(_imports(tree, name, path.name == "__init__.py"))
        _PARSED[key] = found
    return found


def code_fingerprint(
    roots: Iterable[str],
    *,
    root: Path | None = None,
    package: str = "riskoff",
    data_files: Iterable[Path] = (),
) -> str:
    """A short hash of the source of ``roots``' import closure plus ``data_files``."""
    if root is None:
        root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    closure = module_closure(roots, root=root, package=package)
    files = sorted(set(closure.values()) | {Path(p) for p in data_files})
    for f in files:
        rel = f.relative_to(root).as_posix() if f.is_relative_to(root) else f.name
        digest.update(rel.encode())
        digest.update(b"\0")
        try:
            digest.update(f.read_bytes())
        except OSError:
            digest.update(b"-")
    return digest.hexdigest()[:16]
