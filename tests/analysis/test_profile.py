"""Outlet profiles from measured figures (analysis/profile.py)."""

from __future__ import annotations

import math
import statistics

from plumbline.analysis.profile import alone_stories, outlet_profile, outlet_score, phrase_uses
from plumbline.models import Lean


def test_score_interval_from_count_mean_and_squares_matches_the_t_interval() -> None:
    values = [20.0, 30.0, 40.0, 50.0]
    mean = statistics.fmean(values)
    squares = statistics.fmean(v * v for v in values)
    score = outlet_score("x", "X", len(values), mean, squares)
    half = 3.182 * statistics.stdev(values) / math.sqrt(len(values))  # t(3) = 3.182
    assert score.mean == 35.0 and score.interval is not None
    assert math.isclose(score.interval[0], round(mean - half, 1))
    assert math.isclose(score.interval[1], round(mean + half, 1))
    assert outlet_score("x", "X", 1, 35.0, 1225.0).interval is None
    clipped = outlet_score("x", "X", 2, 99.0, 9802.0)  # 98 and 100: clipped at 100
    assert clipped.interval is not None and clipped.interval[1] == 100.0


def test_phrases_count_once_per_article_and_need_two_articles() -> None:
    articles = [
        ["Radical", "radical", "slammed"],
        ["radical.", "“Slammed”"],
        ["fringe"],
    ]
    uses = phrase_uses(articles)
    assert [(u.text, u.articles) for u in uses] == [("Radical", 2), ("slammed", 2)]
    assert phrase_uses([["a"], ["a"]] * 20, limit=1)[0].articles == 40


def test_alone_counts_stories_no_other_side_covered() -> None:
    sides = [(3, 0, 0), (2, 1, 0), (1, 0, 0), (0, 0, 2)]
    assert alone_stories(Lean.LEFT, sides) == 2
    assert alone_stories(Lean.RIGHT, sides) == 1
    assert alone_stories(Lean.UNRATED, sides) == 0


def test_profile_puts_the_outlet_among_its_peers() -> None:
    peers = [("a", "A", 10, 40.0, 1700.0), ("b", "B", 5, 30.0, 950.0), ("c", "C", 9, 50.0, 2600.0)]
    profile = outlet_profile(
        "a",
        Lean.LEFT,
        kinds={"news": 6, "opinion": 3, "analysis": 1},
        phrases=[["x"], ["x"]],
        story_sides=[(2, 0, 0), (1, 1, 0)],
        peers=peers,
    )
    assert profile.score is not None and profile.score.slug == "a"
    assert [p.slug for p in profile.peers] == ["b", "a", "c"]  # lowest mean first
    assert profile.opinion_share == 0.3
    assert (profile.stories, profile.alone) == (2, 1)
    assert profile.phrase_articles == 2 and profile.phrases[0].text == "x"
    few = [*peers, ("d", "D", 4, 45.0, 2100.0)]  # four scored articles: too few to compare
    assert "d" not in {p.slug for p in outlet_profile("a", Lean.LEFT, kinds={}, phrases=[],
                                                      story_sides=[], peers=few).peers}  # fmt: skip
    alone = outlet_profile("d", Lean.LEFT, kinds={}, phrases=[], story_sides=[], peers=few)
    assert "d" in {p.slug for p in alone.peers}  # the outlet itself is always there
    empty = outlet_profile("z", Lean.UNRATED, kinds={}, phrases=[], story_sides=[], peers=[])
    assert empty.score is None and empty.opinion_share is None and empty.peers == []


def test_entity_tones_add_up_over_stories_next_to_the_other_outlets() -> None:
    from plumbline.analysis.profile import entity_tone_profile
    from plumbline.models import OutletEntityTone as T

    stories = [
        [T("a", "Joe Biden", "person", 2, -0.8), T("b", "Joe Biden", "person", 3, 0.6),
         T("a", "NATO", "organization", 1, 0.1)],
        [T("a", "joe biden", "person", 2, -0.2), T("c", "Joe Biden", "person", 1, 0.2)],
        [T("b", "Kyiv", "place", 5, -1.0)],  # a story without outlet a
    ]  # fmt: skip
    [biden] = entity_tone_profile("a", stories)  # NATO: one sentence, under the minimum
    assert (biden.entity, biden.kind, biden.stories, biden.n_sentences) == (
        "Joe Biden",
        "person",
        2,
        4,
    )
    assert biden.mean_tone == -0.25 and biden.others_mean == 0.2 and biden.others_sentences == 4
    assert entity_tone_profile("z", stories) == []
    kyiv, biden_b = entity_tone_profile("b", stories)  # the most named first
    assert (kyiv.entity, kyiv.n_sentences, kyiv.others_mean) == ("Kyiv", 5, None)
    assert biden_b.others_mean == -0.4 and biden_b.stories == 1
