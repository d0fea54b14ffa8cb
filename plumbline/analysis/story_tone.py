"""Tone toward a story's main entities, by outlet side: entities from the NER model,
tone from VADER (see tone.py for what it can and cannot say)."""

from __future__ import annotations

from collections.abc import Sequence

from plumbline.analysis.entities import (
    ArticleMentions,
    EntityKind,
    EntityRecognizer,
    main_entities,
)
from plumbline.analysis.story import outlet_key
from plumbline.analysis.tone import ToneSentence, entity_tones, tone_statements
from plumbline.models import ArticleRecord, EntityToneView, SideToneView

MAIN_ENTITIES = 5
KINDS = (EntityKind.PERSON, EntityKind.ORGANIZATION, EntityKind.PLACE)


def story_tones(
    articles: Sequence[ArticleRecord], recognizer: EntityRecognizer
) -> list[EntityToneView]:
    """The main entities of a story with the tone of each side's sentences about them
    (stored with the story's statistics)."""
    originals = [a for a in articles if a.analysis and a.duplicate_of is None]
    texts = [s.text for a in originals if a.analysis for s in a.analysis.sentences]
    if not texts:
        return []
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
    return [
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
