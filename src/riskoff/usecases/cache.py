"""The on-disk cache of workspaces, keyed by the store and the code.

A cached :class:`~riskoff.usecases.workspace.Workspace` lives in
``$RISKOFF_HOME/cache/workspace-<store>-<code>.pkl``:

* ``<store>`` is the store's key (:func:`store_key`): it changes with every load and
  differs between two store files, so no cache outlives or crosses stores;
* ``<code>`` is :func:`code_fingerprint`: a hash of every module the cached objects'
  code reaches through its imports (:mod:`riskoff.usecases.fingerprint`), of the packaged
  data files and of the user's catalogue and episode files.

Reading the store key means opening the database; ``cache/store.stamp`` remembers it
next to the store files' identity as the file system sees them (:func:`file_stamp`,
taken *before* the key is read, so a write in between can only make the stamp look
older). While the files are unchanged a warm start reads the cache without opening the
database. A cache that cannot be read or written is rebuilt (it is never a source of
truth).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from riskoff.config import Settings
from riskoff.usecases.common import load_catalog, require_store, settings_or_env

if TYPE_CHECKING:
    from riskoff.store import Store
    from riskoff.usecases.workspace import Workspace

__all__ = [
    "CACHE_ROOTS",
    "code_fingerprint",
    "file_stamp",
    "load_workspace",
    "store_key",
]

CACHE_ROOTS = ("riskoff.usecases.workspace", "riskoff.panel")
"""The modules whose import closure builds what the cache keeps."""

_PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def _data_files(settings: Settings) -> list[Path]:
    packaged = sorted(p for p in (_PACKAGE_ROOT / "data").iterdir() if p.suffix != ".py")
    return [*packaged, settings.home / "catalog.toml", settings.home / "episodes.toml"]


def _sig(paths: list[Path]) -> list[str]:
    out = []
    for p in paths:
        try:
            st = p.stat()
        except OSError:
            out.append(f"{p}:-")
            continue
        out.append(f"{p}:{st.st_size}:{st.st_mtime_ns}")
    return out


def code_fingerprint(settings: Settings) -> str:
    """A hash of the code and data files that shape a cached workspace.

    Walking the import graph parses every file it reaches (about 65; each version of a
    file is parsed once per process, :mod:`riskoff.usecases.fingerprint`); the result is kept
    in ``cache/code.json`` with the size and modification time of every file walked and
    reused while none of them changed (the graph can only change when one of its files
    does).
    """
    from riskoff.usecases import fingerprint

    data = _data_files(settings)
    memo = settings.home / "cache" / "code.json"
    try:
        known = json.loads(memo.read_text("utf-8"))
        if known["roots"] == list(CACHE_ROOTS) and known["sig"] == _sig(
            [Path(p) for p in known["files"]] + data
        ):
            return str(known["code"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    closure = fingerprint.module_closure(CACHE_ROOTS, root=_PACKAGE_ROOT, package="riskoff")
    files = sorted(closure.values())
    sig = _sig([*files, *data])  # taken before hashing: a later edit can only miss the memo
    code = fingerprint.code_fingerprint(CACHE_ROOTS, root=_PACKAGE_ROOT, data_files=data)
    doc = {"roots": list(CACHE_ROOTS), "files": [str(f) for f in files], "sig": sig}
    _write_quietly(memo, json.dumps({**doc, "code": code}))
    return code


def file_stamp(path: Path) -> str:
    """The identity of the store's files as the file system sees them (inode, size, and
    modification and change times of the database and its write-ahead log). Any write
    changes it; a read-only open does not."""
    parts = []
    for f in (path, path.with_name(path.name + ".wal")):
        try:
            st = f.stat()
        except OSError:
            parts.append("-")
            continue
        parts.append(f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}")
    return "|".join(parts)


def store_key(store: Store) -> str:
    """The store's identity (a random id written at its creation) and data version as one
    string: it changes with every load that changes data, and two store files never share
    it, so no cache outlives or crosses stores."""
    ident = store.identity
    return f"{ident.store_id}.{ident.version}"


def _atomic_write(target: Path, data: bytes) -> None:
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(target)  # atomic: a reader sees the old file or the new one


def _write_quietly(target: Path, text: str) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(target, text.encode("utf-8"))
    except OSError:
        pass  # a read-only home still works, only slower


def _read(target: Path) -> Workspace | None:
    import pickle

    from riskoff.usecases.workspace import Workspace

    if not target.is_file():
        return None
    try:
        with target.open("rb") as fh:
            cached = pickle.load(fh)
    except Exception:
        target.unlink(missing_ok=True)
        return None
    return cached if isinstance(cached, Workspace) else None


def _file(cache_dir: Path, key: str, code: str) -> Path:
    safe = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_dir / f"workspace-{safe}-{code}.pkl"


def load_workspace(settings: Settings | None = None) -> Workspace:
    """The workspace of the whole store, from the cache when it is current.

    Every feature for day D uses only what was public by the end of D (the point-in-time
    tests prove it), so one workspace built from the full store serves every day.
    """
    import pickle

    from riskoff import panel as panel_mod
    from riskoff.knowledge.episodes import load_episodes
    from riskoff.store import Store
    from riskoff.usecases.workspace import build_workspace

    s = settings_or_env(settings)
    require_store(s)
    code = code_fingerprint(s)
    cache_dir = s.home / "cache"
    stamp_file = cache_dir / "store.stamp"
    stamp = file_stamp(s.store_path)
    try:
        known_stamp, known_key = stamp_file.read_text("utf-8").split("\n")[:2]
    except (OSError, ValueError):
        known_stamp = known_key = ""
    if known_stamp == stamp and known_key:
        hit = _read(_file(cache_dir, known_key, code))
        if hit is not None and hit.store_key == known_key:
            return hit
    with Store(s.store_path, read_only=True) as st:
        st.require_data()
        key = store_key(st)
        _write_quietly(stamp_file, f"{stamp}\n{key}\n")
        target = _file(cache_dir, key, code)
        hit = _read(target)
        if hit is not None and hit.store_key == key:
            return hit
        catalog = load_catalog(s)
        # the user's episode file before the panel: a bad one fails at once, not after the
        # panel and its feature table were built for nothing
        load_episodes(s.home)
        pnl = panel_mod.load_panel(st, catalog, None)
    ws = build_workspace(pnl, s, store_key=key)
    try:
        _atomic_write(target, pickle.dumps(ws, protocol=pickle.HIGHEST_PROTOCOL))
        for pattern in ("workspace-*.pkl", "features-*.pkl"):  # features-*: before 0.2
            for old in cache_dir.glob(pattern):
                if old != target:
                    old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only home still works, only slower
    return ws
