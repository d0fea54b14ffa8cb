"""Build the packaged outlet tables from the seed CSV and the Article-Bias-Prediction labels.

Outputs (both pretty-printed, deterministic):

- ``plumbline/data/outlets.json``: the default outlet table, a list sorted by slug. Each lean is
  the majority ``bias_text`` of the outlet's articles in Article-Bias-Prediction (ABP, Apache-2.0),
  or ``"unrated"`` when fewer than 5 articles match.
- ``plumbline/data/abp_outlet_leans.json``: every ABP source hostname with at least 5 articles,
  mapped to its majority lean, for outlets that appear in imported ABP data but not in the table.

Matching rule (outlets.json): an ABP article counts for an outlet when BOTH its ``source`` name is
one of the outlet's ``abp_sources`` AND its ``source_url`` hostname is one of the outlet's
``domains`` or a subdomain of one. Requiring both keeps out what would distort the outlet's label:
AllSides files guest writers ("Guest Writer - Right" on nytimes.com), the outlet's own opinion
pages ("New York Times - Opinion", "CNN - Editorial") and named columnists ("David Brooks",
"Rich Lowry") as separate sources with their own lean, and these are never listed in
``abp_sources`` (the script refuses a listed name that looks like guest/opinion/editorial).
The domain condition drops the few articles filed under an outlet's name but hosted elsewhere
("Washington Post" on washingtontimes.com).

Run: ``.venv/bin/python scripts/build_outlets.py [--data-dir ../shared/data]``
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
SEED_CSV = Path(__file__).resolve().parent / "outlets_seed.csv"
OUT_DIR = REPO_ROOT / "plumbline" / "data"
ABP_FILE = Path("article-bias-prediction") / "articles.jsonl.gz"

LEANS = ("left", "center", "right")
UNRATED = "unrated"
MIN_ARTICLES = 5
TARGET_PER_LEAN = 15
SEED_COLUMNS = ("slug", "name", "homepage", "feeds", "country", "domains", "abp_sources")

# ABP source names that are not an outlet's own newsroom: guest columns and opinion/editorial
# pages carry AllSides' lean for the writer or the page, not for the outlet. They are excluded
# from the per-domain table and may not be listed as an outlet's abp_sources.
NON_NEWSROOM_SOURCE = re.compile(r"guest writer|opinion|editorial", re.IGNORECASE)

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_HOSTNAME = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$")
_WWW_PREFIX = re.compile(r"^www\d*\.")


class SeedError(ValueError):
    """The seed CSV breaks one of the rules this script checks."""


def normalize_host(value: str) -> str:
    """Lower-case hostname without scheme, port, trailing dot or leading ``www.``/``www1.``."""
    value = value.strip().lower()
    host = urlsplit(value).hostname if "://" in value else value.split("/")[0]
    host = (host or "").split(":")[0].rstrip(".")
    return _WWW_PREFIX.sub("", host)


def host_matches(host: str, domains: tuple[str, ...]) -> bool:
    """True when ``host`` is one of ``domains`` or a subdomain of one."""
    return any(host == d or host.endswith("." + d) for d in domains)


@dataclass(frozen=True, slots=True)
class SeedOutlet:
    slug: str
    name: str
    homepage: str
    feeds: tuple[str, ...]
    country: str
    domains: tuple[str, ...]
    abp_sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AbpLabel:
    source: str
    host: str
    lean: str


def _split(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in cell.split("|") if part.strip())


def _is_web_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in value


def read_seed(path: Path) -> list[SeedOutlet]:
    """Read and validate the seed CSV ('#' lines are comments)."""
    with path.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if line.strip() and not line.lstrip().startswith("#")]
    reader = csv.DictReader(lines)
    if tuple(reader.fieldnames or ()) != SEED_COLUMNS:
        raise SeedError(f"{path}: header must be {','.join(SEED_COLUMNS)}")
    outlets: list[SeedOutlet] = []
    for row in reader:
        if None in row or any(v is None for v in row.values()):
            raise SeedError(f"{path}: wrong number of cells in row {row}")
        outlet = SeedOutlet(
            slug=row["slug"].strip(),
            name=row["name"].strip(),
            homepage=row["homepage"].strip(),
            feeds=_split(row["feeds"]),
            country=row["country"].strip(),
            domains=tuple(normalize_host(d) for d in _split(row["domains"])),
            abp_sources=_split(row["abp_sources"]),
        )
        _check_outlet(outlet, row["domains"])
        outlets.append(outlet)
    _check_table(outlets)
    return outlets


def _check_outlet(outlet: SeedOutlet, raw_domains: str) -> None:
    where = f"outlet {outlet.slug!r}"
    if not _SLUG.match(outlet.slug):
        raise SeedError(f"{where}: slug must be lower-case words joined by '-'")
    if not outlet.name:
        raise SeedError(f"{where}: empty name")
    if not _is_web_url(outlet.homepage):
        raise SeedError(f"{where}: homepage {outlet.homepage!r} is not an http(s) URL")
    if not outlet.feeds:
        raise SeedError(f"{where}: needs at least one feed URL")
    for feed in outlet.feeds:
        if not _is_web_url(feed):
            raise SeedError(f"{where}: feed {feed!r} is not an http(s) URL")
    if not _COUNTRY.match(outlet.country):
        raise SeedError(f"{where}: country {outlet.country!r} is not ISO 3166 alpha-2")
    if not outlet.domains:
        raise SeedError(f"{where}: needs at least one domain")
    if tuple(_split(raw_domains)) != outlet.domains:
        raise SeedError(f"{where}: write domains lower-case, without scheme or 'www.'")
    for domain in outlet.domains:
        if not _HOSTNAME.match(domain):
            raise SeedError(f"{where}: {domain!r} is not a hostname")
    homepage_host = normalize_host(outlet.homepage)
    if not host_matches(homepage_host, outlet.domains) and not any(
        host_matches(d, (homepage_host,)) for d in outlet.domains
    ):
        raise SeedError(f"{where}: homepage host {homepage_host!r} is not among its domains")
    for source in outlet.abp_sources:
        if NON_NEWSROOM_SOURCE.search(source):
            raise SeedError(f"{where}: {source!r} is a guest/opinion source, not the newsroom")


def _check_table(outlets: list[SeedOutlet]) -> None:
    slugs = Counter(o.slug for o in outlets)
    if dupes := sorted(s for s, n in slugs.items() if n > 1):
        raise SeedError(f"duplicate slugs: {dupes}")
    owners: list[tuple[str, str]] = [(d, o.slug) for o in outlets for d in o.domains]
    for domain, slug in owners:
        for other_domain, other_slug in owners:
            if other_slug != slug and host_matches(domain, (other_domain,)):
                raise SeedError(f"domain {domain!r} of {slug!r} overlaps {other_slug!r}")


def read_abp_labels(path: Path) -> Iterator[AbpLabel]:
    """Yield (source, hostname, lean) for every ABP article with a valid label."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            record = json.loads(line)
            lean = str(record.get("bias_text", "")).strip().lower()
            host = normalize_host(str(record.get("source_url", "")))
            if lean in LEANS and host:
                yield AbpLabel(str(record.get("source", "")).strip(), host, lean)


