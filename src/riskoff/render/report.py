"""Writing the report: the HTML page and, on request, one PNG per chart.

``usecases.report`` gathers the data into a :class:`~riskoff.render.html.ReportInput`
and calls :func:`write_report`; nothing here touches the store.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from riskoff.errors import InputError
from riskoff.render.html import ReportInput, build_report, render_html

__all__ = ["ReportResult", "check_writable", "write_report"]


@dataclass(frozen=True)
class ReportResult:
    """What was written: the page, its size, the PNG files and the time taken."""

    path: Path
    bytes: int
    pngs: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    day: str = ""
    sections_missing: list[str] = field(default_factory=list)


def check_writable(path: Path, *, directory: bool = False) -> None:
    """Raise :class:`InputError` (exit 2, one line) unless ``path`` can be written.

    For a file: its folder must exist and be writable, and the path must not be a folder.
    For a directory (``--png``): it must be creatable or already a writable folder.
    """
    if directory:
        if path.exists() and not path.is_dir():
            raise InputError(f"cannot write PNG charts to {path}: it is a file, not a folder")
        probe = path if path.exists() else next((p for p in path.parents if p.exists()), None)
    else:
        if path.is_dir():
            raise InputError(f"cannot write the report to {path}: it is a folder")
        probe = path.parent if str(path.parent) else Path()
        if not probe.is_dir():
            raise InputError(f"cannot write the report to {path}: folder {probe} does not exist")
        if path.exists() and not os.access(path, os.W_OK):
            raise InputError(f"cannot write the report to {path}: permission denied")
    if probe is None or not os.access(probe, os.W_OK | os.X_OK):
        what = "PNG charts" if directory else "the report"
        raise InputError(f"cannot write {what} to {path}: permission denied")


def write_report(
    inp: ReportInput, out: Path, *, png_dir: Path | None = None, started: float | None = None
) -> ReportResult:
    """Render the page to ``out`` (and the charts to ``png_dir``) and say what was written."""
    t0 = started if started is not None else time.perf_counter()
    rep = build_report(inp)
    page = render_html(rep)
    data = page.encode("utf-8")
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise InputError(f"cannot write the report to {out}: {exc.strerror or exc}") from None
    pngs: list[Path] = []
    if png_dir is not None:
        from riskoff.render.png import write_pngs

        try:
            png_dir.mkdir(parents=True, exist_ok=True)
            pngs = write_pngs(rep, png_dir)
        except OSError as exc:
            raise InputError(
                f"cannot write PNG charts to {png_dir}: {exc.strerror or exc}"
            ) from None
    missing = [k for k in ("diagnosis", "analogs") if getattr(inp, k) is None]
    return ReportResult(
        path=out,
        bytes=len(data),
        pngs=pngs,
        seconds=time.perf_counter() - t0,
        day=inp.day.isoformat(),
        sections_missing=missing,
    )
