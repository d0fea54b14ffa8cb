"""The TF-IDF + linear engine: same n-grams and logits as scikit-learn, safe storage."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from plumbline.analysis.heads import BIAS_CHAR_SCORER
from plumbline.analysis.modelfile import ModelFile
from plumbline.analysis.tfidf import (
    FORMAT,
    MAX_CHARS,
    Analyzer,
    TfidfLinear,
    char_ngrams,
    packaged_tfidf,
    tokens,
    word_ngrams,
)
from plumbline.errors import ConfigurationError

TRAIN = [
    "The radical left's disgraceful scheme to destroy America",
    "The committee will meet on Tuesday at 10 a.m.",
    "Critics slammed the reckless, job-killing tariffs",
    "The bill passed 69 to 30 after a long debate",
    "A shameful, outrageous power grab by the governor",
    "Officials said the bridge would reopen in March",
]
ODD = ["", "   ", "x", "I a", "Hello  world’s\tA\u00a0b", "naïve café", "Ünïcode — “quotes”…"]
CHARS = Analyzer("char_wb", 2, 5)


def _fit(analyzer: str = "char_wb") -> tuple[TfidfVectorizer, LogisticRegression]:
    ngram_range = (2, 5) if analyzer == "char_wb" else (1, 2)
    vectorizer = TfidfVectorizer(analyzer=analyzer, ngram_range=ngram_range, sublinear_tf=True)
    x = vectorizer.fit_transform(TRAIN)
    return vectorizer, LogisticRegression(C=10.0).fit(x, [1, 0, 1, 0, 1, 0])


def _model(
    vectorizer: TfidfVectorizer, lr: LogisticRegression, analyzer: Analyzer = CHARS
) -> TfidfLinear:
    return TfidfLinear(
        analyzer=analyzer,
        vocabulary={str(g): int(i) for g, i in vectorizer.vocabulary_.items()},
        idf=np.asarray(vectorizer.idf_, dtype=np.float64),
        coef=np.asarray(lr.coef_, dtype=np.float64),
        intercept=np.asarray(lr.intercept_, dtype=np.float64),
        metadata={"name": "test"},
    )


def test_char_ngrams_are_scikit_learns_char_wb() -> None:
    analyzer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()
    for text in TRAIN + ODD:
        assert char_ngrams(text, 2, 5) == analyzer(text)
    assert char_ngrams("Ab c", 2, 3) == [" a", "ab", "b ", " ab", "ab ", " c", "c ", " c "]


@pytest.mark.parametrize("ngram_range", [(1, 1), (1, 2), (1, 3), (2, 2), (2, 3)])
def test_word_ngrams_are_scikit_learns(ngram_range: tuple[int, int]) -> None:
    text = "Don't tax the U.S. middle-class — Café owners' tax cuts, 2019!"
    analyzer = TfidfVectorizer(ngram_range=ngram_range).build_analyzer()
    assert word_ngrams(tokens(text), *ngram_range) == analyzer(text)
    assert Analyzer("word", *ngram_range)(text) == analyzer(text)


def test_char_logits_match_scikit_learn() -> None:
    vectorizer, lr = _fit()
    texts = TRAIN + ODD + ["An outrageous scheme", "Tuesday's meeting"]
    expected = lr.decision_function(vectorizer.transform(texts))
    np.testing.assert_allclose(
        _model(vectorizer, lr).decision_function(texts)[:, 0], expected, atol=1e-12
    )


def test_word_logits_match_scikit_learn() -> None:
    vectorizer, lr = _fit("word")
    model = _model(vectorizer, lr, Analyzer("word", 1, 2))
    texts = TRAIN + ODD
    expected = lr.decision_function(vectorizer.transform(texts))
    np.testing.assert_allclose(model.decision_function(texts)[:, 0], expected, atol=1e-12)


def test_a_text_without_known_ngrams_gets_the_intercept() -> None:
    vectorizer, lr = _fit()
    assert _model(vectorizer, lr).decision_function(["qqqq"])[0, 0] == pytest.approx(
        lr.intercept_[0]
    )


def test_binary_probabilities_are_the_sigmoid() -> None:
    model = _model(*_fit())
    z = model.decision_function(TRAIN)[:, 0]
    p = model.predict_proba(TRAIN)
    np.testing.assert_allclose(p[:, 1], 1 / (1 + np.exp(-z)))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)


def test_multiclass_probabilities_are_the_softmax() -> None:
    model = TfidfLinear(
        analyzer=Analyzer("word", 1, 1),
        vocabulary={"tax": 0, "union": 1},
        idf=np.ones(2),
        coef=np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]),
        intercept=np.zeros(3),
    )
    p = model.predict_proba(["tax", "union"])
    assert p.shape == (2, 3) and p[0].argmax() == 0 and p[1].argmax() == 1


def test_text_is_read_up_to_max_chars() -> None:
    model = TfidfLinear(
        analyzer=Analyzer("word", 1, 1), vocabulary={"tax": 0}, idf=np.ones(1),
        coef=np.ones((1, 1)), intercept=np.zeros(1),
    )  # fmt: skip
    late = "x " * MAX_CHARS + "tax"
    assert model.decision_function([late])[0, 0] == 0.0


def test_save_load_round_trip(tmp_path: Path) -> None:
    model = _model(*_fit())
    npz, doc = model.save(tmp_path / "chars")
    assert npz.name == "chars.npz" and doc.name == "chars.json"
    loaded = TfidfLinear.load(tmp_path / "chars")
    assert loaded.metadata["name"] == "test"
    assert loaded.analyzer == CHARS
    assert dict(loaded.vocabulary) == dict(model.vocabulary)
    np.testing.assert_array_equal(loaded.decision_function(TRAIN), model.decision_function(TRAIN))


def test_the_file_names_its_format_and_analyzer(tmp_path: Path) -> None:
    _, doc = _model(*_fit()).save(tmp_path / "chars")
    meta = json.loads(doc.read_text(encoding="utf-8"))
    assert meta["format"] == FORMAT
    assert meta["analyzer"] == {"kind": "char_wb", "ngram_range": [2, 5]}


def test_float16_storage_moves_logits_little(tmp_path: Path) -> None:
    model = _model(*_fit())
    model.save(tmp_path / "half", dtype=np.float16)
    loaded = TfidfLinear.load(tmp_path / "half")
    np.testing.assert_allclose(
        loaded.decision_function(TRAIN), model.decision_function(TRAIN), atol=1e-2
    )


@pytest.mark.parametrize(
    "analyzer",
    [
        None,
        [],
        {"kind": "char", "ngram_range": [2, 5]},
        {"kind": "word", "ngram_range": [3, 2]},
        {"kind": "word", "ngram_range": [0, 2]},
        {"kind": "word", "ngram_range": [1, True]},
        {"kind": "word", "ngram_range": [1, 2.0]},
        {"kind": "word"},
    ],
)
def test_load_refuses_a_bad_analyzer(tmp_path: Path, analyzer: object) -> None:
    _, doc = _model(*_fit()).save(tmp_path / "chars")
    meta = json.loads(doc.read_text(encoding="utf-8"))
    doc.write_text(json.dumps({**meta, "analyzer": analyzer}), encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"chars\.npz"):
        TfidfLinear.load(tmp_path / "chars")


def _file(**arrays: np.ndarray) -> ModelFile:
    base = {
        "m_vocabulary_utf8": np.frombuffer(b"ab\ncd", dtype=np.uint8),
        "m_idf": np.ones(2),
        "m_coef": np.ones((1, 2)),
        "m_intercept": np.zeros(1),
    }
    return ModelFile({**base, **arrays}, {}, "test.npz")


def test_from_model_file_reads_the_vocabulary() -> None:
    model = TfidfLinear.from_model_file(_file(), "m", CHARS)
    assert dict(model.vocabulary) == {"ab": 0, "cd": 1}
    assert not model.coef.flags.writeable


@pytest.mark.parametrize(
    "arrays",
    [
        {"m_vocabulary_utf8": np.frombuffer(b"ab\nab", dtype=np.uint8)},  # repeated term
        {"m_vocabulary_utf8": np.frombuffer(b"\xff\xfe", dtype=np.uint8)},  # not UTF-8
        {"m_vocabulary_utf8": np.arange(3, dtype=np.int64)},  # not uint8
        {"m_idf": np.ones(3)},  # does not fit the vocabulary
        {"m_coef": np.ones((2, 2))},  # does not fit the intercept
        {"m_intercept": np.zeros((1, 1))},
    ],
)
def test_from_model_file_refuses_inconsistent_arrays(arrays: dict[str, np.ndarray]) -> None:
    with pytest.raises(ConfigurationError, match=r"test\.npz"):
        TfidfLinear.from_model_file(_file(**arrays), "m", CHARS)


def test_arrays_refuse_terms_with_line_breaks() -> None:
    model = TfidfLinear(
        analyzer=CHARS, vocabulary={"a\nb": 0}, idf=np.ones(1), coef=np.ones((1, 1)),
        intercept=np.zeros(1),
    )  # fmt: skip
    with pytest.raises(ValueError):
        model.arrays("m")


@pytest.mark.parametrize(
    ("vocabulary", "idf", "coef", "intercept"),
    [
        ({"a": 0}, np.ones(2), np.ones((1, 2)), np.zeros(1)),  # idf longer than the vocabulary
        ({"a": 1}, np.ones(1), np.ones((1, 1)), np.zeros(1)),  # columns not numbered 0..d-1
        ({"a": 0}, np.ones(1), np.full((1, 1), np.nan), np.zeros(1)),  # not finite
        ({"a": 0}, np.ones(1), np.ones((0, 1)), np.zeros(0)),  # no output
    ],
)
def test_constructor_checks_shapes_and_values(
    vocabulary: dict[str, int],
    idf: npt.NDArray[np.float64],
    coef: npt.NDArray[np.float64],
    intercept: npt.NDArray[np.float64],
) -> None:
    with pytest.raises(ConfigurationError):
        TfidfLinear(analyzer=CHARS, vocabulary=vocabulary, idf=idf, coef=coef, intercept=intercept)


def test_packaged_char_scorer() -> None:
    scorer = packaged_tfidf(BIAS_CHAR_SCORER)
    assert scorer is packaged_tfidf(BIAS_CHAR_SCORER)
    assert scorer.analyzer == CHARS
    assert scorer.outputs == 1
    assert len(scorer.vocabulary) > 10_000
    assert "AGPL" in scorer.metadata["license"]
    logits = scorer.decision_function(TRAIN[:2])[:, 0]
    assert logits[0] > logits[1]


def test_a_missing_packaged_model_names_its_trainer() -> None:
    with pytest.raises(ConfigurationError, match="train_heads"):
        packaged_tfidf("no_such_scorer")
