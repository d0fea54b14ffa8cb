"""Story pages per second from `plumbline serve`, next to nginx serving the same page.

Starts `plumbline serve --workers N` on a processed store and nginx (from Debian, its own
configuration in a temporary folder, `gzip_static` on a saved copy of one story page) on
loopback, then drives both with the C load generators from Debian in the same run:

- wrk (two threads) at each connection count, for one story page on nginx and on
  Plumbline (the ratio is the figure to read), then rotating over every story of the store
  on Plumbline, and the same rotation for a reader with a cookie (pages rendered for them,
  not served from the page cache);
- ApacheBench (keep-alive) on the one story page, on both servers.

Requests ask for gzip as browsers do. Server time is the `Server-Timing` that Plumbline
reports, sampled by one client in parallel with each load run (its p50 and p95).
Install the tools with `bash scripts/bench-tools.sh`.

    .venv/bin/python bench/page_rate.py --data-dir var [--connections 50,200] [--seconds 10]
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

NGINX_CONF = """
daemon off;
worker_processes {workers};
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  types {{ text/html html; }}
  default_type text/html;
  gzip_static on;
  keepalive_requests 100000;
  server {{
    listen 127.0.0.1:{port};
    root {tmp}/www;
    location / {{ }}
  }}
}}
"""
WRK_ROTATE = """
local paths = {{ {paths} }}
local i = 0
wrk.headers["Accept-Encoding"] = "gzip"
{cookie}
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"no answer from {url} within {seconds:.0f} s")


def story_paths(data_dir: Path) -> list[str]:
    database = data_dir / "plumbline.db"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT slug FROM stories WHERE synthesis IS NOT NULL AND merged_into_id IS NULL "
            "ORDER BY n_outlets DESC, id"
        ).fetchall()
    if not rows:
        raise SystemExit(f"no written-up stories in {database}: run `plumbline process` first")
    return [f"/story/{slug}" for (slug,) in rows]


class ServerTimes:
    """One client asking for pages in a loop during a load run; keeps Server-Timing."""

    def __init__(self, base: str, paths: list[str], cookie: str = "") -> None:
        self.base, self.paths, self.cookie = base, paths, cookie
        self.times: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ServerTimes:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        i = 0
        while not self._stop.is_set():
            request = urllib.request.Request(
                self.base + self.paths[i % len(self.paths)], headers={"Accept-Encoding": "gzip"}
            )
            if self.cookie:
                request.add_header("Cookie", self.cookie)
            i += 1
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    response.read()
                    timing = ", ".join(response.headers.get_all("server-timing") or [])
            except OSError:
                continue
            found = re.search(r"(?:cache|total);dur=([\d.]+)", timing)
            if found:
                self.times.append(float(found[1]))
            time.sleep(0.02)

    def summary(self) -> str:
        if len(self.times) < 2:
            return "n/a"
        p95 = statistics.quantiles(self.times, n=20)[-1]
        return f"{statistics.median(self.times):.2f} / {p95:.2f}"


