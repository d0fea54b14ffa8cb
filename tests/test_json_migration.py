"""Migrations 0008 and 0009: analyses, write-ups and story statistics stored by the
hand-written converters read back as the same objects once migrated, and the migrations go
back."""

from __future__ import annotations

import json
from pathlib import Path

from alembic import command
from sqlalchemy import text

from plumbline.models import (
    ArticleAnalysis,
    ArticleKind,
    AssessmentSentence,
    Blindspot,
    EntityToneView,
    EvidenceRef,
    KeyQuestion,
    Lean,
    LeanMix,
    LeanScores,
    LoadedPhrase,
    Omission,
    Perspective,
    Sentence,
    SideToneView,
    SourceRef,
    StoryStats,
    Synthesis,
    SynthSection,
    SynthSentence,
)
from plumbline.storage import codec
from plumbline.storage.engine import alembic_config, make_engine, migrate

# As the converters before 0008 wrote them
OLD_ANALYSIS = {
    "sentences": [["The vote passed.", 0, 16, 0.1], ["A reckless plan.", 17, 33, 0.8]],
    "bias_score": 45.0,
    "lean": {"left": 0.2, "center": 0.5, "right": 0.3},
    "loaded_phrases": [["reckless", 1, 0.8]],
    "word_count": 6,
    "title_bias": None,
}
REF = [7, 1, "Fox News", "right", "A reckless plan."]
OLD_SYNTHESIS = {
    "headline": "The vote",
    "headline_article_id": 7,
    "lead": [{"text": "The vote passed.", "bias": 0.1, "sources": [REF], "attribution": ["X"]}],
    "sections": [
        {
            "title": "What happened",
            "kind": "facts",
            "sentences": [{"text": "It did.", "bias": None, "sources": [REF], "paragraph": 1}],
        }
    ],
    "bias_score": 30.0,
    "assessment": [{"text": "Alike.", "evidence": [["coverage", "score 30", "coverage", None]]}],
    "questions": [{"text": "Why?", "kind": "framing", "evidence": [["tone", "t", "tone", 7]]}],
    "omissions": [
        {
            "fact": {"text": "Only one.", "bias": 0.2, "sources": [REF], "exclusive": True},
            "reported_by": ["right"],
            "missing_from": ["left"],
        }
    ],
    "backend": "extractive",
    "fallbacks": 0,
    "perspectives": [
        {
            "side": "right",
            "article_id": 7,
            "outlet": "Fox News",
            "title": "T",
            "url": "https://fox.example/a",
            "kind": "opinion",
            "quotes": [REF],
        }
    ],
    "note": "",
}


OLD_STATS = {
    "coverage_score": 30.0,
    "interval": [20.0, 40.0],
    "n_scored_outlets": 2,
    "scored_words": 900,
    "low_confidence": False,
    "low_confidence_reasons": [],
    "blindspot": {"side": "right", "share": 1.0, "n_rated": 3, "description": "right only"},
    "tones": [
        {
            "entity": "Joe Biden",
            "kind": "person",
            "statements": ["s"],
            "by_side": {
                "right": {
                    "mean_tone": -0.4,
                    "n_sentences": 5,
                    "n_outlets": 2,
                    "verdict": "critical",
                    "example_sentence": "e",
                    "example_outlet": "Fox News",
                }
            },
        }
    ],
}
EXPECTED_STATS = StoryStats(
    coverage_score=30.0,
    interval=(20.0, 40.0),
    n_articles=3,
    n_outlets=3,
    n_scored_outlets=2,
    scored_words=900,
    lean_mix=LeanMix(0, 0, 3, 0),
    blindspot=Blindspot(Lean.RIGHT, 1.0, 3, "right only"),
    low_confidence=False,
    tones=[
        EntityToneView(
            "Joe Biden",
            "person",
            ["s"],
            [SideToneView(Lean.RIGHT, -0.4, 5, 2, "critical", "e", "Fox News")],
        )
    ],
)


