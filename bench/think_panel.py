"""The blind editor's panel for "Think and consider" and the bias assessment: for randomly
drawn demo stories with four or more outlets, the questions and assessment an older store
holds ("before") and what this code writes for the same articles ("after"), shuffled as A
and B per story, for an editor who has not seen the code and rates them with
bench/think_brief.md.

    .venv/bin/python bench/think_panel.py packet --store DIR [--sample 12 --seed 7
        --min-outlets 4] --out DIR
    .venv/bin/python bench/think_panel.py score --out DIR

`packet` writes DIR/packet.md (each story's headline, its sources with their sides and
opening sentences, then versions A and B) and DIR/key.json (which is "after"; the editor
never sees it). The editor answers in DIR/ratings.json: `{"stories": [{"story": 1, "A":
{"questions_worth": 4, "questions_correct": 5, "assessment_accurate": 4,
"assessment_useful": 3, "problems": "..."}, "B": {...}, "prefer": "A"}]}`. `score` prints
the mean of each criterion before and after and which version the editor preferred."""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from plumbline.analysis.entities import default_recognizer  # noqa: E402
from plumbline.analysis.explain import explain  # noqa: E402
from plumbline.analysis.story import story_stats  # noqa: E402
from plumbline.analysis.story_tone import story_tones  # noqa: E402
from plumbline.analysis.synthesize import synthesize  # noqa: E402
from plumbline.core import Plumbline  # noqa: E402
from plumbline.models import ArticleRecord, Synthesis  # noqa: E402
from plumbline.settings import Settings  # noqa: E402

CRITERIA = ("questions_worth", "questions_correct", "assessment_accurate", "assessment_useful")
OPENING_WORDS = 60


def render(synthesis: Synthesis) -> str:
    lines = ["Bias assessment:"]
    lines += [f"  {k}. {a.text}" for k, a in enumerate(synthesis.assessment, 1)]
    lines += ["", "Think and consider:"]
    for k, q in enumerate(synthesis.questions, 1):
        lines.append(f"  {k}. {q.text}")
        lines += [f"       - drawn from: {e.label}" for e in q.evidence]
    return "\n".join(lines)


def sources(articles: list[ArticleRecord]) -> str:
    lines = []
    for a in articles:
        if a.duplicate_of is not None:
            continue
        opening = " ".join(a.text.split()[:OPENING_WORDS])
        date = a.published.date().isoformat() if a.published else "undated"
        lines.append(
            f"- {a.outlet_name} ({a.outlet_lean.value}, {date}): “{a.title}” — {opening} …"
        )
    return "\n".join(lines)


def after(core: Plumbline, articles: list[ArticleRecord], recognizer: object) -> Synthesis | None:
    """The story written up as the pipeline does it now (without saving)."""
    synthesis = synthesize(articles, encode=core.embedder.encode)
    if synthesis is None:
        return None
    stats = story_stats(articles)
    tones = story_tones(articles, recognizer)[0] if stats.n_outlets >= 2 else []  # type: ignore[arg-type]
    explain(synthesis, articles, stats, tones)
    return synthesis


def packet(args: argparse.Namespace) -> int:
    core = Plumbline(Settings(data_dir=args.store))
    summaries = []
    while batch := core.stories(limit=200, offset=len(summaries), min_outlets=args.min_outlets):
        summaries += batch
    pool = sorted(summaries, key=lambda s: s.id)
    drawn = random.Random(args.seed).sample(pool, min(args.sample, len(pool)))
    recognizer = default_recognizer()
    rng = random.Random(args.seed + 1)
    parts = [(REPO / "bench" / "think_brief.md").read_text(encoding="utf-8"), ""]
    key = {}
    for number, summary in enumerate(drawn, 1):
        articles = core.stores.stories.story_articles(summary.id)
        before = core.story(summary.id).synthesis
        now = after(core, articles, recognizer)
        if before is None or now is None:
            continue
        after_is = rng.choice("AB")
        versions = {after_is: now, ("B" if after_is == "A" else "A"): before}
        key[str(number)] = {"story": summary.id, "after": after_is}
        parts += [
            f"## Story {number}: {summary.headline}",
            "",
            f"Sources ({summary.n_outlets} outlets):",
            sources(articles),
            "",
            "### Version A",
            render(versions["A"]),
            "",
            "### Version B",
            render(versions["B"]),
            "",
        ]
        print(f"story {number}: {summary.id}", file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "packet.md").write_text("\n".join(parts), encoding="utf-8")
    (args.out / "key.json").write_text(json.dumps(key, indent=1) + "\n", encoding="utf-8")
    return 0


def score(args: argparse.Namespace) -> int:
    key = json.loads((args.out / "key.json").read_text(encoding="utf-8"))
    ratings = json.loads((args.out / "ratings.json").read_text(encoding="utf-8"))["stories"]
    scores: dict[str, dict[str, list[float]]] = {
        "before": {c: [] for c in CRITERIA},
        "after": {c: [] for c in CRITERIA},
    }
    preferred = {"before": 0, "after": 0}
    for rating in ratings:
        after_is = key[str(rating["story"])]["after"]
        for version in ("A", "B"):
            which = "after" if version == after_is else "before"
            for criterion in CRITERIA:
                scores[which][criterion].append(float(rating[version][criterion]))
        if rating.get("prefer") in ("A", "B"):
            preferred["after" if rating["prefer"] == after_is else "before"] += 1
    print(f"{len(ratings)} stories rated")
    print(f"{'':8}" + "".join(f"{c:>21}" for c in CRITERIA))
    for which in ("before", "after"):
        means = [statistics.fmean(scores[which][c]) for c in CRITERIA]
        print(f"{which:8}" + "".join(f"{m:>21.2f}" for m in means))
    print(f"preferred: after {preferred['after']}, before {preferred['before']}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    making = commands.add_parser("packet", help="write the blind packet")
    making.add_argument(
        "--store", type=Path, required=True, help="a store built by an older version"
    )
    making.add_argument("--sample", type=int, default=12)
    making.add_argument("--seed", type=int, default=7)
    making.add_argument("--min-outlets", type=int, default=4)
    making.add_argument("--out", type=Path, required=True)
    scoring = commands.add_parser("score", help="means before and after")
    scoring.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    return packet(args) if args.command == "packet" else score(args)


if __name__ == "__main__":
    raise SystemExit(main())
