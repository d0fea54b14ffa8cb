"""Sanity check of entity tone and NER on BASIL (Fan et al. 2019): 100 events, each reported
by Fox News, The New York Times and HuffPost, with span-level bias annotations that name the
target entity and the polarity (pos/neg) toward it, and article-level "author feeling"
(pos/neu/neg) toward the event's main entities.

    .venv/bin/python bench/tone_basil.py [--data /work/shared/data/basil] [--with-bias]

Prints:

1. NER throughput: sentences per CPU-second (one thread) and per wall-clock second of
   `entities.extract_entities` over every BASIL sentence (spaCy NER only, batch size 256).
2. Main entities: how many of BASIL's annotated main entities of an event are among the
   top 5 of `entities.main_entities` over its three articles (recall@5; many gold main
   entities are not names at all: "lawmakers", "Obama campaign", "protesters").
3. Span polarity: for each annotated span, the tone (`tone.sentence_tone`) of the sentence
   that holds it against the annotated polarity toward its target: the share of spans whose
   sentence is non-neutral (|tone| ≥ 0.05), the accuracy of the sign on those, and the
   majority baseline (every span "neg"); for all spans, direct ones (aim "dir") and those
   whose sentence names the target.
4. Article feeling: per article and annotated entity, the tone toward the entity over the
   article's sentences that mention it (`tone.side_tone`, one outlet), as negative /
   neutral / positive with the ±TONE_THRESHOLD cut, against the annotated author feeling:
   3-class accuracy and majority baseline; and pairwise, within an event, whether the
   outlet with the more negative annotated feeling has the lower tone (what a by-side
   comparison claims; chance 50%). With --with-bias, also with sentences weighted by
   1 + p(biased) from the packaged BABE head (needs the embedding model, slower).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

# Before the imports below: "one core", spaCy's matrix code included.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from plumbline.analysis.entities import (
    ArticleMentions,
    Entity,
    EntityKind,
    Mention,
    extract_entities,
    main_entities,
    mentions_entity,
    name_key,
    resolve_entities,
)
from plumbline.analysis.tone import (
    SENTENCE_CUTOFF,
    TONE_THRESHOLD,
    ToneSentence,
    sentence_tone,
    side_tone,
)
from plumbline.models import Lean

SIDES = {"fox": Lean.RIGHT, "nyt": Lean.LEFT, "hpo": Lean.LEFT}
_ORDER = {"neg": -1, "neu": 0, "pos": 1}


@dataclass(slots=True)
class Article:
    key: str  # "<triplet>_<n>"
    triplet: str
    source: str
    main: list[str]
    sentences: list[str]
    spans: list[dict[str, str]]
    feelings: dict[str, str]  # entity name -> pos/neu/neg
    mentions: list[list[Mention]]


def load(data: Path) -> list[Article]:
    articles: list[Article] = []
    for path in sorted((data / "articles").glob("*/*.json")):
        raw = json.loads(path.read_text())
        ann_path = data / "annotations" / path.parent.name / f"{path.stem}_ann.json"
        ann = json.loads(ann_path.read_text()) if ann_path.exists() else {}
        level = ann.get("article-level-annotations", {})
        feelings = {
            k.removeprefix("author_feeling_").replace("_", " "): str(v)
            for k, v in level.items()
            if k.startswith("author_feeling_") and k != "author_feeling_main_event"
        }
        sentences = [" ".join(s.split()) for para in raw["body-paragraphs"] for s in para]
        articles.append(
            Article(
                key=path.stem,
                triplet=str(raw["triplet-uuid"]),
                source=str(raw["source"]).lower(),
                main=[str(e) for e in raw.get("main-entities", [])],
                sentences=[s for s in sentences if s],
                spans=list(ann.get("phrase-level-annotations", [])),
                feelings=feelings,
                mentions=[],
            )
        )
    return articles


def sign(tone: float, cut: float) -> str:
    return "neg" if tone <= -cut else "pos" if tone >= cut else "neu"


def find_sentence(sentences: Sequence[str], span: str) -> int | None:
    needle = " ".join(span.split())
    for index, sentence in enumerate(sentences):
        if needle and needle in sentence:
            return index
    return None


def target_entity(target: str, story: Sequence[Mention]) -> Entity:
    """The story entity a BASIL target ("Donald_Trump") names: the target is resolved with
    the story's mentions as one more mention, so "Hillary Clinton" finds the story's
    "Clinton" and "Michael Morell" its "Michael J. Morell"."""
    name = target.replace("_", " ")
    extra = Mention(name, name, EntityKind.PERSON, 0, len(name), "GOLD")
    return resolve_entities([*story, extra])[name_key(name)]


def target_keys(target: str, story: Sequence[Mention]) -> Entity:
    """For finding the sentences about a target: its story entity, widened by its last
    name ("Barack Obama" also finds a bare "Obama" that merging gave to "Sasha Obama")."""
    entity = target_entity(target, story)
    last = name_key(target.replace("_", " ").split()[-1])
    return Entity(entity.name, entity.kind, entity.keys | {last})


def story_mentions(group: Sequence[Article]) -> list[Mention]:
    return [m for a in group for s in a.mentions for m in s]


def measure_ner(articles: list[Article]) -> None:
    sentences = [s for a in articles for s in a.sentences]
    extract_entities(sentences[:10])  # load the model outside the timing
    started, cpu_started = time.perf_counter(), time.process_time()
    found = extract_entities(sentences)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    words = sum(len(s.split()) for s in sentences)
    cursor = 0
    for article in articles:
        article.mentions = found[cursor : cursor + len(article.sentences)]
        cursor += len(article.sentences)
    n_mentions = sum(len(m) for m in found)
    print(
        f"NER: {len(sentences)} sentences ({words} words), {n_mentions} mentions: "
        f"{len(sentences) / cpu:.0f} sentences per CPU-second ({words / cpu:.0f} words), "
        f"{len(sentences) / seconds:.0f} sentences/s wall clock on a shared machine"
    )


def by_triplet(articles: list[Article]) -> dict[str, list[Article]]:
    groups: dict[str, list[Article]] = {}
    for article in articles:
        groups.setdefault(article.triplet, []).append(article)
    return groups


def measure_main_entities(articles: list[Article]) -> None:
    hits = total = 0
    for group in by_triplet(articles).values():
        story = [ArticleMentions(i, a.source, a.mentions) for i, a in enumerate(group)]
        top = main_entities(story, limit=5)
        mentions = story_mentions(group)
        known = {name_key(m.name) for m in mentions}
        for name in {e for a in group for e in a.main}:
            total += 1
            entity = target_entity(name, mentions)
            keys = entity.keys & known  # the gold name itself only if the story has it
            # "Senate Democrats" is the story's "Democrats" (groups and organizations only)
            last = name_key(name.split()[-1])
            hits += any(
                t.entity.keys & keys
                or (t.entity.kind is not EntityKind.PERSON and last in t.entity.keys)
                for t in top
            )
    print(f"Main entities: {hits}/{total} = {hits / total:.1%} of BASIL's main entities in top 5")


def report(label: str, pairs: list[tuple[str, str]]) -> None:
    """pairs: (gold pos/neg, predicted pos/neg/neu)."""
    n = len(pairs)
    if not n:
        print(f"  {label}: no spans")
        return
    decided = [(g, p) for g, p in pairs if p != "neu"]
    correct = sum(1 for g, p in decided if g == p)
    majority = Counter(g for g, _p in pairs).most_common(1)[0]
    per_class = []
    for cls in ("neg", "pos"):
        sub = [(g, p) for g, p in decided if g == cls]
        if sub:
            per_class.append(sum(1 for g, p in sub if g == p) / len(sub))
    balanced = sum(per_class) / len(per_class) if per_class else 0.0
    acc = correct / len(decided) if decided else 0.0
    print(
        f"  {label}: n={n}, non-neutral {len(decided)} ({len(decided) / n:.0%}), "
        f"sign accuracy {acc:.1%} (balanced {balanced:.1%}); "
        f"majority '{majority[0]}' {majority[1] / n:.1%}"
    )


def measure_spans(articles: list[Article]) -> None:
    everything: list[tuple[str, str]] = []
    direct: list[tuple[str, str]] = []
    named: list[tuple[str, str]] = []
    unmatched = 0
    for group in by_triplet(articles).values():
        mentions = story_mentions(group)
        for article in group:
            for span in article.spans:
                gold = str(span.get("polarity", ""))
                if gold not in ("pos", "neg") or not span.get("target"):
                    continue
                index = find_sentence(article.sentences, str(span.get("txt", "")))
                if index is None:
                    unmatched += 1
                    continue
                predicted = sign(sentence_tone(article.sentences[index]), SENTENCE_CUTOFF)
                everything.append((gold, predicted))
                if str(span.get("aim", "")) == "dir":
                    direct.append((gold, predicted))
                entity = target_keys(str(span["target"]), mentions)
                if mentions_entity(article.mentions[index], entity):
                    named.append((gold, predicted))
    print(f"Span polarity (sentence tone vs annotated polarity; {unmatched} spans not found):")
    report("all spans", everything)
    report("direct (aim=dir)", direct)
    report("sentence names the target", named)


def sentence_biases(articles: list[Article]) -> list[list[float]]:
    from plumbline.analysis import bias
    from plumbline.analysis.embed import Embedder

    texts = [s for a in articles for s in a.sentences]
    encoded = Embedder().encode_layers(texts)
    probabilities = [float(p) for p in bias.sentence_bias(encoded, texts)]
    out: list[list[float]] = []
    cursor = 0
    for article in articles:
        out.append(probabilities[cursor : cursor + len(article.sentences)])
        cursor += len(article.sentences)
    return out


def measure_feelings(articles: list[Article], biases: list[list[float]] | None) -> None:
    rows: list[tuple[str, str, str]] = []  # gold, plain, weighted
    pairs: dict[tuple[str, str], list[tuple[int, float, float]]] = {}  # (event, entity)
    missing = 0
    groups = by_triplet(articles)
    index_of = {id(a): i for i, a in enumerate(articles)}
    for group in groups.values():
        mentions = story_mentions(group)
        for article in group:
            for name, gold in article.feelings.items():
                if gold not in ("pos", "neu", "neg"):
                    continue
                entity = target_keys(name, mentions)
                scored: list[tuple[ToneSentence, float]] = []
                weights: list[float] = []
                for i, sentence in enumerate(article.sentences):
                    if mentions_entity(article.mentions[i], entity):
                        ts = ToneSentence(sentence, article.source, SIDES[article.source], [])
                        scored.append((ts, sentence_tone(sentence)))
                        weights.append(1.0 + biases[index_of[id(article)]][i] if biases else 1.0)
                if not scored:
                    missing += 1
                    continue
                plain = side_tone(scored).mean_tone
                # the alternative tried: sentences weighted by 1 + p(biased)
                weighted = sum(w * t for w, (_s, t) in zip(weights, scored, strict=True)) / sum(
                    weights
                )
                pairs.setdefault((article.triplet, name), []).append(
                    (_ORDER[gold], plain, weighted)
                )
                rows.append((gold, sign(plain, TONE_THRESHOLD), sign(weighted, TONE_THRESHOLD)))
    n = len(rows)
    majority = Counter(g for g, _p, _w in rows).most_common(1)[0]
    plain_acc = sum(1 for g, p, _w in rows if g == p) / n
    print(
        f"Article feeling toward an entity ({n} article-entity pairs, {missing} with no "
        f"sentence naming the entity): 3-class accuracy {plain_acc:.1%}; "
        f"majority '{majority[0]}' {majority[1] / n:.1%}"
    )
    polar = [(g, p) for g, p, _w in rows if g != "neu"]
    if polar:
        agree = sum(1 for g, p in polar if g == p)
        opposite = sum(1 for g, p in polar if p not in ("neu", g))
        print(
            f"  gold pos/neg ({len(polar)}): same sign {agree / len(polar):.1%}, "
            f"opposite sign {opposite / len(polar):.1%}"
        )
    print(
        "  confusion (gold -> predicted):",
        dict(sorted(Counter((g, p) for g, p, _ in rows).items())),
    )
    if biases:
        weighted_acc = sum(1 for g, _p, w in rows if g == w) / n
        print(f"  with sentences weighted by 1 + p(biased): 3-class accuracy {weighted_acc:.1%}")
    for label, which in (("plain", 0), ("weighted", 1)):
        if which and not biases:
            continue
        agree, total = _pairwise(pairs, which)
        print(
            f"  pairwise ({label}): of two outlets whose annotated feeling toward the same "
            f"entity differs, the more negative tone is on the more negative one in "
            f"{agree}/{total} = {agree / max(total, 1):.1%} (chance 50%)"
        )


def _pairwise(
    pairs: dict[tuple[str, str], list[tuple[int, float, float]]], which: int
) -> tuple[int, int]:
    agree = total = 0
    for values in pairs.values():
        for (g1, *t1), (g2, *t2) in combinations(values, 2):
            if g1 != g2:
                total += 1
                agree += (g1 > g2) == (t1[which] > t2[which]) and t1[which] != t2[which]
    return agree, total


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data/basil"))
    parser.add_argument("--with-bias", action="store_true")
    args = parser.parse_args()
    articles = load(args.data)
    print(f"BASIL: {len(articles)} articles, {sum(len(a.spans) for a in articles)} spans")
    measure_ner(articles)
    measure_main_entities(articles)
    measure_spans(articles)
    biases = sentence_biases(articles) if args.with_bias else None
    measure_feelings(articles, biases)


if __name__ == "__main__":
    main()
