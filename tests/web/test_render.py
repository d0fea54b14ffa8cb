from __future__ import annotations

from datetime import UTC, datetime

from plumbline.models import ArticleRecord, ArticleState, Lean
from plumbline.web.render import attributed, bias_label, by_side, highlight


def test_highlight_marks_phrases_case_insensitively_without_overlaps() -> None:
    parts = highlight(
        "A Radical plan, a radical left scheme.", ["radical", "radical left", "scheme"]
    )
    assert parts == [
        ("A ", False),
        ("Radical", True),
        (" plan, a ", False),
        ("radical left", True),
        (" ", False),
        ("scheme", True),
        (".", False),
    ]


def test_highlight_keeps_text_whole() -> None:
    text = "<b>bold</b> claims & more"
    assert "".join(p for p, _ in highlight(text, ["claims", "", "absent"])) == text


def test_bias_labels() -> None:
    assert bias_label(None) == "Not enough text"
    assert bias_label(5) == "Neutral"
    assert bias_label(55) == "Moderately biased"
    assert bias_label(95) == "Highly biased"


def _article(id: int, lean: Lean) -> ArticleRecord:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    return ArticleRecord(
        id, f"https://x/{id}", f"https://x/{id}", "t", "", ArticleState.CLUSTERED,
        f"o{id}", f"O{id}", lean, now, now,
    )  # fmt: skip


def test_articles_group_by_side_left_to_right_unrated_last() -> None:
    articles = [_article(1, Lean.RIGHT), _article(2, Lean.UNRATED), _article(3, Lean.LEFT),
                _article(4, Lean.RIGHT)]  # fmt: skip
    groups = by_side(articles)
    assert [(lean, [a.id for a in group]) for lean, _h, group in groups] == [
        ("left", [3]),
        ("right", [1, 4]),
        ("unrated", [2]),
    ]
    assert groups[0][1] == "Left-leaning outlets"
    assert by_side([]) == []


def test_attribution_reads_as_a_sentence() -> None:
    assert attributed("The bill passed.", []) == "The bill passed."
    assert attributed("The bill passed.", ["CNN"]) == "CNN reported that the bill passed."
    assert attributed("One official said so.", ["A", "B", "C"]) == (
        "A, B and C reported that one official said so."
    )
    assert (
        attributed("Donald Trump spoke.", ["Fox News"])
        == "Fox News reported that Donald Trump spoke."
    )
    assert attributed("According to the Times, troops moved.", ["Washington Post"]) == (
        "Washington Post reported that according to the Times, troops moved."
    )
