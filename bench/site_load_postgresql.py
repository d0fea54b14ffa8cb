"""The site under load on PostgreSQL: start a PostgreSQL 18 + pgvector server on loopback
(tests/pgserver.py), process the whole demo corpus into it (timed), then run
bench/site_load.py against it with the same options.

    .venv/bin/python bench/site_load_postgresql.py [--users 50,200] [--seconds 30]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from plumbline.core import Plumbline  # noqa: E402
from plumbline.settings import Settings  # noqa: E402
from tests.pgserver import PgServer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", default="50,200")
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="plumbline-pg-site-"))
    with PgServer() as pg:
        url = pg.create_database("site")
        core = Plumbline(Settings(data_dir=folder, database_url=url))
        core.init()
        start = time.perf_counter()
        core.import_demo()
        core.process()
        print(
            f"demo corpus processed on PostgreSQL in {time.perf_counter() - start:.0f} s: "
            f"{core.stores.stories.count_stories()} stories",
            flush=True,
        )
        core.close()
        command = [sys.executable, str(ROOT / "bench" / "site_load.py"), "--data-dir",
                   str(folder), "--users", args.users, "--seconds", str(args.seconds)]  # fmt: skip
        env = {**os.environ, "PLUMBLINE_DATABASE_URL": url}
        subprocess.run(command, env=env, check=True)


if __name__ == "__main__":
    main()
