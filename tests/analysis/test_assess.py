"""The written bias assessment: filled in from the evidence only, each sentence citing it."""

from __future__ import annotations

import pytest

from plumbline.analysis.assess import MOST, assess, bias_label
from plumbline.analysis.story import story_stats
from plumbline.models import (
    ArticleKind,
    ArticleRecord,
    AssessmentSentence,
    EntityToneView,
    Lean,
    LoadedPhrase,
    Omission,
    Perspective,
    SideToneView,
    SourceRef,
    Synthesis,
    SynthSentence,
)
from plumbline.web.render import bias_label as page_bias_label
from tests.analysis.storybuild import LEFT_CRITICAL_OF_SMITH, article

FLOOD = "Heavy rain flooded the Millbrook valley over the weekend and closed the main highway."


def _three_sides(scores: tuple[float, float, float] = (30.0, 32.0, 60.0)) -> list[ArticleRecord]:
    """Three outlets, one per side, each with 300 words of scored text (enough for a
    confident coverage score)."""
    articles = [
        article(
            1,
            "left-daily",
            Lean.LEFT,
            f"{FLOOD} Rescue crews searched the valley.",
            score=scores[0],
        ),
        article(
            2,
            "center-wire",
            Lean.CENTER,
            f"{FLOOD} Crews searched the valley for survivors.",
            score=scores[1],
        ),
        article(
            3,
            "right-post",
            Lean.RIGHT,
            f"{FLOOD} A reckless council ignored the warnings.",
            score=scores[2],
            loaded=["reckless"],
        ),
    ]
    for a in articles:
        assert a.analysis is not None
        a.analysis.word_count = 300
    return articles


def _numbers(found: list[AssessmentSentence]) -> AssessmentSentence:
    [line] = [s for s in found if any(e.anchor == "coverage" for e in s.evidence)]
    return line


@pytest.mark.parametrize("score", [0.0, 19.9, 20.0, 39.9, 45.0, 60.0, 79.0, 80.0, 100.0])
def test_the_coverage_sentence_uses_the_page_meter_band(score: float) -> None:
    assert bias_label(score) == page_bias_label(score)
    articles = _three_sides((score, score, score))
    line = _numbers(assess(articles, story_stats(articles), []))
    assert f"{bias_label(score).lower()} ({score:.0f}/100" in line.text
    assert [e.anchor for e in line.evidence] == ["coverage", "lean-mix"]


def test_every_sentence_cites_evidence_and_there_are_two_to_four() -> None:
    articles = _three_sides()
    found = assess(articles, story_stats(articles), [])
    assert 2 <= len(found) <= MOST
    assert all(s.evidence for s in found)


def test_one_outlet_says_there_is_nothing_to_compare() -> None:
    articles = [article(1, "left-daily", Lean.LEFT, f"{FLOOD} Rescue crews searched the valley.")]
    found = assess(articles, story_stats(articles), [])
    assert "Only one outlet, Left Daily, covered this story" in found[0].text
    assert not any(e.anchor == "lean-mix" for s in found for e in s.evidence)


def test_no_score_says_not_enough_text() -> None:
    articles = _three_sides()
    for a in articles:
        a.bias_score = None
    found = assess(articles, story_stats(articles), [])
    assert "not enough scored text" in _numbers(found).text


def test_low_confidence_is_said() -> None:
    articles = _three_sides()[:2]
    found = assess(articles, story_stats(articles), [])
    assert "low confidence" in _numbers(found).text


def test_the_finding_comes_first_then_the_numbers() -> None:
    articles = _three_sides((20.0, 22.0, 70.0))
    found = assess(articles, story_stats(articles), [])
    assert found[0].text.startswith("Right-leaning outlets' articles use more loaded wording (70")
    assert "than left-leaning ones (20" in found[0].text
    assert [e.anchor for e in found[0].evidence] == ["sources"]
    assert "the 3 outlets are 1 left-leaning, 1 center and 1 right-leaning" in found[1].text


def test_sides_that_differ_in_nothing_are_said_to_be_alike() -> None:
    articles = _three_sides((30.0, 31.0, 33.0))
    for a in articles:
        assert a.analysis is not None
        a.analysis.loaded_phrases = []
    synthesis = Synthesis("h", None, [], [], None)
    found = assess(articles, story_stats(articles), [], synthesis)
    assert found[0].text.startswith("The sides covered this story much alike")


def test_a_blindspot_leads() -> None:
    articles = [
        article(i, f"left-{i}", Lean.LEFT, f"{FLOOD} Rescue crews searched the valley.")
        for i in (1, 2, 3, 4)
    ] + [article(5, "right-post", Lean.RIGHT, f"{FLOOD} Crews searched the valley.")]
    first = assess(articles, story_stats(articles), [])[0]
    assert first.text.startswith(
        "This story is a blindspot: covered almost only by the left (4 of 5"
    )
    assert "blindspot" in {e.kind for e in first.evidence}


