"""Load on the site: a real `plumbline serve` on a loopback port, driven by Locust.

Reports, for each scenario and number of concurrent users, requests/s, client-side
latency p50/p95/p99 (what a reader waits, queueing included) and server time p50/p95/p99
(the Server-Timing the app reports: the time Plumbline itself works on a request), and the
error count.

    make run   # once, to fill ./var with the processed demo corpus (or --data-dir DIR)
    .venv/bin/python bench/site_load.py [--data-dir var] [--users 50,200] [--seconds 30]
        [--scenario story|mixed|all] [--workers 1]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def serve(data_dir: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PLUMBLINE_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "plumbline", "serve", "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/stories?limit=1", timeout=2)
            return proc
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(
                    f"plumbline serve did not start: {proc.stderr and proc.stderr.read()!r}"
                ) from None
            time.sleep(0.3)


def paths_for(base: str, scenario: str) -> list[str]:
    stories = httpx.get(f"{base}/api/stories?limit=100&min_outlets=1", timeout=30).json()["items"]
    if not stories:
        raise SystemExit("the store has no stories: run `make run` (or import and process) first")
    story_paths = [f"/story/{s['slug']}" for s in stories]
    if scenario == "story":
        return story_paths
    outlets = [
        f"/outlet/{o['slug']}" for o in httpx.get(f"{base}/api/outlets", timeout=30).json()[:20]
    ]
    others = ["/", "/?page=2", "/topics", "/search?q=president", "/api/stories", "/feed.atom"]
    return story_paths + outlets + others * 5


def run(base: str, paths: list[str], users: int, seconds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "paths.json").write_text(json.dumps(paths))
        env = {
            **os.environ,
            "PLUMBLINE_BENCH_PATHS": str(folder / "paths.json"),
            "PLUMBLINE_BENCH_TIMINGS": str(folder / "timings.txt"),
        }
        subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"),
             "--headless", "--host", base, "-u", str(users), "-r", str(users),
             "-t", f"{seconds}s", "--csv", str(folder / "out"), "--only-summary",
             "--loglevel", "ERROR", "--stop-timeout", "5"],
            env=env, check=False, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        with open(folder / "out_stats.csv", encoding="utf-8") as handle:
            total = next(row for row in csv.DictReader(handle) if row["Name"] == "Aggregated")
        timings_file = folder / "timings.txt"
        timings = [
            float(x) for x in timings_file.read_text().split() if x
        ] if timings_file.exists() else []  # fmt: skip
    return {
        "requests": float(total["Request Count"]),
        "failures": float(total["Failure Count"]),
        "rps": float(total["Requests/s"]),
        "p50": float(total["50%"]),
        "p95": float(total["95%"]),
        "p99": float(total["99%"]),
        "server_p50": percentile(timings, 50),
        "server_p95": percentile(timings, 95),
        "server_p99": percentile(timings, 99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var")
    parser.add_argument("--users", default="50")
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--scenario", choices=["story", "mixed", "all"], default="all")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    port = free_port()
    proc = serve(args.data_dir, port, args.workers)
    base = f"http://127.0.0.1:{port}"
    try:
        scenarios = ["story", "mixed"] if args.scenario == "all" else [args.scenario]
        print(f"plumbline serve ({args.workers} worker(s)) on {base}, {args.seconds} s per run")
        print("scenario  users  req/s   client p50/p95/p99 ms   server p50/p95/p99 ms   errors")
        for scenario in scenarios:
            paths = paths_for(base, scenario)
            for users in (int(u) for u in args.users.split(",")):
                r = run(base, paths, users, args.seconds)
                print(
                    f"{scenario:8}  {users:5}  {r['rps']:6.0f}   "
                    f"{r['p50']:5.0f} / {r['p95']:5.0f} / {r['p99']:5.0f}      "
                    f"{r['server_p50']:5.1f} / {r['server_p95']:5.1f} / {r['server_p99']:5.1f}"
                    f"       {r['failures']:.0f} of {r['requests']:.0f}"
                )
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