def run_wrk(url: str, connections: int, seconds: int, script: Path | None = None) -> str:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    command += ["-s", str(script)] if script else ["-H", "Accept-Encoding: gzip"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: (.*)", out)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    note = f", non-2xx {errors[1]}" if errors else ""
    note += f", socket errors {sockets[1]}" if sockets else ""
    return f"{float(rate[1]) if rate else 0:,.0f} req/s (client p99 {p99[1] if p99 else '?'}{note})"


def run_ab(url: str, connections: int, requests: int) -> str:
    command = ["ab", "-q", "-k", "-n", str(requests), "-c", str(connections)]
    command += ["-H", "Accept-Encoding: gzip", url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = re.search(r"Requests per second:\s+([\d.]+)", out)
    p95 = re.search(r"\s95%\s+(\d+)", out)
    # ab counts a page whose length differs from the first one's as failed ("Length");
    # each server process renders its own copy (their form tokens differ), so only
    # connection errors, exceptions and non-2xx answers are failures here
    failures = re.search(r"\(Connect: (\d+), Receive: (\d+), Length: \d+, Exceptions: (\d+)\)", out)
    non_2xx = re.search(r"Non-2xx responses:\s+(\d+)", out)
    failed = sum(int(n) for n in failures.groups()) if failures else 0
    failed += int(non_2xx[1]) if non_2xx else 0
    return (
        f"{float(rate[1]) if rate else 0:,.0f} req/s (client p95 {p95[1] if p95 else '?'} ms, "
        f"failed {failed})"
    )


def rate_of(line: str) -> float:
    return float(line.split(" ", 1)[0].replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="A processed store.")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--connections", default="50,200")
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    for tool in ("wrk", "ab"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is missing: bash scripts/bench-tools.sh")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    paths = story_paths(args.data_dir)
    connections = [int(c) for c in args.connections.split(",")]

    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        tmp.chmod(0o755)  # nginx's workers (another user when started as root) read www/
        app_port, nginx_port = free_port(), free_port()
        env = {**os.environ, "PLUMBLINE_DATA_DIR": str(args.data_dir)}
        server = subprocess.Popen(
            [sys.executable, "-m", "plumbline", "serve", "--port", str(app_port),
             "--workers", str(args.workers)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            app = f"http://127.0.0.1:{app_port}"
            wait_for(app + "/healthz")
            page = urllib.request.urlopen(app + paths[0], timeout=30).read()
            www = tmp / "www" / "story"
            www.mkdir(parents=True)
            (www / "page.html").write_bytes(page)
            (www / "page.html.gz").write_bytes(gzip.compress(page, 6))
            (tmp / "nginx.conf").write_text(
                NGINX_CONF.format(workers=args.workers, tmp=tmp, port=nginx_port)
            )
            proxy = subprocess.Popen(
                [nginx, "-c", str(tmp / "nginx.conf"), "-p", str(tmp)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            try:
                static = f"http://127.0.0.1:{nginx_port}/story/page.html"
                wait_for(static)
                quoted = ", ".join(f'"{p}"' for p in paths)
                rotate, readers = tmp / "rotate.lua", tmp / "readers.lua"
                rotate.write_text(WRK_ROTATE.format(paths=quoted, cookie=""))
                cookie = "pl_theme=dark"
                readers.write_text(
                    WRK_ROTATE.format(paths=quoted, cookie=f'wrk.headers["Cookie"] = "{cookie}"')
                )
                # warm: every story page in every server process's cache (rotations
                # until the rate stops rising, at most a minute)
                last = 0.0
                for _ in range(12):
                    now = rate_of(run_wrk(app + "/", 8, 5, rotate))
                    if now < last * 1.1:
                        break
                    last = now
                print(
                    f"{len(paths)} stories; plumbline serve --workers {args.workers}; nginx "
                    f"worker_processes {args.workers}; one page {len(page):,} bytes "
                    f"({len(gzip.compress(page, 6)):,} gzipped); {os.cpu_count()} cores shared "
                    "with the load generator"
                )
                print("| run | connections | nginx | plumbline | ratio | server p50 / p95 ms |")
                print("|---|---|---|---|---|---|")
                one = app + paths[0]
                for c in connections:
                    ng = run_wrk(static, c, args.seconds)
                    with ServerTimes(app, paths[:1]) as times:
                        pl = run_wrk(one, c, args.seconds)
                    ratio = rate_of(pl) / max(rate_of(ng), 1e-9)
                    print(f"| wrk, one story | {c} | {ng} | {pl} | {ratio:.2f} | "
                          f"{times.summary()} |")  # fmt: skip
                    ng = run_ab(static, c, 20_000)
                    with ServerTimes(app, paths[:1]) as times:
                        pl = run_ab(one, c, 20_000)
                    ratio = rate_of(pl) / max(rate_of(ng), 1e-9)
                    print(f"| ab -k, one story | {c} | {ng} | {pl} | {ratio:.2f} | "
                          f"{times.summary()} |")  # fmt: skip
                    with ServerTimes(app, paths) as times:
                        pl = run_wrk(app + "/", c, args.seconds, rotate)
                    print(f"| wrk, every story in turn | {c} | | {pl} | | {times.summary()} |")
                    with ServerTimes(app, paths, cookie) as times:
                        pl = run_wrk(app + "/", c, args.seconds, readers)
                    print(
                        f"| wrk, every story, reader with a cookie (rendered) | {c} | | {pl} | "
                        f"| {times.summary()} |"
                    )
            finally:
                proxy.terminate()
                proxy.wait(10)
        finally:
            server.terminate()
            server.wait(20)


if __name__ == "__main__":
    main()
