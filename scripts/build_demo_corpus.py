"""Build the packaged demo corpus from Article-Bias-Prediction (Apache-2.0).

Picks a window of consecutive whole weeks (Monday to Sunday) from the ABP articles, writes its
articles to ``plumbline/data/demo_corpus.jsonl.gz`` (one ABP-format JSON object per line, the
tokenized ``content`` field dropped, ``date`` normalized to ISO) and writes the attribution and
the window choice to ``plumbline/data/DEMO_CORPUS_NOTICE.md``.

Window rule: among windows with at least ``--min-articles`` usable articles from at least
``--min-outlets`` distinct source hostnames, take the fewest weeks; windows starting in
``--prefer-from``'s year or later are preferred whenever one of them qualifies; ties go to the
most recent window. Usable article: parseable plausible date, non-empty title and at least
``--min-words`` words of ``content_original``.

Run: ``.venv/bin/python scripts/build_demo_corpus.py [--data-dir ../shared/data]``
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
OUT_DIR = REPO_ROOT / "plumbline" / "data"
ABP_FILE = Path("article-bias-prediction") / "articles.jsonl.gz"
ABP_LICENSE = Path("article-bias-prediction") / "LICENSE"
CORPUS_NAME = "demo_corpus.jsonl.gz"
NOTICE_NAME = "DEMO_CORPUS_NOTICE.md"

ABP_REPO = "ramybaly/Article-Bias-Prediction"
ABP_COMMIT = "ced8111a720948e6a410e52031ace99c4e53f096"
# The snapshot's commit date: an article dated after it is impossible ("2050-09-30" is a Vice
# article about the year 2050), so it counts as unparseable. Dates before EARLIEST_DATE are
# placeholders ("0001-11-30").
SNAPSHOT_DATE = date(2021, 3, 31)
EARLIEST_DATE = date(1990, 1, 1)

KEPT_FIELDS = (
    "ID",
    "topic",
    "source",
    "source_url",
    "url",
    "date",
    "authors",
    "title",
    "content_original",
    "bias_text",
    "bias",
)
LEANS = ("left", "center", "right")
MAX_BYTES = 15_000_000

_ISO_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
_US_DAY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$")
_WWW_PREFIX = re.compile(r"^www\d*\.")


def normalize_host(value: str) -> str:
    """Lower-case hostname without scheme, port, trailing dot or leading ``www.``/``www1.``."""
    value = value.strip().lower()
    host = urlsplit(value).hostname if "://" in value else value.split("/")[0]
    host = (host or "").split(":")[0].rstrip(".")
    return _WWW_PREFIX.sub("", host)


def parse_date(raw: object) -> date | None:
    """Parse ABP's dirty ``date`` field; None when it names no plausible day.

    Accepted: ``2016-09-20`` (optionally followed by a time) and US ``3/16/19`` or
    ``3/16/2019``. A month alone (``2050-09``) or a year alone cannot be placed in a week
    and is rejected, as are dates before 1990 or after the snapshot.
    """
    text = str(raw or "").strip()
    if match := _ISO_DAY.match(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _US_DAY.match(text):
        month, day, year = (int(g) for g in match.groups())
        if year < 100:  # two-digit years in ABP are all 20xx
            year += 2000
    else:
        return None
    try:
        parsed = date(year, month, day)
    except ValueError:
        return None
    return parsed if EARLIEST_DATE <= parsed <= SNAPSHOT_DATE else None


def word_count(text: str) -> int:
    return len(text.split())


@dataclass(frozen=True, slots=True)
class Usable:
    """Just enough of a usable article to choose the window."""

    day: date
    host: str


@dataclass(frozen=True, slots=True)
class Window:
    start: date  # a Monday
    weeks: int
    articles: int
    outlets: int

    @property
    def end(self) -> date:
        return self.start + timedelta(days=7 * self.weeks - 1)

    def describe(self) -> str:
        return (
            f"{self.start.isoformat()}..{self.end.isoformat()} ({self.weeks} weeks):"
            f" {self.articles} articles, {self.outlets} outlets"
        )


def iter_abp(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                if isinstance(record, dict):
                    yield record


def usable_day(record: dict[str, Any], min_words: int) -> date | None:
    """The article's day when it may go in the corpus, else None."""
    if not str(record.get("title") or "").strip():
        return None
    if word_count(str(record.get("content_original") or "")) < min_words:
        return None
    if str(record.get("bias_text", "")).strip().lower() not in LEANS:
        return None
    return parse_date(record.get("date"))


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def candidate_windows(
    usable: list[Usable], min_articles: int, min_outlets: int, max_weeks: int
) -> list[Window]:
    """Every qualifying window of up to ``max_weeks`` whole weeks, within the data's span.

    A week counts only when it is whole inside the data: the last one must end on or before
    the latest usable date (the crawl stops mid-week).
    """
    per_week: dict[date, list[Usable]] = defaultdict(list)
    for item in usable:
        per_week[monday(item.day)].append(item)
    last_day = max(item.day for item in usable)
    first_week = min(per_week)
    weeks: list[date] = []
    week = first_week
    while week + timedelta(days=6) <= last_day:
        weeks.append(week)
        week += timedelta(days=7)
    counts = [len(per_week.get(w, [])) for w in weeks]
    hosts = [{item.host for item in per_week.get(w, [])} for w in weeks]

    found: list[Window] = []
    for length in range(1, max_weeks + 1):
        for i in range(len(weeks) - length + 1):
            articles = sum(counts[i : i + length])
            if articles < min_articles:
                continue
            outlets = len(set().union(*hosts[i : i + length]))
            if outlets >= min_outlets:
                found.append(Window(weeks[i], length, articles, outlets))
    return found


