"""Load run of the JSON API for ``make bench`` (``scripts/bench.py``'s ``api`` case).

Starts ``riskoff serve`` on 127.0.0.1 (a free port) against a loaded store, asks each of a
set of days once (cold: the panel is built, each diagnosis computed), then sends 200
requests to ``/api/diagnose/{date}`` over the same mixed days, 20 at a time (warm: served
from the in-memory cache). Any error fails the run.

With ``--json`` it prints one JSON line per measurement::

    {"name": ..., "what": ..., "median": p50 s, "p95": s, "peak_mb": server RSS MB,
     "budget": s, "baseline": null, "baseline_what": ""}

The store is ``$BENCH_HOME`` when set (bench.py prepares it), else the data folder
(``$RISKOFF_TEST_DATA`` or ``../shared/data``) is ingested into a temporary home.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("RISKOFF_TEST_DATA") or REPO.parent / "shared" / "data")
RISKOFF = str(Path(sys.executable).parent / "riskoff")

DAYS = (
    "2020-03-12",
    "2008-10-10",
    "2015-08-24",
    "2018-02-05",
    "2021-05-19",
    "2022-06-13",
    "2011-08-08",
    "2001-09-17",
    "2024-08-05",
    "2019-08-05",
)
REQUESTS = 200
CONCURRENCY = 20
WARM_BUDGET = 0.1


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _peak_rss_mb(pid: int) -> float | None:
    """The server's peak resident set (VmHWM), in MB; None where /proc is not there."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def _home() -> tuple[str, bool]:
    home = os.environ.get("BENCH_HOME")
    if home and Path(home, "riskoff.duckdb").exists():
        return home, False
    if not (DATA / "INDEX.csv").is_file():
        sys.exit(f"bench_api: the data folder {DATA} is missing")
    tmp = tempfile.mkdtemp(prefix="riskoff-bench-api-")
    subprocess.run(
        [RISKOFF, "ingest", str(DATA)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "RISKOFF_HOME": tmp},
    )
    return tmp, True


async def _load(base: str) -> tuple[list[float], list[float]]:
    import httpx

    cold: list[float] = []
    warm: list[float] = []
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:

        async def one(day: str, into: list[float]) -> None:
            t0 = time.perf_counter()
            r = await client.get(f"/api/diagnose/{day}")
            elapsed = time.perf_counter() - t0
            if r.status_code != 200 or r.json().get("date") != day:
                raise RuntimeError(f"/api/diagnose/{day}: {r.status_code} {r.text[:200]}")
            into.append(elapsed)

        for day in DAYS:  # cold: first sight of each day (the first also builds the panel)
            await one(day, cold)
        gate = asyncio.Semaphore(CONCURRENCY)

        async def bounded(day: str) -> None:
            async with gate:
                await one(day, warm)

        await asyncio.gather(*(bounded(DAYS[i % len(DAYS)]) for i in range(REQUESTS)))
    return cold, warm


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="one JSON line per measurement")
    a = ap.parse_args()
    home, own = _home()
    port = _free_port()
    server = subprocess.Popen(
        [RISKOFF, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, "RISKOFF_HOME": home},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError("riskoff serve exited at startup")
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("riskoff serve did not answer within 60 s")
            time.sleep(0.1)
        t0 = time.perf_counter()
        cold, warm = asyncio.run(_load(base))
        total = time.perf_counter() - t0
        peak = _peak_rss_mb(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if own:
            shutil.rmtree(home, ignore_errors=True)
    rows: list[dict[str, Any]] = [
        {
            "name": "diagnose p50/p95",
            "what": (
                f"GET /api/diagnose/{{date}}: {REQUESTS} requests over {len(DAYS)} days, "
                f"{CONCURRENCY} at a time, warm cache (p95 {_pct(warm, 0.95) * 1000:.0f} ms, "
                f"{REQUESTS / max(total, 1e-9):.0f} req/s overall)"
            ),
            "median": statistics.median(warm),
            "p95": _pct(warm, 0.95),
            "peak_mb": peak,
            "budget": WARM_BUDGET,
            "baseline": None,
            "baseline_what": "",
        },
        {
            "name": "diagnose cold",
            "what": (
                f"first GET /api/diagnose/{{date}} of each of {len(DAYS)} days, one at a time "
                f"(the very first also builds the panel: {cold[0]:.1f} s)"
            ),
            "median": statistics.median(cold[1:]),
            "p95": _pct(cold[1:], 0.95),
            "peak_mb": peak,
            "budget": 1.0,
            "baseline": None,
            "baseline_what": "",
        },
    ]
    for row in rows:
        if a.json:
            print(json.dumps(row))
        else:
            print(
                f"{row['name']}: p50 {row['median'] * 1000:.0f} ms, p95 {row['p95'] * 1000:.0f} ms,"
                f" server peak {row['peak_mb'] or 0:.0f} MB, budget {row['budget'] * 1000:.0f} ms"
            )


if __name__ == "__main__":
    main()
