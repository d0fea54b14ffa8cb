"""The packaged lexical lean head: safe loading, cleaning, probabilities, hostile input."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from plumbline.analysis.lean import (
    CLASSES,
    FORMAT,
    WORD_BIGRAMS,
    LexicalLeanHead,
    article_lean,
    dominant,
    lean_text,
    member_text,
    packaged_lean_head,
)
from plumbline.analysis.tfidf import TfidfLinear
from plumbline.errors import ConfigurationError
from plumbline.models import Lean, LeanScores

BODY = (
    "The Senate passed the budget bill early on Friday. The vote was 51 to 49.\n\n"
    "The measure now goes to the House, which is expected to vote next week."
)


def _tiny_logit() -> TfidfLinear:
    return TfidfLinear(
        analyzer=WORD_BIGRAMS,
        vocabulary={"tax": 0, "tax cuts": 1, "union": 2},
        idf=np.array([1.0, 2.0, 1.5]),
        coef=np.array([[-1.0, -2.0, 2.0], [0.0, 0.0, 0.0], [1.0, 2.0, -2.0]]),
        intercept=np.zeros(3),
    )


def _tiny_head(**metadata: object) -> LexicalLeanHead:
    return LexicalLeanHead(
        members=(("raw", _tiny_logit()), ("clean", _tiny_logit())), metadata=metadata
    )


def test_packaged_head_loads_and_is_cached() -> None:
    head = packaged_lean_head()
    assert head is packaged_lean_head()
    assert head.classes == CLASSES
    assert [kind for kind, _ in head.members] == ["raw", "clean"]
    for _, model in head.members:
        assert model.analyzer == WORD_BIGRAMS
        assert model.coef.shape == (3, len(model.vocabulary)) == (3, model.idf.shape[0])
        assert not model.coef.flags.writeable
    assert head.metadata["training_data"]["split"] == "media"


def test_packaged_files_are_small_and_numeric() -> None:
    folder = Path(__file__).resolve().parents[2] / "plumbline" / "data" / "heads"
    npz = folder / "lean.npz"
    assert npz.stat().st_size + (folder / "lean.json").stat().st_size < 5_000_000
    with np.load(npz, allow_pickle=False) as arrays:
        assert all(arrays[key].dtype.kind in "fiu" for key in arrays.files)


def test_article_lean_is_a_distribution() -> None:
    scores = article_lean("Senate passes budget bill after late-night session", BODY)
    assert isinstance(scores, LeanScores)
    values = (scores.left, scores.center, scores.right)
    assert all(0.0 <= v <= 1.0 for v in values)
    assert sum(values) == pytest.approx(1.0, abs=1e-3)
    assert dominant(scores) in (Lean.LEFT, Lean.CENTER, Lean.RIGHT)


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("", ""),
        ("", "\n\n   \n"),
        ("Ünïcödé", "Проверка текста. 中文新闻。 Ça va très bien — «citation» 🙂"),
        ("", "\x00\x01 ((( ))) ---- " * 100),
        ("A" * 10_000, "B" * 10_000),
    ],
)
def test_hostile_input_gives_a_distribution(title: str, text: str) -> None:
    scores = article_lean(title, text)
    assert sum((scores.left, scores.center, scores.right)) == pytest.approx(1.0, abs=1e-3)


def test_empty_text_gives_the_members_priors() -> None:
    head = packaged_lean_head()
    priors = []
    for _, model in head.members:
        e = np.exp(model.intercept - model.intercept.max())
        priors.append(e / e.sum())
    assert np.allclose(head.predict_proba([("", "")])[0], np.mean(priors, axis=0))


def test_huge_text_is_bounded_in_time() -> None:
    paragraph = "Lawmakers debated the tax bill and the border wall on Tuesday. " * 20
    text = "\n".join([paragraph] * 20_000)  # about 25 MB
    start = time.perf_counter()
    scores = article_lean("Huge", text)
    assert time.perf_counter() - start < 10
    assert sum((scores.left, scores.center, scores.right)) == pytest.approx(1.0, abs=1e-3)


def test_lean_text_removes_outlet_boilerplate() -> None:
    text = (
        "WASHINGTON (Reuters) - Lawmakers met on Tuesday, Mr. Smith told CNN's reporters.\n"
        "By John Smith\n"
        "Sign up for our daily newsletter\n"
        "Read the memo at https://example.com/memo or www.example.org today.\n"
        "The Associated Press contributed to this report."
    )
    cleaned = lean_text("Budget talks resume | Fox News", text)
    for gone in ("WASHINGTON", "Reuters", "Mr", "CNN", "John Smith", "newsletter", "http",
                 "example", "Associated Press", "Fox News"):  # fmt: skip
        assert gone not in cleaned
    assert "Lawmakers met on Tuesday" in cleaned
    assert "Budget talks resume" in cleaned


def test_lean_text_keeps_ordinary_words() -> None:
    text = "The nation's reason for the week ahead: time will tell, said Mike Bloomberg."
    assert lean_text("", text) == text


def test_head_matches_scikit_learn_tfidf() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = ["tax cuts for the rich", "the union and the tax", "union union strike", "nothing"]
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(docs)
    rng = np.random.default_rng(0)
    coef = rng.normal(size=(3, len(vectorizer.vocabulary_)))
    model = TfidfLinear(
        analyzer=WORD_BIGRAMS,
        vocabulary={str(k): int(v) for k, v in vectorizer.vocabulary_.items()},
        idf=vectorizer.idf_,
        coef=coef,
        intercept=np.array([0.1, 0.0, -0.1]),
    )
    texts = [*docs, "unknown words", ""]
    expected = vectorizer.transform(texts).toarray() @ coef.T + model.intercept
    assert np.allclose(model.decision_function(texts), expected)


def test_save_load_roundtrip(tmp_path: Path) -> None:
    head = _tiny_head(note="x")
    npz, _ = head.save(tmp_path / "lean")
    loaded = LexicalLeanHead.load(npz)
    assert [kind for kind, _ in loaded.members] == ["raw", "clean"]
    assert dict(loaded.members[0][1].vocabulary) == dict(head.members[0][1].vocabulary)
    assert loaded.metadata["note"] == "x"
    articles = [("Tax cuts now", ""), ("", "union"), ("", "")]
    assert np.allclose(loaded.predict_proba(articles), head.predict_proba(articles), atol=1e-6)
    p = loaded.predict_proba([("", "tax cuts tax cuts"), ("", "union union")])
    assert p[0].argmax() == 2 and p[1].argmax() == 0


def test_saved_head_names_format_and_analyzers(tmp_path: Path) -> None:
    _, json_path = _tiny_head().save(tmp_path / "lean")
    meta = json.loads(json_path.read_text(encoding="utf-8"))
    assert meta["format"] == FORMAT
    assert [m["analyzer"] for m in meta["members"]] == [WORD_BIGRAMS.to_json()] * 2


def test_saved_weights_are_float16(tmp_path: Path) -> None:
    npz, _ = _tiny_head().save(tmp_path / "lean")
    with np.load(npz, allow_pickle=False) as arrays:
        assert arrays["raw_coef"].dtype == np.float16
        assert arrays["raw_intercept"].dtype == np.float64


def _with_meta(tmp_path: Path, **changes: object) -> Path:
    _, json_path = _tiny_head().save(tmp_path / "lean")
    meta = json.loads(json_path.read_text(encoding="utf-8"))
    json_path.write_text(json.dumps({**meta, **changes}), encoding="utf-8")
    return tmp_path / "lean"


def test_load_refuses_an_unknown_member_input(tmp_path: Path) -> None:
    path = _with_meta(tmp_path, members=[{"input": "shell", "analyzer": WORD_BIGRAMS.to_json()}])
    with pytest.raises(ConfigurationError, match="members"):
        LexicalLeanHead.load(path)


def test_load_refuses_a_member_without_analyzer(tmp_path: Path) -> None:
    path = _with_meta(
        tmp_path, members=[{"input": "raw", "max_n": 2}, {"input": "clean", "max_n": 2}]
    )
    with pytest.raises(ConfigurationError, match="analyzer"):
        LexicalLeanHead.load(path)


def test_load_refuses_the_previous_format(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="format"):
        LexicalLeanHead.load(_with_meta(tmp_path, format="plumbline-lexical-lean-1"))


def test_load_refuses_classes_that_do_not_fit_the_members(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="classes"):
        LexicalLeanHead.load(_with_meta(tmp_path, classes=["left", "right"]))


def test_load_refuses_a_missing_head(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        LexicalLeanHead.load(tmp_path / "missing")


def test_head_checks_members() -> None:
    with pytest.raises(ConfigurationError):
        LexicalLeanHead(members=(("raw", _tiny_logit()), ("raw", _tiny_logit())))
    with pytest.raises(ConfigurationError):
        LexicalLeanHead(members=())
    with pytest.raises(ConfigurationError):
        LexicalLeanHead(members=(("raw", _tiny_logit()),), classes=("left", "right"))


def test_member_text() -> None:
    assert member_text("raw", "T", "x") == "T\nx"
    assert member_text("clean", "T", "x") == lean_text("T", "x")
    with pytest.raises(ValueError):
        member_text("other", "T", "x")


def test_left_and_right_framing_move_the_probabilities_apart() -> None:
    left = article_lean(
        "Republicans push cruel cuts to health care for millions",
        "Republican lawmakers advanced a bill on Tuesday that would strip health coverage from "
        "millions of low-income Americans, advocates warned. Progressive groups and Democrats "
        "said the cuts would hurt working families, immigrants and people of color, while "
        "handing tax breaks to the wealthy and corporations. Activists called for climate "
        "action, voting rights and protections for undocumented immigrants.",
    )
    right = article_lean(
        "Democrats' radical agenda threatens American families",
        "Democrats pushed their radical socialist agenda on Tuesday, with open borders, higher "
        "taxes and more government control. Conservatives warned that illegal aliens, leftist "
        "activists and the liberal media are undermining law enforcement and the Second "
        "Amendment. Pro-life groups condemned the left's push for taxpayer-funded abortion, and "
        "GOP lawmakers vowed to defend religious liberty.",
    )
    assert left.left > right.left
    assert right.right > left.right
    assert dominant(left) is Lean.LEFT and dominant(right) is Lean.RIGHT
