"""Do two outlets' figures really conflict? Measured on hand-labelled pairs of sentences from
the demo corpus and NeuS (bench/data/figure_pairs.jsonl): precision and recall of the
product's rule (`plumbline.analysis.figures.disputed`, as key questions and "Where accounts
differ" use it), next to the older rule (any two different values of one unit).

    .venv/bin/python bench/figure_conflicts.py score [--show]
    .venv/bin/python bench/figure_conflicts.py candidates --data-dir DIR [--demo 120]
        [--neus 80] [--seed 13] [--per-story 3] --out FILE

`candidates` draws the pairs to label, independent of either rule: two sentences of one
story from different outlets that count the same unit with different numbers and are about
the same thing (TF-IDF cosine at least 0.2): demo stories from a store that `make run`
built, NeuS validation then training triples. Each line keeps both sentences, the articles'
dates and every other sentence of each article that counts that unit (the product reads
those too).
A labeller answers `"label": "conflict"` (the two cannot both be true of the same thing at
the same time) or `"consistent"` (they can: ranges overlap, different things or times), with
`"why"`.

`score` prints, for each rule, precision, recall and F1 of "conflict"."""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from plumbline.analysis.figures import Figure, differ, disputed, figures  # noqa: E402

PAIRS = REPO / "bench" / "data" / "figure_pairs.jsonl"
NEUS = REPO.parent / "shared" / "data" / "neus-allsides" / "data"
SAME_THING = 0.2
NEUS_SIDES = ("left", "center", "right")


def product_rule(pair: dict[str, object]) -> bool:
    """The product's decision for a labelled pair."""
    a, b = pair["a"], pair["b"]
    assert isinstance(a, dict) and isinstance(b, dict)
    unit = str(pair["unit"])
    days: float | None = None
    if a.get("published") and b.get("published"):
        gap = datetime.fromisoformat(str(a["published"])) - datetime.fromisoformat(
            str(b["published"])
        )
        days = abs(gap.total_seconds()) / 86400
    found = disputed(
        figures(str(a["text"])),
        figures(str(b["text"])),
        a_elsewhere=[f for t in a.get("elsewhere", []) for f in figures(t)],
        b_elsewhere=[f for t in b.get("elsewhere", []) for f in figures(t)],
        days_apart=days,
    )
    # the pair was drawn for one unit; a later reading may name what is counted differently
    # ("1.3 percentage points": "point"), so any unit in dispute counts
    return unit in found or bool(found)


def older_rule(pair: dict[str, object]) -> bool:
    """Before issue 13: any two different values of the unit, unless either article gives
    the other's value."""
    a, b = pair["a"], pair["b"]
    assert isinstance(a, dict) and isinstance(b, dict)
    unit = str(pair["unit"])
    fa, fb = figures(str(a["text"])), figures(str(b["text"]))
    if unit not in differ(fa, fb):
        return False
    a_all = {f.value for t in a.get("elsewhere", []) for f in figures(t) if f.unit == unit}
    b_all = {f.value for t in b.get("elsewhere", []) for f in figures(t) if f.unit == unit}
    return not (
        {f.value for f in fa if f.unit == unit} & b_all
        or {f.value for f in fb if f.unit == unit} & a_all
    )


def score(args: argparse.Namespace) -> int:
    pairs = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line]
    labelled = [p for p in pairs if p.get("label") in ("conflict", "consistent")]
    truth = [p["label"] == "conflict" for p in labelled]
    by_source = {s: sum(p["source"] == s for p in labelled) for s in ("demo", "neus")}
    print(
        f"{len(labelled)} labelled pairs ({by_source['demo']} demo, {by_source['neus']} NeuS), "
        f"{sum(truth)} conflicts"
    )
    print(f"{'rule':<8} {'flagged':>7} {'precision':>9} {'recall':>6} {'F1':>5}")
    for name, rule in (("older", older_rule), ("product", product_rule)):
        said = [rule(p) for p in labelled]
        tp = sum(s and t for s, t in zip(said, truth, strict=True))
        flagged, real = sum(said), sum(truth)
        precision = tp / flagged if flagged else 1.0
        recall = tp / real if real else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        print(f"{name:<8} {flagged:>7} {precision:>9.3f} {recall:>6.3f} {f1:>5.3f}")
        if args.show and name == "product":
            for p, s, t in zip(labelled, said, truth, strict=True):
                if s != t:
                    kind = "false alarm" if s else "missed"
                    print(f"  {kind} #{p['id']} [{p['unit']}]: {p['a']['text']}")
                    print(f"      vs {p['b']['text']}\n      label: {p['why']}")
    return 0


