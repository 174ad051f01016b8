"""``make bench``: time every hot path beside a plain baseline measured in the same run.

Each case runs in a fresh child process (``bench.py --case NAME``) so that its peak
memory (max RSS) is its own. A case reports the median of several runs, the peak memory,
its budget, and the ratio to its baseline. The table is printed and written to
``docs/benchmarks.md`` with the machine and library versions.

Timed assertions do not belong in unit tests; this script is where speed is measured.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("RISKOFF_TEST_DATA") or REPO.parent / "shared" / "data")
PY = sys.executable
RISKOFF = str(Path(PY).parent / "riskoff")

Timing = dict[str, Any]
CASES: dict[str, Callable[[argparse.Namespace], Timing]] = {}


def case(name: str) -> Callable[[Callable[[argparse.Namespace], Timing]], Any]:
    def deco(fn: Callable[[argparse.Namespace], Timing]) -> Any:
        CASES[name] = fn
        return fn

    return deco


def _median_of(fn: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def _run(cmd: list[str], env: dict[str, str] | None = None) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)


def _child_peak(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run a command once; return (seconds, peak RSS of that child in MB)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed")
    return elapsed, usage.ru_maxrss / 1024


def _home_with_data() -> str:
    """A RISKOFF_HOME with the data folder ingested (reused across cases of one run)."""
    home = os.environ.get("BENCH_HOME")
    if home and Path(home, "riskoff.duckdb").exists():
        return home
    raise RuntimeError("BENCH_HOME not prepared")


def _env(home: str) -> dict[str, str]:
    return {**os.environ, "RISKOFF_HOME": home}


# -- cases --------------------------------------------------------------------------


@case("cli_help")
def _cli_help(a: argparse.Namespace) -> Timing:
    med, _ = _median_of(lambda: _run([RISKOFF, "--help"]), a.runs)
    base, _ = _median_of(lambda: _run([PY, "-c", "import pandas"]), a.runs)
    _, peak = _child_peak([RISKOFF, "--help"])
    return {
        "what": "riskoff --help (cold process)",
        "median": med,
        "peak_mb": peak,
        "budget": None,
        "baseline": base,
        "baseline_what": "python -c 'import pandas'",
    }


@case("ingest")
def _ingest(a: argparse.Namespace) -> Timing:
    times, peaks = [], []
    for _ in range(max(1, a.runs // 2)):
        with tempfile.TemporaryDirectory() as home:
            t, peak = _child_peak([RISKOFF, "ingest", str(DATA)], _env(home))
            times.append(t)
            peaks.append(peak)
    return {
        "what": f"riskoff ingest {DATA.name} into an empty store",
        "median": statistics.median(times),
        "peak_mb": max(peaks),
        "budget": 30.0,
        "baseline": None,
        "baseline_what": "",
    }


def _cli_case(
    args: list[str], what: str, budget: float | None, runs: int, baseline: str = "pandas"
) -> Timing:
    home = _home_with_data()
    env = _env(home)
    _run([RISKOFF, *args], env)  # warm the page cache and any on-disk cache
    med, _ = _median_of(lambda: _run([RISKOFF, *args], env), runs)
    _, peak = _child_peak([RISKOFF, *args], env)
    base = None
    base_what = ""
    if baseline == "pandas":
        base, _ = _median_of(lambda: _run([PY, "-c", "import pandas"]), runs)
        base_what = "python -c 'import pandas'"
    return {
        "what": what,
        "median": med,
        "peak_mb": peak,
        "budget": budget,
        "baseline": base,
        "baseline_what": base_what,
    }


def _has_command(name: str) -> bool:
    out = subprocess.run([RISKOFF, "--help"], capture_output=True, text=True).stdout
    return f" {name} " in out or f"│ {name}" in out


@case("diagnose")
def _diagnose(a: argparse.Namespace) -> Timing:
    if not _has_command("diagnose"):
        raise LookupError("riskoff diagnose is not built yet")
    t = _cli_case(
        ["diagnose", "2020-03-12", "--json"],
        "riskoff diagnose 2020-03-12 --json (fresh process, warm store)",
        None,
        a.runs,
    )
    t["budget"] = 3 * t["baseline"]
    return t


@case("scan")
def _scan(a: argparse.Namespace) -> Timing:
    if not _has_command("scan"):
        raise LookupError("riskoff scan is not built yet")
    return _cli_case(
        ["scan", "2015-01-01", "2025-12-31", "--csv"],
        "riskoff scan 2015-01-01 2025-12-31",
        120.0,
        1,
        baseline="none",
    )


@case("report")
def _report(a: argparse.Namespace) -> Timing:
    if not _has_command("report"):
        raise LookupError("riskoff report is not built yet")
    out = Path(tempfile.mkdtemp()) / "r.html"
    return _cli_case(
        ["report", "2020-03-12", "-o", str(out)],
        "riskoff report 2020-03-12 (fresh process)",
        5.0,
        a.runs,
        baseline="none",
    )


def _script_case(script: str, a: argparse.Namespace) -> Timing:
    """Cases owned by a layer's own bench script, which prints one JSON line per row."""
    path = REPO / "scripts" / script
    if not path.exists():
        raise LookupError(f"scripts/{script} is not built yet")
    env = {**os.environ, "BENCH_RUNS": str(a.runs)}
    out = subprocess.run(
        [PY, str(path), "--json"], capture_output=True, text=True, env=env, check=True
    ).stdout
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return {"rows": rows}