def test_a_missing_side_leads() -> None:
    articles = _three_sides()
    articles[2].outlet_lean = Lean.LEFT
    first = assess(articles, story_stats(articles), [])[0]
    assert first.text.startswith("No right-leaning outlet covered this story")


def test_the_tone_sentence_contrasts_the_sides_and_cites_the_tone_table() -> None:
    tone = LEFT_CRITICAL_OF_SMITH
    articles = _three_sides((30.0, 31.0, 33.0))
    found = assess(articles, story_stats(articles), [tone])
    [line] = [s for s in found if "Jane Smith" in s.text]
    assert (
        "Left-leaning outlets use mostly negative language about Jane Smith (mean tone -0.45)"
        in line.text
    )
    assert "right-leaning ones neutral language (+0.05)" in line.text
    assert [e.anchor for e in line.evidence] == ["tone"]


def test_a_tone_that_does_not_set_the_sides_apart_is_not_said() -> None:
    tone = EntityToneView(
        "Jane Smith", "person", [], [SideToneView(Lean.LEFT, -0.9, 1, 1, "insufficient", "", "")]
    )
    place = EntityToneView(
        "Millbrook",
        "place",
        [],
        [
            SideToneView(Lean.LEFT, -0.6, 5, 2, "critical", "", ""),
            SideToneView(Lean.RIGHT, 0.0, 5, 2, "neutral", "", ""),
        ],
    )
    articles = _three_sides()
    texts = [s.text for s in assess(articles, story_stats(articles), [tone, place])]
    assert not any("language" in t for t in texts)  # too little, and a place


def test_loaded_phrases_point_at_their_articles_in_context() -> None:
    articles = _three_sides()
    found = assess(articles, story_stats(articles), [])
    [line] = [s for s in found if "most loaded wording" in s.text]
    assert "“reckless” (Right Post, right-leaning)" in line.text
    assert [(e.anchor, e.article_id) for e in line.evidence] == [("article-3", 3)]
    assert line.evidence[0].label == "Right Post: “A reckless council ignored the warnings.”"


def test_a_name_is_never_loaded_wording() -> None:
    articles = _three_sides()
    assert articles[1].analysis is not None
    articles[1].analysis.sentences[-1].text = "Rep. Karen Bass unveiled the bill in the valley."
    articles[1].analysis.loaded_phrases = [LoadedPhrase("Karen", 1, 0.9)]
    texts = [s.text for s in assess(articles, story_stats(articles), [])]
    assert not any("Karen" in t for t in texts)


def test_an_omission_is_the_finding_with_its_words() -> None:
    articles = _three_sides((30.0, 31.0, 33.0))
    levee = "State engineers warned last year that the Millbrook levee was unsafe."
    fact = SynthSentence(
        levee,
        [
            SourceRef(1, 0, "Left Daily", Lean.LEFT, levee),
            SourceRef(2, 0, "Center Wire", Lean.CENTER, levee),
        ],
    )
    omission = Omission(fact, reported_by=[Lean.LEFT, Lean.CENTER], missing_from=[Lean.RIGHT])
    synthesis = Synthesis("h", None, [], [], None, omissions=[omission])
    first = assess(articles, story_stats(articles), [], synthesis)[0]
    assert first.text.startswith(
        "What one side reports and another leaves out: Left Daily (left-leaning) and Center "
        "Wire (center) report “State engineers warned"
    )
    assert first.text.endswith("which no right-leaning outlet mentions.")
    assert {e.anchor for e in first.evidence} == {"article-1", "article-2", "omissions"}


def test_one_outlets_detail_does_not_lead_and_the_sides_are_not_called_alike() -> None:
    articles = _three_sides((30.0, 31.0, 33.0))
    levee = "State engineers warned last year that the Millbrook levee was unsafe."
    fact = SynthSentence(levee, [SourceRef(1, 0, "Left Daily", Lean.LEFT, levee)])
    omission = Omission(fact, reported_by=[Lean.LEFT], missing_from=[Lean.RIGHT])
    synthesis = Synthesis("h", None, [], [], None, omissions=[omission])
    texts = [a.text for a in assess(articles, story_stats(articles), [], synthesis)]
    assert not any("leaves out" in t or "alike" in t for t in texts)
    assert 2 <= len(texts) <= MOST


def test_two_sides_headlines_that_differ_are_a_finding() -> None:
    articles = _three_sides((30.0, 31.0, 33.0))
    titles = {1: "Council ignored levee warnings", 3: "Volunteers rally to save the town"}
    views = [
        Perspective(
            a.outlet_lean, a.id, a.outlet_name or "", titles[a.id], "", ArticleKind.NEWS, []
        )
        for a in articles
        if a.id in titles
    ]
    synthesis = Synthesis("h", None, [], [], None, perspectives=views)
    found = assess(articles, story_stats(articles), [], synthesis)
    assert found[0].text == (
        "The sides put different things first: Left Daily (left-leaning) headlines it “Council "
        "ignored levee warnings”, Right Post (right-leaning) “Volunteers rally to save the town”."
    )
    assert {e.anchor for e in found[0].evidence} == {"article-1", "article-3"}
