"""Every answer of the JSON API on a processed store, to show that a change of the code
changed no answer (a refactor's check).

    .venv/bin/python bench/api_snapshot.py dump --data-dir COPY_OF_STORE before.json
    (change the code; the dump migrates the store it reads, so dump from copies)
    .venv/bin/python bench/api_snapshot.py dump --data-dir ANOTHER_COPY after.json
    .venv/bin/python bench/api_snapshot.py compare before.json after.json

A dump holds every page of the story list, every story, the outlets, the topics, one topic,
a search and the blindspot list: status and parsed JSON of each. `compare` prints how many
answers differ and the first difference of the first few.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

PATHS = (
    "/api/outlets",
    "/api/topics",
    "/api/topics/coronavirus",
    "/api/search?q=court",
    "/api/stories?blindspot=true&limit=100",
)


def dump(data_dir: Path, out: Path) -> None:
    from fastapi.testclient import TestClient

    from plumbline.core import Plumbline
    from plumbline.settings import Settings
    from plumbline.web.app import create_app

    core = Plumbline(Settings(data_dir=data_dir))
    core.init()
    client = TestClient(create_app(core))
    answers: dict[str, Any] = {}

    def get(path: str) -> Any:
        response = client.get(path)
        answers[path] = [response.status_code, response.json()]
        return answers[path][1]

    offset, ids = 0, []
    while True:
        items = get(f"/api/stories?limit=100&offset={offset}")["items"]
        ids += [item["id"] for item in items]
        if len(items) < 100:
            break
        offset += 100
    for story_id in ids:
        get(f"/api/stories/{story_id}")
    for path in PATHS:
        get(path)
    out.write_text(json.dumps(answers, sort_keys=True), encoding="utf-8")
    print(f"{len(answers)} answers written to {out}")


def first_difference(a: Any, b: Any, path: str = "") -> str | None:
    if type(a) is not type(b):
        return f"{path}: {str(a)[:120]!r} | {str(b)[:120]!r}"
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}/{key}: only in {'the first' if key in a else 'the second'}"
            found = first_difference(a[key], b[key], f"{path}/{key}")
            if found:
                return found
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items | {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if a == b else f"{path}: {str(a)[:120]!r} | {str(b)[:120]!r}"


def compare(first: Path, second: Path) -> None:
    a = json.loads(first.read_text(encoding="utf-8"))
    b = json.loads(second.read_text(encoding="utf-8"))
    differ = [k for k in a if a[k] != b.get(k)] + [k for k in b if k not in a]
    print(f"{len(differ)} of {len(a)} answers differ")
    for key in differ[:5]:
        print(f"  {key}: {first_difference(a.get(key), b.get(key))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    take = commands.add_parser("dump", help="write every API answer of a store to a file")
    take.add_argument("--data-dir", type=Path, required=True, help="a copy of the store")
    take.add_argument("out", type=Path)
    check = commands.add_parser("compare", help="how many answers two dumps differ in")
    check.add_argument("first", type=Path)
    check.add_argument("second", type=Path)
    args = parser.parse_args()
    if args.command == "dump":
        dump(args.data_dir, args.out)
    else:
        compare(args.first, args.second)


if __name__ == "__main__":
    main()