def majority(counts: Counter[str]) -> str:
    """The most frequent lean, or ``unrated`` on a tie for first place."""
    ranked = counts.most_common()
    if not ranked or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
        return UNRATED
    return ranked[0][0]


def _counts_text(counts: Counter[str]) -> str:
    return ", ".join(f"{lean} {counts[lean]}" for lean in LEANS)


def rate_outlets(outlets: list[SeedOutlet], labels: list[AbpLabel]) -> list[dict[str, object]]:
    """Apply the matching rule and return the outlets.json records, sorted by slug."""
    by_source: dict[str, list[SeedOutlet]] = defaultdict(list)
    for outlet in outlets:
        for source in outlet.abp_sources:
            by_source[source].append(outlet)
    known_sources = {label.source for label in labels}
    for outlet in outlets:
        missing = [s for s in outlet.abp_sources if s not in known_sources]
        if missing:
            raise SeedError(f"outlet {outlet.slug!r}: ABP has no source named {missing}")

    counts: dict[str, Counter[str]] = {o.slug: Counter() for o in outlets}
    for label in labels:
        owners = [o for o in by_source.get(label.source, []) if host_matches(label.host, o.domains)]
        if len(owners) > 1:  # unreachable after _check_table; kept as a guard
            raise SeedError(f"article from {label.source!r} matches {[o.slug for o in owners]}")
        if owners:
            counts[owners[0].slug][label.lean] += 1

    records: list[dict[str, object]] = []
    for outlet in sorted(outlets, key=lambda o: o.slug):
        tally = counts[outlet.slug]
        total = sum(tally.values())
        lean = majority(tally) if total >= MIN_ARTICLES else UNRATED
        if not outlet.abp_sources:
            lean_source = "unrated: outlet not in article-bias-prediction"
        elif total == 0:
            lean_source = (
                "unrated: no article-bias-prediction article under its source names"
                " is hosted on its domains"
            )
        elif total < MIN_ARTICLES:
            lean_source = (
                f"unrated: only {total} matched article-bias-prediction article(s)"
                f" ({_counts_text(tally)}; minimum {MIN_ARTICLES})"
            )
        elif lean == UNRATED:
            lean_source = (
                f"unrated: article-bias-prediction tie over {total} articles"
                f" ({_counts_text(tally)})"
            )
        else:
            lean_source = (
                f"article-bias-prediction majority of {total} articles ({_counts_text(tally)})"
            )
        records.append(
            {
                "slug": outlet.slug,
                "name": outlet.name,
                "homepage": outlet.homepage,
                "feeds": list(outlet.feeds),
                "country": outlet.country,
                "domains": list(outlet.domains),
                "lean": lean,
                "lean_source": lean_source,
            }
        )
    return records


