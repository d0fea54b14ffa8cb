"""The packaged model heads: safe loading, shapes, probabilities, and a sanity check on text."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from plumbline.analysis.bias import word_keys
from plumbline.analysis.embed import Encoded
from plumbline.analysis.heads import (
    BIAS_CHAR_SCORER,
    FORMAT,
    LEAN_MAX_SENTENCES,
    LEXICON_FEATURES,
    LinearHead,
    lead_sentences,
    lexicon_features,
    loaded_words,
    packaged_bias_lexicon,
    packaged_head,
    parse_lexicon,
    sentence_features,
    words,
)
from plumbline.analysis.tfidf import Analyzer, TfidfLinear, packaged_tfidf
from plumbline.errors import ConfigurationError

RNG = np.random.default_rng(0)


def _unit_rows(n: int, d: int) -> np.ndarray:
    x = RNG.normal(size=(n, d)).astype(np.float32)
    unit: np.ndarray = x / np.linalg.norm(x, axis=1, keepdims=True)
    return unit


def _encoded(n: int) -> Encoded:
    return Encoded(_unit_rows(n, 384), RNG.normal(size=(n, 384)).astype(np.float32))


def _tiny_scorer(outputs: int = 1) -> TfidfLinear:
    return TfidfLinear(
        analyzer=Analyzer("char_wb", 2, 3),
        vocabulary={" b": 0, "biz": 1},
        idf=np.array([1.0, 2.0]),
        coef=np.tile([0.5, 1.5], (outputs, 1)),
        intercept=np.full(outputs, -0.25),
    )


def test_packaged_sentence_bias_head() -> None:
    head = packaged_head("sentence_bias")
    assert head.classes == ("non_biased", "biased")
    assert head.dim == 2 * 384 + len(LEXICON_FEATURES) + 1
    assert head.coef.shape == (1, head.dim)
    texts = ["a plain sentence", "the radical scheme", "", "x"] + ["more text"] * 3
    scorer = packaged_tfidf(BIAS_CHAR_SCORER)
    feats = sentence_features(_encoded(7), texts, packaged_bias_lexicon(), scorer)
    assert feats.shape == (7, head.dim)
    assert np.allclose(feats[:, -1], scorer.decision_function(texts)[:, 0])
    proba = head.predict_proba(feats)
    assert proba.shape == (7, 2)
    assert proba.dtype == np.float64
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert np.all((proba >= 0) & (proba <= 1))
    meta = head.metadata
    assert "AGPL" in meta["license"]
    assert meta["training_data"]["rows"] == 3673
    assert 0.5 < meta["metrics"]["macro_f1_mean"] < 1.0


def test_packaged_bias_lexicon() -> None:
    lexicon = packaged_bias_lexicon()
    assert len(lexicon) > 500
    assert all(0.0 < rate <= 1.0 for rate in lexicon.values())
    assert all(words(word) == {word} for word in list(lexicon)[:200])
    text = "The radical left's disgraceful scheme to destroy America"
    found = loaded_words(text, lexicon)
    assert found
    assert all(word in words(text) for word, _ in found)
    feats = lexicon_features([text, "The committee will meet on Tuesday at 10 a.m."], lexicon)
    assert feats.shape == (2, len(LEXICON_FEATURES))
    assert feats[0, 1] > feats[1, 1]


def test_words_and_lexicon_features() -> None:
    assert words("The far-left group's “bizarre” plan, café") == {
        "the",
        "far-left",
        "group",
        "bizarre",
        "plan",
        "cafe",
    }
    lexicon = {"bizarre": 0.5, "plan": 0.1}
    feats = lexicon_features(["A bizarre plan. Bizarre!", "nothing here"], lexicon)
    assert np.allclose(feats[0], [np.log1p(2), 0.5, 0.6])
    assert np.allclose(feats[1], 0.0)
    assert loaded_words("a bizarre plan", lexicon) == [("bizarre", 0.5), ("plan", 0.1)]
    with pytest.raises(ValueError):
        sentence_features(_encoded(2), ["only one"], lexicon, _tiny_scorer())


def test_sentence_features_need_a_one_logit_scorer() -> None:
    with pytest.raises(ValueError, match="one logit"):
        sentence_features(_encoded(1), ["a biz"], {}, _tiny_scorer(outputs=2))


def test_words_split_at_typographic_punctuation() -> None:
    # Folding to ASCII used to drop these characters and glue the words around them
    # ("America’s" gave "americas"); they separate words like their ASCII forms do.
    assert words("America’s") == words("America's") == {"america"}
    assert words("the ‘radical’ “left”—a far–left idea…really") == {
        "the",
        "radical",
        "left",
        "far",
        "idea",
        "really",
    }
    assert words("no\u00a0break, right\u200fto-left") == {"no", "break", "right", "to-left"}
    assert words("naïve café straße") == {"naive", "cafe", "strae"}
    for text in ("America’s “bizarre” plan—again…", "It’s a far–left ‘scheme’", "naïve"):
        assert words(text) == set(word_keys(text))


def test_parse_lexicon_rejects_bad_files() -> None:
    good = {"format_version": 1, "words": {"awful": 0.4}}
    assert parse_lexicon(json.dumps(good)) == {"awful": 0.4}
    for bad in ("[]", "{", json.dumps({"format_version": 1, "words": {"x": 7}})):
        with pytest.raises(ConfigurationError):
            parse_lexicon(bad)


def test_packaged_head_is_cached_and_checks_names() -> None:
    assert packaged_head("sentence_bias") is packaged_head("sentence_bias")
    with pytest.raises(ConfigurationError, match="invalid model name"):
        packaged_head("../sentence_bias")
    with pytest.raises(ConfigurationError, match=r"missing \(run scripts/train_heads\.py\)"):
        packaged_head("no_such_head")


def test_packaged_heads_are_linear_head_files() -> None:
    for name in ("sentence_bias", "topic"):
        assert packaged_head(name).metadata["format"] == FORMAT


def test_packaged_heads_are_small() -> None:
    folder = Path(__file__).resolve().parents[2] / "plumbline" / "data" / "heads"
    total = sum(p.stat().st_size for p in folder.iterdir() if p.suffix in (".npz", ".json"))
    assert total <= 5 * 1024 * 1024


def test_save_load_round_trip(tmp_path: Path) -> None:
    for k in (2, 3):
        rows = 1 if k == 2 else k
        head = LinearHead(
            classes=tuple(f"c{i}" for i in range(k)),
            coef=RNG.normal(size=(rows, 6)),
            intercept=RNG.normal(size=rows),
            mean=RNG.normal(size=6),
            scale=RNG.uniform(0.5, 2.0, size=6),
            calib_scale=0.8,
            calib_shift=0.1 if k == 2 else 0.0,
            metadata={"name": f"toy{k}", "note": "round trip"},
        )
        npz_path, json_path = head.save(tmp_path / f"toy{k}")
        assert npz_path.name == f"toy{k}.npz"
        assert json_path.name == f"toy{k}.json"
        assert json.loads(json_path.read_text(encoding="utf-8"))["format"] == FORMAT
        loaded = LinearHead.load(npz_path)
        assert loaded.classes == head.classes
        assert loaded.metadata["note"] == "round trip"
        assert loaded.calib_scale == pytest.approx(0.8)
        x = RNG.normal(size=(5, 6))
        assert np.allclose(loaded.predict_proba(x), head.predict_proba(x))
        assert np.allclose(LinearHead.load(tmp_path / f"toy{k}").coef, head.coef)


def test_binary_probabilities_match_sigmoid() -> None:
    head = LinearHead(
        classes=("no", "yes"), coef=np.array([[2.0, -1.0]]), intercept=np.array([0.5])
    )
    x = np.array([[1.0, 1.0], [-300.0, 300.0], [300.0, 0.0]])
    proba = head.predict_proba(x)
    assert proba[0, 1] == pytest.approx(1.0 / (1.0 + np.exp(-1.5)))
    assert np.all(np.isfinite(proba))
    assert head.predict(x) == ["yes", "no", "yes"]


def test_load_refuses_pickle_bearing_npz(tmp_path: Path) -> None:
    path = tmp_path / "evil.npz"
    np.savez(
        path,
        coef=np.array([{"payload": "would need pickle"}], dtype=object),
        intercept=np.zeros(1),
        calibration=np.array([1.0, 0.0]),
    )
    doc = {"format": FORMAT, "classes": ["a", "b"]}
    (tmp_path / "evil.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ConfigurationError, match="safe numeric npz"):
        LinearHead.load(path)


def test_load_rejects_malformed_heads(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        LinearHead.load(tmp_path / "missing")
    np.savez(
        tmp_path / "bad.npz",
        coef=np.zeros((2, 4)),
        intercept=np.zeros(1),
        calibration=np.array([1.0, 0.0]),
    )
    doc = {"format": FORMAT, "classes": ["a", "b"]}
    (tmp_path / "bad.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ConfigurationError, match="coef"):
        LinearHead.load(tmp_path / "bad")


def test_lead_sentences_limit() -> None:
    text = "\n\n".join(f"Sentence number {i} is here. And another one, {i}." for i in range(20))
    sents = lead_sentences(text)
    assert len(sents) == LEAN_MAX_SENTENCES
    assert sents[0] == "Sentence number 0 is here."
    assert lead_sentences("", 5) == []


@pytest.mark.slow
def test_loaded_sentence_scores_higher_than_neutral() -> None:
    from plumbline.analysis.embed import Embedder

    sentences = [
        "The radical left's disgraceful scheme to destroy America",
        "The committee will meet on Tuesday at 10 a.m.",
    ]
    encoded = Embedder().encode_layers(sentences, max_tokens=128)
    feats = sentence_features(
        encoded, sentences, packaged_bias_lexicon(), packaged_tfidf(BIAS_CHAR_SCORER)
    )
    p_biased = packaged_head("sentence_bias").predict_proba(feats)[:, 1]
    assert p_biased[0] > p_biased[1]
    assert p_biased[0] > 0.5 > p_biased[1]
