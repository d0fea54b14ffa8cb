"""Model–reader agreement on the highlighted phrases: how often readers answer "yes, loaded"
to the phrases the model flags, by how strongly it flagged them, and how often two readers
who judged the same phrase agree with each other.

    .venv/bin/python bench/phrase_agreement.py [--data-dir var]     # a site's database
    .venv/bin/python bench/phrase_agreement.py --export answers.jsonl
    .venv/bin/python bench/phrase_agreement.py --editor              # the reference below

`--export` reads what `plumbline feedback export` writes. `--editor` reads the hand check
in bench/data/loaded_assessed.jsonl (an editor who had not seen the code judged 100 phrases
story pages named as the most loaded wording, each in its sentence, with the model's
weight) as one reader's answers, keeping the phrases the current rule still shows
(``analysis.wording.in_context``): the same figures for a careful reader, to read readers'
answers against. Every figure comes from
``plumbline.feedback.summarize``, which the methodology page uses too, with a 95% Wilson
interval on each share."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from plumbline.analysis.wording import in_context  # noqa: E402
from plumbline.feedback import summarize  # noqa: E402
from plumbline.models import PhraseAgreement  # noqa: E402

EDITOR = REPO / "bench" / "data" / "loaded_assessed.jsonl"


def wilson(hits: int, n: int) -> str:
    if not n:
        return "–"
    z = 1.96
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return f"{hits}/{n} = {p:.3f} [{max(0.0, centre - half):.3f}, {min(1.0, centre + half):.3f}]"


def from_export(path: Path) -> tuple[list[tuple[float, int, int]], int]:
    tallies = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            tallies.append((float(row["model_weight"]), int(row["yes"]), int(row["no"])))
        except (ValueError, KeyError, TypeError) as exc:
            raise SystemExit(
                f"{path}:{number}: not a line of `plumbline feedback export` ({exc})"
            ) from None
    return tallies, 0  # the export names no reader


def from_editor() -> tuple[list[tuple[float, int, int]], int]:
    tallies = []
    for line in EDITOR.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row.get("label") not in ("loaded", "not"):
            continue
        if not in_context(row["phrase"], row["sentence"]):
            continue  # the site no longer shows it
        loaded = row["label"] == "loaded"
        tallies.append((float(row["weight"]), int(loaded), int(not loaded)))
    return tallies, 1


def from_database(data_dir: Path | None) -> PhraseAgreement:
    from plumbline.core import Plumbline
    from plumbline.settings import Settings

    core = Plumbline(Settings(data_dir=data_dir) if data_dir else Settings())
    try:
        return core.feedback.agreement()
    finally:
        core.close()


def report(found: PhraseAgreement, source: str) -> None:
    print(f"source: {source}")
    print(f"answers {found.votes}, phrases {found.phrases}, readers {found.readers or 'n/a'}")
    print(f"answers that call the highlighted phrase loaded: {wilson(found.yes, found.votes)}")
    print(f"phrases whose majority calls it loaded: {wilson(found.decided_yes, found.decided)}")
    print(f"pairs of readers giving the same answer: {wilson(found.pairs_agreeing, found.pairs)}")
    print("| model weight | answers | said loaded |")
    print("|---|---|---|")
    for band in found.bands:
        print(f"| {band.low:.2f}–{band.high:.2f} | {band.votes} | {wilson(band.yes, band.votes)} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--data-dir", type=Path, help="a site's data folder (default: settings)")
    source.add_argument("--export", type=Path, help="a file from `plumbline feedback export`")
    source.add_argument("--editor", action="store_true", help="the editor's hand checks")
    args = parser.parse_args()
    if args.export:
        tallies, readers = from_export(args.export)
        report(summarize(tallies, readers), str(args.export))
    elif args.editor:
        tallies, readers = from_editor()
        report(summarize(tallies, readers), "editor's hand checks, phrases the site still shows")
    else:
        report(from_database(args.data_dir), f"database of {args.data_dir or 'the settings'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
