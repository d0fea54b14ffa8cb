"""The blind editors' panel: the same randomly drawn stories written up two ways (an older
store's stored articles, "before", and this code, "after"), shuffled as A and B per story,
for an editor who has not seen the code and rates them with bench/editor_brief.md.

    .venv/bin/python bench/editor_panel.py packet --before DIR --after DIR
        [--sample 12 --seed 7 --min-outlets 4] --out DIR
    .venv/bin/python bench/editor_panel.py score --out DIR
    .venv/bin/python bench/editor_panel.py pairs --before DIR --after DIR --sample 30
        --min-outlets 3 --seed 30 --out DIR

`packet` draws the stories from the "before" store (stories with --min-outlets outlets or
more, by seeded random sample), finds each one's articles in the "after" store (the story
that holds most of them) and writes the article of each side as a reader would read it,
with its sources, to DIR/packet.md; which version is A is drawn per story and kept in
DIR/key.json, which the editor never sees. The editor answers in DIR/ratings.json:
`{"stories": [{"story": 1, "A": {"lede": 4, "coherence": 3, "neutrality": 5, "balance": 4,
"publishable": 3, "problems": "..."}, "B": {...}, "prefer": "A", "why": "..."}]}`.
`score` prints the mean of each criterion for before and after, and which the editor
preferred."""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import select  # noqa: E402

from plumbline.analysis.faithful import drop_unsupported  # noqa: E402
from plumbline.analysis.prose import attributed  # noqa: E402
from plumbline.analysis.synthesize import synthesize  # noqa: E402
from plumbline.core import Plumbline  # noqa: E402
from plumbline.models import ArticleKind, ArticleRecord, Synthesis, SynthSentence  # noqa: E402
from plumbline.settings import Settings  # noqa: E402
from plumbline.storage.schema import ArticleRow  # noqa: E402

CRITERIA = ("lede", "coherence", "neutrality", "balance", "publishable")


def according(s: SynthSentence) -> str:
    """How the older site printed an attributed sentence."""
    if not s.attribution or s.text.lower().startswith("according to"):
        return s.text
    names = s.attribution
    who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"According to {who}, {s.text}"


def render(synthesis: Synthesis, articles: list[ArticleRecord], *, old: bool) -> str:
    """The article as its page shows it, in plain text."""
    printed = (
        according if old else (lambda s: attributed(s.text, s.attribution, lower=s.lower_first))
    )
    lines = [f"HEADLINE: {synthesis.headline}", ""]
    if synthesis.note:
        lines += [f"[{synthesis.note}]", ""]
    if synthesis.lead:
        lines += [" ".join(printed(s) for s in synthesis.lead), ""]
    for section in synthesis.sections:
        lines += [f"{section.title.upper()}", ""]
        if old:  # the older page printed each sentence as its own paragraph
            lines += [printed(s) + "\n" for s in section.sentences]
            continue
        paragraphs: dict[int, list[str]] = {}
        for s in section.sentences:
            paragraphs.setdefault(s.paragraph, []).append(printed(s))
        lines += [" ".join(p) + "\n" for p in paragraphs.values()]
    for view in synthesis.perspectives:
        lines += [f"HOW THE {view.side.value.upper()} COVERED IT", ""]
        lines += [f"  > {q.text}" for q in view.quotes]
        kind = "" if view.kind is ArticleKind.NEWS else f" ({view.kind.value})"
        title = f": “{view.title}”" if view.title else ""
        lines += [f"  — {view.outlet_name}{kind}{title}", ""]
    return "\n".join(lines).rstrip() + "\n"


def sources(articles: list[ArticleRecord]) -> str:
    rows = sorted({(a.outlet_lean.value, a.outlet_name or "?", a.title) for a in articles})
    return "\n".join(f"- {name} ({lean}): {title}" for lean, name, title in rows)


