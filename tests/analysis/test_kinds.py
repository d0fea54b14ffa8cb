"""News, opinion or analysis."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from plumbline.analysis.clean import clean_text
from plumbline.analysis.kinds import (
    FEATURES,
    FORMAT,
    KindModel,
    article_kind,
    features,
    kind_of,
    packaged_kind_model,
)
from plumbline.errors import ConfigurationError
from plumbline.models import ArticleKind
from tests.analysis.storybuild import article
from tests.plumbline_fixtures import demo_lines

LABELS = Path(__file__).resolve().parents[2] / "bench" / "data" / "article_kinds.jsonl"

WIRE = (
    "The Senate on Tuesday approved a $484 billion bill to replenish a small business loan "
    "program, officials said. The measure now heads to the House, which is expected to pass "
    "it on Thursday, according to Democratic aides. Senate Majority Leader Mitch McConnell "
    "said the vote was a relief for small businesses. Treasury Secretary Steven Mnuchin told "
    "reporters the program would reopen on Monday."
)
COLUMN = (
    "I have watched Washington fail small businesses for twenty years, and this bill is no "
    "different. We should be ashamed. Our leaders keep promising relief and keep delivering "
    "handouts to the well connected. You deserve better, and so do the workers who keep our "
    "towns alive. We must demand a program that actually reaches them."
)


def test_a_wire_story_is_news_and_a_first_person_column_is_opinion() -> None:
    long_wire, long_column = "\n\n".join([WIRE] * 4), "\n\n".join([COLUMN] * 4)
    wire = article_kind(
        url="https://apnews.com/abc", title="Senate passes relief bill", text=long_wire
    )
    assert wire is ArticleKind.NEWS
    column = article_kind(url="https://example.com/a", title="This bill fails us", text=long_column)
    assert column is ArticleKind.OPINION


def test_a_short_text_is_news_unless_its_page_marks_it() -> None:
    # a 60-word lead says too little about its writer's voice
    short = article_kind(url="https://example.com/a", title="This bill fails us", text=COLUMN)
    assert short is ArticleKind.NEWS
    marked = article_kind(
        url="https://example.com/opinion/a", title="This bill fails us", text=COLUMN
    )
    assert marked is ArticleKind.OPINION
    analysis = article_kind(url="https://example.com/analysis/a", title="Relief bill", text=WIRE)
    assert analysis is ArticleKind.ANALYSIS


def test_the_pages_own_marks_count() -> None:
    kind = article_kind(
        url="https://www.nytimes.com/2020/05/13/opinion/supreme-court-trump-tax-returns.html",
        title="Remember When Trump Said He’d Be Happy to Share His Tax Returns?",
        text=WIRE,
        outlet="New York Times - Opinion",
    )
    assert kind is ArticleKind.OPINION
    cleaned = clean_text("ANALYSIS/OPINION:\n\n" + WIRE)
    values = features(url="", title="", text=cleaned.text, removed=cleaned.removed)
    assert values["page_label"] == 1.0
    assert set(values) == set(FEATURES)


def test_a_title_that_calls_names_is_opinion_unless_it_quotes_them() -> None:
    long_wire = "\n\n".join([WIRE] * 4)
    for title in (
        "Stacey Abrams would be the most preposterous vice presidential pick ever",
        "The Idiotic Fight over Hydroxychloroquine",
    ):
        assert article_kind(url="https://x.com/a", title=title, text=long_wire) is (
            ArticleKind.OPINION
        )
    for title in ("Schiff makes 'unhinged' argument, Republicans say", "Senate passes relief bill"):
        assert article_kind(url="https://x.com/a", title=title, text=long_wire) is ArticleKind.NEWS


def test_a_stored_kind_is_kept_and_a_missing_one_labelled() -> None:
    stored = article(1, "wire", __import__("plumbline.models", fromlist=["Lean"]).Lean.CENTER, WIRE)
    stored.kind = ArticleKind.ANALYSIS
    assert kind_of(stored) is ArticleKind.ANALYSIS
    stored.kind = None
    assert kind_of(stored) is ArticleKind.NEWS


def test_the_hand_labels_are_complete_and_agree_mostly() -> None:
    rows = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 200 and len({r["id"] for r in rows}) == 200
    kinds = {k.value for k in ArticleKind}
    assert all({r["label"], r["annotator_1"], r["annotator_2"]} <= kinds for r in rows)
    agreed = sum(r["annotator_1"] == r["annotator_2"] for r in rows)
    assert agreed >= 180
    assert all(r["label"] == r["annotator_1"] for r in rows if r["annotator_1"] == r["annotator_2"])


@pytest.mark.slow
def test_the_packaged_model_labels_the_hand_labelled_demo_articles() -> None:
    """The shipped classifier is fitted on these 200 (its held-out figures are in
    docs/methodology.md); here it must still reproduce them well, end to end from raw text."""
    labels = {json.loads(line)["id"]: json.loads(line)["label"] for line in LABELS.open()}
    lines = {
        str(line["ID"]): line
        for line in demo_lines(
            tuple(f"2020-{m:02d}-{d:02d}" for m in range(1, 13) for d in range(1, 32))
        )
    }
    right = 0
    for key, label in labels.items():
        line = lines[key]
        cleaned = clean_text(str(line["content_original"]))
        kind = article_kind(
            url=str(line["url"]),
            title=str(line["title"]),
            text=cleaned.text,
            outlet=str(line["source"]),
            removed=cleaned.removed,
        )
        right += kind.value == label
    assert right >= 0.85 * len(labels)


def test_the_model_round_trips_through_its_file(tmp_path: Path) -> None:
    model = packaged_kind_model()
    npz, _ = model.save(tmp_path / "kind")
    loaded = KindModel.load(npz)
    assert loaded.voice_logit(COLUMN) == model.voice_logit(COLUMN)
    values = features(url="", title="", text=WIRE, voice=loaded.voice_logit(WIRE))
    assert loaded.probabilities(values) == model.probabilities(values)


def _saved_with(tmp_path: Path, **changes: object) -> Path:
    _, json_path = packaged_kind_model().save(tmp_path / "kind")
    meta = json.loads(json_path.read_text(encoding="utf-8"))
    json_path.write_text(json.dumps({**meta, **changes}), encoding="utf-8")
    return tmp_path / "kind"


def test_the_packaged_file_names_its_format() -> None:
    assert packaged_kind_model().metadata["format"] == FORMAT


def test_a_file_for_other_features_is_refused(tmp_path: Path) -> None:
    path = _saved_with(tmp_path, features=[*FEATURES[:-1], "something_else"])
    with pytest.raises(ConfigurationError, match="features"):
        KindModel.load(path)


def test_a_file_without_the_voice_analyzer_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="analyzer"):
        KindModel.load(_saved_with(tmp_path, voice_analyzer=None))


def test_a_file_of_the_previous_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="format"):
        KindModel.load(_saved_with(tmp_path, format="plumbline-article-kind-1"))


def test_a_file_with_a_pickled_array_is_refused(tmp_path: Path) -> None:
    path = _saved_with(tmp_path)
    with np.load(path.with_suffix(".npz"), allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    arrays["mean"] = np.array([object()], dtype=object)
    np.savez(path.with_suffix(".npz"), **arrays)
    with pytest.raises(ConfigurationError, match="safe numeric npz"):
        KindModel.load(path)


def test_hostile_text() -> None:
    for text in ("", "“" * 10_000, "I " * 50_000, "a" * 400_000):
        article_kind(url="javascript:alert(1)", title="?" * 2000, text=text, outlet="x" * 500)
