"""The character n-gram scorer: same n-grams and logits as scikit-learn, safe storage."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from plumbline.analysis.charngrams import CharNgramScorer, char_ngrams, packaged_scorer
from plumbline.analysis.heads import BIAS_CHAR_SCORER
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


def _fit() -> tuple[TfidfVectorizer, LogisticRegression]:
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
    x = vectorizer.fit_transform(TRAIN)
    return vectorizer, LogisticRegression(C=10.0).fit(x, [1, 0, 1, 0, 1, 0])


def _scorer(vectorizer: TfidfVectorizer, lr: LogisticRegression) -> CharNgramScorer:
    return CharNgramScorer(
        ngram_range=(2, 5),
        vocabulary={str(g): int(i) for g, i in vectorizer.vocabulary_.items()},
        idf=np.asarray(vectorizer.idf_, dtype=np.float64),
        coef=np.asarray(lr.coef_[0], dtype=np.float64),
        intercept=float(lr.intercept_[0]),
        metadata={"name": "test"},
    )


def test_ngrams_are_scikit_learns_char_wb() -> None:
    analyzer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()
    for text in TRAIN + ODD:
        assert char_ngrams(text, 2, 5) == analyzer(text)
    assert char_ngrams("Ab c", 2, 3) == [" a", "ab", "b ", " ab", "ab ", " c", "c ", " c "]


def test_logits_match_scikit_learn() -> None:
    vectorizer, lr = _fit()
    scorer = _scorer(vectorizer, lr)
    texts = TRAIN + ODD + ["An outrageous scheme", "Tuesday's meeting"]
    expected = lr.decision_function(vectorizer.transform(texts))
    np.testing.assert_allclose(scorer.decision_function(texts), expected, atol=1e-12)
    # no known n-gram: the intercept alone
    assert scorer.decision_function(["qqqq"])[0] == pytest.approx(float(lr.intercept_[0]))


def test_save_load_round_trip(tmp_path: Path) -> None:
    scorer = _scorer(*_fit())
    npz, doc = scorer.save(tmp_path / "chars")
    assert npz.name == "chars.npz" and doc.name == "chars.json"
    loaded = CharNgramScorer.load(tmp_path / "chars")
    assert loaded.metadata["name"] == "test"
    assert loaded.vocabulary == scorer.vocabulary
    np.testing.assert_array_equal(loaded.decision_function(TRAIN), scorer.decision_function(TRAIN))


def test_load_refuses_pickles_and_malformed_files(tmp_path: Path) -> None:
    scorer = _scorer(*_fit())
    npz, doc = scorer.save(tmp_path / "chars")
    good_json = doc.read_text(encoding="utf-8")
    buffer = io.BytesIO()
    np.savez(buffer, idf=np.array([object()]), coef=np.zeros(1), intercept=np.zeros(1))
    with pytest.raises(ConfigurationError):
        CharNgramScorer.from_bytes(buffer.getvalue(), good_json)
    npz_bytes = npz.read_bytes()
    bad_docs = [
        "[]",
        "{",
        json.dumps({**json.loads(good_json), "format_version": 99}),
        json.dumps({**json.loads(good_json), "vocabulary": ["ab", "ab"]}),
        json.dumps({**json.loads(good_json), "vocabulary": ["ab"]}),  # wrong length
        json.dumps({**json.loads(good_json), "ngram_range": [3, 2]}),
    ]
    for bad in bad_docs:
        with pytest.raises(ConfigurationError):
            CharNgramScorer.from_bytes(npz_bytes, bad)
    with pytest.raises(ConfigurationError):
        CharNgramScorer.load(tmp_path / "missing")


def test_packaged_scorer() -> None:
    scorer = packaged_scorer(BIAS_CHAR_SCORER)
    assert scorer is packaged_scorer(BIAS_CHAR_SCORER)
    assert len(scorer.vocabulary) > 10_000
    assert "AGPL" in scorer.metadata["license"]
    logits = scorer.decision_function(
        [
            "The radical left's disgraceful scheme to destroy America",
            "The committee will meet on Tuesday at 10 a.m.",
        ]
    )
    assert logits[0] > logits[1]
    with pytest.raises(ConfigurationError):
        packaged_scorer("no_such_scorer")