def drawn(args: argparse.Namespace) -> list[tuple[int, list[ArticleRecord], str, str]]:
    """The drawn stories: (before id, the articles either version draws on, before text,
    after text). The two stores may cluster a story a little differently, so the sources
    listed are both versions' (without saying which, to keep the packet blind)."""
    before = Plumbline(Settings(data_dir=args.before))
    after = Plumbline(Settings(data_dir=args.after))
    pool = []
    while batch := before.stories(limit=200, offset=len(pool), min_outlets=args.min_outlets):
        pool += batch
    pool.sort(key=lambda s: s.id)
    picked = random.Random(args.seed).sample(pool, min(args.sample, len(pool)))
    with after.stores.articles.session() as s:
        rows = s.execute(select(ArticleRow.canonical_url, ArticleRow.story_id)).all()
        where = {url: story for url, story in rows}
    found = []
    for summary in picked:
        old_articles = before.stores.stories.story_articles(summary.id)
        old = before.story(summary.id).synthesis
        votes = Counter(where.get(a.canonical_url) for a in old_articles)
        votes.pop(None, None)
        new_articles = after.stores.stories.story_articles(int(votes.most_common(1)[0][0]))
        new = synthesize(new_articles, encode=after.embedder.encode)
        if new is not None:
            drop_unsupported(
                new, {a.id: a.text for a in new_articles}, [a.title for a in new_articles]
            )
        found.append(
            (
                summary.id,
                old_articles + new_articles,
                render(old, old_articles, old=True) if old else "(nothing written)\n",
                render(new, new_articles, old=False) if new else "(nothing written)\n",
            )
        )
    return found


def packet(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed + 1)
    out: list[str] = [(REPO / "bench" / "editor_brief.md").read_text(encoding="utf-8"), ""]
    key = []
    stories = drawn(args)
    for n, (story_id, articles, before_text, after_text) in enumerate(stories, start=1):
        texts = {"before": before_text, "after": after_text}
        first = rng.choice(("before", "after"))
        second = "after" if first == "before" else "before"
        key.append({"story": n, "A": first, "B": second, "before_id": story_id})
        out += [
            "---",
            f"# Story {n}",
            "",
            "Sources (outlet, lean, title):",
            sources(articles),
            "",
            "## Version A",
            "",
            texts[first],
            "## Version B",
            "",
            texts[second],
        ]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "packet.md").write_text("\n".join(out), encoding="utf-8")
    (args.out / "key.json").write_text(json.dumps(key, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out / 'packet.md'} ({len(stories)} stories) and the key")
    return 0


def pairs(args: argparse.Namespace) -> int:
    """Both versions of each drawn story, labelled, for a reader who keeps the table of
    what was wrong before and after (docs/benchmarks.md)."""
    out = []
    for story_id, articles, before_text, after_text in drawn(args):
        out += [
            "---",
            f"# Story {story_id} (before store)",
            "",
            sources(articles),
            "",
            "## Before",
            "",
            before_text,
            "## After",
            "",
            after_text,
        ]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "pairs.md").write_text("\n".join(out), encoding="utf-8")
    print(f"wrote {args.out / 'pairs.md'}")
    return 0


def score(args: argparse.Namespace) -> int:
    key = {k["story"]: k for k in json.loads((args.out / "key.json").read_text())}
    ratings = json.loads((args.out / "ratings.json").read_text())["stories"]
    by: dict[str, dict[str, list[float]]] = {"before": {}, "after": {}}
    preferred: Counter[str] = Counter()
    for entry in ratings:
        k = key[int(entry["story"])]
        for label in ("A", "B"):
            version = k[label]
            for criterion in CRITERIA:
                by[version].setdefault(criterion, []).append(float(entry[label][criterion]))
        preferred[k[str(entry["prefer"])]] += 1
    print(f"{len(ratings)} stories rated blind")
    print(f"{'':12}" + "".join(f"{c:>13}" for c in CRITERIA))
    for version in ("before", "after"):
        means = [statistics.fmean(by[version][c]) for c in CRITERIA]
        print(f"{version:12}" + "".join(f"{m:13.2f}" for m in means))
    print(f"preferred: after {preferred['after']}, before {preferred['before']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("packet", "draw the stories and write the blind packet and its key"),
        ("pairs", "draw the stories and write both versions, labelled"),
    ):
        make = sub.add_parser(name, help=help_text)
        make.add_argument("--before", type=Path, required=True)
        make.add_argument("--after", type=Path, required=True)
        make.add_argument("--sample", type=int, default=12)
        make.add_argument("--seed", type=int, default=7)
        make.add_argument("--min-outlets", type=int, default=4)
        make.add_argument("--out", type=Path, required=True)
    rate = sub.add_parser("score", help="summarize ratings.json against key.json")
    rate.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    commands = {"packet": packet, "pairs": pairs, "score": score}
    return commands[args.command](args)


if __name__ == "__main__":
    raise SystemExit(main())
