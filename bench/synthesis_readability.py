"""Does the story article read as an article? Measured over every demo story that three or
more outlets cover, in a store that `make run` (or `plumbline import --demo` + `plumbline
process`) built.

    .venv/bin/python bench/synthesis_readability.py [--data-dir var] [--min-outlets 3]
        [--stored] [--show N] [--ids 12,40] [--sample 12 --seed 7] [--json FILE]

By default each story is written up again with the current code, as the pipeline does it
(`synthesize` with the analysis encoder, then the faithfulness check); `--stored` measures
the articles the store holds instead (what an older version wrote: the "before" figures).

Printed, over the article's own sentences (lead and sections; the perspectives are
quotations and are not counted):

1. attribution: the share of sentences printed with an attribution prefix ("According to
   X, …", "X reported that …"); goal at most 20%;
2. lede: the share of the headline's content words found in the first sentence, mean over
   stories; goal at least 0.6;
3. detectors, this script's own rules (not the product's): photo captions and credits,
   transcript speaker labels, appeals (donations, newsletters, subscriptions), related-link
   residue, fragments, dangling starts (a pronoun, conjunction or pointing word first),
   first person outside quotations, relative dates left unresolved ("yesterday", "on
   Monday" with no date), opinion pieces used as facts; goal 0 each;
4. repeated facts: pairs of lead sentences, and of any two article sentences, that state the
   same fact (MiniLM cosine >= 0.75, or at least 60% of the shorter one's content words in
   common); goal 0 in the lead;
5. length: words and sentences per article.

`--show N` prints N articles in full (`--ids` picks stories; `--sample K --seed S` draws K
stories with four or more outlets at random, as the editor's panel does, see
bench/editor_brief.md)."""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from plumbline.analysis.faithful import drop_unsupported  # noqa: E402
from plumbline.analysis.kinds import kind_of  # noqa: E402
from plumbline.analysis.prose import attributed  # noqa: E402
from plumbline.analysis.synthesize import synthesize  # noqa: E402
from plumbline.core import Plumbline  # noqa: E402
from plumbline.models import ArticleKind, ArticleRecord, Synthesis, SynthSentence  # noqa: E402
from plumbline.settings import Settings  # noqa: E402

STOP_TEXT = """a an the and or but if of in on at to for from by with as is are was were be been has
    have had do does did will would can could may might it its he she they them their his
    her we our you your i me my who which what when where why how that this these those
    there not no new after over about into than more most just says said say amid"""
