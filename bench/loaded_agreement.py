"""Would an editor agree that the wording Plumbline shows as loaded is loaded? Measured on a
hand-checked sample of phrases, each in its sentence, from the demo corpus
(bench/data/loaded_phrases.jsonl).

    .venv/bin/python bench/loaded_agreement.py score [--show]
    .venv/bin/python bench/loaded_agreement.py sample --data-dir DIR [--n 200] [--seed 5]
        --out FILE
    .venv/bin/python bench/loaded_agreement.py sample --assessed --data-dir DIR --n 100
        --out FILE

`sample` draws phrases the way an older version showed them (each article's five strongest
lexicon phrases, before the reading in context of `plumbline.analysis.wording`), from demo
stories with two or more outlets, so that the sample holds what the current rule leaves out
as well as what it shows. An editor answers `"label": "loaded"` or `"not"` per line, with
`"why"`. With `--assessed` it draws instead from what story pages name as "the most loaded
wording" now (the assessment's picks, `analysis.assess`), kept in
bench/data/loaded_assessed.jsonl.

`score` prints the agreement rate (the share an editor called loaded) of the phrases the
current rule shows and of those it leaves out, next to the older rule that showed all."""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from plumbline.analysis.assess import PHRASE_MIN_WEIGHT  # noqa: E402
from plumbline.analysis.wording import in_context  # noqa: E402
from plumbline.models import ArticleRecord, LoadedPhrase  # noqa: E402

PHRASES = REPO / "bench" / "data" / "loaded_phrases.jsonl"
ASSESSED = REPO / "bench" / "data" / "loaded_assessed.jsonl"
SHOWN = 5  # phrases per article the source list and the assessment draw on


def score(args: argparse.Namespace) -> int:
    if ASSESSED.exists():
        named = [json.loads(line) for line in ASSESSED.read_text(encoding="utf-8").splitlines()]
        named = [r for r in named if r.get("label") in ("loaded", "not")]
        still = [
            r
            for r in named
            if in_context(r["phrase"], r["sentence"]) and r["weight"] >= PHRASE_MIN_WEIGHT
        ]
        for label, group in (("as drawn", named), ("still named by the current rule", still)):
            agreed = sum(r["label"] == "loaded" for r in group)
            if group:
                print(
                    f"a story's most loaded wording, {label}: editor agrees loaded "
                    f"{agreed}/{len(group)} = {agreed / len(group):.3f}"
                )
    rows = [json.loads(line) for line in PHRASES.read_text(encoding="utf-8").splitlines() if line]
    rows = [r for r in rows if r.get("label") in ("loaded", "not")]
    shown = [r for r in rows if in_context(r["phrase"], r["sentence"])]
    left_out = [r for r in rows if r not in shown]

    def rate(group: Sequence[dict[str, str]]) -> str:
        agreed = sum(r["label"] == "loaded" for r in group)
        return f"{agreed}/{len(group)} = {agreed / len(group):.3f}" if group else "-"

    print(f"{len(rows)} hand-checked phrases")
    print(f"older rule (all lexicon phrases shown): editor agrees loaded {rate(rows)}")
    print(f"current rule, shown:                    editor agrees loaded {rate(shown)}")
    print(f"current rule, left out:                 editor agrees loaded {rate(left_out)}")
    if args.show:
        for r in shown:
            if r["label"] != "loaded":
                said = f"“{r['phrase']}” in {r['sentence']!r} ({r['why']})"
                print(f"  shown, editor says not: {said}")
        for r in left_out:
            if r["label"] == "loaded":
                print(f"  left out, editor says loaded: “{r['phrase']}” in {r['sentence']!r}")
    return 0


def sample(args: argparse.Namespace) -> int:
    from plumbline.analysis.kinds import kind_of
    from plumbline.core import Plumbline
    from plumbline.settings import Settings

    core = Plumbline(Settings(data_dir=args.data_dir))
    summaries = []
    while batch := core.stories(limit=200, offset=len(summaries), min_outlets=2):
        summaries += batch
    found = []
    for summary in summaries:
        for article, phrase in _shown(
            core.stores.stories.story_articles(summary.id), args.assessed
        ):
            assert article.analysis is not None
            row: dict[str, object] = {
                "story": summary.id,
                "article": article.id,
                "outlet": article.outlet_name,
                "kind": kind_of(article).value,
                "phrase": phrase.text,
                "sentence": article.analysis.sentences[phrase.sentence_index].text,
            }
            if args.assessed:
                row["weight"] = phrase.weight
            found.append(row)
    picked = random.Random(args.seed).sample(found, min(args.n, len(found)))
    print(f"{len(found)} shown phrases, {len(picked)} drawn", file=sys.stderr)
    args.out.write_text(
        "".join(
            json.dumps({"id": k + 1, **row}, ensure_ascii=False) + "\n"
            for k, row in enumerate(picked)
        ),
        encoding="utf-8",
    )
    return 0


def _shown(
    articles: Sequence[ArticleRecord], assessed: bool
) -> Iterator[tuple[ArticleRecord, LoadedPhrase]]:
    """The phrases a page shows: the assessment's "most loaded wording" (`assessed`), or
    each article's SHOWN strongest lexicon phrases as an older version showed them."""
    if assessed:
        from plumbline.analysis.assess import picked_phrases

        yield from ((article, phrase) for phrase, article in picked_phrases(articles))
        return
    for article in articles:
        analysis = article.analysis
        if analysis is None or article.duplicate_of is not None:
            continue
        for phrase in analysis.loaded_phrases[:SHOWN]:
            if 0 <= phrase.sentence_index < len(analysis.sentences):
                yield article, phrase


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    scoring = commands.add_parser("score", help="agreement on the hand-checked phrases")
    scoring.add_argument("--show", action="store_true", help="print the disagreements")
    drawing = commands.add_parser("sample", help="draw phrases to check")
    drawing.add_argument("--data-dir", type=Path, required=True)
    drawing.add_argument("--n", type=int, default=200)
    drawing.add_argument("--seed", type=int, default=5)
    drawing.add_argument(
        "--assessed", action="store_true", help="draw the assessment's 'most loaded wording'"
    )
    drawing.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    return score(args) if args.command == "score" else sample(args)


if __name__ == "__main__":
    raise SystemExit(main())