def choose_window(found: list[Window], prefer_from: date) -> tuple[Window, list[Window]]:
    """The chosen window and the pool it was chosen from (fewest weeks, then most recent)."""
    recent = [w for w in found if w.start >= prefer_from]
    pool = recent or found
    fewest = min(w.weeks for w in pool)
    tied = sorted((w for w in pool if w.weeks == fewest), key=lambda w: w.start)
    return tied[-1], tied


def report_alternatives(found: list[Window], chosen: Window, tied: list[Window]) -> list[str]:
    """Lines describing the windows considered, for stdout and the notice."""
    lines = [f"qualifying windows at the fewest weeks ({chosen.weeks}):"]
    lines += [f"  {w.describe()}" + ("  <- chosen" if w == chosen else "") for w in tied]
    fewest_overall = min(w.weeks for w in found)
    lines.append(f"fewest weeks in any year: {fewest_overall}")
    lines.append("fewest-weeks window per year (most recent if tied):")
    by_year: dict[int, Window] = {}
    for window in sorted(found, key=lambda w: (w.weeks, w.start)):
        by_year.setdefault(window.start.year, window)
        best = by_year[window.start.year]
        if window.weeks == best.weeks:
            by_year[window.start.year] = window
    lines += [f"  {year}: {by_year[year].describe()}" for year in sorted(by_year)]
    lines.append("most recent window with one more week / two more weeks:")
    for extra in (1, 2):
        longer = [w for w in found if w.weeks == chosen.weeks + extra]
        if longer:
            lines.append(f"  {max(longer, key=lambda w: w.start).describe()}")
    return lines


def slim(record: dict[str, Any], day: date) -> dict[str, Any]:
    out = {key: record.get(key) for key in KEPT_FIELDS}
    out["date"] = day.isoformat()
    return out


def gzip_lines(records: list[dict[str, Any]]) -> bytes:
    """Deterministic gzip (no file name, mtime 0) of one JSON object per line."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz:
        for record in records:
            gz.write(json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")
    return buffer.getvalue()


def notice_text(
    chosen: Window,
    records: list[dict[str, Any]],
    size: int,
    alternatives: list[str],
    args: argparse.Namespace,
    license_text: str,
) -> str:
    per_lean = Counter(str(r["bias_text"]) for r in records)
    outlets = len({normalize_host(str(r["source_url"])) for r in records})
    sources = len({str(r["source"]) for r in records})
    considered = "\n".join(alternatives)
    return f"""# Demo corpus notice

`{CORPUS_NAME}` holds {len(records):,} news articles drawn from **Article-Bias-Prediction**:

> Ramy Baly, Giovanni Da San Martino, James Glass, Preslav Nakov. 2020. "We Can Detect Your
> Bias: Predicting the Political Ideology of News Articles." Proceedings of the 2020 Conference
> on Empirical Methods in Natural Language Processing (EMNLP), pages 4982-4991.

- Source: https://github.com/{ABP_REPO}, commit `{ABP_COMMIT}`,
  files `data/jsons/*.json`.