@case("indicators")
def _indicators(a: argparse.Namespace) -> Timing:
    return _script_case("bench_indicators.py", a)


@case("update")
def _update(a: argparse.Namespace) -> Timing:
    return _script_case("bench_update.py", a)


@case("analogs")
def _analogs(a: argparse.Namespace) -> Timing:
    return _script_case("bench_analogs.py", a)


@case("api")
def _api(a: argparse.Namespace) -> Timing:
    return _script_case("bench_api.py", a)


@case("book")
def _book(a: argparse.Namespace) -> Timing:
    return _script_case("bench_book.py", a)


# -- driver -------------------------------------------------------------------------


def _child(name: str, runs: int) -> None:
    ns = argparse.Namespace(runs=runs)
    try:
        result = CASES[name](ns)
    except LookupError as exc:
        result = {"unavailable": str(exc)}
    result.setdefault("self_peak_mb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print("RESULT " + json.dumps(result))


def _fmt(x: float | None, unit: str = "s") -> str:
    if x is None:
        return "—"
    if unit == "s":
        return f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s"
    return f"{x:.0f} MB"


def _row(name: str, r: Timing) -> list[str]:
    med, base, budget = r.get("median"), r.get("baseline"), r.get("budget")
    ratio = f"{med / base:.2f}×" if med is not None and base else "—"
    judged = r.get("p95", med)  # a latency budget is a p95 budget
    verdict = "—" if budget is None or judged is None else ("ok" if judged <= budget else "OVER")
    return [
        name,
        r.get("what", ""),
        _fmt(med),
        _fmt(r.get("peak_mb"), "mb"),
        _fmt(budget),
        f"{_fmt(base)} ({r.get('baseline_what', '')})" if base else "—",
        ratio,
        verdict,
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--case")
    ap.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "5")))
    ap.add_argument("--only", help="comma-separated case names")
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args()
    if a.case:
        _child(a.case, a.runs)
        return
    if not (DATA / "INDEX.csv").is_file():
        sys.exit(f"bench: the data folder {DATA} is missing")
    names = a.only.split(",") if a.only else list(CASES)
    home = tempfile.mkdtemp(prefix="riskoff-bench-")
    _run([RISKOFF, "ingest", str(DATA)], _env(home))
    env = {**os.environ, "BENCH_HOME": home}
    rows: list[list[str]] = []
    started = time.time()
    for name in names:
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        out = subprocess.run(
            [PY, __file__, "--case", name, "--runs", str(a.runs)],
            capture_output=True,
            text=True,
            env=env,
        )
        line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
        if out.returncode != 0 or line is None:
            err = (out.stderr.strip().splitlines() or ["failed"])[-1]
            rows.append([name, f"FAILED: {err}", "—", "—", "—", "—", "—", "FAILED"])
            continue
        r = json.loads(line[len("RESULT ") :])
        if "unavailable" in r:
            rows.append([name, f"not measured: {r['unavailable']}", "—", "—", "—", "—", "—", "—"])
        elif "rows" in r:
            for sub in r["rows"]:
                rows.append(_row(f"{name}:{sub.get('name', '')}", sub))
        else:
            rows.append(_row(name, r))
    shutil.rmtree(home, ignore_errors=True)
    header = [
        "case",
        "what",
        "median",
        "peak RSS",
        "budget",
        "baseline (same run)",
        "ratio",
        "verdict",
    ]
    table = _markdown(header, rows)
    print(table)
    if not a.no_write:
        _write_doc(table, time.time() - started, a.runs)


def _markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    return "\n".join(lines)


def _versions() -> str:
    from importlib.metadata import version

    libs = ["numpy", "pandas", "duckdb", "httpx", "typer", "rich", "plotly", "fastapi"]
    out = []
    for lib in libs:
        try:
            out.append(f"{lib} {version(lib)}")
        except Exception:
            continue
    return ", ".join(out)


def _write_doc(table: str, seconds: float, runs: int) -> None:
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    doc = f"""# Benchmarks

Written by `make bench` (`scripts/bench.py`) on {dt.date.today().isoformat()}; the whole run
took {seconds:.0f} s. Each case runs in a fresh process; "median" is the median of {runs}
runs unless the case says otherwise, "peak RSS" the child's maximum resident memory, and the
baseline is measured in the same run on the same machine.

Machine: {os.cpu_count()} cores, {mem_gb:.0f} GiB, {platform.platform()}, Python
{platform.python_version()}; {_versions()}.

{table}
"""
    # what people wrote under the table (from its first "## " heading on) is kept
    path = REPO / "docs" / "benchmarks.md"
    old = path.read_text("utf-8") if path.exists() else ""
    at = old.find("\n## ")
    if at >= 0:
        doc += old[at:]
    path.write_text(doc)


if __name__ == "__main__":
    main()
