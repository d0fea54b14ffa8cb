"""Tone toward a story's main entities, by outlet side: entities from the NER model,
tone from VADER (see tone.py for what it can and cannot say)."""

from __future__ import annotations

from collections.abc import Sequence

from plumbline.analysis.entities import (
    ArticleMentions,
    Entity,
    EntityKind,
    EntityRecognizer,
    main_entities,
    mentions_entity,
)
from plumbline.analysis.story import outlet_key
from plumbline.analysis.tone import ToneSentence, entity_tones, sentence_tone, tone_statements
from plumbline.models import ArticleRecord, EntityToneView, OutletEntityTone, SideToneView

MAIN_ENTITIES = 5
KINDS = (EntityKind.PERSON, EntityKind.ORGANIZATION, EntityKind.PLACE)


def story_tones(
    articles: Sequence[ArticleRecord], recognizer: EntityRecognizer
) -> tuple[list[EntityToneView], list[OutletEntityTone]]:
    """The main entities of a story with the tone of each side's sentences about them, and
    each outlet's (stored with the story's statistics; the outlets' feed their profiles)."""
    originals = [a for a in articles if a.analysis and a.duplicate_of is None]
    texts = [s.text for a in originals if a.analysis for s in a.analysis.sentences]
    if not texts:
        return [], []
    mentions = recognizer.extract(texts)
    per_article: list[ArticleMentions] = []
    sentences: list[ToneSentence] = []
    cursor = 0
    for article in originals:
        assert article.analysis is not None
        count = len(article.analysis.sentences)
        found = mentions[cursor : cursor + count]
        cursor += count
        per_article.append(ArticleMentions(article.id, outlet_key(article), found))
        sentences.extend(
            ToneSentence(s.text, outlet_key(article), article.outlet_lean, m)
            for s, m in zip(article.analysis.sentences, found, strict=True)
            if m
        )
    entities = [m.entity for m in main_entities(per_article, MAIN_ENTITIES, kinds=KINDS)]
    views = [
        EntityToneView(
            entity=tone.entity,
            kind=tone.kind.value,
            statements=tone_statements(tone),
            by_side=[
                SideToneView(
                    side=side,
                    mean_tone=round(st.mean_tone, 3),
                    n_sentences=st.n_sentences,
                    n_outlets=st.n_outlets,
                    verdict=st.verdict.value,
                    example_sentence=st.example_sentence,
                    example_outlet=st.example_outlet,
                )
                for side, st in tone.by_side.items()
            ],
        )
        for tone in entity_tones(sentences, entities)
    ]
    return views, outlet_tones(sentences, entities)


def outlet_tones(
    sentences: Sequence[ToneSentence], entities: Sequence[Entity]
) -> list[OutletEntityTone]:
    """Each outlet's sentences about each entity: count and tone sum (unknown outlets,
    keyed by article, are left out: they have no profile)."""
    found: dict[tuple[str, int], list[float]] = {}
    tones: dict[int, float] = {}
    for index, sentence in enumerate(sentences):
        if sentence.outlet.startswith("article-"):
            continue
        for number, entity in enumerate(entities):
            if mentions_entity(sentence.mentions, entity):
                if index not in tones:
                    tones[index] = sentence_tone(sentence.text)
                found.setdefault((sentence.outlet, number), []).append(tones[index])
    return [
        OutletEntityTone(outlet, entities[number].name, entities[number].kind.value,
                         len(values), round(sum(values), 4))
        for (outlet, number), values in sorted(found.items())
    ]  # fmt: skip
