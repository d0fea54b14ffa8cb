"""How long importing Plumbline's entry points takes (what every CLI command, web worker and
newsletter run pays before doing anything), next to a bare interpreter in the same run.

    .venv/bin/python bench/import_time.py [--runs 15]

Prints the median wall time of `python -c "import MODULE"` in a fresh process for each
module, the interpreter's own start subtracted, and which heavy libraries each import loads.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

MODULES = ("plumbline.core", "plumbline.cli", "plumbline.web.app", "plumbline.pipeline")
HEAVY = ("sqlalchemy", "numpy", "sklearn", "scipy", "onnxruntime", "jinja2", "fastapi", "spacy")


def run(code: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh processes per module")
    args = parser.parse_args()
    bare = run("pass", args.runs)
    print(f"bare interpreter: {bare * 1000:.0f} ms (subtracted below)")
    for module in MODULES:
        seconds = run(f"import {module}", args.runs) - bare
        probe = f"import sys, {module}; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
        loaded = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        ).stdout.strip()
        print(f"import {module:<20} {seconds * 1000:6.0f} ms   loads: {loaded or '-'}")


if __name__ == "__main__":
    main()