STOP = frozenset(STOP_TEXT.split())
QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")
DETECTORS = {
    "caption": re.compile(
        r"\b(?:[Ff]ile photo|[Ii]n this (?:\w+ ){0,3}photo|[Pp]hoto by|/(?:AP|Getty Images|AFP)\b|"
        r"\(AP Photo|REUTERS/|[Ii]mage caption|pictured)\b"
    ),
    "transcript": re.compile(r"^[A-Z][A-Z .'-]{2,40}:\s"),
    "appeal": re.compile(
        r"\b(?:donate|subscribe|sign up|newsletter|reader[- ]supported|support (?:our|"
        r"independent|progressive) journalism|become a member|follow us)\b",
        re.IGNORECASE,
    ),
    "residue": re.compile(r"[a-z][A-Z][a-z]+ [a-z]+.* MORE\b|\bMORE FROM\b|\bRead more\b"),
    # starts in lower case, ends without a full stop, breaks off, or opens "titled …"
    "fragment": re.compile(r"^[a-z…(]|[^.!?\"”’)\]]$|…|\.\.\.|^(?:[Tt]itled|[Cc]alled)\b"),
    "dangling": re.compile(
        r"^[\"“]?(?:He|She|They|It|This|That|These|Those|But|And|Also|However|His|Her|Their|"
        r"Its|There|Then|Such)\b|^[\"“]?(?!\w*thing\b)[A-Z][a-z]+ing (?:that|this|it)\b"
    ),
    "first_person": re.compile(r"\b(?:I|me|my|we|our|We|Our|us|I'm|I’m|I've|I’ve)\b"),
    "relative_date": re.compile(
        r"\b(?:yesterday|today|tonight|tomorrow|last night|this (?:morning|afternoon|"
        r"evening|week)|last week(?! of (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec))|"
        r"next week)\b|\b(?:on |last |next |this )?"
        r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b(?!(?: morning| afternoon| evening|"
        r" night)?,? (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec))"
    ),
}
SAME_COSINE = 0.75
WEEKDAY = re.compile(r"\b((?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day)\b")
DATED_WEEKDAY = re.compile(
    r"\b((?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day)(?: (?:morning|afternoon|evening|night))?,"
    r" (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
)
SAME_OVERLAP = 0.6


@dataclass(slots=True)
class StoryFigures:
    id: int
    n_outlets: int
    headline: str
    sentences: list[str]  # as printed
    attributed: int = 0
    lede_words: float = 0.0
    flags: dict[str, list[str]] = field(default_factory=dict)
    lead_repeats: int = 0
    repeats: int = 0
    words: int = 0
    account: bool = True  # False: no factual account (only opinion, or nothing usable)


def content(text: str) -> set[str]:
    out = set()
    for w in re.findall(r"[a-z0-9][a-z0-9'’-]*", text.lower()):
        w = w.strip("'’-")
        if w in STOP or len(w) < 2:
            continue
        for suffix in ("'s", "’s", "ing", "ed", "es", "s"):
            if w.endswith(suffix) and len(w) - len(suffix) >= 3:
                w = w[: -len(suffix)]
                break
        out.add(w)
    return out


def undated(text: str, dated: set[str]) -> str:
    """`text` without the weekdays the article has already given a date."""
    return WEEKDAY.sub(lambda m: "" if m.group(1) in dated else m.group(), text)


def printed(s: SynthSentence) -> str:
    if s.attribution and not s.text.lower().startswith("according to"):
        return attributed(s.text, s.attribution, lower=s.lower_first)
    return s.text


def is_attributed(s: SynthSentence) -> bool:
    return bool(s.attribution) or s.text.lower().startswith("according to")


class Meter:
    def __init__(self, encode: bool) -> None:
        self.embedder = None
        if encode:
            from plumbline.analysis.embed import Embedder

            self.embedder = Embedder(threads=1)

    def same(self, a: str, b: str, cosine: float | None) -> bool:
        ca, cb = content(a), content(b)
        shared = len(ca & cb)
        if shared >= 3 and shared >= SAME_OVERLAP * min(len(ca), len(cb)):
            return True
        return cosine is not None and cosine >= SAME_COSINE

    def measure(
        self, story_id: int, n_outlets: int, synthesis: Synthesis, articles: Sequence[ArticleRecord]
    ) -> StoryFigures:
        sentences = [*synthesis.lead, *(s for sec in synthesis.sections for s in sec.sentences)]
        texts = [printed(s) for s in sentences]
        figures = StoryFigures(story_id, n_outlets, synthesis.headline, texts)
        figures.attributed = sum(1 for s in sentences if is_attributed(s))
        figures.account = bool(texts)
        if texts:
            wanted = content(synthesis.headline)
            figures.lede_words = len(wanted & content(texts[0])) / len(wanted) if wanted else 0.0
        opinion = {a.id for a in articles if kind_of(a) is ArticleKind.OPINION}
        previous: tuple[int, int] | None = None
        dated: set[str] = set()  # weekdays the article has already given a date
        for s, text in zip(sentences, texts, strict=True):
            own = QUOTED.sub(" ", s.text)
            source = (s.sources[0].article_id, s.sources[0].sentence_index) if s.sources else None
            # a sentence printed right after its writer's previous one may lean on it
            follows = source is not None and previous == (source[0], source[1] - 1)
            for name, pattern in DETECTORS.items():
                target = own if name in ("first_person", "relative_date") else s.text
                if name == "dangling" and follows:
                    continue
                if name == "dangling" and s.text[:1] in '"“':
                    # a quotation's own words are its speaker's: what dangles is an
                    # unnamed speaker after it ("“…,” he said.")
                    rest = own.strip(" ,")
                    target = rest[:1].upper() + rest[1:]
                if name == "relative_date":
                    # a weekday already given its date earlier in the article is clear
                    target = undated(target, dated)
                if pattern.search(target):
                    figures.flags.setdefault(name, []).append(text)
            dated |= set(DATED_WEEKDAY.findall(s.text))
            previous = source
            if s.sources and s.sources[0].article_id in opinion:
                figures.flags.setdefault("opinion_as_fact", []).append(text)
        cosines = None
        if self.embedder is not None and len(texts) > 1:
            vectors = self.embedder.encode([s.text for s in sentences])
            cosines = vectors @ vectors.T
        lead = len(synthesis.lead)
        for i in range(len(texts)):
            for j in range(i + 1, len(texts)):
                c = float(cosines[i, j]) if cosines is not None else None
                if self.same(sentences[i].text, sentences[j].text, c):
                    figures.repeats += 1
                    if j < lead:
                        figures.lead_repeats += 1
        figures.words = sum(len(t.split()) for t in texts)
        return figures


def show(story_id: int, synthesis: Synthesis, articles: Sequence[ArticleRecord]) -> str:
    lines = [f"## Story {story_id}: {synthesis.headline}", ""]
    outlets = sorted({(a.outlet_name or "?", a.outlet_lean.value) for a in articles})
    lines.append("Sources: " + "; ".join(f"{name} ({lean})" for name, lean in outlets))
    lines.append("")
    if synthesis.note:
        lines += [f"_{synthesis.note}_", ""]
    if synthesis.lead:
        lines += [" ".join(printed(s) for s in synthesis.lead), ""]
    for section in synthesis.sections:
        lines.append(f"### {section.title}")
        paragraphs: dict[int, list[str]] = {}
        for s in section.sentences:
            paragraphs.setdefault(s.paragraph, []).append(printed(s))
        for paragraph in paragraphs.values():
            lines += ["", " ".join(paragraph)]
        lines.append("")
    for view in synthesis.perspectives:
        kind = "" if view.kind is ArticleKind.NEWS else f", {view.kind.value}"
        lines.append(f"### How the {view.side.value} covered it")
        for quote in view.quotes:
            lines.append(f"> {quote.text}")
        title = f": “{view.title}”" if view.title else ""
        lines += [f"— {view.outlet_name}{kind}{title}", ""]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=REPO / "var")
    parser.add_argument("--min-outlets", type=int, default=3)
    parser.add_argument("--stored", action="store_true", help="measure what the store holds")
    parser.add_argument("--show", type=int, default=0, help="print this many articles in full")
    parser.add_argument("--ids", default="", help="comma-separated story ids to measure")
    parser.add_argument("--sample", type=int, default=0, help="draw this many 4+ outlet stories")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-encoder", action="store_true", help="lexical repeats only")
    parser.add_argument("--json", type=Path, default=None, help="write per-story figures here")
    args = parser.parse_args(argv)

    core = Plumbline(Settings(data_dir=args.data_dir))
    summaries = []
    while batch := core.stories(limit=200, offset=len(summaries), min_outlets=args.min_outlets):
        summaries += batch
    if args.ids:
        wanted = {int(x) for x in args.ids.split(",") if x.strip()}
        summaries = [s for s in summaries if s.id in wanted]
    if args.sample:
        pool = sorted((s for s in summaries if s.n_outlets >= 4), key=lambda s: s.id)
        summaries = random.Random(args.seed).sample(pool, min(args.sample, len(pool)))
    meter = Meter(encode=not args.no_encoder)
    encode = None if args.stored else core.embedder.encode
    results: list[StoryFigures] = []
    shown = 0
    for summary in sorted(summaries, key=lambda s: s.id):
        articles = core.stores.stories.story_articles(summary.id)
        if args.stored:
            synthesis = core.story(summary.id).synthesis
        else:
            synthesis = synthesize(articles, encode=encode)
            if synthesis is not None:
                drop_unsupported(
                    synthesis, {a.id: a.text for a in articles}, [a.title for a in articles]
                )
        if synthesis is None:
            continue
        results.append(meter.measure(summary.id, summary.n_outlets, synthesis, articles))
        if shown < args.show:
            print(show(summary.id, synthesis, articles), "\n", flush=True)
            shown += 1
    report(results, args)
    if args.json:
        args.json.write_text(
            json.dumps([asdict(r) for r in results], indent=1, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
    return 0


def report(results: Sequence[StoryFigures], args: argparse.Namespace) -> None:
    n = len(results)
    sentences = sum(len(r.sentences) for r in results)
    attributed_n = sum(r.attributed for r in results)
    print(
        f"\n{n} stories with {args.min_outlets}+ outlets"
        f" ({'as stored' if args.stored else 'written up by this code'}), {sentences} sentences"
    )
    if not n:
        return
    print(
        f"  attribution prefix: {attributed_n}/{sentences} = {attributed_n / max(1, sentences):.1%}"
    )
    written = [r for r in results if r.account]
    lede = statistics.fmean(r.lede_words for r in written) if written else 0.0
    print(
        f"  headline content words in the first sentence: {lede:.2f}"
        f" (over the {len(written)} stories with a factual account; {n - len(written)} have"
        " none: only opinion covers them, or no sentence reads alone)"
    )
    names = [*DETECTORS, "opinion_as_fact"]
    for name in names:
        flagged = [(r.id, t) for r in results for t in r.flags.get(name, [])]
        example = f'  e.g. story {flagged[0][0]}: "{flagged[0][1][:110]}"' if flagged else ""
        print(f"  {name:15} {len(flagged):4}{example}")
    print(f"  repeated facts in the lead: {sum(r.lead_repeats for r in results)}")
    pairs, stories = sum(r.repeats for r in results), sum(1 for r in results if r.repeats)
    print(f"  repeated facts anywhere: {pairs} pairs in {stories} stories")
    words = [r.words for r in results]
    print(
        f"  words per article: mean {statistics.fmean(words):.0f},"
        f" median {statistics.median(words):.0f}, max {max(words)};"
        f" sentences: mean {sentences / n:.1f}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