- License: Apache License 2.0 (the repository's LICENSE file). This corpus is a derived work:
  the articles were selected, the tokenized `content` field was removed and `date` was
  normalized to `YYYY-MM-DD`; every other kept field (`ID`, `topic`, `source`, `source_url`,
  `url`, `authors`, `title`, `content_original`, `bias_text`, `bias`) is unchanged.
- The article texts are third-party news content, collected by the dataset's authors from
  allsides.com, and are quoted here for research and demonstration only. Copyright in each
  text stays with its publisher.
- Labels (`bias_text`, `bias`: 0 left, 1 center, 2 right) are the dataset's AllSides-derived
  outlet/article labels. The outlet leans in `outlets.json` and `abp_outlet_leans.json` come
  from the same labels (see `scripts/build_outlets.py`), so the demo's lean mix is not an
  independent check of those tables.

## What is in it

- Window: {chosen.start.isoformat()} (Monday) to {chosen.end.isoformat()} (Sunday), \
{chosen.weeks} whole weeks.
- {len(records):,} articles from {outlets} distinct source hostnames \
({sources} ABP source names).
- Labels: left {per_lean["left"]:,}, center {per_lean["center"]:,}, right {per_lean["right"]:,}.
- One JSON object per line, sorted by date then ID; gzip with mtime 0, {size:,} bytes.

## How the window was chosen

`scripts/build_demo_corpus.py` (deterministic; rerun it to rebuild this file and the corpus):

1. An article is usable when its `date` parses to a plausible day (`2016-09-20` or `3/16/19`;
   month-only, empty, pre-{EARLIEST_DATE.year} and post-snapshot dates such as `2050-09-30` are
   dropped), its title is non-empty and `content_original` has at least {args.min_words} words.
2. Usable articles are grouped into calendar weeks, Monday to Sunday; only weeks that end on or
   before the last usable date count (the crawl stops mid-week).
3. A window qualifies with at least {args.min_articles:,} usable articles from at least
   {args.min_outlets} distinct `source_url` hostnames (lower-case, `www.` removed).
4. Windows starting in {args.prefer_from} or later are preferred when any qualifies; among
   them the fewest weeks win, and the most recent of those.

Windows considered:

```
{considered}
```

## Apache License 2.0

Copy of the LICENSE file of {ABP_REPO} at the commit above, as the license asks
(section 4(a)) of anyone redistributing the work or a derivative of it:

```
{license_text.rstrip()}
```
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="shared data folder holding article-bias-prediction/ (default: ../shared/data)",
    )
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR, help="where to write outputs")
    parser.add_argument("--min-articles", type=int, default=1600)
    parser.add_argument("--min-outlets", type=int, default=45)
    parser.add_argument("--min-words", type=int, default=80)
    parser.add_argument("--max-weeks", type=int, default=26, help="longest window to consider")
    parser.add_argument("--prefer-from", type=int, default=2019, help="preferred first year")
    parser.add_argument("--max-bytes", type=int, default=MAX_BYTES)
    args = parser.parse_args(argv)

    abp_path = args.data_dir / ABP_FILE
    for needed in (abp_path, args.data_dir / ABP_LICENSE):
        if not needed.is_file():
            parser.error(f"{needed} not found; pass --data-dir")

    # Pass 1: dates and hostnames only, to choose the window without holding every text.
    usable: list[Usable] = []
    total = 0
    for record in iter_abp(abp_path):
        total += 1
        day = usable_day(record, args.min_words)
        if day is not None:
            usable.append(Usable(day, normalize_host(str(record.get("source_url", "")))))
    print(f"ABP articles: {total}; usable: {len(usable)}")
    found = candidate_windows(usable, args.min_articles, args.min_outlets, args.max_weeks)
    if not found:
        print("error: no window qualifies; relax --min-articles/--min-outlets", file=sys.stderr)
        return 1
    chosen, tied = choose_window(found, date(args.prefer_from, 1, 1))
    alternatives = report_alternatives(found, chosen, tied)
    print("\n".join(alternatives))
    print(f"chosen: {chosen.describe()}")

    # Pass 2: the chosen window's articles.
    records: list[dict[str, Any]] = []
    for record in iter_abp(abp_path):
        day = usable_day(record, args.min_words)
        if day is not None and chosen.start <= day <= chosen.end:
            records.append(slim(record, day))
    records.sort(key=lambda r: (r["date"], r["ID"]))
    if len(records) != chosen.articles:
        print(f"error: pass 2 found {len(records)}, pass 1 {chosen.articles}", file=sys.stderr)
        return 1

    payload = gzip_lines(records)
    if len(payload) > args.max_bytes:
        print(f"error: corpus is {len(payload):,} bytes > {args.max_bytes:,}", file=sys.stderr)
        return 1
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / CORPUS_NAME).write_bytes(payload)
    license_text = (args.data_dir / ABP_LICENSE).read_text(encoding="utf-8")
    notice = notice_text(chosen, records, len(payload), alternatives, args, license_text)
    (args.out_dir / NOTICE_NAME).write_text(notice, encoding="utf-8")

    per_lean = Counter(str(r["bias_text"]) for r in records)
    outlets = len({normalize_host(str(r["source_url"])) for r in records})
    print(f"wrote {args.out_dir / CORPUS_NAME}: {len(payload):,} bytes")
    print(f"articles: {len(records)}; outlets (hostnames): {outlets}")
    print("per lean: " + ", ".join(f"{lean} {per_lean[lean]}" for lean in LEANS))
    print(f"date range: {records[0]['date']} .. {records[-1]['date']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