def _expected() -> tuple[ArticleAnalysis, Synthesis]:
    ref = SourceRef(7, 1, "Fox News", Lean.RIGHT, "A reckless plan.")
    analysis = ArticleAnalysis(
        [Sentence("The vote passed.", 0, 16, 0.1), Sentence("A reckless plan.", 17, 33, 0.8)],
        45.0,
        LeanScores(0.2, 0.5, 0.3),
        [LoadedPhrase("reckless", 1, 0.8)],
        6,
    )
    synthesis = Synthesis(
        "The vote",
        7,
        [SynthSentence("The vote passed.", [ref], 0.1, attribution=["X"])],
        [SynthSection("What happened", [SynthSentence("It did.", [ref], paragraph=1)], "facts")],
        30.0,
        assessment=[AssessmentSentence("Alike.", [EvidenceRef("coverage", "score 30", "coverage")])],
        questions=[KeyQuestion("Why?", "framing", [EvidenceRef("tone", "t", "tone", 7)])],
        omissions=[
            Omission(SynthSentence("Only one.", [ref], 0.2, exclusive=True), [Lean.RIGHT], [Lean.LEFT])
        ],
        perspectives=[
            Perspective(Lean.RIGHT, 7, "Fox News", "T", "https://fox.example/a", ArticleKind.OPINION, [ref])
        ],
    )  # fmt: skip
    return analysis, synthesis


def test_old_rows_read_back_as_the_same_objects_and_the_migration_goes_back(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(alembic_config(engine), "0007")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO stories (id, slug, headline, lead, created_at, updated_at, "
                "n_articles, n_outlets, lean_left, lean_center, lean_right, lean_unrated, "
                "centroid, dirty, topics, synthesis, stats) VALUES (3, '3-x', 'x', '', "
                "'2024-01-01', '2024-01-01', 3, 3, 0, 0, 3, 0, x'00', 0, '[]', :synthesis, :stats)"
            ),
            {"synthesis": json.dumps(OLD_SYNTHESIS), "stats": json.dumps(OLD_STATS)},
        )
        connection.execute(
            text(
                "INSERT INTO articles (id, url, canonical_url, title, summary, text, author, "
                "language, topic, state, fetched_at, analysis) VALUES (7, 'https://fox.example/a',"
                " 'https://fox.example/a', 'T', '', 'text', '', '', '', 'analyzed', '2024-01-01', "
                ":analysis)"
            ),
            {"analysis": json.dumps(OLD_ANALYSIS)},
        )
    migrate(engine)
    with engine.begin() as connection:
        stored_analysis = json.loads(connection.scalar(text("SELECT analysis FROM articles")))
        stored_synthesis = json.loads(connection.scalar(text("SELECT synthesis FROM stories")))
        stored_stats = json.loads(connection.scalar(text("SELECT stats FROM stories")))
    assert codec.stats(stored_stats) == EXPECTED_STATS
    analysis, synthesis = _expected()
    assert codec.analysis(stored_analysis) == analysis
    assert codec.synthesis(stored_synthesis) == synthesis
    assert codec.stored(synthesis) == codec.stored(codec.synthesis(stored_synthesis))
    command.downgrade(alembic_config(engine), "0007")
    with engine.begin() as connection:
        assert (
            json.loads(connection.scalar(text("SELECT analysis FROM articles")))["sentences"]
            == OLD_ANALYSIS["sentences"]
        )
        back = json.loads(connection.scalar(text("SELECT synthesis FROM stories")))
    assert back["perspectives"][0]["outlet"] == "Fox News"
    assert back["lead"][0]["sources"] == [REF]
    assert back["assessment"][0]["evidence"] == OLD_SYNTHESIS["assessment"][0]["evidence"]
    with engine.begin() as connection:
        assert json.loads(connection.scalar(text("SELECT stats FROM stories"))) == OLD_STATS
    engine.dispose()


def test_a_write_up_round_trips_through_the_stored_form() -> None:
    analysis, synthesis = _expected()
    assert codec.synthesis(json.loads(json.dumps(codec.stored(synthesis)))) == synthesis
    assert codec.analysis(json.loads(json.dumps(codec.stored(analysis)))) == analysis
    assert codec.stats(json.loads(json.dumps(codec.stored(EXPECTED_STATS)))) == EXPECTED_STATS