def _demo_stories(data_dir: Path) -> Iterator[list[tuple[str, str, str | None]]]:
    """Per demo story with two or more outlets: (outlet, sentence, published) rows."""
    from plumbline.core import Plumbline
    from plumbline.settings import Settings

    core = Plumbline(Settings(data_dir=data_dir))
    summaries = []
    while batch := core.stories(limit=200, offset=len(summaries), min_outlets=2):
        summaries += batch
    for summary in sorted(summaries, key=lambda s: s.id):
        rows = []
        for article in core.stores.stories.story_articles(summary.id):
            if article.analysis is None or article.duplicate_of is not None:
                continue
            published = article.published.isoformat() if article.published else None
            outlet = article.outlet_name or str(article.outlet_id)
            rows += [(outlet, s.text, published) for s in article.analysis.sentences]
        yield rows


def _neus_stories() -> Iterator[list[tuple[str, str, str | None]]]:
    sys.path.insert(0, str(REPO / "bench"))
    from synthesis_quality import load

    from plumbline.analysis.text import split_sentences

    for story in [*load(NEUS, "val", None), *load(NEUS, "train", None)]:
        yield [
            (side, s.text, None)
            for side, text in zip(NEUS_SIDES, story.texts, strict=False)
            for s in split_sentences(text)
        ]


def _pairs(rows: Sequence[tuple[str, str, str | None]]) -> Iterator[dict[str, object]]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    counted = [(r, figures(r[1])) for r in rows]
    with_figures = [(r, f) for r, f in counted if f]
    if len(with_figures) < 2:
        return
    texts = [r[1] for r, _f in with_figures]
    matrix = TfidfVectorizer(stop_words="english").fit_transform(texts)
    cosine = (matrix @ matrix.T).toarray()
    for i, (ra, fa) in enumerate(with_figures):
        for j in range(i + 1, len(with_figures)):
            rb, fb = with_figures[j]
            if ra[0] == rb[0] or cosine[i, j] < SAME_THING:
                continue
            for unit in sorted(differ(fa, fb)):
                yield {
                    "unit": unit,
                    "cosine": round(float(cosine[i, j]), 3),
                    "a": _side(ra, unit, rows),
                    "b": _side(rb, unit, rows),
                }


def _side(
    row: tuple[str, str, str | None], unit: str, rows: Sequence[tuple[str, str, str | None]]
) -> dict[str, object]:
    outlet, text, published = row
    elsewhere = [t for o, t, _p in rows if o == outlet and t != text and _counts(figures(t), unit)]
    return {"outlet": outlet, "published": published, "text": text, "elsewhere": elsewhere}


def _counts(found: Sequence[Figure], unit: str) -> bool:
    return any(f.unit == unit for f in found)


def candidates(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    out: list[dict[str, object]] = []
    for source, stories, wanted in (
        ("demo", _demo_stories(args.data_dir), args.demo),
        ("neus", _neus_stories(), args.neus),
    ):
        found = []
        for k, rows in enumerate(stories):
            for pair in _pairs(rows):
                pair["story"] = k
                found.append(pair)
        # at most --per-story pairs per story, so that no single story dominates the set
        rng.shuffle(found)
        per_story: dict[object, int] = {}
        picked = []
        for pair in found:
            if per_story.get(pair["story"], 0) < args.per_story and len(picked) < wanted:
                per_story[pair["story"]] = per_story.get(pair["story"], 0) + 1
                picked.append(pair)
        print(f"{source}: {len(found)} candidate pairs, {len(picked)} drawn", file=sys.stderr)
        out += [{"id": len(out) + n + 1, "source": source, **p} for n, p in enumerate(picked)]
    args.out.write_text(
        "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in out), encoding="utf-8"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    scoring = commands.add_parser("score", help="precision and recall on the labelled pairs")
    scoring.add_argument("--show", action="store_true", help="print the product's mistakes")
    drawing = commands.add_parser("candidates", help="draw pairs to label")
    drawing.add_argument("--data-dir", type=Path, required=True)
    drawing.add_argument("--demo", type=int, default=120)
    drawing.add_argument("--neus", type=int, default=80)
    drawing.add_argument("--seed", type=int, default=13)
    drawing.add_argument("--per-story", type=int, default=3, help="most pairs from one story")
    drawing.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    return score(args) if args.command == "score" else candidates(args)


if __name__ == "__main__":
    raise SystemExit(main())
