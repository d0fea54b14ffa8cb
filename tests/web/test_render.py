from __future__ import annotations

from plumbline.web.render import bias_label, highlight


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