def domain_leans(labels: list[AbpLabel]) -> dict[str, dict[str, object]]:
    """Per-hostname majority lean over newsroom articles (guest/opinion sources left out).

    Named columnists cannot be told from outlets by their source name, so they stay in the
    counts; they are a small share of every large domain and the counts are published with
    the label so a reader can judge.
    """
    tallies: dict[str, Counter[str]] = defaultdict(Counter)
    names: dict[str, Counter[str]] = defaultdict(Counter)
    for label in labels:
        if NON_NEWSROOM_SOURCE.search(label.source):
            continue
        tallies[label.host][label.lean] += 1
        names[label.host][label.source] += 1
    table: dict[str, dict[str, object]] = {}
    for host in sorted(tallies):
        tally = tallies[host]
        total = sum(tally.values())
        if total < MIN_ARTICLES:
            continue
        name = min(names[host].items(), key=lambda item: (-item[1], item[0]))[0]
        table[host] = {
            "name": name,
            "lean": majority(tally),
            "articles": total,
            "counts": {lean: tally[lean] for lean in LEANS},
        }
    return table


def write_json(path: Path, value: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="shared data folder holding article-bias-prediction/ (default: ../shared/data)",
    )
    parser.add_argument("--seed", type=Path, default=SEED_CSV, help="outlet seed CSV")
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR, help="where to write the JSON")
    args = parser.parse_args(argv)

    abp_path = args.data_dir / ABP_FILE
    if not abp_path.is_file():
        parser.error(f"{abp_path} not found; pass --data-dir")
    try:
        outlets = read_seed(args.seed)
        labels = list(read_abp_labels(abp_path))
        records = rate_outlets(outlets, labels)
    except SeedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    domains = domain_leans(labels)

    write_json(args.out_dir / "outlets.json", records)
    write_json(args.out_dir / "abp_outlet_leans.json", domains)

    per_lean = Counter(str(r["lean"]) for r in records)
    print(f"ABP articles read: {len(labels)}")
    for record in records:
        print(f"  {record['slug']:<28} {record['lean']:<8} {record['lean_source']}")
    print(
        f"outlets.json: {len(records)} outlets; "
        + ", ".join(f"{lean} {per_lean[lean]}" for lean in (*LEANS, UNRATED))
    )
    domain_per_lean = Counter(str(v["lean"]) for v in domains.values())
    print(
        f"abp_outlet_leans.json: {len(domains)} domains with >= {MIN_ARTICLES} articles; "
        + ", ".join(f"{lean} {domain_per_lean[lean]}" for lean in (*LEANS, UNRATED))
    )
    short = [lean for lean in LEANS if per_lean[lean] < TARGET_PER_LEAN]
    if short:
        print(f"warning: fewer than {TARGET_PER_LEAN} rated outlets for {short}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
