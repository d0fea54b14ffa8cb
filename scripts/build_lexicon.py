"""Build plumbline/data/loaded_words.json from BABE's expert-marked biased words.

For each word (lower-cased), how often BABE's experts marked it as biased among all its
occurrences in BABE sentences. Words marked at least --min-marked times with a ratio of at
least --min-ratio are kept. The result is a derived work of BABE (AGPL-3.0).

    .venv/bin/python scripts/build_lexicon.py [--data-dir ../shared/data]
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORD = re.compile(r"[a-z][a-z'-]*")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--min-marked", type=int, default=2)
    parser.add_argument("--min-ratio", type=float, default=0.25)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "plumbline" / "data" / "loaded_words.json"
    )
    args = parser.parse_args()

    marked: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    path = args.data_dir / "babe" / "data" / "final_labels_SG2.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            if row["label_bias"] == "No agreement":
                continue
            tokens = set(WORD.findall(row["text"].lower()))
            seen.update(tokens)
            try:
                words = ast.literal_eval(row["biased_words"] or "[]")
            except (ValueError, SyntaxError):
                words = []
            for phrase in words:
                for word in WORD.findall(str(phrase).lower()):
                    if word in tokens:
                        marked[word] += 1
    lexicon = {
        word: round(marked[word] / seen[word], 3)
        for word in sorted(marked)
        if marked[word] >= args.min_marked and marked[word] / seen[word] >= args.min_ratio
    }
    args.out.write_text(json.dumps(lexicon, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(lexicon)} loaded words (of {len(marked)} ever marked) -> {args.out}")


if __name__ == "__main__":
    main()
