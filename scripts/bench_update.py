"""Time ``riskoff update`` of the whole catalogue against the local emulator, beside the
naive sequential loop, and count their requests.

Usage::

    .venv/bin/python scripts/bench_update.py [--latency-ms 50] [--fred-limit 20]
        [--client-rate 15] [--runs N] [--json]

The emulator (``riskoff.testing.emulator``) serves ``../shared/data`` (or
``$RISKOFF_TEST_DATA``) on 127.0.0.1, in a child process unless ``--in-process``, with
``--latency-ms`` added to every request, answering 429 to more than ``--fred-limit`` FRED
requests in any sliding second. Rows:

- ``fetch``: ``fetch_many`` of every live series: providers in parallel, FRED through one
  token bucket at ``--client-rate`` per second, retries with backoff. Compared with:
- ``baseline``: ``sequential_baseline``: the same providers, one series after another,
  one request per series (per 300-day page on the exchange), no limiter, no retry.
- ``full``: ``usecases.update`` into an empty store (the fetch plus one transaction).
- ``incremental``: ``usecases.update`` again with nothing new (one request per series).

Each row gives the median seconds over ``--runs`` (default ``$BENCH_RUNS`` or 1, at most
3), the requests the emulator saw, the 429s its limiter answered and the failed series.
``--json`` prints one JSON object per row for ``scripts/bench.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("RISKOFF_TEST_DATA") or REPO.parent / "shared" / "data")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Remote:
    """The emulator in a child process (so it does not share the client's GIL)."""

    def __init__(self, data: Path, latency_ms: float, fred_limit: int) -> None:
        cmd = [
            sys.executable,
            "-m",
            "riskoff.testing.emulator",
            str(data),
            "--preload",
            "--latency-ms",
            str(latency_ms),
            "--fred-limit",
            str(fred_limit),
        ]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://127.0.0.1:"):
            self.close()
            raise RuntimeError("the emulator did not start")

    def settings(self, home: str) -> Any:
        from riskoff.config import Settings
        from riskoff.providers.registry import describe

        return Settings(home=Path(home), urls={p.url_env: self.url for p in describe()})

    def reset(self) -> None:
        import httpx

        httpx.get(f"{self.url}/_emulator/reset")

    def stats(self) -> dict[str, Any]:
        import httpx

        out: dict[str, Any] = httpx.get(f"{self.url}/_emulator/stats").json()
        return out

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


class _Local:
    """The emulator in this process."""

    def __init__(self, data: Path, latency_ms: float, fred_limit: int, symbols: list[str]) -> None:
        from riskoff.testing.emulator import Emulator

        self.emu = Emulator(
            data, latency_ms=latency_ms, fred_limit=fred_limit, preload=symbols
        ).start()

    def settings(self, home: str) -> Any:
        return self.emu.settings(home)

    def reset(self) -> None:
        self.emu.reset_counts()

    def stats(self) -> dict[str, Any]:
        return {"requests": self.emu.count(), "limited": self.emu.limited}

    def close(self) -> None:
        self.emu.stop()


def measure(
    data: Path,
    *,
    latency_ms: float,
    fred_limit: int,
    client_rate: float,
    runs: int,
    in_process: bool = False,
) -> list[dict[str, Any]]:
    """Run the scenarios; return one row per scenario."""
    from riskoff import usecases
    from riskoff.config import Settings
    from riskoff.providers.http import TokenBucket
    from riskoff.providers.registry import is_live
    from riskoff.providers.update import FetchTask, fetch_many, sequential_baseline

    catalog = usecases.load_catalog(Settings(home=Path(tempfile.gettempdir())))
    live = [catalog[s] for s in catalog if is_live(s)]
    server: _Remote | _Local = (
        _Local(data, latency_ms, fred_limit, [i.symbol for i in live])
        if in_process
        else _Remote(data, latency_ms, fred_limit)
    )
    times: dict[str, list[float]] = {k: [] for k in ("fetch", "full", "incremental", "baseline")}
    stats: dict[str, dict[str, int]] = {}

    def record(name: str, seconds: float, failed: int) -> None:
        times[name].append(seconds)
        got = server.stats()
        stats[name] = {
            "requests": int(got["requests"]),
            "limited": int(got["limited"]),
            "failed": failed,
            "series": len(live),
        }
        time.sleep(1.1)  # let the emulator's sliding second empty before the next scenario
        server.reset()

    try:
        server.reset()
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as home:
                settings = server.settings(home)
                t0 = time.perf_counter()
                results = fetch_many(
                    [FetchTask(i) for i in live], settings, fred_limiter=TokenBucket(client_rate)
                )
                record("fetch", time.perf_counter() - t0, sum(not r.ok for r in results))
                for name in ("full", "incremental"):
                    t0 = time.perf_counter()
                    result = usecases.update(
                        settings=settings, fred_limiter=TokenBucket(client_rate)
                    )
                    record(name, time.perf_counter() - t0, len(result.failed))
            t0 = time.perf_counter()
            outcome = sequential_baseline(server.settings(tempfile.gettempdir()), live)
            record("baseline", time.perf_counter() - t0, outcome.failed)
    finally:
        server.close()
    where = "in-process" if in_process else "child-process"
    what = (
        f"{len(live)} series, {where} emulator, {latency_ms:.0f} ms latency, "
        f"FRED limit {fred_limit}/s, client {client_rate:g}/s"
    )
    baseline = statistics.median(times["baseline"])
    labels = {
        "fetch": "fetch only, parallel (fetch_many)",
        "full": "riskoff update into an empty store (fetch + one write)",
        "incremental": "riskoff update again, nothing new",
        "baseline": "sequential baseline: fetch only, no limiter, no retry",
    }
    rows: list[dict[str, Any]] = []
    for name, label in labels.items():
        s = stats[name]
        rows.append(
            {
                "name": name,
                "what": f"{label}: {what}; {s['requests']} requests, {s['limited']} x 429, "
                f"{s['failed']} failed",
                "median": statistics.median(times[name]),
                "peak_mb": _peak_mb(),
                "budget": None,
                "baseline": baseline if name == "fetch" else None,
                "baseline_what": "sequential fetch",
                **s,
            }
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--latency-ms", type=float, default=50.0)
    ap.add_argument("--fred-limit", type=int, default=20)
    ap.add_argument("--client-rate", type=float, default=15.0)
    ap.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "1")))
    ap.add_argument("--json", action="store_true", help="one JSON object per row")
    ap.add_argument("--in-process", action="store_true", help="run the emulator in-process")
    a = ap.parse_args()
    if not (DATA / "INDEX.csv").is_file():
        sys.exit(f"bench_update: the data folder {DATA} is missing")
    rows = measure(
        DATA,
        latency_ms=a.latency_ms,
        fred_limit=a.fred_limit,
        client_rate=a.client_rate,
        runs=max(1, min(3, a.runs)),
        in_process=a.in_process,
    )
    if a.json:
        for row in rows:
            print(json.dumps(row))
        return
    print(f"{'scenario':<12} {'seconds':>8} {'requests':>9} {'429s':>5} {'failed':>7}")
    for row in rows:
        print(
            f"{row['name']:<12} {row['median']:8.2f} {row['requests']:9d} "
            f"{row['limited']:5d} {row['failed']:7d}"
        )
    print(rows[0]["what"].split("; ", 1)[0].split(": ", 1)[1])
    print(f"sequential / parallel fetch time: {rows[3]['median'] / rows[0]['median']:.1f}")


if __name__ == "__main__":
    main()
